// The seam between the simulated kernel (objects) and a filesystem that can pin objects (bpffs).
// objects must not import bpffs; bpffs implements VfsHooks and installs it with `kernel.installVfs(hooks)`.
import type { Capability } from './caps.js';

/** A BPF object as a filesystem sees it: something that can be held by a pin and opened again. */
export interface PinnableObject {
  readonly kind: 'map' | 'prog' | 'link';
  readonly id: number;
  /**
   * Take one user reference, as an fd or a bpffs pin holds (for maps both refcnt and usercnt, as
   * `bpf_map_inc_with_uref` does). The object cannot be freed while it is held.
   */
  retain(): void;
  /** Drop a reference taken by retain(); frees the object when it was the last (`bpf_map_put_with_uref`). */
  release(): void;
}

/** Who is asking: enough of a process for path resolution and permission checks. */
export interface VfsCaller {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  /** capable(): every name of objects' Capability, the filesystem ones (CAP_FOWNER, CAP_CHOWN, CAP_DAC_*) included. */
  hasCap(cap: Capability): boolean;
  /** Opaque mount-namespace handle owned by the filesystem implementation (set via VfsHooks.attachProcess). */
  mountNamespace: unknown;
}

/** What the kernel calls for BPF_OBJ_PIN / BPF_OBJ_GET and process lifecycle. Errors are thrown as BpfError. */
export interface VfsHooks {
  /** BPF_OBJ_PIN: create a file at `pathname` holding `obj` (the hook calls obj.retain()). */
  pin(caller: VfsCaller, pathname: string, obj: PinnableObject): void;
  /**
   * BPF_OBJ_GET: the object pinned at `pathname`, with one reference already retained for the new fd.
   * `access` is what the new fd will allow, derived from file_flags (BPF_F_RDONLY / BPF_F_WRONLY).
   */
  get(caller: VfsCaller, pathname: string, access: { read: boolean; write: boolean }): PinnableObject;
  /** A new process (spawn or fork) gets its mount namespace: the parent's for fork, the initial one for spawn. */
  attachProcess(child: VfsCaller, parent: VfsCaller | undefined): void;
  /**
   * Optional (added by objects-core): the per-process filesystem API the kernel exposes as `proc.fs`,
   * `proc.mount(...)` and `proc.unshare('mnt')` — each a one-line delegation to what this returns.
   */
  processApi?(caller: VfsCaller): VfsProcessApi;
  /** Optional: the process exited (drop its hold on its mount namespace). */
  detachProcess?(caller: VfsCaller): void;
}

/** What `processApi` returns; every member is optional, a missing one makes the proc.* call fail with ENOSYS. */
export interface VfsProcessApi {
  /** node:fs-flavoured operations (mkdir, rmdir, unlink, rename, readdir, stat, readFile, …) as this process. */
  readonly fs?: unknown;
  mount?(...args: unknown[]): unknown;
  unshare?(what: 'mnt'): unknown;
}
