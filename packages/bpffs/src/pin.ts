// BPF_OBJ_PIN and BPF_OBJ_GET (kernel/bpf/inode.c: bpf_obj_pin_user → bpf_obj_do_pin, bpf_obj_get_user →
// bpf_obj_do_get).

import { fail } from './errors.js';
import { prepareCreate, ownerFor } from './dir-ops.js';
import { resolve } from './path.js';
import { MAY_READ, MAY_WRITE, checkMayCreate, checkPermission } from './permission.js';
import { S_IFREG } from './mode.js';
import type { PinnableObject, VfsCaller } from './seam.js';
import { touchAtime, touchDir } from './times.js';
import type { World } from './world.js';

/**
 * bpf_obj_do_pin: create the path like mknod (EEXIST, ENOENT for a missing parent, EPERM for a dotted name), refuse a
 * parent that is not a bpffs directory (EPERM), may_create (EACCES), then a regular file of mode
 * S_IFREG | (0600 & ~umask) owned by the caller, holding one reference of the object.
 */
export function pinObject(world: World, caller: VfsCaller, path: string, obj: PinnableObject): void {
  const p = prepareCreate(world, caller, path, { isDir: false });
  const dir = p.dir.inode;
  if (dir.sb.fsType !== 'bpf') fail('EPERM', path, 'not on a bpf filesystem');
  checkMayCreate(caller, dir, path);
  const owner = ownerFor(caller, dir, S_IFREG | (0o600 & ~world.umaskOf(caller)));
  obj.retain();
  dir.sb.addEntry(dir, p.last, dir.sb.newInode(owner.mode, owner.uid, owner.gid, obj));
  touchDir(dir, world.now());
}

/**
 * bpf_obj_do_get: follow the path, check the file permission for the access the new fd will have
 * (path_permission(ACC_MODE(flags)) → EACCES), refuse anything that is not a pinned object (bpf_inode_type →
 * EACCES, also for directories: checked on 6.18, BPF_OBJ_GET of a directory is EACCES), then take a reference.
 * A link can only be opened read-write (bpf_obj_get_user: f_flags != O_RDWR → EINVAL).
 */
export function getObject(world: World, caller: VfsCaller, path: string, access: { read: boolean; write: boolean }): PinnableObject {
  const { inode } = resolve(world.ctx(caller), path, { follow: true });
  const mask = (access.read ? MAY_READ : 0) | (access.write ? MAY_WRITE : 0);
  checkPermission(caller, inode, mask, path);
  const obj = inode.obj;
  if (!obj) fail('EACCES', path, `not a pinned bpf object (a ${inode.kind})`);
  if (obj.kind === 'link' && !(access.read && access.write)) fail('EINVAL', path, 'links can only be opened read-write');
  obj.retain();
  touchAtime(inode, world.now());
  return obj;
}
