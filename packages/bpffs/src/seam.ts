// The seam with @bpfsim/objects (packages/objects/src/vfs.ts) plus what bpffs adds on its side: readable objects,
// the kernel as bpffs needs it, and the capability check.
import type { Capability, PinnableObject, VfsCaller, VfsHooks } from '@bpfsim/objects';

export type { Capability, PinnableObject, VfsCaller, VfsHooks };

/** A session reading a pinned object's text (an iterator link's bpf_seq_read, a map's seq_file). */
export interface ReadSession {
  /** Up to `n` bytes; an empty array at end of file. May throw BpfError (E2BIG, EAGAIN…) as read(2) would fail. */
  read(n: number): Uint8Array;
  close?(): void;
}

/**
 * Optional extensions a PinnableObject may offer so that its bpffs file can be read (kernel/bpf/inode.c: maps get
 * `bpffs_map_fops` only when `bpf_map_support_seq_show`, iterator links get `bpf_iter_fops`, all others
 * `bpffs_obj_fops`, whose open fails with EIO).
 */
export interface ReadablePinnable extends PinnableObject {
  /**
   * A map with BTF: the pretty-printed contents, as `cat` of its pin shows (bpffs_map_fops), as a byte string: each
   * char code (0–255) is one byte of the file (a char array's Latin-1 bytes come back raw, not UTF-8 encoded).
   */
  readText?(): string;
  /** An iterator link: a new bpf_iter session per open (bpf_iter_fops → prepare_seq_file). */
  openSession?(): ReadSession;
  /** The /proc/<pid>/fdinfo text (a byte string, like readText); shown by `cat` only with createBpffs({ readFdinfo: true }). */
  fdinfo?(): string;
}

/** The kernel as bpffs needs it: somewhere to install the hooks, and (optionally) its clock. */
export interface KernelLike {
  installVfs(hooks: VfsHooks): void;
  /** Nanoseconds since boot (objects' Kernel.nowNs); used for timestamps unless createBpffs gets a clock. */
  nowNs?(): bigint;
}

/** capable(cap) for the calling process (the capability names are objects' Capability union). */
export function callerHasCap(caller: VfsCaller, cap: Capability): boolean {
  return caller.hasCap(cap);
}
