// Timestamp updates of the VFS and simple_* directory operations.

import type { Inode } from './inode.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A directory's entries changed: mtime and ctime (bpf_dentry_finalize, simple_unlink, simple_rename). */
export function touchDir(dir: Inode, now: number): void {
  dir.mtimeMs = dir.ctimeMs = now;
}

/** relatime (the default mount flag): atime moves only if older than mtime/ctime or than a day (atime_needs_update). */
export function touchAtime(inode: Inode, now: number): void {
  if (inode.atimeMs <= inode.mtimeMs || inode.atimeMs <= inode.ctimeMs || now - inode.atimeMs >= DAY_MS) {
    inode.atimeMs = now;
  }
}
