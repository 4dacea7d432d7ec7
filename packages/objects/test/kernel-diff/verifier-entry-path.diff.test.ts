// Properties against the running kernel for what the default verifier decides without data-flow analysis:
//   - straight-line programs of register moves and ALU operations (with `ja +0` in between) load, or fail with
//     EACCES "R<n> !read_ok" at the first read of a never-written register, exactly as the kernel's do_check;
//   - a syscall program's PROG_TEST_RUN refuses a ctx_in shorter than its largest context access (max_ctx_offset)
//     with EINVAL, and runs otherwise.
// Many programs share one oracle run to keep the suite fast.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { availability, differences, warnIfSkipped } from '../../../../testing/kernel-oracle/harness';
import { exitInsn, insn, kernelRun, mov64Imm, type ScriptCommand } from '../../../../testing/kernel-oracle/oracle';
import { PROG, as, progLoad, testRun } from '../../../../testing/kernel-oracle/script';
import { Kernel } from './sim-kernel';

warnIfSkipped();

/** r0 and r2..r5: r1 (ctx) and r10 (fp) are pointers, whose arithmetic this check does not model. */
const reg = fc.constantFrom(0, 2, 3, 4, 5);
const imm = fc.integer({ min: -8, max: 8 });

/** One straight-line instruction (hex) that every run executes. */
const straightInsn: fc.Arbitrary<string> = fc.oneof(
  fc.record({ d: reg, i: imm }).map(({ d, i }) => mov64Imm(d, i)),
  fc.record({ d: reg, s: reg }).map(({ d, s }) => insn(0xbf, d, s, 0, 0)), // dst = src
  fc.record({ d: reg, s: reg }).map(({ d, s }) => insn(0xbc, d, s, 0, 0)), // w dst = w src
  fc.record({ d: reg, s: reg, op: fc.constantFrom(0x0f, 0x1f, 0x4f, 0x5f, 0xaf, 0x2f) }).map(({ d, s, op }) => insn(op, d, s, 0, 0)),
  fc.record({ d: reg, i: imm, op: fc.constantFrom(0x07, 0x17, 0x47, 0x57, 0xa7, 0x04) }).map(({ d, i, op }) => insn(op, d, 0, 0, i)),
  reg.map((d) => insn(0x87, d, 0, 0, 0)), // dst = -dst
  reg.map((d) => insn(0xdc, d, 0, 0, 32)), // dst = be32 dst
  fc.constant(insn(0x05, 0, 0, 0, 0)), // ja +0
);

describe.skipIf(!availability.ok)('kernel diff: reads of never-written registers on the entry path', () => {
  it('straight-line programs: load, or EACCES at the first uninitialized read', () => {
    fc.assert(
      fc.property(fc.array(fc.array(straightInsn, { maxLength: 6 }), { minLength: 1, maxLength: 20 }), (progs) => {
        const script: ScriptCommand[] = progs.map((body) => progLoad(PROG.SOCKET_FILTER, body.join('') + exitInsn()));
        const diff = differences(script, kernelRun(script), { Kernel });
        expect(diff, `bpfsim differs from the kernel:\n${diff}`).toBe('');
      }),
      { numRuns: 6 },
    );
  });
});

const SLEEPABLE = 16;
/** A context access through r1: ldx / stx / st of 1, 2, 4 or 8 bytes at offset `off`. */
const ctxAccess = fc.record({
  kind: fc.constantFrom('ldx', 'stx', 'st'),
  size: fc.constantFrom(0x00, 0x08, 0x10, 0x18), // BPF_W, BPF_H, BPF_B, BPF_DW
  off: fc.integer({ min: 0, max: 24 }),
}).map(({ kind, size, off }) => {
  const bytes = [4, 2, 1, 8][size >> 3];
  const aligned = Math.floor(off / bytes) * bytes;
  if (kind === 'ldx') return insn(0x61 | size, 2, 1, aligned, 0); // r2 = *(size *)(r1 + off)
  if (kind === 'stx') return insn(0x63 | size, 1, 0, aligned, 0); // *(size *)(r1 + off) = r0
  return insn(0x62 | size, 1, 0, aligned, 7); // *(size *)(r1 + off) = 7
});

describe.skipIf(!availability.ok)('kernel diff: syscall programs and max_ctx_offset', () => {
  it('ctx_in shorter than the largest context access is EINVAL, otherwise the program runs', () => {
    fc.assert(
      fc.property(
        fc.array(ctxAccess, { minLength: 0, maxLength: 4 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 4 }),
        (accesses, ctxLens) => {
          const script: ScriptCommand[] = [
            as(progLoad(31, mov64Imm(0, 3) + accesses.join('') + exitInsn(), 'GPL', { prog_flags: SLEEPABLE }), 's'),
            ...ctxLens.map((n) => testRun('s', undefined, n ? { ctx_in: '11'.repeat(n) } : {})),
          ];
          const diff = differences(script, kernelRun(script), { Kernel });
          expect(diff, `bpfsim differs from the kernel:\n${diff}`).toBe('');
        },
      ),
      { numRuns: 8 },
    );
  });
});
