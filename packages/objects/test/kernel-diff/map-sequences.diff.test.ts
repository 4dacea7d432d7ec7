// Properties: for random sequences of element operations, bpfsim answers exactly what the kernel answers
// (errno, values, counts) — hash (including E2BIG when full and every update flag), array, queue, stack and LRU
// hash; and for random PROG_TEST_RUN inputs of a socket filter, the same retval, data_out and errors.
// Each run is one oracle process (a few ms); run counts stay small to keep the suite fast.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { availability, differences, warnIfSkipped } from '../../../../testing/kernel-oracle/harness';
import { exitInsn, hex, kernelPossibleCpus, kernelRun, mov64Imm, type ScriptCommand } from '../../../../testing/kernel-oracle/oracle';
import {
  MAP, PROG, as, del, lookup, lookupAndDelete, mapCreate as mc, progLoad, testRun, u32, u64, update,
} from '../../../../testing/kernel-oracle/script';
import { Kernel } from './sim-kernel';

warnIfSkipped();

const BPF_F_NO_COMMON_LRU = 2;

const key = fc.integer({ min: 0, max: 6 });
const flags = fc.constantFrom(0, 1, 2); // BPF_ANY, BPF_NOEXIST, BPF_EXIST
const value = fc.integer({ min: 0, max: 0xffff });

/** Element operations on a keyed map `m` with 4-byte keys and 8-byte values (no get_next_key: bucket order). */
const keyedOp: fc.Arbitrary<ScriptCommand> = fc.oneof(
  fc.record({ k: key, v: value, f: flags }).map(({ k, v, f }) => update('m', u32(k), u64(v), f)),
  key.map((k) => lookup('m', u32(k))),
  key.map((k) => del('m', u32(k))),
  key.map((k) => lookupAndDelete('m', u32(k))),
);

/** Push (update without key, flags ANY/NOEXIST/EXIST), peek and pop on a queue or stack `m` of 4-byte values. */
const queueOp: fc.Arbitrary<ScriptCommand> = fc.oneof(
  fc.record({ v: value, f: flags }).map(({ v, f }) => update('m', undefined, u32(v), f)),
  fc.constant(lookup('m')),
  fc.constant(lookupAndDelete('m')),
);

/** keyedOp for a per-cpu map: bpf(2) values are one 8-byte value per possible cpu (asked only while generating). */
const percpuValue = (v: number): string =>
  Array.from({ length: kernelPossibleCpus() }, (_, cpu) => u64((v + cpu) & 0xffff)).join('');
const percpuKeyedOp: fc.Arbitrary<ScriptCommand> = fc.oneof(
  fc.record({ k: key, v: value, f: flags }).map(({ k, v, f }) => update('m', u32(k), percpuValue(v), f)),
  key.map((k) => lookup('m', u32(k))),
  key.map((k) => del('m', u32(k))),
  key.map((k) => lookupAndDelete('m', u32(k))),
);

const cases: [string, ScriptCommand, fc.Arbitrary<ScriptCommand>][] = [
  ['hash (max_entries 4)', mc(MAP.HASH, 4, 8, 4), keyedOp],
  ['array (max_entries 5: keys 5 and 6 are out of range)', mc(MAP.ARRAY, 4, 8, 5), keyedOp],
  ['queue (max_entries 3)', mc(MAP.QUEUE, 0, 4, 3), queueOp],
  ['stack (max_entries 3)', mc(MAP.STACK, 0, 4, 3), queueOp],
  ['lru_hash (max_entries 4, common LRU, one CPU)', mc(MAP.LRU_HASH, 4, 8, 4), keyedOp],
  ['lru_percpu_hash (max_entries 4, common LRU, one CPU)', mc(MAP.LRU_PERCPU_HASH, 4, 8, 4), percpuKeyedOp],
  // BPF_F_NO_COMMON_LRU: each possible cpu owns max_entries / ncpus nodes (2 cpus here: 2, 4 and 3 per cpu; the
  // simulated kernel gets the oracle's cpu count); everything runs on cpu 0, so its share fills up while the other
  // cpus' nodes stay free, and bpf_percpu_lru_pop_free's shrink evicts up to 4 elements at once.
  ['lru_hash (max_entries 4, BPF_F_NO_COMMON_LRU, one CPU)', mc(MAP.LRU_HASH, 4, 8, 4, BPF_F_NO_COMMON_LRU), keyedOp],
  ['lru_hash (max_entries 7 → rounded up, BPF_F_NO_COMMON_LRU, one CPU)', mc(MAP.LRU_HASH, 4, 8, 7, BPF_F_NO_COMMON_LRU), keyedOp],
  ['lru_percpu_hash (max_entries 6, BPF_F_NO_COMMON_LRU, one CPU)', mc(MAP.LRU_PERCPU_HASH, 4, 8, 6, BPF_F_NO_COMMON_LRU), percpuKeyedOp],
];

describe.skipIf(!availability.ok)('kernel diff: random element-operation sequences', () => {
  for (const [name, create, op] of cases) {
    it(`${name}: bpfsim answers like the kernel`, () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
          const script = [{ cmd: 'pin_cpu', cpu: 0 }, as(create, 'm'), ...ops];
          const diff = differences(script, kernelRun(script), { Kernel });
          expect(diff, `bpfsim differs from the kernel:\n${diff}`).toBe('');
        }),
        // lru_hash once ran on a fixed seed: about one random sequence in 300 differed. It was a bpfsim bug, not
        // kernel nondeterminism: bpf_lru_pop_free runs BEFORE htab_lru_map_update_elem checks the flags, so on a
        // full map an update evicts first (possibly the key it updates: BPF_EXIST then fails with ENOENT), and the
        // victim is chosen by bpf_lru_list with lru->target_free, not exact LRU. Fixed in maps/lru-list.ts; the
        // counterexamples are regression tests in maps/hash.test.ts.
        { numRuns: 15 },
      );
    });
  }
});

describe.skipIf(!availability.ok)('kernel diff: random PROG_TEST_RUN inputs', () => {
  it('socket_filter: retval, data_out and ENOSPC for any packet and output size', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 120 }),
        fc.integer({ min: 0, max: 160 }),
        fc.integer({ min: -5, max: 0xffff }),
        fc.integer({ min: 0, max: 3 }),
        (packet, sizeOut, r0, repeat) => {
          const script: ScriptCommand[] = [
            as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, r0) + exitInsn()), 'p'),
            testRun('p', hex(packet), { data_size_out: sizeOut, repeat }),
          ];
          const diff = differences(script, kernelRun(script), { Kernel });
          expect(diff, `bpfsim differs from the kernel:\n${diff}`).toBe('');
        },
      ),
      { numRuns: 25 },
    );
  });
});
