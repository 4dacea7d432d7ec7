// Namespace operations on directories (fs/namei.c do_mkdirat, do_rmdir, do_unlinkat, do_renameat2, do_linkat,
// do_symlinkat, fs/attr.c for chmod/chown) with the kernel's checks in the kernel's order.
//
// The errno of each case was checked on Linux 6.18 against a bpffs mounted in a private mount namespace
// (python os.* calls; see test/kernel-facts.md): rename dir→file ENOTDIR, file→dir EISDIR, dir→non-empty dir
// ENOTEMPTY, dir into itself EINVAL, onto an ancestor ENOTEMPTY, '.' EBUSY, a mountpoint EBUSY, across mounts EXDEV;
// rmdir '.' EINVAL, '..' ENOTEMPTY; unlink of a directory EISDIR; link of a directory EPERM.

import { fail } from './errors.js';
import { evictIfUnused, type Inode } from './inode.js';
import { S_IFDIR, S_IFLNK, S_IFREG, S_ISGID, S_ISUID, S_ISVTX, S_IRWXUGO, S_IALLUGO } from './mode.js';
import { lookupEntry, normalizeInput, resolve, resolveParent, type ParentLoc } from './path.js';
import { MAY_EXEC, MAY_READ, MAY_WRITE, checkMayCreate, checkPermission, checkSticky, hasPermission } from './permission.js';
import { callerHasCap, type VfsCaller } from './seam.js';
import { touchDir } from './times.js';
import type { World } from './world.js';

/** filename_create: the parent of a new entry, which must not exist yet. Returns the parent. */
export function prepareCreate(world: World, caller: VfsCaller, path: string, opts: { isDir: boolean }): ParentLoc {
  const p = resolveParent(world.ctx(caller), path);
  if (p.lastType !== 'norm') fail('EEXIST', path, `'${p.last}' always exists`);
  const existing = lookupEntry(p.dir.inode, p.last, path);
  if (existing) fail('EEXIST', path, 'file exists');
  if (p.trailingSlash && !opts.isDir) fail('ENOENT', path, 'trailing slash on a name that would not be a directory');
  return p;
}

/** inode_init_owner: the caller's uid; the directory's gid (and, for directories, its S_ISGID) if it is setgid. */
export function ownerFor(caller: VfsCaller, dir: Inode, mode: number): { uid: number; gid: number; mode: number } {
  if (dir.mode & S_ISGID) return { uid: caller.uid, gid: dir.gid, mode: mode & S_IFDIR ? mode | S_ISGID : mode };
  return { uid: caller.uid, gid: caller.gid, mode };
}

export function mkdir(world: World, caller: VfsCaller, path: string, mode = 0o777): void {
  if (!Number.isInteger(mode) || mode < 0 || mode > 0xffff) fail('EINVAL', path, `bad mode ${String(mode)}`);
  const p = prepareCreate(world, caller, path, { isDir: true });
  const dir = p.dir.inode;
  checkMayCreate(caller, dir, path);
  const perm = mode & (S_IRWXUGO | S_ISVTX) & ~world.umaskOf(caller);
  const owner = ownerFor(caller, dir, S_IFDIR | perm);
  const inode = dir.sb.newInode(owner.mode, owner.uid, owner.gid);
  inode.parent = dir;
  dir.sb.addEntry(dir, p.last, inode);
  dir.nlink++;
  touchDir(dir, world.now());
}

export function symlink(world: World, caller: VfsCaller, target: string, path: string): void {
  if (typeof target !== 'string' || target.length === 0) fail('ENOENT', path, 'empty symlink target');
  normalizeInput(target);
  const p = prepareCreate(world, caller, path, { isDir: false });
  const dir = p.dir.inode;
  checkMayCreate(caller, dir, path);
  const owner = ownerFor(caller, dir, S_IFLNK | S_IRWXUGO);
  dir.sb.addEntry(dir, p.last, dir.sb.newInode(owner.mode, owner.uid, owner.gid, undefined, target));
  touchDir(dir, world.now());
}

/** may_delete: the victim exists, w+x on its directory, the sticky rule, and directory-ness. */
function checkMayDelete(caller: VfsCaller, dir: Inode, victim: Inode, isDir: boolean, path: string): void {
  checkPermission(caller, dir, MAY_WRITE | MAY_EXEC, path);
  checkSticky(caller, dir, victim, path);
  if (isDir && !victim.isDir) fail('ENOTDIR', path, 'not a directory');
  if (!isDir && victim.isDir) fail('EISDIR', path, 'is a directory');
}

