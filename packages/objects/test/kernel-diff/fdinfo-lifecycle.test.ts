// /proc/self/fdinfo text, fd numbering and object lifetime through fds and ids (FACTS.md "fdinfo", "Lifecycle").
import { kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { exitInsn, mov64Imm, type OracleResult } from '../../../../testing/kernel-oracle/oracle';
import { F, MAP, PROG, as, fdinfo, freeze, info, mapCreate as mc, progLoad } from '../../../../testing/kernel-oracle/script';
import { Kernel } from './sim-kernel';

const mapText = (type: number, k: number, v: number, max: number, flags: string, memlock: number, frozen: 0 | 1, fileFlags = '02000002') =>
  `pos:\t0\nflags:\t${fileFlags}\nmnt_id:\t*\nino:\t*\nmap_type:\t${type}\nkey_size:\t${k}\nvalue_size:\t${v}\n` +
  `max_entries:\t${max}\nmap_flags:\t${flags}\nmap_extra:\t0x0\nmemlock:\t${memlock}\nmap_id:\t*\nfrozen:\t${frozen}\n`;
/** The kernel's text with mnt_id, ino and map_id/prog_id masked, for the fact checks below. */
const masked = (text: unknown): string =>
  String(text).replace(/^(mnt_id|ino|map_id|prog_id):\t.*$/gm, '$1:\t*');
const textIs = (expected: string) => (r: OracleResult): void => {
  if (masked(r.text) !== expected) throw new Error(`fdinfo text:\n${String(r.text)}\nexpected:\n${expected}`);
};

kernelDiff(
  'fdinfo of maps and programs',
  [
    step(as(mc(MAP.HASH, 4, 8, 4), 'h'), 'ok'),
    step(fdinfo('h'), textIs(mapText(1, 4, 8, 4, '0x0', 1360, 0))),
    step(as(mc(MAP.ARRAY, 4, 4, 1), 'a'), 'ok'),
    step(fdinfo('a'), textIs(mapText(2, 4, 4, 1, '0x0', 320, 0))),
    step(freeze('a'), 'ok'),
    step(fdinfo('a'), textIs(mapText(2, 4, 4, 1, '0x0', 320, 1))),
    step(as(mc(MAP.LRU_HASH, 4, 4, 4, F.NO_COMMON_LRU), 'l'), 'ok'),
    step(fdinfo('l'), textIs(mapText(9, 4, 4, 4, '0x2', 1216, 0))),
    step(as(mc(MAP.HASH, 4, 8, 4, F.RDONLY), 'ro'), 'ok'),
    // BPF_F_RDONLY at create: the fd is O_RDONLY and map_flags no longer show the access bit
    // (bpf_map_flags_retain_permanent)
    step(fdinfo('ro'), textIs(mapText(1, 4, 8, 4, '0x0', 1360, 0, '02000000'))),
    step(info('ro'), { map_flags: 0 }),
    step({ cmd: 'dup', fd: '$h', as: 'hd' }, 'ok'),
    // dup() clears O_CLOEXEC
    step(fdinfo('hd'), textIs(mapText(1, 4, 8, 4, '0x0', 1360, 0, '02'))),
    step(as(progLoad(PROG.XDP, mov64Imm(0, 2) + exitInsn()), 'p'), 'ok'),
    step(fdinfo('p'), textIs(
      'pos:\t0\nflags:\t02000002\nmnt_id:\t*\nino:\t*\nprog_type:\t6\nprog_jited:\t1\nprog_tag:\t614b434cd8324ecc\n' +
      'memlock:\t4096\nprog_id:\t*\nrun_time_ns:\t0\nrun_cnt:\t0\nrecursion_misses:\t0\nverified_insns:\t2\n')),
  ],
  { Kernel },
);

const progArrayText = (owner?: number) =>
  mapText(3, 4, 4, 2, '0x0', 328, 0) + (owner === undefined ? '' : `owner_prog_type:\t${owner}\nowner_jited:\t1\n`);

kernelDiff(
  'fdinfo of a prog_array shows its owner program type once it has one',
  [
    step(as(mc(MAP.PROG_ARRAY, 4, 4, 2), 'pa'), 'ok'),
    step(fdinfo('pa'), textIs(progArrayText())),
    step(as(progLoad(PROG.SCHED_CLS, mov64Imm(0, 5) + exitInsn()), 't'), 'ok'),
    step({ cmd: 'BPF_MAP_UPDATE_ELEM', map_fd: '$pa', key: '00000000', value: '$t' }, 'ok'),
    step(fdinfo('pa'), textIs(progArrayText(PROG.SCHED_CLS))),
    step({ cmd: 'BPF_MAP_DELETE_ELEM', map_fd: '$pa', key: '00000000' }, 'ok'),
    step(fdinfo('pa'), textIs(progArrayText(PROG.SCHED_CLS))), // the owner stays
  ],
  { Kernel },
);

kernelDiff(
  'fdinfo memlock of a ring buffer',
  [
    step(as(mc(MAP.RINGBUF, 0, 0, 4096), 'rb'), 'ok'),
    step(fdinfo('rb'), textIs(mapText(27, 0, 0, 4096, '0x0', 16728, 0))),
    step(as(mc(MAP.RINGBUF, 0, 0, 16384), 'rb4'), 'ok'),
    step(fdinfo('rb4'), textIs(mapText(27, 0, 0, 16384, '0x0', 29064, 0))),
  ],
  { Kernel },
);

kernelDiff(
  'OBJ_GET_INFO_BY_FD: the kernel\'s struct sizes and unknown trailing bytes',
  [
    step(as(mc(MAP.ARRAY, 4, 4, 1), 'm'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 0) + exitInsn()), 'p'), 'ok'),
    step(info('m', { info_len: 512 }), { info_len: 104 }),
    step(info('m', { info_len: 512, info_tail: 1 }), 'E2BIG'),
    step(info('p', { info_len: 512 }), { info_len: 232 }),
    step(info('p', { info_len: 512, info_tail: 1 }), 'E2BIG'),
  ],
  { Kernel, normalize: { drop: ['jited_prog_len'] } },
);

