// Permission checks of the VFS (fs/namei.c): generic_permission, may_create, may_delete's sticky rule.

import { fail } from './errors.js';
import type { Inode } from './inode.js';
import { S_ISVTX, S_IXUGO } from './mode.js';
import { callerHasCap, type VfsCaller } from './seam.js';

export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;

/**
 * generic_permission → acl_permission_check, then the capability overrides: CAP_DAC_OVERRIDE allows everything on
 * directories and read/write on files (execute only when some x bit is set); CAP_DAC_READ_SEARCH allows reading
 * files and reading/searching directories.
 */
export function hasPermission(caller: VfsCaller, inode: Inode, mask: number): boolean {
  let mode = inode.mode;
  if (caller.uid === inode.uid) mode >>= 6;
  else if (caller.gid === inode.gid) mode >>= 3;
  if ((mask & ~mode & 7) === 0) return true;
  if (inode.isDir) {
    if (!(mask & MAY_WRITE) && callerHasCap(caller, 'CAP_DAC_READ_SEARCH')) return true;
    return callerHasCap(caller, 'CAP_DAC_OVERRIDE');
  }
  if ((!(mask & MAY_EXEC) || inode.mode & S_IXUGO) && callerHasCap(caller, 'CAP_DAC_OVERRIDE')) return true;
  if (mask === MAY_READ && callerHasCap(caller, 'CAP_DAC_READ_SEARCH')) return true;
  return false;
}

const maskName = (mask: number) =>
  (mask & MAY_READ ? 'r' : '') + (mask & MAY_WRITE ? 'w' : '') + (mask & MAY_EXEC ? 'x' : '');

/** inode_permission: EACCES naming the path and the missing access. */
export function checkPermission(caller: VfsCaller, inode: Inode, mask: number, where: string): void {
  if (!hasPermission(caller, inode, mask)) {
    fail('EACCES', where, `permission denied (uid ${caller.uid} needs ${maskName(mask)} on mode ${(inode.mode & 0o7777).toString(8)} owned by ${inode.uid}:${inode.gid})`);
  }
}

/** may_create: write and search permission on the directory (a removed directory has no entries: ENOENT). */
export function checkMayCreate(caller: VfsCaller, dir: Inode, where: string): void {
  if (dir.dead) fail('ENOENT', where, 'directory has been removed');
  checkPermission(caller, dir, MAY_WRITE | MAY_EXEC, where);
}

/**
 * check_sticky: in a sticky directory only the file's owner, the directory's owner or CAP_FOWNER may remove or
 * rename an entry. The root of a bpffs is sticky (bpf_fill_super ORs in S_ISVTX).
 */
export function checkSticky(caller: VfsCaller, dir: Inode, victim: Inode, where: string): void {
  if (!(dir.mode & S_ISVTX)) return;
  if (caller.uid === victim.uid || caller.uid === dir.uid) return;
  if (callerHasCap(caller, 'CAP_FOWNER')) return;
  fail('EPERM', where, `sticky directory: uid ${caller.uid} owns neither the entry (uid ${victim.uid}) nor the directory (uid ${dir.uid})`);
}