export function rmdir(world: World, caller: VfsCaller, path: string): void {
  const ctx = world.ctx(caller);
  const p = resolveParent(ctx, path);
  if (p.lastType === 'dotdot') fail('ENOTEMPTY', path, "'..' is never empty");
  if (p.lastType === 'dot') fail('EINVAL', path, "cannot remove '.'");
  if (p.lastType === 'root') fail('EBUSY', path, 'cannot remove the root');
  const dir = p.dir.inode;
  const entry = lookupEntry(dir, p.last, path);
  if (!entry) fail('ENOENT', path, 'no such file or directory');
  const victim = entry.inode;
  checkMayDelete(caller, dir, victim, true, path);
  if (ctx.ns.isLocalMountpoint(victim)) fail('EBUSY', path, 'is a mount point');
  if (victim.children!.size > 0) fail('ENOTEMPTY', path, 'directory not empty');
  dir.children!.delete(p.last);
  dir.nlink--;
  victim.nlink = 0;
  victim.dead = true;
  touchDir(dir, world.now());
  world.registry.detachMountsOn(victim);
}

export function unlink(world: World, caller: VfsCaller, path: string): void {
  const ctx = world.ctx(caller);
  const p = resolveParent(ctx, path);
  if (p.lastType !== 'norm') fail('EISDIR', path, `'${p.last}' is a directory`);
  const dir = p.dir.inode;
  const entry = lookupEntry(dir, p.last, path);
  if (!entry) fail('ENOENT', path, 'no such file or directory');
  const victim = entry.inode;
  if (p.trailingSlash) fail(victim.isDir ? 'EISDIR' : 'ENOTDIR', path, 'trailing slash');
  checkMayDelete(caller, dir, victim, false, path);
  dir.children!.delete(p.last);
  victim.nlink--;
  const now = world.now();
  victim.ctimeMs = now;
  touchDir(dir, now);
  evictIfUnused(victim);
}

const isAncestorOrSelf = (anc: Inode, inode: Inode): boolean => {
  for (let cur = inode; ; cur = cur.parent!) {
    if (cur === anc) return true;
    if (!cur.parent || cur.parent === cur) return false;
  }
};

/** rename(2) without flags: replaces an existing target of the same kind (an empty directory or a non-directory). */
export function rename(world: World, caller: VfsCaller, oldPath: string, newPath: string): void {
  const ctx = world.ctx(caller);
  const po = resolveParent(ctx, oldPath);
  const pn = resolveParent(ctx, newPath);
  const where = `${oldPath} -> ${newPath}`;
  if (po.dir.mnt !== pn.dir.mnt) fail('EXDEV', where, 'source and target are on different mounts');
  if (po.lastType !== 'norm') fail('EBUSY', where, `cannot rename '${po.last}'`);
  if (pn.lastType !== 'norm') fail('EBUSY', where, `cannot rename onto '${pn.last}'`);
  const oldDir = po.dir.inode;
  const newDir = pn.dir.inode;
  const oe = lookupEntry(oldDir, po.last, oldPath);
  if (!oe) fail('ENOENT', oldPath, 'no such file or directory');
  const ne = lookupEntry(newDir, pn.last, newPath);
  const src = oe.inode;
  if (!src.isDir && (po.trailingSlash || pn.trailingSlash)) fail('ENOTDIR', where, 'trailing slash on a non-directory');
  // lock_rename's trap: the source may not be an ancestor of the target, nor the target of the source.
  if (src.isDir && isAncestorOrSelf(src, newDir)) fail('EINVAL', where, 'cannot move a directory into itself');
  if (ne && ne.inode.isDir && isAncestorOrSelf(ne.inode, oldDir)) fail('ENOTEMPTY', where, 'target is an ancestor of the source');
  const target = ne?.inode;
  if (target === src) return; // vfs_rename: same inode (even two hard links) → nothing to do
  checkMayDelete(caller, oldDir, src, src.isDir, oldPath);
  if (!target) checkMayCreate(caller, newDir, newPath);
  else checkMayDelete(caller, newDir, target, src.isDir, newPath);
  if (src.isDir && newDir !== oldDir) checkPermission(caller, src, MAY_WRITE, oldPath); // to rewrite its '..'
  if (ctx.ns.isLocalMountpoint(src) || (target && ctx.ns.isLocalMountpoint(target))) fail('EBUSY', where, 'is a mount point');
  if (target?.isDir && target.children!.size > 0) fail('ENOTEMPTY', newPath, 'directory not empty');

  const now = world.now();
  oldDir.children!.delete(po.last);
  if (target) {
    newDir.children!.delete(pn.last);
    target.ctimeMs = now;
    if (target.isDir) {
      target.nlink = 0;
      target.dead = true;
      newDir.nlink--;
    } else {
      target.nlink--;
    }
  }
  newDir.sb.addEntry(newDir, pn.last, src); // a renamed dentry moves to the head of dcache_readdir's list
  if (src.isDir) {
    src.parent = newDir;
    oldDir.nlink--;
    newDir.nlink++;
  }
  src.ctimeMs = now;
  touchDir(oldDir, now);
  touchDir(newDir, now);
  if (target?.isDir) world.registry.detachMountsOn(target);
  else if (target) evictIfUnused(target);
}

