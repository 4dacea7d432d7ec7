// bpffs directory semantics against the kernel with no BPF objects involved: these scripts run on bpffs alone
// (BpffsOnlyKernel), so they compare the filesystem on its own.
import { kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { BpffsOnlyKernel, withBpffs } from './sim-kernel';

const S_IFDIR = 0o040000;
const mkdir = (path: string, mode?: number) => (mode === undefined ? { cmd: 'mkdir', path } : { cmd: 'mkdir', path, mode });
const stat = (path: string) => ({ cmd: 'stat', path });
const readdir = (path: string) => ({ cmd: 'readdir', path });
const rename = (from: string, to: string) => ({ cmd: 'rename', from, to });
const rmdir = (path: string) => ({ cmd: 'rmdir', path });

kernelDiff(
  'bpffs alone: mkdir, stat, readdir order, rename and rmdir',
  [
    step(stat('/sys/fs/bpf'), { mode: S_IFDIR | 0o1777, uid: 0, gid: 0 }),
    step(mkdir('/sys/fs/bpf/d', 0o755), 'ok'),
    step(mkdir('/sys/fs/bpf/d', 0o755), 'EEXIST'),
    step(stat('/sys/fs/bpf/d'), { mode: S_IFDIR | 0o755, nlink: 2, uid: 0, gid: 0, size: 0 }),
    step(mkdir('/sys/fs/bpf/d7', 0o777), 'ok'),
    step(stat('/sys/fs/bpf/d7'), { mode: S_IFDIR | 0o755 }),
    step(mkdir('/sys/fs/bpf/ds', 0o1777), 'ok'),
    step(stat('/sys/fs/bpf/ds'), { mode: S_IFDIR | 0o1755 }),
    step(mkdir('/sys/fs/bpf/d/a'), 'ok'),
    step(mkdir('/sys/fs/bpf/d/b'), 'ok'),
    step(mkdir('/sys/fs/bpf/d/c'), 'ok'),
    step(readdir('/sys/fs/bpf/d'), { entries: ['c', 'b', 'a'] }),
    step(stat('/sys/fs/bpf/d'), { nlink: 5 }),
    step(rename('/sys/fs/bpf/d/a', '/sys/fs/bpf/d/z'), 'ok'),
    step(readdir('/sys/fs/bpf/d'), { entries: ['z', 'c', 'b'] }),
    step(rename('/sys/fs/bpf/d/b', '/sys/fs/bpf/d/c'), 'ok'), // onto an empty directory
    step(readdir('/sys/fs/bpf/d'), { entries: ['c', 'z'] }),
    step(mkdir('/sys/fs/bpf/d/z/inner'), 'ok'),
    step(rename('/sys/fs/bpf/d/c', '/sys/fs/bpf/d/z'), 'ENOTEMPTY'),
    step(rename('/sys/fs/bpf/d', '/sys/fs/bpf/d/z/x'), 'EINVAL'),
    step(rename('/sys/fs/bpf/d/none', '/sys/fs/bpf/d/y'), 'ENOENT'),
    step(rename('/sys/fs/bpf/d/c', '/sys/fs/bpf/nodir/c'), 'ENOENT'),
    step(rename('/sys/fs/bpf/d/c', '/tmp/c'), 'EXDEV'),
    step(rmdir('/sys/fs/bpf/d'), 'ENOTEMPTY'),
    step(rmdir('/sys/fs/bpf/nothing'), 'ENOENT'),
    step(rmdir('/sys/fs/bpf'), 'EBUSY'),
    step(mkdir('/sys/fs/bpf/no/sub'), 'ENOENT'),
    step(mkdir('/sys/fs/bpf/' + 'n'.repeat(256)), 'ENAMETOOLONG'),
    step(mkdir('/sys/fs/bpf/' + 'n'.repeat(255)), 'ok'),
    step(readdir('/sys/fs/bpf/nothing'), 'ENOENT'),
    step(rmdir('/sys/fs/bpf/d/z/inner'), 'ok'),
    step(stat('/sys/fs/bpf/d/z'), { nlink: 2 }),
    step({ cmd: 'chmod', path: '/sys/fs/bpf/d', mode: 0o700 }, 'ok'),
    step(stat('/sys/fs/bpf/d'), { mode: S_IFDIR | 0o700 }),
  ],
  { Kernel: BpffsOnlyKernel },
);

kernelDiff(
  'bpffs alone: an unprivileged process in root-owned directories',
  [
    step(mkdir('/sys/fs/bpf/rootdir', 0o755), 'ok'),
    step(mkdir('/sys/fs/bpf/rootdir/inner', 0o755), 'ok'),
    step(mkdir('/sys/fs/bpf/private', 0o700), 'ok'),
    step(mkdir('/sys/fs/bpf/private/x', 0o755), 'ok'),
    step(mkdir('/sys/fs/bpf/st', 0o1777), 'ok'),
    step({ cmd: 'chmod', path: '/sys/fs/bpf/st', mode: 0o1777 }, 'ok'),
    step(mkdir('/sys/fs/bpf/st/rootsub'), 'ok'),
    step({ cmd: 'drop_privs', uid: 65534, gid: 65534, caps: 'CAP_BPF' }, 'ok'),
    step(mkdir('/sys/fs/bpf/rootdir/mine'), 'EACCES'),
    step(rmdir('/sys/fs/bpf/rootdir/inner'), 'EACCES'),
    step(readdir('/sys/fs/bpf/private'), 'EACCES'),
    step(stat('/sys/fs/bpf/private/x'), 'EACCES'),
    step(mkdir('/sys/fs/bpf/mine'), 'ok'), // the bpffs root is 01777
    step(stat('/sys/fs/bpf/mine'), { uid: 65534, gid: 65534, mode: S_IFDIR | 0o755 }),
    step(rmdir('/sys/fs/bpf/st/rootsub'), 'EPERM'), // sticky directory, not the owner
    step(rename('/sys/fs/bpf/st/rootsub', '/sys/fs/bpf/st/other'), 'EPERM'),
    step({ cmd: 'chmod', path: '/sys/fs/bpf/rootdir', mode: 0o777 }, 'EPERM'),
    step(rmdir('/sys/fs/bpf/mine'), 'ok'),
  ],
  { Kernel: BpffsOnlyKernel },
);

kernelDiff(
  'a fresh bpffs mount',
  [
    step(readdir('/sys/fs/bpf'), { entries: ['progs.debug', 'maps.debug'] }),
    step(stat('/sys/fs/bpf/maps.debug'), { mode: 0o100400, uid: 0, gid: 0 }),
    step(stat('/sys/fs/bpf/progs.debug'), { mode: 0o100400 }),
  ],
  // bpf_preload needs BPF objects: this one runs on objects' Kernel with bpffs installed. The text of the two files is
  // not compared: the oracle refuses to read them (they list every object of the machine), and on the reference
  // machine open() of them fails with ENOENT anyway (see packages/bpffs/test/kernel-facts.md).
  withBpffs,
);
