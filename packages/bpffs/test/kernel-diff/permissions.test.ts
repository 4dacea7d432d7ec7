// What a uid/gid 65534 process holding only CAP_BPF may do with root's pins and directories
// (FACTS.md "Privileges"). The oracle drops privileges in place; bpfsim continues in a process spawned with
// those credentials (objects from before are reached through pins and ids only, as the script does).
import { kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { exitInsn, mov64Imm } from '../../../../testing/kernel-oracle/oracle';
import { F, MAP, PROG, as, get, mapCreate as mc, pin, progLoad, u32, u64 } from '../../../../testing/kernel-oracle/script';
import { withBpffs } from './sim-kernel';

const S_IFREG = 0o100000;

kernelDiff(
  'unprivileged (uid 65534, CAP_BPF only) against root-owned pins',
  [
    step(as(mc(MAP.HASH, 4, 8, 4), 'm'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 0) + exitInsn()), 'p'), 'ok'),
    step(pin('m', '/sys/fs/bpf/m'), 'ok'),
    step(pin('m', '/sys/fs/bpf/m644'), 'ok'),
    step({ cmd: 'chmod', path: '/sys/fs/bpf/m644', mode: 0o644 }, 'ok'),
    step(pin('m', '/sys/fs/bpf/m666'), 'ok'),
    step({ cmd: 'chmod', path: '/sys/fs/bpf/m666', mode: 0o666 }, 'ok'),
    step({ cmd: 'mkdir', path: '/sys/fs/bpf/rootdir', mode: 0o755 }, 'ok'),
    step({ cmd: 'mkdir', path: '/sys/fs/bpf/st', mode: 0o1777 }, 'ok'),
    step({ cmd: 'chmod', path: '/sys/fs/bpf/st', mode: 0o1777 }, 'ok'),
    step(pin('m', '/sys/fs/bpf/st/rootpin'), 'ok'),
    step({ cmd: 'drop_privs', uid: 65534, gid: 65534, caps: 'CAP_BPF' }, 'ok'),
    step({ cmd: 'BPF_MAP_GET_FD_BY_ID', map_id: '$m.id' }, 'EPERM'),
    step({ cmd: 'BPF_PROG_GET_FD_BY_ID', prog_id: '$p.id' }, 'EPERM'),
    step({ cmd: 'BPF_MAP_GET_NEXT_ID', start_id: 0 }, 'EPERM'),
    step(get('/sys/fs/bpf/m'), 'EACCES'),
    step(get('/sys/fs/bpf/m', { file_flags: F.RDONLY }), 'EACCES'),
    step(get('/sys/fs/bpf/m644'), 'EACCES'),
    step(as(get('/sys/fs/bpf/m644', { file_flags: F.RDONLY }), 'r'), 'ok'),
    step({ cmd: 'BPF_MAP_UPDATE_ELEM', map_fd: '$r', key: u32(0), value: u64(0) }, 'EPERM'),
    step(get('/sys/fs/bpf/m644', { file_flags: F.WRONLY }), 'EACCES'),
    step(get('/sys/fs/bpf/m666'), 'ok'),
    step(as(mc(MAP.HASH, 4, 8, 4), 'um'), 'ok'),
    step(pin('um', '/sys/fs/bpf/um'), 'ok'),
    step({ cmd: 'stat', path: '/sys/fs/bpf/um' }, { mode: S_IFREG | 0o600, uid: 65534, gid: 65534 }),
    step(pin('um', '/sys/fs/bpf/rootdir/x'), 'EACCES'),
    step({ cmd: 'mkdir', path: '/sys/fs/bpf/rootdir/x' }, 'EACCES'),
    step({ cmd: 'unlink', path: '/sys/fs/bpf/m666' }, 'EPERM'), // sticky root directory
    step({ cmd: 'unlink', path: '/sys/fs/bpf/st/rootpin' }, 'EPERM'),
    step({ cmd: 'rename', from: '/sys/fs/bpf/m644', to: '/sys/fs/bpf/mine' }, 'EPERM'),
    step({ cmd: 'unlink', path: '/sys/fs/bpf/um' }, 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 0) + exitInsn()), 'up'), 'ok'),
    step(progLoad(PROG.XDP, mov64Imm(0, 0) + exitInsn()), 'EPERM'),
    step(progLoad(PROG.KPROBE, mov64Imm(0, 0) + exitInsn()), 'EPERM'),
    step({ cmd: 'BPF_OBJ_GET_INFO_BY_FD', bpf_fd: '$up' }, { created_by_uid: 65534 }),
  ],
  { ...withBpffs, normalize: { drop: ['jited_prog_len', 'info_len'] } },
);

kernelDiff(
  'no capabilities at all',
  [
    step({ cmd: 'drop_privs', uid: 65534, gid: 65534, caps: '' }, 'ok'),
    step(mc(MAP.HASH, 4, 8, 4), 'EPERM'),
    step(get('/sys/fs/bpf/x'), 'ENOENT'), // OBJ_GET itself needs no capability
  ],
  withBpffs,
);
