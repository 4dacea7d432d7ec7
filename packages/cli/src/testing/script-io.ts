// The fake IO the `bpfsim map|prog|link --script` tests use: fakeIO's in-memory files, with what the run printed
// read back as whole strings (`out()` for stdout, `err()` for stderr) after `main` returns.
import { fakeIO } from './fake-io.js';

export function scriptIO(files: Record<string, Uint8Array | string>) {
  const { io, out } = fakeIO(files);
  return { io, out: () => out.stdout, err: () => out.stderr };
}
