// createBpffs: the filesystem world wired to a kernel — VfsHooks for BPF_OBJ_PIN/GET and process lifecycle, plus a
// node:fs-flavoured API per process and mount/umount/unshare. objects' Process delegates proc.fs, proc.mount and
// proc.unshare to `processApi(proc)`; without objects, use fsFor(caller), mount(caller, …), unshare(caller, 'mnt').

import { Kernel as ObjectsKernel, bpfPreload } from '@bpfsim/objects';
import type { Clock } from './clock.js';
import { concatBytes } from './bytes.js';
import * as dirOps from './dir-ops.js';
import { fail } from './errors.js';
import { OpenFileTable, type FileHandle, type OpenFlags } from './file.js';
import * as mounting from './mounting.js';
import type { MountInfo } from './mounting.js';
import { getObject, pinObject } from './pin.js';
import * as query from './query.js';
import type { Stat } from './query.js';
import type { KernelLike, PinnableObject, VfsCaller, VfsHooks } from './seam.js';
import { World, type BpffsOptions, type KernelProfile, type MountOptions } from './world.js';

/** The node:fs-flavoured view of the filesystem for one process. Errors are BpfError with kernel errno names. */
export interface ProcessFs {
  mkdir(path: string, mode?: number): void;
  rmdir(path: string): void;
  unlink(path: string): void;
  rename(oldPath: string, newPath: string): void;
  link(existing: string, newPath: string): void;
  symlink(target: string, path: string): void;
  readlink(path: string): string;
  /** Names in the kernel's readdir order (bpffs: newest first), without '.' and '..'. */
  readdir(path: string): string[];
  stat(path: string): Stat;
  lstat(path: string): Stat;
  chmod(path: string, mode: number): void;
  chown(path: string, uid: number, gid: number): void;
  /** The whole content of a file (open, read to EOF, close). */
  readFile(path: string): Uint8Array;
  open(path: string, flags?: OpenFlags): FileHandle;
  read(handle: FileHandle, n: number): Uint8Array;
  close(handle: FileHandle): void;
  /** Set the umask and return the previous one (umask(2)); without an argument only returns it. */
  umask(mask?: number): number;
}

export interface Bpffs extends VfsHooks {
  readonly profile: KernelProfile;
  readonly clock: Clock;
  fsFor(caller: VfsCaller): ProcessFs;
  mount(caller: VfsCaller, fsType: mounting.FsTypeName, target?: string, options?: MountOptions): void;
  bindMount(caller: VfsCaller, source: string, target: string, options?: { recursive?: boolean }): void;
  umount(caller: VfsCaller, target: string, options?: { lazy?: boolean }): void;
  unshare(caller: VfsCaller, what: 'mnt'): void;
  /** A process exits: its open files close, it leaves its mount namespace (the last one out tears it down). */
  detachProcess(caller: VfsCaller): void;
  /** What objects' Process exposes as proc.fs, proc.mount(fsType, target?, options?) and proc.unshare('mnt'). */
  processApi(caller: VfsCaller): ProcessApi;
  mounts(caller: VfsCaller): MountInfo[];
  /** For tests: superblocks still alive and open files. */
  stats(): { liveSuperblocks: number; openFiles: number; namespaces: number };
}

/** objects' VfsProcessApi, typed. */
export interface ProcessApi {
  readonly fs: ProcessFs;
  mount(fsType?: mounting.FsTypeName, target?: string, options?: MountOptions): void;
  unshare(what: 'mnt'): void;
}

const READ_CHUNK = 1 << 16;

