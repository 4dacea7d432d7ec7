// BPF_MAP_*_BATCH commands (FACTS.md "Batch operations"), kernel vs bpfsim.
import { kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { F_LOCK, MAP, NOEXIST, as, lookup, mapCreate as mc, u32 } from '../../../../testing/kernel-oracle/script';
import type { ScriptCommand } from '../../../../testing/kernel-oracle/oracle';
import { Kernel } from './sim-kernel';

const batch = (cmd: string, m: string, fields: Record<string, string | number>): ScriptCommand => ({ cmd, map_fd: `$${m}`, ...fields });
const keys = (...k: number[]): string => k.map(u32).join('');

kernelDiff(
  'array batches: tokens are keys, ENOENT at the end with a partial count',
  [
    step(as(mc(MAP.ARRAY, 4, 4, 4), 'a'), 'ok'),
    step(batch('BPF_MAP_UPDATE_BATCH', 'a', { keys: keys(0, 1, 2), values: keys(10, 11, 12), count: 3 }), { ret: 0, count: 3 }),
    step(batch('BPF_MAP_UPDATE_BATCH', 'a', { keys: keys(3, 9), values: keys(13, 19), count: 2 }), { errno: 'E2BIG', count: 1 }),
    step(batch('BPF_MAP_LOOKUP_BATCH', 'a', { count: 2 }), { ret: 0, count: 2, keys: keys(0, 1), values: keys(10, 11), out_batch: u32(1) }),
    step(batch('BPF_MAP_LOOKUP_BATCH', 'a', { count: 2, in_batch: u32(1) }), { count: 2, keys: keys(2, 3), values: keys(12, 13), out_batch: u32(3) }),
    step(batch('BPF_MAP_LOOKUP_BATCH', 'a', { count: 10 }), { errno: 'ENOENT', count: 4, keys: keys(0, 1, 2, 3) }),
    step(batch('BPF_MAP_LOOKUP_BATCH', 'a', { count: 0 }), { ret: 0, count: 0 }),
    step(batch('BPF_MAP_LOOKUP_AND_DELETE_BATCH', 'a', { count: 2 }), 'ENOTSUPP'),
    step(batch('BPF_MAP_DELETE_BATCH', 'a', { keys: keys(0), count: 1 }), 'ENOTSUPP'),
    step(batch('BPF_MAP_LOOKUP_BATCH', 'a', { count: 2, elem_flags: F_LOCK }), 'EINVAL'),
  ],
  { Kernel },
);

kernelDiff(
  'hash batches: counts, errors and what is left (element order is the buckets\')',
  [
    step(as(mc(MAP.HASH, 4, 4, 8), 'h'), 'ok'),
    step(batch('BPF_MAP_LOOKUP_BATCH', 'h', { count: 4 }), { errno: 'ENOENT', count: 0 }),
    step(batch('BPF_MAP_UPDATE_BATCH', 'h', { keys: keys(1, 2, 3), values: keys(10, 20, 30), count: 3 }), { ret: 0, count: 3 }),
    step(batch('BPF_MAP_UPDATE_BATCH', 'h', { keys: keys(4, 1), values: keys(40, 11), count: 2, elem_flags: NOEXIST }), { errno: 'EINVAL', count: 2 }),
    step(batch('BPF_MAP_LOOKUP_BATCH', 'h', { count: 8 }), { errno: 'ENOENT', count: 3 }),
    step(lookup('h', u32(2)), { value: u32(20) }),
    step(batch('BPF_MAP_DELETE_BATCH', 'h', { keys: keys(4, 99, 2), count: 3 }), { errno: 'ENOENT', count: 0 }),
    step(batch('BPF_MAP_LOOKUP_AND_DELETE_BATCH', 'h', { count: 8 }), { errno: 'ENOENT', count: 3 }),
    step(batch('BPF_MAP_LOOKUP_BATCH', 'h', { count: 8 }), { errno: 'ENOENT', count: 0 }),
    step(lookup('h', u32(2)), 'ENOENT'),
    step(as(mc(MAP.QUEUE, 0, 4, 4), 'q'), 'ok'),
    step(batch('BPF_MAP_LOOKUP_BATCH', 'q', { count: 2 }), 'ENOTSUPP'),
  ],
  // keys/values come in bucket order and out_batch is a bucket index: neither is a semantic a simulator shares
  { Kernel, normalize: { drop: ['keys', 'values', 'out_batch'] } },
);
