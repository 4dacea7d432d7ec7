// Maps whose values are fds (map-in-map, prog_array): the syscall takes fds and answers ids (FACTS.md).
import { kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { exitInsn, mov64Imm } from '../../../../testing/kernel-oracle/oracle';
import { F, MAP, NOEXIST, PROG, as, del, lookup, mapCreate as mc, nextKey, progLoad, u32, update } from '../../../../testing/kernel-oracle/script';
import { Kernel } from './sim-kernel';

kernelDiff(
  'array_of_maps and hash_of_maps hold inner maps and answer their ids',
  [
    step(as(mc(MAP.ARRAY, 4, 4, 2), 'inner'), 'ok'),
    step(as(mc(MAP.HASH, 4, 4, 2), 'ih'), 'ok'),
    step(as(mc(MAP.ARRAY, 4, 4, 3), 'i3'), 'ok'),
    step(as(mc(MAP.ARRAY_OF_MAPS, 4, 4, 2, 0, { inner_map_fd: '$inner' }), 'o'), 'ok'),
    step(update('o', u32(0), '$inner'), 'ok'),
    // the value read back is the inner map's id (normalized to "$inner.id" on both sides)
    step(lookup('o', u32(0)), 'ok'),
    step(lookup('o', u32(1)), 'ENOENT'),
    step(update('o', u32(1), '$ih'), 'EINVAL'),
    step(update('o', u32(1), '$i3'), 'EINVAL'),
    step(update('o', u32(1), u32(99)), 'EBADF'),
    step(update('o', u32(0), '$inner', NOEXIST), 'EINVAL'),
    step(del('o', u32(0)), 'ok'),
    step(del('o', u32(0)), 'ENOENT'),
    step(nextKey('o'), { next_key: u32(0) }),
    step(as(mc(MAP.HASH_OF_MAPS, 4, 4, 2, 0, { inner_map_fd: '$inner' }), 'ho'), 'ok'),
    step(update('ho', u32(5), '$inner'), 'ok'),
    step(lookup('ho', u32(5)), 'ok'),
  ],
  { Kernel, normalize: { idValues: { o: 'map', ho: 'map' } } },
);

kernelDiff(
  'prog_array takes program fds and answers program ids',
  [
    step(as(mc(MAP.ARRAY, 4, 4, 2), 'm'), 'ok'),
    step(as(mc(MAP.PROG_ARRAY, 4, 4, 2), 'pa'), 'ok'),
    step(update('pa', u32(0), '$m'), 'EINVAL'),
    step(lookup('pa', u32(0)), 'ENOENT'),
    step(as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 0) + exitInsn()), 'p'), 'ok'),
    step(update('pa', u32(0), '$p'), 'ok'),
    step(lookup('pa', u32(0)), 'ok'),
    step(del('pa', u32(0)), 'ok'),
    step(del('pa', u32(0)), 'ENOENT'),
  ],
  { Kernel, normalize: { idValues: { pa: 'prog' } } },
);

kernelDiff(
  'inner map templates: BPF_F_INNER_MAP and the types a template may have',
  [
    step(as(mc(MAP.ARRAY, 4, 4, 2, F.INNER_MAP), 'tmpl'), 'ok'),
    step(as(mc(MAP.ARRAY_OF_MAPS, 4, 4, 2, 0, { inner_map_fd: '$tmpl' }), 'o'), 'ok'),
    step(as(mc(MAP.ARRAY, 4, 4, 9, F.INNER_MAP), 'big'), 'ok'),
    step(update('o', u32(0), '$big'), 'ok'), // max_entries may differ when both carry BPF_F_INNER_MAP
    step(as(mc(MAP.ARRAY, 4, 4, 9), 'bignoflag'), 'ok'),
    step(update('o', u32(1), '$bignoflag'), 'EINVAL'),
    step(as(mc(MAP.ARRAY, 4, 8, 2, F.INNER_MAP), 'wide'), 'ok'),
    step(update('o', u32(1), '$wide'), 'EINVAL'),
    step(mc(MAP.ARRAY_OF_MAPS, 4, 4, 2, 0, { inner_map_fd: '$o' }), 'EINVAL'),
    step(as(mc(MAP.QUEUE, 0, 4, 2), 'q'), 'ok'),
    step(mc(MAP.ARRAY_OF_MAPS, 4, 4, 2, 0, { inner_map_fd: '$q' }), 'ok'),
    step(as(mc(MAP.RINGBUF, 0, 0, 4096), 'rb'), 'ok'),
    step(mc(MAP.ARRAY_OF_MAPS, 4, 4, 2, 0, { inner_map_fd: '$rb' }), 'ok'),
    step(as(mc(MAP.PROG_ARRAY, 4, 4, 2), 'pa'), 'ok'),
    step(mc(MAP.ARRAY_OF_MAPS, 4, 4, 2, 0, { inner_map_fd: '$pa' }), 'ENOTSUPP'),
    step(mc(MAP.ARRAY_OF_MAPS, 4, 8, 2, 0, { inner_map_fd: '$tmpl' }), 'EINVAL'),
    step(mc(MAP.ARRAY_OF_MAPS, 4, 4, 2, 0, { inner_map_fd: 99 }), 'EBADF'),
    step(mc(MAP.ARRAY, 4, 4, 2, 0, { inner_map_fd: '$tmpl' }), 'ok'),
  ],
  { Kernel },
);
