// Directory operations, stat, readdir order and reading pinned files on bpffs (FACTS.md "bpffs").
import { kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { exitInsn, mov64Imm } from '../../../../testing/kernel-oracle/oracle';
import { MAP, PROG, as, mapCreate as mc, pin, progLoad } from '../../../../testing/kernel-oracle/script';
import { withBpffs } from './sim-kernel';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const mkdir = (path: string, mode?: number) => (mode === undefined ? { cmd: 'mkdir', path } : { cmd: 'mkdir', path, mode });
const stat = (path: string) => ({ cmd: 'stat', path });
const readdir = (path: string) => ({ cmd: 'readdir', path });
const rename = (from: string, to: string) => ({ cmd: 'rename', from, to });

kernelDiff(
  'mkdir, stat modes and nlink, readdir order',
  [
    step(as(mc(MAP.HASH, 4, 8, 4), 'm'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 0) + exitInsn()), 'p'), 'ok'),
    step(stat('/sys/fs/bpf'), { mode: S_IFDIR | 0o1777, uid: 0, gid: 0 }),
    step(pin('m', '/sys/fs/bpf/m'), 'ok'),
    step(stat('/sys/fs/bpf/m'), { mode: S_IFREG | 0o600, type: 'file', uid: 0, gid: 0, nlink: 1, size: 0 }),
    step(pin('p', '/sys/fs/bpf/p'), 'ok'),
    step(stat('/sys/fs/bpf/p'), { mode: S_IFREG | 0o600, nlink: 1 }),
    step(mkdir('/sys/fs/bpf/d', 0o755), 'ok'),
    step(mkdir('/sys/fs/bpf/d', 0o755), 'EEXIST'),
    step(mkdir('/sys/fs/bpf/d7', 0o777), 'ok'),
    step(stat('/sys/fs/bpf/d7'), { mode: S_IFDIR | 0o755, nlink: 2 }), // umask 022
    step(mkdir('/sys/fs/bpf/ds', 0o1777), 'ok'),
    step(stat('/sys/fs/bpf/ds'), { mode: S_IFDIR | 0o1755 }), // the sticky bit survives mkdir
    step(pin('m', '/sys/fs/bpf/d/m1'), 'ok'),
    step(pin('p', '/sys/fs/bpf/d/p1'), 'ok'),
    step(mkdir('/sys/fs/bpf/d/sub'), 'ok'),
    step(readdir('/sys/fs/bpf/d'), { entries: ['sub', 'p1', 'm1'] }), // newest first
    step(stat('/sys/fs/bpf/d'), { nlink: 3 }),
    step(rename('/sys/fs/bpf/d/m1', '/sys/fs/bpf/d/m2'), 'ok'),
    step(readdir('/sys/fs/bpf/d'), { entries: ['m2', 'sub', 'p1'] }),
    step(mkdir('/sys/fs/bpf/no/sub'), 'ENOENT'),
    step(mkdir('/sys/fs/bpf/m/sub'), 'ENOTDIR'),
  ],
  withBpffs,
);

kernelDiff(
  'rmdir, unlink and rename errors',
  [
    step(as(mc(MAP.HASH, 4, 8, 4), 'm'), 'ok'),
    step(pin('m', '/sys/fs/bpf/m'), 'ok'),
    step(mkdir('/sys/fs/bpf/d'), 'ok'),
    step(mkdir('/sys/fs/bpf/d/sub'), 'ok'),
    step(mkdir('/sys/fs/bpf/e'), 'ok'),
    step(mkdir('/sys/fs/bpf/f'), 'ok'),
    step(pin('m', '/sys/fs/bpf/d/m1'), 'ok'),
    step(pin('m', '/sys/fs/bpf/d/p1'), 'ok'),
    step({ cmd: 'rmdir', path: '/sys/fs/bpf/d' }, 'ENOTEMPTY'),
    step({ cmd: 'rmdir', path: '/sys/fs/bpf/m' }, 'ENOTDIR'),
    step({ cmd: 'rmdir', path: '/sys/fs/bpf' }, 'EBUSY'),
    step({ cmd: 'unlink', path: '/sys/fs/bpf/d/sub' }, 'EISDIR'),
    step({ cmd: 'unlink', path: '/sys/fs/bpf/nothing' }, 'ENOENT'),
    step({ cmd: 'rmdir', path: '/sys/fs/bpf/nothing' }, 'ENOENT'),
    // replacing an existing pin drops the old pin's reference
    step(rename('/sys/fs/bpf/d/m1', '/sys/fs/bpf/d/p1'), 'ok'),
    step(readdir('/sys/fs/bpf/d'), { entries: ['p1', 'sub'] }),
    step(rename('/sys/fs/bpf/d/zz', '/sys/fs/bpf/d/yy'), 'ENOENT'),
    step(rename('/sys/fs/bpf/d', '/sys/fs/bpf/d/sub/x'), 'EINVAL'),
    step(rename('/sys/fs/bpf/m', '/sys/fs/bpf/d/sub'), 'EISDIR'),
    step(rename('/sys/fs/bpf/d/sub', '/sys/fs/bpf/m'), 'ENOTDIR'),
    step(rename('/sys/fs/bpf/e', '/sys/fs/bpf/d/sub'), 'ok'),
    step(rename('/sys/fs/bpf/f', '/sys/fs/bpf/d'), 'ENOTEMPTY'),
    step(rename('/sys/fs/bpf/m', '/tmp/m'), 'EXDEV'),
    step(rename('/sys/fs/bpf/m', '/sys/fs/bpf/nodir/m'), 'ENOENT'),
    step({ cmd: 'unlink', path: '/sys/fs/bpf/d/p1' }, 'ok'),
    step({ cmd: 'rmdir', path: '/sys/fs/bpf/d/sub' }, 'ok'),
    step({ cmd: 'rmdir', path: '/sys/fs/bpf/d' }, 'ok'),
  ],
  withBpffs,
);

kernelDiff(
  'reading pinned files (cat)',
  [
    step(as(mc(MAP.HASH, 4, 8, 4), 'm'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 0) + exitInsn()), 'p'), 'ok'),
    step(pin('m', '/sys/fs/bpf/m'), 'ok'),
    step(pin('p', '/sys/fs/bpf/p'), 'ok'),
    step(mkdir('/sys/fs/bpf/d'), 'ok'),
    step({ cmd: 'read', path: '/sys/fs/bpf/m' }, 'EIO'), // no BTF: bpffs_obj_fops
    step({ cmd: 'read', path: '/sys/fs/bpf/p' }, 'EIO'),
    step({ cmd: 'read', path: '/sys/fs/bpf/d' }, 'EISDIR'),
    step(readdir('/sys/fs/bpf/m'), 'ENOTDIR'),
    step(readdir('/sys/fs/bpf/nothing'), 'ENOENT'),
    step({ cmd: 'chmod', path: '/sys/fs/bpf/m', mode: 0o644 }, 'ok'),
    step(stat('/sys/fs/bpf/m'), { mode: S_IFREG | 0o644 }),
  ],
  withBpffs,
);
