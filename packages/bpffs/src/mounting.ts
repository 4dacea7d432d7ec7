// mount(2), umount(2) and unshare(CLONE_NEWNS) for the simulated processes.

import { fail } from './errors.js';
import type { Inode } from './inode.js';
import { MountNamespace, type Mount } from './mount.js';
import { resolve } from './path.js';
import type { VfsCaller } from './seam.js';
import type { MountOptions, World } from './world.js';

export type FsTypeName = 'bpf' | 'tmpfs';

function requireSysAdmin(caller: VfsCaller, where: string): void {
  if (!caller.hasCap('CAP_SYS_ADMIN')) fail('EPERM', where, 'needs CAP_SYS_ADMIN');
}

/** bpf_parse_param: mode is masked with S_IALLUGO; uid/gid must be valid ids (else EINVAL). */
function checkOptions(opts: MountOptions, where: string): MountOptions {
  const id = (v: unknown) => v === undefined || (Number.isInteger(v) && (v as number) >= 0 && (v as number) < 0xffffffff);
  if (opts.mode !== undefined && (!Number.isInteger(opts.mode) || opts.mode < 0)) fail('EINVAL', where, `bad mode ${String(opts.mode)}`);
  if (!id(opts.uid)) fail('EINVAL', where, `bad uid ${String(opts.uid)}`);
  if (!id(opts.gid)) fail('EINVAL', where, `bad gid ${String(opts.gid)}`);
  return opts;
}

/**
 * Mount a new filesystem instance (or, in profile '4.4', the namespace's bpffs) on `target`. In the kernel's order:
 * do_mount resolves the target first, then path_mount checks may_mount (EPERM), the type (ENODEV), the options
 * (EINVAL), and graft_tree the mountpoint (ENOTDIR).
 */
export function mountFs(world: World, caller: VfsCaller, fsType: FsTypeName, target: string, opts: MountOptions = {}): void {
  const where = `mount ${fsType} on ${target}`;
  const ctx = world.ctx(caller);
  const loc = resolve(ctx, target, { follow: true });
  requireSysAdmin(caller, where);
  if (fsType !== 'bpf' && fsType !== 'tmpfs') fail('ENODEV', where, `unknown filesystem type '${String(fsType)}'`);
  checkOptions(opts, where);
  if (!loc.inode.isDir) fail('ENOTDIR', where, 'mount point is not a directory');
  if (loc.inode.dead) fail('ENOENT', where, 'mount point has been removed');
  let sb;
  if (fsType === 'tmpfs') {
    sb = world.newSuper('tmpfs', (opts.mode ?? 0o1777) & 0o7777, opts.uid ?? 0, opts.gid ?? 0);
  } else if (world.profile === '4.4') {
    // mount_ns(): one superblock per mount namespace; options of later mounts are ignored (no fill_super).
    if (!ctx.ns.bpfSuper?.alive) ctx.ns.bpfSuper = world.newBpfSuper({ mode: opts.mode });
    sb = ctx.ns.bpfSuper;
  } else {
    sb = world.newBpfSuper(opts);
  }
  ctx.ns.attach(sb, sb.root, loc.mnt, loc.inode);
}

const isUnder = (inode: Inode, top: Inode): boolean => {
  for (let cur = inode; ; cur = cur.parent!) {
    if (cur === top) return true;
    if (!cur.parent || cur.parent === cur) return false;
  }
};

/** mount --bind (and --rbind with recursive): show the tree below `source` at `target` too. */
export function bindMount(world: World, caller: VfsCaller, source: string, target: string, opts: { recursive?: boolean } = {}): void {
  const where = `bind ${source} on ${target}`;
  const ctx = world.ctx(caller);
  const dst = resolve(ctx, target, { follow: true }); // do_mount resolves the target, then do_loopback the source
  requireSysAdmin(caller, where);
  const src = resolve(ctx, source, { follow: true });
  if (src.inode.isDir !== dst.inode.isDir) fail('ENOTDIR', where, 'source and mount point differ in directory-ness');
  if (dst.inode.dead) fail('ENOENT', where, 'mount point has been removed');
  const top = ctx.ns.attach(src.mnt.sb, src.inode, dst.mnt, dst.inode);
  if (!opts.recursive || !src.inode.isDir) return;
  const copyChildren = (from: Mount, to: Mount, filter: boolean) => {
    for (const child of [...from.children]) {
      if (child === top || (filter && !isUnder(child.mountpoint!, src.inode))) continue;
      const copy = ctx.ns.attach(child.sb, child.root, to, child.mountpoint);
      copyChildren(child, copy, false);
    }
  };
  copyChildren(src.mnt, top, true);
}

