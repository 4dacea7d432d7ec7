// A process's file descriptors. Like the kernel, an fd points at an open file (struct file) which holds the single
// reference to the BPF object; dup and fork share the open file, and the object reference is dropped when the last
// fd to that file closes (fput → bpf_map_release / bpf_prog_release / bpf_link_release).
import { BpfError } from './errno.js';
import type { MapObject } from './map-object.js';
import type { ProgObject } from './prog/program.js';
import type { LinkObject } from './links/link.js';
import type { BtfObject } from './btf/object.js';

export type FileTarget =
  | { readonly kind: 'map'; readonly obj: MapObject }
  | { readonly kind: 'prog'; readonly obj: ProgObject }
  | { readonly kind: 'link'; readonly obj: LinkObject }
  /** A BTF object (BPF_BTF_LOAD / BPF_BTF_GET_FD_BY_ID); the last close drops its reference (btf_release). */
  | { readonly kind: 'btf'; readonly obj: BtfObject }
  /** BPF_ENABLE_STATS fd: closing it disables the statistics it enabled. */
  | { readonly kind: 'stats'; readonly statsType: number; readonly onClose: () => void }
  /** A seq_file (a bpf_iter session from BPF_ITER_CREATE): read(2) returns its text; the last close releases it. */
  | {
      readonly kind: 'seq';
      readonly name: string;
      read(n: number): Uint8Array;
      /** f_pos: bytes read so far (fdinfo's pos: line); absent → 0. */
      readonly pos?: () => number;
      readonly onClose: () => void;
    }
  /** Not a BPF object (stdin/stdout/stderr): bpf(2) on it is EINVAL. */
  | { readonly kind: 'other'; readonly name: string };

export interface FileMode {
  read: boolean;
  write: boolean;
}

/** O_RDONLY / O_WRONLY / O_RDWR as f_flags has them. */
export const accessFlags = (m: FileMode): number => (m.read && m.write ? 2 : m.write ? 1 : 0);
export const O_CLOEXEC = 0o2000000;

/** struct file: shared by every fd that dup/fork/SCM_RIGHTS made from the same open. */
export class OpenFile {
  private count = 1;
  constructor(
    readonly target: FileTarget,
    readonly mode: FileMode,
  ) {}

  get fileCount(): number {
    return this.count;
  }

  ref(): void {
    this.count++;
  }

  /** fput: the last close releases the object reference the file holds. */
  unref(): void {
    if (--this.count > 0) return;
    const t = this.target;
    if (t.kind === 'map') {
      // bpf_map_release: ops->map_release(map, file) first (perf_event_array drops the entries this file added),
      // then bpf_map_put_with_uref.
      t.obj.impl.onFileReleased?.(this);
      t.obj.putUser();
    }
    else if (t.kind === 'prog' || t.kind === 'link' || t.kind === 'btf') t.obj.put();
    else if (t.kind === 'stats' || t.kind === 'seq') t.onClose();
  }
}

export interface FdEntry {
  readonly file: OpenFile;
  cloexec: boolean;
}

/** RLIMIT_NOFILE's usual soft limit. */
export const DEFAULT_NOFILE = 1024;

export class FdTable {
  private readonly fds = new Map<number, FdEntry>();

  constructor(readonly limit = DEFAULT_NOFILE) {}

  /** get_unused_fd_flags: the lowest free number (EMFILE past RLIMIT_NOFILE). Takes over the caller's file ref. */
  install(file: OpenFile, cloexec: boolean): number {
    for (let fd = 0; fd < this.limit; fd++) {
      if (!this.fds.has(fd)) {
        this.fds.set(fd, { file, cloexec });
        return fd;
      }
    }
    throw new BpfError('EMFILE', `no free file descriptor below RLIMIT_NOFILE (${this.limit})`);
  }

  /** Installs at a given number (fork copies the table as is). */
  installAt(fd: number, file: OpenFile, cloexec: boolean): void {
    if (this.fds.has(fd)) throw new BpfError('EBADF', `fd ${fd} is already open`);
    this.fds.set(fd, { file, cloexec });
  }

  /** Checks that another fd can be installed, before anything is created (so a failure changes nothing). */
  ensureFree(): void {
    if (this.fds.size >= this.limit) throw new BpfError('EMFILE', `no free file descriptor below RLIMIT_NOFILE (${this.limit})`);
  }

  get(fd: number): FdEntry {
    const e = Number.isInteger(fd) ? this.fds.get(fd) : undefined;
    if (!e) throw new BpfError('EBADF', `fd ${fd} is not open`);
    return e;
  }

  has(fd: number): boolean {
    return this.fds.has(fd);
  }

  /** Removes the fd and drops its file reference. */
  close(fd: number): void {
    const e = this.get(fd);
    this.fds.delete(fd);
    e.file.unref();
  }

  entries(): [number, FdEntry][] {
    return [...this.fds.entries()].sort((a, b) => a[0] - b[0]);
  }

  get size(): number {
    return this.fds.size;
  }
}

