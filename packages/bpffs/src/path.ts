// Path resolution (fs/namei.c): components, '.', '..', symlinks (at most 40), mount crossing, and the errno of
// each failure. Relative paths resolve from the namespace root (processes have no working directory here).

import { fail } from './errors.js';
import type { DirEntry, Inode } from './inode.js';
import type { Mount, MountNamespace } from './mount.js';
import { MAY_EXEC, checkPermission } from './permission.js';
import { S_IALLUGO } from './mode.js';
import type { VfsCaller } from './seam.js';

/** PATH_MAX counts the terminating NUL: a 4096-byte name is already too long (getname → ENAMETOOLONG). */
export const PATH_MAX = 4096;
export const NAME_MAX = 255;
/** MAXSYMLINKS (include/linux/namei.h). */
export const MAX_SYMLINKS = 40;

const encoder = new TextEncoder();
export const byteLength = (s: string) => encoder.encode(s).length;

export interface Loc {
  readonly mnt: Mount;
  readonly inode: Inode;
}

export interface WalkContext {
  readonly ns: MountNamespace;
  readonly caller: VfsCaller;
}

export type LastType = 'norm' | 'dot' | 'dotdot' | 'root';

export interface ParentLoc {
  /** The directory that holds (or would hold) the last component. */
  readonly dir: Loc;
  readonly last: string;
  readonly lastType: LastType;
  /** The path ended in '/': the last component must be a directory. */
  readonly trailingSlash: boolean;
}

interface SplitPath {
  readonly absolute: boolean;
  readonly comps: string[];
  readonly trailingSlash: boolean;
}

/** getname(): the kernel copies up to the NUL; empty → ENOENT, too long → ENAMETOOLONG. */
export function normalizeInput(path: string): string {
  if (typeof path !== 'string') fail('EINVAL', String(path), 'path is not a string');
  const nul = path.indexOf('\0');
  const p = nul >= 0 ? path.slice(0, nul) : path;
  if (p.length === 0) fail('ENOENT', "''", 'empty path');
  if (byteLength(p) >= PATH_MAX) fail('ENAMETOOLONG', p.slice(0, 40) + '…', `path is ${byteLength(p)} bytes, PATH_MAX is ${PATH_MAX} including the NUL`);
  return p;
}

function split(path: string): SplitPath {
  const comps = path.split('/').filter((c) => c.length > 0);
  return { absolute: path.startsWith('/'), comps, trailingSlash: path.endsWith('/') && comps.length > 0 };
}

/** Follow mounts stacked on `loc` to the topmost one (handle_mounts). */
export function crossMounts(ns: MountNamespace, loc: Loc): Loc {
  let cur = loc;
  for (let m = ns.mountedAt(cur.mnt, cur.inode); m; m = ns.mountedAt(cur.mnt, cur.inode)) {
    cur = { mnt: m, inode: m.root };
  }
  return cur;
}

/** follow_dotdot: climb out of mount roots, stop at the namespace root. */
function dotdot(ns: MountNamespace, loc: Loc): Loc {
  let cur = loc;
  for (;;) {
    if (cur.mnt === ns.root && cur.inode === ns.root.root) return cur;
    if (cur.inode !== cur.mnt.root) break;
    if (!cur.mnt.parent || !cur.mnt.mountpoint) return cur;
    cur = { mnt: cur.mnt.parent, inode: cur.mnt.mountpoint };
  }
  return crossMounts(ns, { mnt: cur.mnt, inode: cur.inode.parent ?? cur.inode });
}

/**
 * The entry `name` of directory `dir` (no mount crossing), or undefined. A miss goes to the filesystem's ->lookup:
 * bpf_lookup rejects names containing '.' with EPERM when the directory has any mode bit set ("dots are reserved
 * for future extensions"; on 6.18 `stat /sys/fs/bpf/no.such` → EPERM), simple_lookup rejects names longer than
 * NAME_MAX with ENAMETOOLONG.
 */
export function lookupEntry(dir: Inode, name: string, where: string): DirEntry | undefined {
  const entry = dir.children!.get(name);
  if (entry) return entry;
  if (dir.sb.fsType === 'bpf' && dir.mode & S_IALLUGO && name.includes('.')) {
    fail('EPERM', where, `bpffs reserves names containing '.' ('${name}')`);
  }
  if (byteLength(name) > NAME_MAX) fail('ENAMETOOLONG', where, `component of ${byteLength(name)} bytes exceeds NAME_MAX ${NAME_MAX}`);
  return undefined;
}

interface WalkState {
  links: number;
}

/** Walk `comps` from `start`; symlinks are followed except a final one when `followLast` is false. */
function walk(ctx: WalkContext, start: Loc, comps: string[], followLast: boolean, where: string, state: WalkState): Loc {
  let loc = start;
  const queue = [...comps];
  while (queue.length > 0) {
    const name = queue.shift()!;
    const isLast = queue.length === 0;
    if (!loc.inode.isDir) fail('ENOTDIR', where, 'a path component is not a directory');
    checkPermission(ctx.caller, loc.inode, MAY_EXEC, where);
    if (name === '.') continue;
    if (name === '..') {
      loc = dotdot(ctx.ns, loc);
      continue;
    }
    const entry = lookupEntry(loc.inode, name, where);
    if (!entry) fail('ENOENT', where, `no such file or directory ('${name}')`);
    const next = crossMounts(ctx.ns, { mnt: loc.mnt, inode: entry.inode });
    if (next.inode.isSymlink && (!isLast || followLast)) {
      if (++state.links > MAX_SYMLINKS) fail('ELOOP', where, `more than ${MAX_SYMLINKS} symbolic links`);
      const target = next.inode.target ?? '';
      if (target.length === 0) fail('ENOENT', where, 'empty symlink');
      const t = split(target);
      queue.unshift(...t.comps);
      if (t.absolute) loc = crossMounts(ctx.ns, { mnt: ctx.ns.root, inode: ctx.ns.root.root });
      if (t.trailingSlash && isLast) queue.push('.');
      continue;
    }
    loc = next;
  }
  return loc;
}

function startOf(ctx: WalkContext): Loc {
  return crossMounts(ctx.ns, { mnt: ctx.ns.root, inode: ctx.ns.root.root });
}

/** Resolve a whole path (path_lookupat). A trailing slash requires a directory and follows a final symlink. */
export function resolve(ctx: WalkContext, rawPath: string, opts: { follow: boolean }): Loc {
  const path = normalizeInput(rawPath);
  const s = split(path);
  const loc = walk(ctx, startOf(ctx), s.comps, opts.follow || s.trailingSlash, path, { links: 0 });
  if (s.trailingSlash && !loc.inode.isDir) fail('ENOTDIR', path, 'not a directory (trailing slash)');
  return loc;
}

/** Resolve all but the last component (LOOKUP_PARENT), checking search permission on the parent too. */
export function resolveParent(ctx: WalkContext, rawPath: string): ParentLoc {
  const path = normalizeInput(rawPath);
  const s = split(path);
  if (s.comps.length === 0) return { dir: startOf(ctx), last: '/', lastType: 'root', trailingSlash: false };
  const last = s.comps[s.comps.length - 1];
  const dir = walk(ctx, startOf(ctx), s.comps.slice(0, -1), true, path, { links: 0 });
  if (!dir.inode.isDir) fail('ENOTDIR', path, 'a path component is not a directory');
  checkPermission(ctx.caller, dir.inode, MAY_EXEC, path);
  const lastType: LastType = last === '.' ? 'dot' : last === '..' ? 'dotdot' : 'norm';
  return { dir, last, lastType, trailingSlash: s.trailingSlash };
}