kernelDiff(
  'OBJ_GET_INFO_BY_FD copies only info_len bytes',
  [
    step(as(mc(MAP.ARRAY, 4, 4, 1), 'm'), 'ok'),
    step(info('m', { info_len: 8 }), { info_len: 8, type: 2, key_size: 0, value_size: 0, max_entries: 0 }),
    step(info('m', { info_len: 16 }), { info_len: 16, type: 2, key_size: 4, value_size: 4, max_entries: 0 }),
    step(as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 0) + exitInsn()), 'p'), 'ok'),
    step(info('p', { info_len: 8 }), { info_len: 8, type: 1, xlated_prog_len: 0 }),
  ],
  { Kernel, normalize: { drop: ['jited_prog_len'] } },
);

kernelDiff(
  'fd numbers, close, ids and GET_FD_BY_ID',
  [
    step(as(mc(MAP.ARRAY, 4, 4, 1), 'm'), { ret: 3 }),
    step({ cmd: 'dup', fd: '$m', as: 'd' }, { ret: 4 }),
    step({ cmd: 'close', fd: '$m' }, 'ok'),
    step({ cmd: 'close', fd: '$m' }, 'EBADF'),
    step({ cmd: 'BPF_MAP_LOOKUP_ELEM', map_fd: '$m', key: '00000000', value_len: 4 }, 'EBADF'),
    // the lowest free fd is reused
    step(as({ cmd: 'BPF_MAP_GET_FD_BY_ID', map_id: '$m.id' }, 'g'), { ret: 3 }),
    step({ cmd: 'close', fd: '$d' }, 'ok'),
    step({ cmd: 'close', fd: '$g' }, 'ok'),
    // last reference gone: the id is dead
    step({ cmd: 'BPF_MAP_GET_FD_BY_ID', map_id: '$m.id' }, 'ENOENT'),
    step({ cmd: 'BPF_MAP_GET_FD_BY_ID', map_id: 0x7ffffff0 }, 'ENOENT'),
    step(as(mc(MAP.ARRAY, 4, 4, 1), 'm2'), { ret: 3 }),
    step(as({ cmd: 'BPF_MAP_GET_FD_BY_ID', map_id: '$m2.id', open_flags: F.RDONLY }, 'ro'), 'ok'),
    step({ cmd: 'BPF_MAP_UPDATE_ELEM', map_fd: '$ro', key: '00000000', value: '01000000' }, 'EPERM'),
    step({ cmd: 'BPF_MAP_GET_FD_BY_ID', map_id: '$m2.id', open_flags: 1 }, 'EINVAL'),
    step({ cmd: 'BPF_OBJ_GET_INFO_BY_FD', bpf_fd: 99 }, 'EBADFD'),
    step(as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 0) + exitInsn()), 'p'), 'ok'),
    step({ cmd: 'BPF_MAP_LOOKUP_ELEM', map_fd: '$p', key: '00000000', value_len: 4 }, 'EINVAL'),
    step({ cmd: 'BPF_MAP_FREEZE', map_fd: '$p' }, 'EINVAL'),
  ],
  { Kernel },
);
