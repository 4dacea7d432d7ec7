// Every ALU/ALU64 form and every conditional jump, compiled by the JIT, against the BigInt reference model written
// from RFC 9669 (alu-reference.ts, shared with the interpreter's tests). Operands come from an edge-heavy generator
// (0, ±1, 2^31, 2^32, 2^53 ± 1, 2^63, 2^64 - 1, powers of two, random) so carries, signs, the double-precision
// division estimate and shift masks are all exercised.
import type { Instruction } from '@bpfsim/isa';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileJit } from '../src/jit/index.js';
import { ALU_FORMS, aluReference, JUMP_FORMS, jumpReference } from './alu-reference.js';
import { edgeU64 } from './jit-programs.js';

const RUNS = Number(process.env.BPFSIM_PROP_RUNS ?? 300);
const ins = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ opcode, dst, src, off, imm });
const EXIT = ins(0x95);
const imm32 = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, 7, 16, 31, 32, 33, 63, 64, 0x7fffffff, -0x80000000, 0xfff1),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);

describe('JIT ALU ≡ RFC 9669 reference', () => {
  for (const form of ALU_FORMS) {
    const x = (form.opcode & 0x08) !== 0 && (form.opcode & 0xf0) !== 0xd0;
    it(form.name, () => {
      if (x || form.imm !== undefined || (form.opcode & 0xf0) === 0x80) {
        // Register (or operand-less) form: one compilation, operands through r1 and r2.
        const op = ins(form.opcode, 1, x ? 2 : 0, form.off, form.imm ?? 0);
        const prog = compileJit([op, ins(0xbf, 0, 1), EXIT]);
        fc.assert(
          fc.property(edgeU64, edgeU64, fc.boolean(), (a, b, same) => {
            // `same`: the operation on one register (dst == src), e.g. sub r1, r1.
            const p = same && x ? compileJit([ins(form.opcode, 1, 1, form.off), ins(0xbf, 0, 1), EXIT]) : prog;
            const { r0 } = p.run({ args: [a, b] });
            expect(r0).toBe(aluReference(op, a, same && x ? a : b));
          }),
          { numRuns: RUNS },
        );
      } else {
        // Immediate form: the constant is part of the code, so one compilation per case.
        fc.assert(
          fc.property(edgeU64, imm32, (a, imm) => {
            const op = ins(form.opcode, 1, 0, form.off, imm);
            const { r0 } = compileJit([op, ins(0xbf, 0, 1), EXIT]).run({ args: [a] });
            expect(r0).toBe(aluReference(op, a, 0n));
          }),
          { numRuns: Math.ceil(RUNS / 3) },
        );
      }
    });
  }
});

describe('JIT conditional jumps ≡ RFC 9669 reference', () => {
  for (const form of JUMP_FORMS) {
    const x = (form.opcode & 0x08) !== 0;
    it(form.name, () => {
      // if (r1 OP r2|imm) goto +2; r0 = 0; exit; r0 = 1; exit
      const build = (imm: number, src = 2) => [ins(form.opcode, 1, x ? src : 0, 2, x ? 0 : imm), ins(0xb7, 0), EXIT, ins(0xb7, 0, 0, 0, 1), EXIT];
      const prog = compileJit(build(0));
      fc.assert(
        fc.property(edgeU64, edgeU64, imm32, fc.integer({ min: 0, max: 3 }), (a, b0, imm, k) => {
          const b = k === 0 ? a : b0; // equal operands a quarter of the time
          const insns = x ? undefined : build(k === 0 ? Number(BigInt.asIntN(32, a)) : imm);
          const p = insns ? compileJit(insns) : prog;
          const { r0 } = p.run({ args: [a, b] });
          expect(r0).toBe(jumpReference(insns ? insns[0] : build(0)[0], a, b) ? 1n : 0n);
        }),
        { numRuns: x ? RUNS : Math.ceil(RUNS / 3) },
      );
    });
  }
});
