// An in-memory CliIO for the command tests: files by path (`-` is standard input), a missing file fails with ENOENT
// as node:fs does, and everything written (stdout, stderr, files) is captured.
import type { CliIO } from '../io.js';

export function fakeIO(files: Record<string, string | Uint8Array> = {}) {
  const store = new Map<string, Uint8Array>(
    Object.entries(files).map(([k, v]) => [k, typeof v === 'string' ? new TextEncoder().encode(v) : v]),
  );
  const out = { stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    readFile: (path) => {
      const data = store.get(path);
      if (!data) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
      return data;
    },
    writeFile: (path, data) => void store.set(path, typeof data === 'string' ? new TextEncoder().encode(data) : data),
  };
  return { io, out, store };
}
