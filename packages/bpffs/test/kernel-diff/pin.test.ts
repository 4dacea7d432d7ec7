// BPF_OBJ_PIN / BPF_OBJ_GET on bpffs, and pins keeping objects alive (FACTS.md "bpffs", "Lifecycle").
import { expect } from 'vitest';
import { kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { exitInsn, mov64Imm } from '../../../../testing/kernel-oracle/oracle';
import { F, MAP, PROG, as, get, mapCreate as mc, pin, progLoad, u32, u64 } from '../../../../testing/kernel-oracle/script';
import { withBpffs } from './sim-kernel';

const long = (n: number): string => '/sys/fs/bpf/' + 'a'.repeat(n);

kernelDiff(
  'pin and get: errno table',
  [
    step(as(mc(MAP.HASH, 4, 8, 4), 'm'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 0) + exitInsn()), 'p'), 'ok'),
    step(pin('m', '/sys/fs/bpf/m'), 'ok'),
    step(pin('m', '/sys/fs/bpf/m'), 'EEXIST'),
    step(pin('m', '/sys/fs/bpf/nodir/m'), 'ENOENT'),
    step(pin('m', '/tmp/m'), 'EPERM'),
    step({ cmd: 'BPF_OBJ_PIN', bpf_fd: 99, pathname: '/sys/fs/bpf/x' }, 'EINVAL'),
    step(pin('m', '/sys/fs/bpf/ff', { file_flags: 1 }), 'EINVAL'),
    step(pin('m', '/sys/fs/bpf/m/x'), 'ENOTDIR'),
    step(pin('m', '/sys/fs/bpf'), 'EEXIST'),
    step(pin('p', '/sys/fs/bpf/p'), 'ok'),
    step(pin('m', long(255)), 'ok'),
    step(pin('m', long(256)), 'ENAMETOOLONG'),
    step({ cmd: 'unlink', path: long(255) }, 'ok'),
    step(as(get('/sys/fs/bpf/m'), 'g'), 'ok'),
    step(as(get('/sys/fs/bpf/m', { file_flags: F.RDONLY }), 'gr'), 'ok'),
    step({ cmd: 'BPF_MAP_UPDATE_ELEM', map_fd: '$gr', key: u32(0), value: u64(0) }, 'EPERM'),
    step({ cmd: 'fdinfo', fd: '$gr' }, { text: expect.stringMatching(/^pos:\t0\nflags:\t02000000\n/) }),
    step(as(get('/sys/fs/bpf/m', { file_flags: F.WRONLY }), 'gw'), 'ok'),
    step({ cmd: 'fdinfo', fd: '$gw' }, { text: expect.stringMatching(/^pos:\t0\nflags:\t02000001\n/) }),
    step(get('/sys/fs/bpf/m', { file_flags: F.RDONLY | F.WRONLY }), 'EINVAL'),
    step(get('/sys/fs/bpf/m', { file_flags: 1 }), 'EINVAL'),
    step(get('/sys/fs/bpf/p', { file_flags: F.RDONLY }), 'ok'),
    step(get('/sys/fs/bpf/missing'), 'ENOENT'),
    step(get('/sys/fs/bpf'), 'EACCES'),
    step(get('/tmp'), 'EACCES'),
  ],
  withBpffs,
);

kernelDiff(
  'a pin keeps its object alive until unlinked',
  [
    step(as(mc(MAP.ARRAY, 4, 4, 1), 'm'), 'ok'),
    step({ cmd: 'BPF_MAP_UPDATE_ELEM', map_fd: '$m', key: u32(0), value: u32(42) }, 'ok'),
    step(pin('m', '/sys/fs/bpf/m'), 'ok'),
    step({ cmd: 'close', fd: '$m' }, 'ok'),
    step(as({ cmd: 'BPF_MAP_GET_FD_BY_ID', map_id: '$m.id' }, 'byid'), 'ok'),
    step({ cmd: 'close', fd: '$byid' }, 'ok'),
    step(as(get('/sys/fs/bpf/m'), 'again'), 'ok'),
    step({ cmd: 'BPF_MAP_LOOKUP_ELEM', map_fd: '$again', key: u32(0) }, { value: u32(42) }),
    step({ cmd: 'close', fd: '$again' }, 'ok'),
    step({ cmd: 'rename', from: '/sys/fs/bpf/m', to: '/sys/fs/bpf/moved' }, 'ok'),
    step(get('/sys/fs/bpf/m'), 'ENOENT'),
    step({ cmd: 'BPF_MAP_GET_FD_BY_ID', map_id: '$m.id', as: 'still' }, 'ok'),
    step({ cmd: 'close', fd: '$still' }, 'ok'),
    step({ cmd: 'unlink', path: '/sys/fs/bpf/moved' }, 'ok'),
    step({ cmd: 'BPF_MAP_GET_FD_BY_ID', map_id: '$m.id' }, 'ENOENT'),
  ],
  withBpffs,
);