export function createBpffs(kernel?: KernelLike, options: BpffsOptions = {}): Bpffs {
  const kernelClock = kernel?.nowNs ? { now: () => Number(kernel.nowNs!() / 1_000_000n) } : undefined;
  // populate_bpffs: with an objects Kernel, every new instance gets the bpf_preload links unless told otherwise —
  // on modern kernels only (bpf_preload arrived in 5.10; the '4.4' profile's bpffs starts empty).
  const preloads = kernel instanceof ObjectsKernel && (options.profile ?? 'modern') === 'modern';
  const populate = options.populate ?? (preloads ? bpfPreload(kernel).populate : undefined);
  const world = new World({ ...options, populate, clock: options.clock ?? kernelClock });
  const files = new OpenFileTable(world);

  const fsFor = (caller: VfsCaller): ProcessFs => ({
    mkdir: (path, mode) => dirOps.mkdir(world, caller, path, mode),
    rmdir: (path) => dirOps.rmdir(world, caller, path),
    unlink: (path) => dirOps.unlink(world, caller, path),
    rename: (a, b) => dirOps.rename(world, caller, a, b),
    link: (a, b) => dirOps.link(world, caller, a, b),
    symlink: (target, path) => dirOps.symlink(world, caller, target, path),
    readlink: (path) => query.readlink(world, caller, path),
    readdir: (path) => query.readdir(world, caller, path),
    stat: (path) => query.stat(world, caller, path),
    lstat: (path) => query.lstat(world, caller, path),
    chmod: (path, mode) => dirOps.chmod(world, caller, path, mode),
    chown: (path, uid, gid) => dirOps.chown(world, caller, path, uid, gid),
    readFile: (path) => {
      const h = files.openFile(caller, path, 'r');
      try {
        const parts: Uint8Array[] = [];
        for (let part = files.read(caller, h, READ_CHUNK); part.length > 0; part = files.read(caller, h, READ_CHUNK)) {
          parts.push(part);
        }
        return concatBytes(parts.length ? parts : [new Uint8Array(0)]);
      } finally {
        files.close(caller, h);
      }
    },
    open: (path, flags = 'r') => files.openFile(caller, path, flags),
    read: (handle, n) => files.read(caller, handle, n),
    close: (handle) => files.close(caller, handle),
    umask: (mask) => {
      const old = world.umaskOf(caller);
      if (mask !== undefined) {
        if (!Number.isInteger(mask) || mask < 0) fail('EINVAL', 'umask', `bad mask ${mask}`);
        world.umasks.set(caller.pid, mask & 0o777);
      }
      return old;
    },
  });

  const bpffs: Bpffs = {
    profile: world.profile,
    clock: world.clock,
    pin: (caller: VfsCaller, pathname: string, obj: PinnableObject) => pinObject(world, caller, pathname, obj),
    get: (caller, pathname, access) => getObject(world, caller, pathname, access),
    attachProcess: (child, parent) => mounting.attachProcess(world, child, parent),
    detachProcess: (caller) => {
      files.closeAllOf(caller);
      mounting.detachProcess(world, caller);
    },
    fsFor,
    processApi: (caller) => ({
      fs: fsFor(caller),
      mount: (fsType = 'bpf', target, opts) => bpffs.mount(caller, fsType, target, opts),
      unshare: (what) => bpffs.unshare(caller, what),
    }),
    mount: (caller, fsType, target = '/sys/fs/bpf', opts) => mounting.mountFs(world, caller, fsType, target, opts),
    bindMount: (caller, source, target, opts) => mounting.bindMount(world, caller, source, target, opts),
    umount: (caller, target, opts) => mounting.umount(world, caller, target, opts),
    unshare: (caller, what) => {
      if (what !== 'mnt') fail('EINVAL', `unshare(${String(what)})`, "only 'mnt' is supported");
      mounting.unshareMounts(world, caller);
    },
    mounts: (caller) => mounting.listMounts(world, caller),
    stats: () => ({
      liveSuperblocks: world.superblocks.filter((sb) => sb.alive).length,
      openFiles: files.openCount,
      namespaces: world.registry.all.size,
    }),
  };

  if (options.bootMount !== false) {
    const init: VfsCaller = { pid: 1, uid: 0, gid: 0, hasCap: () => true, mountNamespace: world.initial };
    mounting.mountFs(world, init, 'bpf', '/sys/fs/bpf', options.bootMount ?? {});
  }
  kernel?.installVfs(bpffs);
  return bpffs;
}
