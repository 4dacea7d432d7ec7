// Arbitrary control flow: random instruction streams with random jump offsets (irreducible loops, jumps into the
// middle of loops, loops sharing blocks, falling off the end) that the loader accepts must behave identically on
// the interpreter and the JIT — the JIT's loop structuring must fall back to its dispatch switch wherever a loop
// has no single entry. Runs are bounded by a small budget.
import type { Instruction } from '@bpfsim/isa';
import { decodeProgram, loadInterpreter, LoadError, VmFault, type LoadedProgram } from '@bpfsim/vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileJit, generate } from '../src/jit/index.js';
import { ALU_FORMS, JUMP_FORMS } from './alu-reference.js';

const RUNS = Number(process.env.BPFSIM_PROP_RUNS ?? 300);
const ins = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ opcode, dst, src, off, imm });

const slotInsn = (n: number): fc.Arbitrary<Instruction> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...ALU_FORMS), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: -5, max: 70 }))
      .map(([f, d, s, imm]) => {
        const x = (f.opcode & 8) !== 0 && (f.opcode & 0xf0) !== 0xd0;
        return ins(f.opcode, d, x ? s : 0, f.off, f.imm ?? (x || (f.opcode & 0xf0) === 0x80 ? 0 : imm));
      }) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...JUMP_FORMS), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: -n, max: n }), fc.integer({ min: -3, max: 3 }))
      .map(([f, d, s, off, imm]) => ((f.opcode & 8) !== 0 ? ins(f.opcode, d, s, off) : ins(f.opcode, d, 0, off, imm))) },
    { weight: 2, arbitrary: fc.integer({ min: -n, max: n }).map((off) => ins(0x05, 0, 0, off)) },
    { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 8 })).map(([r, k]) => ins(0x7b, 10, r, -8 * k)) },
    { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 8 })).map(([r, k]) => ins(0x79, r, 10, -8 * k)) },
    { weight: 1, arbitrary: fc.constant(ins(0x95)) },
  );

/** Jump targets wrapped into the program, so most streams load (targets anywhere, forward or back). */
const stream = fc.integer({ min: 2, max: 40 }).chain((n) =>
  fc.array(slotInsn(n), { minLength: n, maxLength: n }).map((list) =>
    list.map((insn, i) => {
      const cls = insn.opcode & 7;
      const isJump = (cls === 5 || cls === 6) && insn.opcode !== 0x95;
      if (!isJump) return insn;
      const target = (((i + 1 + insn.off) % n) + n) % n;
      return { ...insn, off: target - (i + 1) };
    }),
  ),
);

type Outcome = { r0: bigint; insns: number } | { kind: string; pc: number; message: string };
function outcome(p: LoadedProgram): Outcome {
  try {
    const r = p.run({ budget: 3000, args: [1n, 2n, 3n] });
    return { r0: r.r0, insns: r.insns };
  } catch (err) {
    if (!(err instanceof VmFault)) throw err;
    return { kind: err.kind, pc: err.pc, message: err.message };
  }
}

describe('interpreter ≡ JIT on arbitrary control flow', () => {
  it('random jump-heavy instruction streams', () => {
    let loaded = 0;
    let structured = 0;
    fc.assert(
      fc.property(stream, (insns) => {
        try {
          decodeProgram(insns);
        } catch (err) {
          if (err instanceof LoadError) return; // not a program the loader accepts
          throw err;
        }
        loaded++;
        if (generate(insns).structuredLoops > 0) structured++;
        expect(outcome(compileJit(insns))).toEqual(outcome(loadInterpreter(insns)));
      }),
      { numRuns: RUNS },
    );
    expect(loaded).toBeGreaterThan(RUNS / 3);
    // Some of these graphs have loops the JIT structures; the rest go through its dispatch switch.
    expect(structured).toBeGreaterThan(RUNS / 20);
  });
});