/**
 * link(2) (bpffs has simple_link): another name for a non-directory on the same mount. do_linkat's order: EXDEV, then
 * may_linkat (protected_hardlinks, EPERM), then vfs_link's may_create (EACCES) and its directory check (EPERM).
 */
export function link(world: World, caller: VfsCaller, existing: string, newPath: string): void {
  const ctx = world.ctx(caller);
  const old = resolve(ctx, existing, { follow: false });
  const p = prepareCreate(world, caller, newPath, { isDir: false });
  if (old.mnt !== p.dir.mnt) fail('EXDEV', `${existing} -> ${newPath}`, 'hard link across mounts');
  const dir = p.dir.inode;
  const inode = old.inode;
  // may_linkat with fs.protected_hardlinks=1: linking someone else's file needs a regular, non-setuid file that the
  // caller may read and write, or CAP_FOWNER.
  if (caller.uid !== inode.uid && !callerHasCap(caller, 'CAP_FOWNER')) {
    const safe = (inode.mode & 0o170000) === S_IFREG && !(inode.mode & S_ISUID) && hasPermission(caller, inode, MAY_READ | MAY_WRITE);
    if (!safe) fail('EPERM', existing, 'protected_hardlinks: not the owner of the source');
  }
  checkMayCreate(caller, dir, newPath);
  if (inode.isDir) fail('EPERM', existing, 'hard link to a directory');
  inode.nlink++;
  const now = world.now();
  inode.ctimeMs = now;
  dir.sb.addEntry(dir, p.last, inode);
  touchDir(dir, now);
}

/** chmod: the owner or CAP_FOWNER (setattr_prepare/inode_owner_or_capable → EPERM). */
export function chmod(world: World, caller: VfsCaller, path: string, mode: number): void {
  const loc = resolve(world.ctx(caller), path, { follow: true });
  const inode = loc.inode;
  if (caller.uid !== inode.uid && !callerHasCap(caller, 'CAP_FOWNER')) fail('EPERM', path, 'not the owner');
  if (!Number.isInteger(mode) || mode < 0) fail('EINVAL', path, `bad mode ${mode}`);
  inode.mode = (inode.mode & ~S_IALLUGO) | (mode & S_IALLUGO);
  inode.ctimeMs = world.now();
}

/** chown: changing the owner needs CAP_CHOWN (the owner may only change the group to its own gid). */
export function chown(world: World, caller: VfsCaller, path: string, uid: number, gid: number): void {
  const loc = resolve(world.ctx(caller), path, { follow: true });
  const inode = loc.inode;
  const valid = (n: number) => Number.isInteger(n) && n >= -1 && n < 0xffffffff;
  if (!valid(uid) || !valid(gid)) fail('EINVAL', path, `bad owner ${uid}:${gid}`);
  const newUid = uid === -1 ? inode.uid : uid;
  const newGid = gid === -1 ? inode.gid : gid;
  const privileged = callerHasCap(caller, 'CAP_CHOWN');
  if (!privileged && (newUid !== inode.uid || caller.uid !== inode.uid || (newGid !== inode.gid && newGid !== caller.gid))) {
    fail('EPERM', path, 'changing the owner needs CAP_CHOWN');
  }
  inode.uid = newUid;
  inode.gid = newGid;
  inode.ctimeMs = world.now();
}
