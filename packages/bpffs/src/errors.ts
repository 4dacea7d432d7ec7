// Errors of the filesystem: kernel errno names, thrown as @bpfsim/objects' BpfError so that bpf(2) callers see one
// error type whichever layer failed.
import { BpfError, isBpfError, type Errno } from '@bpfsim/objects';

export { BpfError, isBpfError, type Errno };

/** Throw a BpfError naming where and why: `fail('ENOENT', path, 'no such file or directory')`. */
export function fail(errno: Errno, where: string, why: string): never {
  throw new BpfError(errno, `${where}: ${why}`);
}
