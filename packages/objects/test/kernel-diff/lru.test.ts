// LRU hash eviction order from the syscall (FACTS.md "LRU hash eviction"). The oracle pins itself to one CPU so the
// kernel's per-CPU LRU state is reproducible.
import { it } from 'vitest';
import { availability, kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { kernelPossibleCpus } from '../../../../testing/kernel-oracle/oracle';
import { F, MAP, as, lookup, mapCreate as mc, u32, update } from '../../../../testing/kernel-oracle/script';
import type { ScriptCommand } from '../../../../testing/kernel-oracle/oracle';

const ncpus = availability.ok ? kernelPossibleCpus() : 0;
import { Kernel } from './sim-kernel';

const sequence = (flags: number): ScriptCommand[] => [
  { cmd: 'pin_cpu', cpu: 0 },
  as(mc(MAP.LRU_HASH, 4, 4, 4, flags), 'l'),
  ...[1, 2, 3, 4].map((k) => update('l', u32(k), u32(k))),
  lookup('l', u32(1)), // a syscall lookup does not mark the element used
  update('l', u32(5), u32(5)),
  update('l', u32(6), u32(6)),
  update('l', u32(3), u32(33)), // an update makes the element the newest
  update('l', u32(7), u32(7)),
];
const present = (k: number, v: number) => step(lookup('l', u32(k)), { value: u32(v) });
const absent = (k: number) => step(lookup('l', u32(k)), 'ENOENT');

kernelDiff(
  'lru_hash (common LRU) evicts the least recently inserted or updated element',
  [
    ...sequence(0).map((c) => step(c, 'ok')),
    absent(1), absent(2), present(3, 33), absent(4), present(5, 5), present(6, 6), present(7, 7),
  ],
  { Kernel },
);

// The expectations below are for 2 possible CPUs (per-CPU lists of 2 elements), this machine's count.
if (availability.ok && ncpus !== 2) it.skip(`BPF_F_NO_COMMON_LRU expectations are written for 2 CPUs, not ${ncpus}`, () => {});
else kernelDiff(
  'lru_hash with BPF_F_NO_COMMON_LRU: per-CPU lists of max_entries / ncpus',
  [
    // with 2 CPUs each list holds 2: key 1 is already gone when it is looked up (row 6)
    ...sequence(F.NO_COMMON_LRU).map((c, i) => step(c, i === 6 ? 'ENOENT' : 'ok')),
    absent(1), absent(2), present(3, 33), absent(4), absent(5), absent(6), present(7, 7),
  ],
  { Kernel },
);
