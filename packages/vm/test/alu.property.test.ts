// Every ALU/ALU64 instruction and every conditional jump on random operands: the interpreter against the BigInt
// reference model of alu-reference.ts (written from RFC 9669's definitions).
import type { Instruction } from '@bpfsim/isa';
import { interpret } from '@bpfsim/vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALU_FORMS, aluReference, JUMP_FORMS, jumpReference, u64Arb } from './alu-reference.js';

const RUNS = 600;

const s32Arb = fc.oneof(
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  fc.constantFrom(0, 1, -1, 31, 32, 63, 64, -0x80000000, 0x7fffffff),
);

const lddw = (dst: number, v: bigint): Instruction => ({
  opcode: 0x18, dst, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v)), imm2: Number(BigInt.asIntN(32, v >> 32n)),
});
const mov64 = (dst: number, src: number): Instruction => ({ opcode: 0xbf, dst, src, off: 0, imm: 0 });
const EXIT: Instruction = { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 };

describe('ALU and ALU64 instructions match the RFC 9669 reference model', () => {
  for (const form of ALU_FORMS) {
    it(form.name, () => {
      fc.assert(
        fc.property(u64Arb, u64Arb, s32Arb, fc.boolean(), (a, b, imm, sameReg) => {
          const insn: Instruction = { opcode: form.opcode, dst: 1, src: 0, off: form.off, imm: form.imm ?? 0 };
          const usesSrc = (form.opcode & 8) !== 0 && (form.opcode & 0xf0) !== 0xd0;
          if (usesSrc) insn.src = sameReg ? 1 : 2;
          else if ((form.opcode & 0xf0) !== 0x80 && (form.opcode & 0xf0) !== 0xd0) insn.imm = imm;
          const srcValue = usesSrc && sameReg ? a : b;
          const expected = aluReference(insn, a, srcValue);
          const program = [lddw(1, a), lddw(2, b), insn, mov64(0, 1), EXIT];
          expect(interpret(program).r0).toBe(expected);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('conditional jumps match the RFC 9669 reference model', () => {
  for (const form of JUMP_FORMS) {
    it(form.name, () => {
      fc.assert(
        fc.property(u64Arb, u64Arb, s32Arb, (a, b, imm) => {
          const x = (form.opcode & 8) !== 0;
          // if taken, skip `r0 = 0` and land on `r0 = 1`
          const jump: Instruction = { opcode: form.opcode, dst: 1, src: x ? 2 : 0, off: 2, imm: x ? 0 : imm };
          const program: Instruction[] = [
            lddw(1, a), lddw(2, b), jump,
            { opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, EXIT,
            { opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 1 }, EXIT,
          ];
          expect(interpret(program).r0).toBe(jumpReference(jump, a, b) ? 1n : 0n);
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('the reference model itself, on hand-checked values', () => {
  const op = (opcode: number, off = 0, imm = 0): Instruction => ({ opcode, dst: 1, src: 2, off, imm });
  it('follows the RFC edge cases', () => {
    const MIN64 = 1n << 63n;
    expect(aluReference(op(0x3f), 7n, 0n)).toBe(0n); // div by 0 = 0
    expect(aluReference(op(0x9f), 7n, 0n)).toBe(7n); // mod by 0 = dst
    expect(aluReference(op(0x9c), 0x1_0000_0007n, 0n)).toBe(7n); // mod32 by 0 zero-extends
    expect(aluReference(op(0x3f, 1), MIN64, (1n << 64n) - 1n)).toBe(MIN64); // INT64_MIN / -1
    expect(aluReference(op(0x9f, 1), MIN64, (1n << 64n) - 1n)).toBe(0n); // INT64_MIN % -1
    expect(aluReference(op(0x9f, 1), (1n << 64n) - 7n, 2n)).toBe((1n << 64n) - 1n); // -7 % 2 = -1
    expect(aluReference(op(0x64, 0, 60), 1n, 0n)).toBe(1n << 28n); // lsh32 by 60 masks to 28
    expect(aluReference(op(0x37, 0, -1), 10n, 0n)).toBe(0n); // div64 by imm -1 = by 2^64-1
    expect(aluReference(op(0xdc, 0, 16), 0x1234_5678_9abc_def0n, 0n)).toBe(0xf0den); // be16
    expect(aluReference(op(0xbf, 8), 0n, 0x80n)).toBe((1n << 64n) - 0x80n); // movsx8 64
    expect(aluReference(op(0xbc, 16), 0n, 0x8000n)).toBe(0xffff8000n); // movsx16 32
  });
});