/**
 * umount(2): ksys_umount resolves the path, then can_umount checks may_mount (EPERM) and that it is the root of a
 * mount (EINVAL); do_umount fails with EBUSY while mounts below it or open files remain (unless lazy).
 */
export function umount(world: World, caller: VfsCaller, target: string, opts: { lazy?: boolean } = {}): void {
  const where = `umount ${target}`;
  const ctx = world.ctx(caller);
  const loc = resolve(ctx, target, { follow: true });
  requireSysAdmin(caller, where);
  if (loc.inode !== loc.mnt.root) fail('EINVAL', where, 'not a mount point');
  // The namespace root is every process's root directory: always busy (6.18: `umount /` → EBUSY).
  if (loc.mnt === ctx.ns.root) fail('EBUSY', where, 'the namespace root is in use');
  if (!opts.lazy) {
    if (loc.mnt.children.length > 0) fail('EBUSY', where, 'target is busy (something is mounted below it)');
    if (loc.mnt.openCount > 0) fail('EBUSY', where, `target is busy (${loc.mnt.openCount} open file(s))`);
  }
  ctx.ns.detachTree(loc.mnt);
}

/** unshare(CLONE_NEWNS): the caller moves to a copy of its mount namespace. */
export function unshareMounts(world: World, caller: VfsCaller): void {
  requireSysAdmin(caller, 'unshare(CLONE_NEWNS)');
  const old = world.nsOf(caller);
  const ns = world.registry.add(old.copy());
  caller.mountNamespace = ns;
  ns.members.add(caller.pid);
  world.registry.leave(old, caller.pid, world.initial);
}

/** A process starts: the parent's namespace and umask (fork), or the initial namespace (spawn). */
export function attachProcess(world: World, child: VfsCaller, parent: VfsCaller | undefined): void {
  const ns = parent ? world.nsOf(parent) : world.initial;
  child.mountNamespace = ns;
  ns.members.add(child.pid);
  if (parent) world.umasks.set(child.pid, world.umaskOf(parent));
}

/** A process exits: it leaves its namespace; the last one out tears the namespace down (put_mnt_ns). */
export function detachProcess(world: World, caller: VfsCaller): void {
  const ns = world.nsOf(caller);
  world.registry.leave(ns, caller.pid, world.initial);
  world.umasks.delete(caller.pid);
}

export interface MountInfo {
  id: number;
  fsType: 'bpf' | 'tmpfs';
  /** Where it is mounted, as a path in the namespace. */
  target: string;
  /** The superblock (the same number = the same tree). */
  sb: number;
  /** bpf_show_options: uid/gid when not 0, mode when not 0777. */
  options: string;
}

function nameIn(dir: Inode, inode: Inode): string {
  for (const [name, entry] of dir.children!) if (entry.inode === inode) return name;
  return '?';
}

export function mountPath(mnt: Mount): string {
  const parts: string[] = [];
  for (let m: Mount | null = mnt; m && m.parent && m.mountpoint; m = m.parent) {
    const local: string[] = [];
    for (let cur = m.mountpoint; cur !== m.parent.root && cur.parent && cur.parent !== cur; cur = cur.parent) {
      local.unshift(nameIn(cur.parent, cur));
    }
    parts.unshift(...local);
  }
  return '/' + parts.join('/');
}

/** /proc/self/mounts of the caller's namespace, in mount order. */
export function listMounts(world: World, caller: VfsCaller): MountInfo[] {
  const ns: MountNamespace = world.nsOf(caller);
  return [...ns.mounts].map((m) => {
    const root = m.sb.root;
    const opts: string[] = [];
    if (m.sb.fsType === 'bpf') {
      if (root.uid !== 0) opts.push(`uid=${root.uid}`);
      if (root.gid !== 0) opts.push(`gid=${root.gid}`);
      const mode = root.mode & 0o7777 & ~0o1000;
      if (mode !== 0o777) opts.push(`mode=${mode.toString(8)}`);
    }
    return { id: m.id, fsType: m.sb.fsType, target: mountPath(m), sb: m.sb.id, options: opts.join(',') };
  });
}
