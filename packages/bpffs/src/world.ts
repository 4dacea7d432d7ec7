// The state of one simulated filesystem world: clock, inode numbers, namespaces, the root fs, per-process umask.

import { VirtualClock, type Clock } from './clock.js';
import { fail } from './errors.js';
import { InodeAllocator, Superblock, type FsType, type Inode } from './inode.js';
import { S_IALLUGO, S_IFDIR, S_IFREG, S_IRWXUGO, S_ISVTX } from './mode.js';
import { MountNamespace, NamespaceRegistry } from './mount.js';
import type { WalkContext } from './path.js';
import type { PinnableObject, VfsCaller } from './seam.js';

/**
 * '4.4': one bpffs superblock per mount namespace — every `mount -t bpf` in a namespace shows the same tree (the
 *        first kernels used mount_ns()).
 * 'modern': every `mount -t bpf` is a new instance (get_tree_nodev); only bind mounts share one.
 */
export type KernelProfile = '4.4' | 'modern';

/** bpf_parse_param: mode (octal, & S_IALLUGO), uid, gid. Defaults: 0777 owned by the mounter's 0:0. */
export interface MountOptions {
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface BpffsOptions {
  profile?: KernelProfile;
  clock?: Clock;
  /** Mount a bpffs at /sys/fs/bpf in the initial namespace at boot (as systemd does). Default: {} (kernel defaults). */
  bootMount?: false | MountOptions;
  /** `cat` of an object without a seq_show shows its fdinfo text instead of failing with EIO. Opt-in, not the kernel. */
  readFdinfo?: boolean;
  /**
   * Files a new bpffs instance starts with, as populate_bpffs() pins the bpf_preload iterator links maps.debug and
   * progs.debug (mode 0400, owned by root). Each object is retained once for its pin, unless its entry says `owned`
   * (it comes with that reference already taken). Default with an objects Kernel: its bpf_preload
   * (`bpfPreload(kernel).populate`); `false` starts every instance empty.
   */
  populate?: false | (() => ReadonlyArray<PopulateEntry>);
}

/** One file of a new bpffs instance. */
export interface PopulateEntry {
  readonly name: string;
  readonly obj: PinnableObject;
  /** The entry carries the pin's reference already (bpf_link_inc in populate_bpffs): no retain. */
  readonly owned?: boolean;
}

export const DEFAULT_UMASK = 0o022;

export class World {
  readonly alloc = new InodeAllocator();
  readonly clock: Clock;
  readonly profile: KernelProfile;
  readonly registry = new NamespaceRegistry();
  readonly initial: MountNamespace;
  readonly rootfs: Superblock;
  readonly umasks = new Map<number, number>();
  /** Every superblock ever made, for tests and the CLI (destroyed ones have alive = false). */
  readonly superblocks: Superblock[] = [];

  constructor(readonly options: BpffsOptions) {
    this.clock = options.clock ?? new VirtualClock();
    this.profile = options.profile ?? 'modern';
    if (this.profile !== 'modern' && this.profile !== '4.4') fail('EINVAL', 'createBpffs', `unknown kernel profile '${String(this.profile)}'`);
    this.rootfs = this.newSuper('tmpfs', 0o755, 0, 0);
    this.rootfs.hold(); // the root fs outlives every namespace
    this.buildSkeleton();
    this.initial = this.registry.add(new MountNamespace());
    this.initial.attach(this.rootfs, this.rootfs.root, null, null);
  }

  /** A minimal host tree: /sys/fs/bpf (sysfs_create_mount_point makes it 0755) and a sticky /tmp. */
  private buildSkeleton(): void {
    const mk = (dir: Inode, name: string, mode: number) => {
      const inode = this.rootfs.newInode(S_IFDIR | mode, 0, 0);
      inode.parent = dir;
      this.rootfs.addEntry(dir, name, inode);
      dir.nlink++;
      return inode;
    };
    const sys = mk(this.rootfs.root, 'sys', 0o555);
    const fs = mk(sys, 'fs', 0o755);
    mk(fs, 'bpf', 0o755);
    mk(this.rootfs.root, 'tmp', 0o1777);
  }

  newSuper(fsType: FsType, mode: number, uid: number, gid: number): Superblock {
    const sb = new Superblock(fsType, this.alloc, this.clock, mode, uid, gid);
    this.superblocks.push(sb);
    return sb;
  }

  /** bpf_fill_super: the root is S_IFDIR | S_ISVTX | mode, owned by uid:gid; then populate_bpffs. */
  newBpfSuper(opts: MountOptions): Superblock {
    const mode = opts.mode ?? S_IRWXUGO;
    const sb = this.newSuper('bpf', S_ISVTX | (mode & S_IALLUGO), opts.uid ?? 0, opts.gid ?? 0);
    const populate = this.options.populate;
    for (const { name, obj, owned } of populate ? populate() : []) {
      if (!owned) obj.retain();
      const inode = sb.newInode(S_IFREG | 0o400, 0, 0, obj);
      sb.addEntry(sb.root, name, inode);
    }
    return sb;
  }

  /** The caller's mount namespace; a caller never attached is in the initial one. */
  nsOf(caller: VfsCaller): MountNamespace {
    const ns = caller.mountNamespace;
    if (!(ns instanceof MountNamespace)) return this.initial;
    if (!this.registry.all.has(ns)) fail('ESRCH', `pid ${caller.pid}`, 'the process has exited (its mount namespace is gone)');
    return ns;
  }

  ctx(caller: VfsCaller): WalkContext {
    return { ns: this.nsOf(caller), caller };
  }

  umaskOf(caller: VfsCaller): number {
    return this.umasks.get(caller.pid) ?? DEFAULT_UMASK;
  }

  now(): number {
    return this.clock.now();
  }
}
