// Inodes and superblocks of the in-memory filesystems: bpffs instances and the tiny tmpfs-like root fs.
//
// A superblock lives while something holds it: every attached mount (in any namespace) and every open file.
// When the last holder goes, it is destroyed the way bpffs is (kill_litter_super drops every dentry, each pinned
// inode is evicted, bpf_free_inode → bpf_any_put releases its object exactly once).

import type { Clock } from './clock.js';
import { S_IFDIR, S_IFMT, S_IFLNK } from './mode.js';
import type { PinnableObject } from './seam.js';

export type FsType = 'bpf' | 'tmpfs';
export type InodeKind = 'dir' | 'symlink' | 'map' | 'prog' | 'link';

/** A name in a directory. `seq` orders readdir (see Superblock.readdirOrder). */
export interface DirEntry {
  readonly inode: Inode;
  seq: number;
}

export class Inode {
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  nlink: number;
  /** Directories: name → entry. Undefined for other inodes. */
  readonly children?: Map<string, DirEntry>;
  /** Directories: the containing directory (the root's parent is itself). Directories cannot be hard-linked. */
  parent?: Inode;
  /** Open files referring to this inode (they keep an unlinked pin's object alive, as an open dentry does). */
  openCount = 0;
  /** True once evicted: the object (if any) has been released. */
  evicted = false;
  /** Set by rmdir: a removed directory accepts no new entries (IS_DEADDIR). */
  dead = false;

  constructor(
    readonly sb: Superblock,
    readonly ino: number,
    public mode: number,
    public uid: number,
    public gid: number,
    now: number,
    /** The pinned object of a map/prog/link file. */
    readonly obj?: PinnableObject,
    /** The target of a symlink. */
    readonly target?: string,
  ) {
    this.atimeMs = this.mtimeMs = this.ctimeMs = now;
    const isDir = (mode & S_IFMT) === S_IFDIR;
    this.nlink = isDir ? 2 : 1;
    if (isDir) this.children = new Map();
  }

  get kind(): InodeKind {
    if ((this.mode & S_IFMT) === S_IFDIR) return 'dir';
    if ((this.mode & S_IFMT) === S_IFLNK) return 'symlink';
    if (!this.obj) throw new Error(`bpffs: internal: regular inode ${this.ino} without object`);
    return this.obj.kind;
  }

  get isDir(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }

  get isSymlink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK;
  }
}

/** Shared counters of one filesystem world: inode numbers (get_next_ino) and readdir sequence numbers. */
export class InodeAllocator {
  private nextIno = 2;
  private nextSeq = 1;
  private nextSbId = 1;
  ino(): number {
    return this.nextIno++;
  }
  seq(): number {
    return this.nextSeq++;
  }
  sbId(): number {
    return this.nextSbId++;
  }
}

export class Superblock {
  readonly id: number;
  readonly root: Inode;
  /** Attached mounts plus open files. */
  private holders = 0;
  alive = true;

  constructor(
    readonly fsType: FsType,
    private readonly alloc: InodeAllocator,
    readonly clock: Clock,
    rootMode: number,
    rootUid: number,
    rootGid: number,
    private readonly onDestroy?: (sb: Superblock) => void,
  ) {
    this.id = alloc.sbId();
    // simple_fill_super gives the root inode number 1.
    this.root = new Inode(this, fsType === 'bpf' ? 1 : alloc.ino(), S_IFDIR | rootMode, rootUid, rootGid, clock.now());
    this.root.parent = this.root;
  }

  /**
   * readdir order: the newest entry first, on bpffs (simple_dir_operations → dcache_readdir walks d_children, where
   * d_alloc adds at the head and a rename re-links at the head) and on tmpfs alike. Checked on Linux 6.18:
   * `mkdir a b c; ls -f` prints c b a on a bpffs, and a tmpfs lists `mkdir b; mkdir s` as s b.
   */
  readonly readdirOrder = 'newest-first' as const;

  newInode(mode: number, uid: number, gid: number, obj?: PinnableObject, target?: string): Inode {
    return new Inode(this, this.alloc.ino(), mode, uid, gid, this.clock.now(), obj, target);
  }

  /** Put `inode` into `dir` under `name` (the caller checked that the name is free). */
  addEntry(dir: Inode, name: string, inode: Inode): void {
    dir.children!.set(name, { inode, seq: this.alloc.seq() });
  }

  hold(): void {
    if (!this.alive) throw new Error(`bpffs: internal: hold of destroyed superblock ${this.id}`);
    this.holders++;
  }

  /** Drop one holder; the last one destroys the superblock. */
  unhold(): void {
    if (this.holders <= 0) throw new Error(`bpffs: internal: superblock ${this.id} released more than held`);
    if (--this.holders === 0) this.destroy();
  }

  get holderCount(): number {
    return this.holders;
  }

  /** kill_litter_super: drop every dentry; each pinned inode is evicted and releases its object once. */
  private destroy(): void {
    this.alive = false;
    const seen = new Set<Inode>();
    const walk = (dir: Inode) => {
      for (const { inode } of dir.children!.values()) {
        if (inode.isDir) walk(inode);
        else if (!seen.has(inode)) {
          seen.add(inode);
          inode.nlink = 0;
          evictIfUnused(inode);
        }
      }
      dir.children!.clear();
    };
    walk(this.root);
    this.onDestroy?.(this);
  }
}

/**
 * Evict a non-directory inode once nothing names it and nothing has it open (iput → bpf_evict_inode/bpf_free_inode
 * → bpf_any_put). Returns whether it was evicted now.
 */
export function evictIfUnused(inode: Inode): boolean {
  if (inode.evicted || inode.isDir || inode.nlink > 0 || inode.openCount > 0) return false;
  inode.evicted = true;
  inode.obj?.release();
  return true;
}

