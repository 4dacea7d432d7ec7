// Mounts and mount namespaces (fs/namespace.c): the mount tree of each namespace, copy on unshare, detach.
//
// A Mount shows the tree of a superblock below `root` at `mountpoint` of its parent mount. Superblocks are held by
// every attached mount of every namespace, so a bpffs instance survives as long as some namespace still mounts it.

import type { Inode, Superblock } from './inode.js';

let nextMountId = 1;
let nextNamespaceId = 1;

export class Mount {
  readonly id = nextMountId++;
  readonly children: Mount[] = [];
  /** Open files through this mount: umount without `lazy` fails with EBUSY while any is open. */
  openCount = 0;
  attached = true;
  constructor(
    readonly sb: Superblock,
    /** The directory of `sb` shown at the mountpoint (its root, or a subdirectory for a bind mount). */
    readonly root: Inode,
    readonly parent: Mount | null,
    readonly mountpoint: Inode | null,
    readonly ns: MountNamespace,
  ) {}
}

export class MountNamespace {
  readonly id = nextNamespaceId++;
  readonly mounts = new Set<Mount>();
  /** pids of the processes in this namespace. */
  readonly members = new Set<number>();
  /** Kernel profile '4.4': the one bpffs superblock of this namespace (mount_ns keyed it by namespace). */
  bpfSuper?: Superblock;
  private rootMount?: Mount;

  get root(): Mount {
    if (!this.rootMount) throw new Error('bpffs: internal: namespace without root mount');
    return this.rootMount;
  }

  /** Attach a mount: the root of the namespace when `parent` is null. Holds its superblock. */
  attach(sb: Superblock, root: Inode, parent: Mount | null, mountpoint: Inode | null): Mount {
    sb.hold();
    const mnt = new Mount(sb, root, parent, mountpoint, this);
    if (parent) parent.children.push(mnt);
    else this.rootMount = mnt;
    this.mounts.add(mnt);
    return mnt;
  }

  /** The mount stacked on `inode` as seen through `parent` (the most recent if several). */
  mountedAt(parent: Mount, inode: Inode): Mount | undefined {
    for (let i = parent.children.length - 1; i >= 0; i--) {
      if (parent.children[i].mountpoint === inode) return parent.children[i];
    }
    return undefined;
  }

  /** is_local_mountpoint: is `inode` a mountpoint of some mount of this namespace? */
  isLocalMountpoint(inode: Inode): boolean {
    for (const m of this.mounts) if (m.mountpoint === inode) return true;
    return false;
  }

  /** umount_tree: detach `mnt` and everything mounted below it; each drops its hold on its superblock. */
  detachTree(mnt: Mount): void {
    for (const child of [...mnt.children]) this.detachTree(child);
    if (mnt.parent) {
      const i = mnt.parent.children.indexOf(mnt);
      if (i >= 0) mnt.parent.children.splice(i, 1);
    } else if (this.rootMount === mnt) {
      this.rootMount = undefined;
    }
    this.mounts.delete(mnt);
    mnt.attached = false;
    mnt.sb.unhold();
  }

  /** copy_mnt_ns: a new namespace with a copy of every mount (same superblocks, same roots and mountpoints). */
  copy(): MountNamespace {
    const ns = new MountNamespace();
    const clone = (src: Mount, parent: Mount | null) => {
      const dst = ns.attach(src.sb, src.root, parent, src.mountpoint);
      for (const child of src.children) clone(child, dst);
    };
    clone(this.root, null);
    return ns;
  }

  /** put_mnt_ns: the last process left; every mount is dropped. */
  teardown(): void {
    if (this.rootMount) this.detachTree(this.rootMount);
    this.bpfSuper = undefined;
  }
}

/** Every namespace of one filesystem world (needed to detach mounts on a removed directory everywhere). */
export class NamespaceRegistry {
  readonly all = new Set<MountNamespace>();

  add(ns: MountNamespace): MountNamespace {
    this.all.add(ns);
    return ns;
  }

  /**
   * After rmdir/rename removed `inode` in one namespace, mounts on it in other namespaces are detached
   * (fs/namespace.c: __detach_mounts, called from vfs_rmdir / vfs_unlink / vfs_rename).
   */
  detachMountsOn(inode: Inode): void {
    for (const ns of this.all) {
      for (const m of [...ns.mounts]) if (m.attached && m.mountpoint === inode) ns.detachTree(m);
    }
  }

  /** A namespace whose last member left is torn down (the initial namespace is kept: init never exits). */
  leave(ns: MountNamespace, pid: number, keep: MountNamespace): void {
    ns.members.delete(pid);
    if (ns.members.size === 0 && ns !== keep) {
      ns.teardown();
      this.all.delete(ns);
    }
  }
}
