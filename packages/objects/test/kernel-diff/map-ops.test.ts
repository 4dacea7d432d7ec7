// Element operations per map type from the syscall (FACTS.md "Element operations"), kernel vs bpfsim.
import { expect } from 'vitest';
import { availability, kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { kernelPossibleCpus } from '../../../../testing/kernel-oracle/oracle';
import {
  ANY, EXIST, F, F_LOCK, MAP, NOEXIST, as, del, freeze, fdinfo, lookup, lookupAndDelete, mapCreate as mc, nextKey,
  u32, u64, update,
} from '../../../../testing/kernel-oracle/script';
import { Kernel } from './sim-kernel';

kernelDiff(
  'array element operations',
  [
    step(as(mc(MAP.ARRAY, 4, 8, 4), 'a'), 'ok'),
    step(lookup('a', u32(1)), { ret: 0, value: u64(0) }),
    step(lookup('a', u32(4)), 'ENOENT'),
    step(update('a', u32(4), u64(7)), 'E2BIG'),
    step(update('a', u32(1), u64(7), NOEXIST), 'EEXIST'),
    step(update('a', u32(1), u64(7), EXIST), 'ok'),
    step(lookup('a', u32(1)), { value: u64(7) }),
    step(update('a', u32(1), u64(7), 3), 'EINVAL'),
    step(update('a', u32(1), u64(7), F_LOCK), 'EINVAL'),
    step(update('a', u32(1), u64(7), 8), 'EINVAL'),
    step(del('a', u32(1)), 'EINVAL'),
    step(nextKey('a'), { next_key: u32(0) }),
    step(nextKey('a', u32(2)), { next_key: u32(3) }),
    step(nextKey('a', u32(3)), 'ENOENT'),
    step(nextKey('a', u32(17)), { next_key: u32(0) }),
    step(lookupAndDelete('a', u32(1)), 'ENOTSUPP'),
    step({ cmd: 'BPF_MAP_LOOKUP_ELEM', map_fd: 99, key: u32(1) }, 'EBADF'),
  ],
  { Kernel },
);

kernelDiff(
  'hash element operations, full map, next_key restart',
  [
    step(as(mc(MAP.HASH, 4, 8, 3), 'h'), 'ok'),
    step(lookup('h', u32(1)), 'ENOENT'),
    step(del('h', u32(1)), 'ENOENT'),
    step(nextKey('h'), 'ENOENT'),
    step(update('h', u32(1), u64(1), EXIST), 'ENOENT'),
    step(update('h', u32(10), u64(10), NOEXIST), 'ok'),
    step(update('h', u32(20), u64(20), NOEXIST), 'ok'),
    step(update('h', u32(30), u64(30), NOEXIST), 'ok'),
    step(update('h', u32(10), u64(1), NOEXIST), 'EEXIST'),
    step(update('h', u32(40), u64(1), ANY), 'E2BIG'),
    step(update('h', u32(40), u64(1), NOEXIST), 'E2BIG'),
    step(update('h', u32(20), u64(21), ANY), 'ok'),
    step(lookup('h', u32(20)), { value: u64(21) }),
    // A walk visits each key once, in the order of the kernel's randomly seeded buckets (rows 13–16: compared
    // as a set); a missing key restarts the walk at the first key (row 17 = row 13).
    step(nextKey('h'), 'ok'),
    step(nextKey('h', '@next'), 'ok'),
    step(nextKey('h', '@next'), 'ok'),
    step(nextKey('h', '@next'), 'ENOENT'),
    step(nextKey('h', u32(99)), (r, all) => expect(r.next_key).toBe(all[13].next_key)),
    step(lookupAndDelete('h', u32(20)), { value: u64(21) }),
    step(lookup('h', u32(20)), 'ENOENT'),
    step(update('h', u32(10), u64(1), F_LOCK), 'EINVAL'),
    step(update('h', u32(10), u64(1), 8), 'EINVAL'),
  ],
  { Kernel, normalize: { unorderedNextKeys: [13, 14, 15], sameNextKeyAs: { 17: 13 } } },
);

kernelDiff(
  'freeze and read-only / write-only maps',
  [
    step(as(mc(MAP.HASH, 4, 8, 3), 'h'), 'ok'),
    step(update('h', u32(10), u64(10)), 'ok'),
    step(freeze('h'), 'ok'),
    step(freeze('h'), 'EPERM'),
    step(update('h', u32(10), u64(1)), 'EPERM'),
    step(del('h', u32(10)), 'EPERM'),
    step(lookup('h', u32(10)), { value: u64(10) }),
    step(fdinfo('h'), { text: expect.stringContaining('frozen:\t1\n') }),
    step(as(mc(MAP.HASH, 4, 8, 3, F.RDONLY), 'r'), 'ok'),
    step(update('r', u32(1), u64(1)), 'EPERM'),
    step(del('r', u32(1)), 'EPERM'),
    step(lookup('r', u32(1)), 'ENOENT'),
    step(as(mc(MAP.HASH, 4, 8, 3, F.WRONLY), 'w'), 'ok'),
    step(update('w', u32(1), u64(1)), 'ok'),
    step(lookup('w', u32(1)), 'EPERM'),
    step(nextKey('w'), 'EPERM'),
    step(freeze('w'), 'ok'),
  ],
  { Kernel },
);

kernelDiff(
  'queue and stack',
  [
    step(as(mc(MAP.QUEUE, 0, 4, 2), 'q'), 'ok'),
    step(update('q', '', u32(1)), 'EINVAL'), // a non-NULL key pointer on a keyless map
    step(update('q', undefined, u32(1)), 'ok'),
    step(update('q', undefined, u32(2)), 'ok'),
    step(update('q', undefined, u32(3)), 'E2BIG'),
    step(update('q', undefined, u32(3), NOEXIST), 'EINVAL'),
    step(update('q', undefined, u32(3), EXIST), 'ok'),
    step(lookup('q'), { value: u32(2) }),
    step(lookupAndDelete('q'), { value: u32(2) }),
    step(nextKey('q'), 'EINVAL'),
    step(del('q'), 'EINVAL'),
    step(lookupAndDelete('q'), { value: u32(3) }),
    step(lookupAndDelete('q'), 'ENOENT'),
    step(lookup('q'), 'ENOENT'),
    step(lookupAndDelete('q', undefined, F_LOCK), 'EINVAL'),
    step(as(mc(MAP.STACK, 0, 4, 2), 's'), 'ok'),
    step(update('s', undefined, u32(1)), 'ok'),
    step(update('s', undefined, u32(2)), 'ok'),
    step(update('s', undefined, u32(3), EXIST), 'ok'),
    step(lookupAndDelete('s'), { value: u32(3) }),
    step(lookupAndDelete('s'), { value: u32(2) }),
    step(lookupAndDelete('s'), 'ENOENT'),
  ],
  { Kernel },
);

const ncpus = availability.ok ? kernelPossibleCpus() : 1;
/** A per-cpu value as the syscall sees it: one 8-byte slot per possible CPU, slot i holding `base + i`. */
const perCpu = (base: number): string => Array.from({ length: ncpus }, (_, i) => u64(base + i)).join('');

const lpmKey = (prefixlen: number, ip: string): string => u32(prefixlen) + ip;
kernelDiff(
  'lpm_trie longest-prefix match and walk order',
  [
    step(as(mc(MAP.LPM_TRIE, 8, 4, 8, F.NO_PREALLOC), 't'), 'ok'),
    step(update('t', lpmKey(8, '0a000000'), u32(1)), 'ok'),
    step(update('t', lpmKey(16, '0a010000'), u32(2)), 'ok'),
    step(update('t', lpmKey(24, 'c0a80000'), u32(3)), 'ok'),
    step(update('t', lpmKey(33, 'c0a80000'), u32(3)), 'EINVAL'),
    step(lookup('t', lpmKey(32, '0a010203')), { value: u32(2) }),
    step(lookup('t', lpmKey(32, '0a020203')), { value: u32(1) }),
    step(lookup('t', lpmKey(32, '0b000000')), 'ENOENT'),
    step(lookup('t', lpmKey(33, '0a000000')), 'ENOENT'),
    step(nextKey('t'), { next_key: lpmKey(16, '0a010000') }),
    step(nextKey('t', lpmKey(16, '0a010000')), { next_key: lpmKey(8, '0a000000') }),
    step(nextKey('t', lpmKey(8, '0a000000')), { next_key: lpmKey(24, 'c0a80000') }),
    step(nextKey('t', lpmKey(24, 'c0a80000')), 'ENOENT'),
    step(nextKey('t', lpmKey(8, '0b000000')), { next_key: lpmKey(16, '0a010000') }),
    step(update('t', lpmKey(8, '0a000000'), u32(1), NOEXIST), 'EEXIST'),
    step(update('t', lpmKey(8, '0b000000'), u32(1), EXIST), 'ENOENT'),
    step(del('t', lpmKey(8, '0a000000')), 'ok'),
    step(del('t', lpmKey(8, '0a000000')), 'ENOENT'),
  ],
  { Kernel },
);

kernelDiff(
  'bloom filter, ringbuf and per-cpu layout from the syscall',
  [
    step(as(mc(MAP.BLOOM_FILTER, 0, 4, 8), 'b'), 'ok'),
    step(update('b', undefined, u32(7)), 'ok'),
    step(update('b', undefined, u32(7), NOEXIST), 'EINVAL'),
    step(lookup('b', undefined, { value: u32(7) }), { value: u32(7) }),
    step(lookup('b', undefined, { value: u32(8) }), 'ENOENT'),
    step(del('b'), 'EOPNOTSUPP'),
    step(lookupAndDelete('b'), 'ENOTSUPP'),
    step(nextKey('b'), 'EOPNOTSUPP'),
    step(as(mc(MAP.RINGBUF, 0, 0, 4096), 'rb'), 'ok'),
    step(lookup('rb', undefined, { value_len: 8 }), 'ENOTSUPP'),
    step(update('rb', undefined, ''), 'ENOTSUPP'),
    step(nextKey('rb'), 'ENOTSUPP'),
    step(as(mc(MAP.PERCPU_ARRAY, 4, 4, 2), 'pa'), 'ok'),
    // value_size 4 → one 8-byte slot per possible CPU (bpf_map_value_size)
    step(update('pa', u32(0), perCpu(5)), 'ok'),
    step(lookup('pa', u32(0)), { value: perCpu(5) }),
    step(lookup('pa', u32(1)), { value: perCpu(0).replace(/./g, '0') }),
  ],
  { Kernel },
);
