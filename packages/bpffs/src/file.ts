// Open files of the filesystem: open(2)/read(2)/close(2) on pinned objects and directories.
//
// kernel/bpf/inode.c picks the file operations when the object is pinned: a map whose BTF supports seq_show gets
// bpffs_map_fops (a seq_file of its elements), an iterator link gets bpf_iter_fops (a new bpf_iter session per open),
// everything else bpffs_obj_fops whose open fails with EIO (checked on 6.18: `cat` of a pinned array map without BTF
// → "Input/output error").

import { fail } from './errors.js';
import { evictIfUnused, type Inode } from './inode.js';
import type { Mount } from './mount.js';
import { lookupEntry, resolve, resolveParent } from './path.js';
import { MAY_READ, MAY_WRITE, checkMayCreate, checkPermission } from './permission.js';
import { byteStringBytes } from './bytes.js';
import { byteRecords } from './seq-file.js';
import type { ReadablePinnable, ReadSession, VfsCaller } from './seam.js';
import { touchAtime } from './times.js';
import type { World } from './world.js';

export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_ACCMODE = 3;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;

export type OpenFlags = 'r' | 'w' | 'r+' | number;

/** What open() returns: pass it to read() and close(). */
export interface FileHandle {
  readonly fd: number;
  readonly path: string;
}

interface OpenFile {
  readonly handle: FileHandle;
  /** The pid that opened it: handles are per process, like fds. */
  readonly owner: number;
  readonly inode: Inode;
  readonly mnt: Mount;
  readonly readable: boolean;
  session?: ReadSession;
  closed: boolean;
}

const flagsOf = (flags: OpenFlags): number => {
  if (flags === 'r') return O_RDONLY;
  if (flags === 'w') return O_WRONLY;
  if (flags === 'r+') return O_RDWR;
  if (typeof flags !== 'number' || !Number.isInteger(flags) || flags < 0) fail('EINVAL', 'open', `bad flags ${String(flags)}`);
  return flags;
};

/**
 * The text a map shows through bpffs_map_fops: one record per line, as map_seq_show prints one element. `text` is a
 * byte string (readText / fdinfo: each char code one byte), written byte for byte as the kernel's seq_file does.
 */
function textSession(text: string): ReadSession {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const seq = byteRecords(lines.map(byteStringBytes));
  return { read: (n) => seq.read(n) };
}

export class OpenFileTable {
  private nextFd = 1;
  private readonly open = new Map<number, OpenFile>();

  constructor(private readonly world: World) {}

  openFile(caller: VfsCaller, path: string, rawFlags: OpenFlags): FileHandle {
    const world = this.world;
    const flags = flagsOf(rawFlags);
    const acc = flags & O_ACCMODE;
    if (acc === O_ACCMODE) fail('EINVAL', path, 'O_RDONLY|O_WRONLY|O_RDWR all set');
    const ctx = world.ctx(caller);
    if (flags & O_CREAT) {
      const p = resolveParent(ctx, path);
      const entry = p.lastType === 'norm' ? lookupEntry(p.dir.inode, p.last, path) : undefined;
      if (entry && flags & O_EXCL) fail('EEXIST', path, 'file exists');
      if (!entry && p.lastType === 'norm') {
        checkMayCreate(caller, p.dir.inode, path);
        // bpffs and this root fs have no ->create: vfs_create fails with EACCES (checked on 6.18: `touch` in a bpffs).
        fail('EACCES', path, 'this filesystem cannot create regular files');
      }
    }
    const loc = resolve(ctx, path, { follow: !(flags & O_NOFOLLOW) });
    const inode = loc.inode;
    if (inode.isSymlink) fail('ELOOP', path, 'O_NOFOLLOW on a symbolic link');
    if (inode.isDir && acc !== O_RDONLY) fail('EISDIR', path, 'is a directory');
    if (!inode.isDir && flags & O_DIRECTORY) fail('ENOTDIR', path, 'not a directory');
    const mask = acc === O_RDONLY ? MAY_READ : acc === O_WRONLY ? MAY_WRITE : MAY_READ | MAY_WRITE;
    checkPermission(caller, inode, mask, path);
    let session: ReadSession | undefined;
    if (!inode.isDir) session = this.openObject(inode, path);
    const handle: FileHandle = { fd: this.nextFd++, path };
    inode.openCount++;
    loc.mnt.openCount++;
    inode.sb.hold();
    this.open.set(handle.fd, { handle, owner: caller.pid, inode, mnt: loc.mnt, readable: acc !== O_WRONLY, session, closed: false });
    return handle;
  }

  private openObject(inode: Inode, path: string): ReadSession {
    const obj = inode.obj as ReadablePinnable;
    if (obj.kind === 'map' && typeof obj.readText === 'function') return textSession(obj.readText());
    if (obj.kind === 'link' && typeof obj.openSession === 'function') return obj.openSession();
    if (this.world.options.readFdinfo && typeof obj.fdinfo === 'function') return textSession(obj.fdinfo());
    fail('EIO', path, `a pinned ${obj.kind} without seq_show cannot be opened (bpffs_obj_open)`);
  }

  private get(caller: VfsCaller, handle: FileHandle): OpenFile {
    const f = handle && this.open.get(handle.fd);
    if (!f || f.closed || f.handle !== handle || f.owner !== caller.pid) fail('EBADF', `fd ${handle?.fd}`, 'not an open file of this process');
    return f;
  }

  read(caller: VfsCaller, handle: FileHandle, n: number): Uint8Array {
    const f = this.get(caller, handle);
    if (!Number.isInteger(n) || n < 0) fail('EINVAL', f.handle.path, `bad read size ${n}`);
    if (!f.readable) fail('EBADF', f.handle.path, 'not open for reading');
    if (f.inode.isDir) fail('EISDIR', f.handle.path, 'is a directory');
    const out = f.session!.read(n);
    touchAtime(f.inode, this.world.now());
    return out;
  }

  close(caller: VfsCaller, handle: FileHandle): void {
    this.release(this.get(caller, handle));
  }

  /** A process exits: its open files close (in the kernel, exit_files). */
  closeAllOf(caller: VfsCaller): void {
    for (const f of [...this.open.values()]) if (f.owner === caller.pid) this.release(f);
  }

  private release(f: OpenFile): void {
    const handle = f.handle;
    f.closed = true;
    this.open.delete(handle.fd);
    try {
      f.session?.close?.();
    } finally {
      f.inode.openCount--;
      evictIfUnused(f.inode);
      f.mnt.openCount--;
      f.inode.sb.unhold();
    }
  }

  get openCount(): number {
    return this.open.size;
  }
}

