// Read-only queries: stat/lstat, readdir, readlink.

import { fail } from './errors.js';
import type { Inode, InodeKind } from './inode.js';
import { resolve } from './path.js';
import { MAY_READ, checkPermission } from './permission.js';
import type { VfsCaller } from './seam.js';
import { touchAtime } from './times.js';
import type { World } from './world.js';

export interface Stat {
  /** st_mode: type and permission bits. */
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  ino: number;
  /** The superblock's id (st_dev). */
  dev: number;
  /** Always 0 on bpffs (no inode sets i_size); on tmpfs a symlink's target length, a directory's 20 × (entries + 2). */
  size: number;
  blksize: number;
  blocks: number;
  kind: InodeKind;
  /** What the file holds: the pinned object's kind and id. */
  object?: { kind: 'map' | 'prog' | 'link'; id: number };
  fsType: 'bpf' | 'tmpfs';
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
}

export function statOf(inode: Inode): Stat {
  return { ...sizeless(inode), size: sizeOf(inode) };
}

/** BOGO_DIRENT_SIZE (mm/shmem.c): tmpfs counts 20 bytes per directory entry, 2 for '.' and '..'. */
const BOGO_DIRENT_SIZE = 20;

/** bpffs never sets i_size (0 for everything); tmpfs gives directories bogus entry sizes and symlinks their length. */
function sizeOf(inode: Inode): number {
  if (inode.sb.fsType !== 'tmpfs') return 0;
  if (inode.isSymlink) return new TextEncoder().encode(inode.target!).length;
  if (inode.isDir) return BOGO_DIRENT_SIZE * (2 + inode.children!.size);
  return 0;
}

function sizeless(inode: Inode): Omit<Stat, 'size'> {
  return {
    mode: inode.mode,
    uid: inode.uid,
    gid: inode.gid,
    nlink: inode.nlink,
    ino: inode.ino,
    dev: inode.sb.id,
    blksize: 4096,
    blocks: 0,
    kind: inode.kind,
    object: inode.obj ? { kind: inode.obj.kind, id: inode.obj.id } : undefined,
    fsType: inode.sb.fsType,
    atimeMs: inode.atimeMs,
    mtimeMs: inode.mtimeMs,
    ctimeMs: inode.ctimeMs,
  };
}

export function stat(world: World, caller: VfsCaller, path: string): Stat {
  return statOf(resolve(world.ctx(caller), path, { follow: true }).inode);
}

export function lstat(world: World, caller: VfsCaller, path: string): Stat {
  return statOf(resolve(world.ctx(caller), path, { follow: false }).inode);
}

/** Entry names in the filesystem's readdir order ('.' and '..' left out, as node:fs does). */
export function listEntries(dir: Inode): string[] {
  const entries = [...dir.children!.entries()];
  entries.sort((a, b) => b[1].seq - a[1].seq); // Superblock.readdirOrder: newest first
  return entries.map(([name]) => name);
}

/** readdir: opening the directory needs read permission (EACCES), a non-directory fails with ENOTDIR. */
export function readdir(world: World, caller: VfsCaller, path: string): string[] {
  const { inode } = resolve(world.ctx(caller), path, { follow: true });
  if (!inode.isDir) fail('ENOTDIR', path, 'not a directory');
  checkPermission(caller, inode, MAY_READ, path);
  touchAtime(inode, world.now());
  return listEntries(inode);
}

export function readlink(world: World, caller: VfsCaller, path: string): string {
  const { inode } = resolve(world.ctx(caller), path, { follow: false });
  if (!inode.isSymlink) fail('EINVAL', path, 'not a symbolic link');
  return inode.target!;
}
