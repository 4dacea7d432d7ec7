// checkInstruction against a second, independently written validity predicate: a plain switch over class and code
// transcribed from RFC 9669 (plus callx, may_goto, addr_space_cast, load-acquire/store-release as in Linux 6.18).
// The two must agree on every instruction, valid or not; the field values are biased towards the ones that matter.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkInstruction, type Instruction } from './index.js';

function referenceValid(i: Instruction): boolean {
  const { opcode: op, dst, src, off, imm } = i;
  const cls = op & 0x07;
  const code = op & 0xf0;
  const x = (op & 0x08) !== 0;
  const size = op & 0x18;
  const mode = op & 0xe0;
  const r = (n: number) => n >= 0 && n <= 10;
  switch (cls) {
    case 0x04:
    case 0x07: {
      const is64 = cls === 0x07;
      switch (code) {
        case 0x80: // neg
          return !x && r(dst) && src === 0 && off === 0 && imm === 0;
        case 0xd0: // le/be, bswap (ALU64 only with the source bit clear)
          return !(is64 && x) && r(dst) && src === 0 && off === 0 && (imm === 16 || imm === 32 || imm === 64);
        case 0xb0: // mov, movsx, addr_space_cast
          if (!x) return r(dst) && src === 0 && off === 0;
          if (!r(dst) || !r(src)) return false;
          if (is64 && off === 1) return imm === 1 || imm === 0x10000;
          return (is64 ? [0, 8, 16, 32] : [0, 8, 16]).includes(off) && imm === 0;
        case 0xe0:
        case 0xf0:
          return false;
        default: {
          const offOk = code === 0x30 || code === 0x90 ? off === 0 || off === 1 : off === 0;
          return r(dst) && offOk && (x ? r(src) && imm === 0 : src === 0);
        }
      }
    }
    case 0x05:
    case 0x06: {
      const is32 = cls === 0x06;
      switch (code) {
        case 0x00: // ja (off) / gotol (imm)
          return !x && dst === 0 && src === 0 && (is32 ? off === 0 : imm === 0);
        case 0x80: // call / callx
          if (is32) return false;
          if (x) return r(dst) && src === 0 && off === 0 && imm === 0;
          return dst === 0 && (src === 2 || ((src === 0 || src === 1) && off === 0));
        case 0x90: // exit
          return !is32 && !x && dst === 0 && src === 0 && off === 0 && imm === 0;
        case 0xe0: // may_goto
          return !is32 && !x && dst === 0 && src === 0 && imm === 0;
        case 0xf0:
          return false;
        default:
          return r(dst) && (x ? r(src) && imm === 0 : src === 0);
      }
    }
    case 0x00:
      if (op === 0x18) return r(dst) && src <= 6 && off === 0 && !((src === 1 || src === 5) && (i.imm2 ?? 0) !== 0);
      if ((mode === 0x20 || mode === 0x40) && size !== 0x18) return dst === 0 && off === 0 && (mode === 0x20 ? src === 0 : r(src));
      return false;
    case 0x01:
      return (mode === 0x60 || (mode === 0x80 && size !== 0x18)) && r(dst) && r(src) && imm === 0;
    case 0x02:
      return mode === 0x60 && r(dst) && src === 0;
    case 0x03: {
      if (mode === 0x60) return r(dst) && r(src) && imm === 0;
      if (mode !== 0xc0 || !r(dst) || !r(src)) return false;
      const acquireRelease = imm === 0x100 || imm === 0x110;
      if (size === 0x00 || size === 0x18) return acquireRelease || [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1].includes(imm);
      return acquireRelease;
    }
  }
  return false;
}

// Each field is 0 about half the time (most fields of most opcodes must be 0), else an interesting or random value.
const zeroOr = (other: fc.Arbitrary<number>): fc.Arbitrary<number> =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: other });
const reg = zeroOr(fc.oneof(fc.integer({ min: 1, max: 11 }), fc.integer({ min: 0, max: 15 })));
const off = zeroOr(fc.oneof(fc.constantFrom(1, 2, 8, 16, 32, -1), fc.integer({ min: -0x8000, max: 0x7fff })));
const imm = zeroOr(
  fc.oneof(
    fc.constantFrom(1, 2, 8, 16, 32, 64, 0x10, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe0, 0xe1, 0xf0, 0xf1, 0x100, 0x110, 0x120, 0x10000, -1),
    fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
  ),
);
const anyInstruction: fc.Arbitrary<Instruction> = fc
  .record({ opcode: fc.integer({ min: 0, max: 255 }), dst: reg, src: reg, off, imm, imm2: fc.constantFrom(0, 0, 1, -1) })
  .map(({ imm2, ...rest }) => (rest.opcode === 0x18 ? { ...rest, imm2 } : rest));

describe('checkInstruction agrees with an independent predicate', () => {
  it('on random instructions with biased fields', () => {
    fc.assert(
      fc.property(anyInstruction, (insn) => {
        expect(checkInstruction(insn) === undefined).toBe(referenceValid(insn));
      }),
      { numRuns: 2000 },
    );
  });
  it('on every opcode with every field zero, and with dst = 1, src = 2', () => {
    for (let opcode = 0; opcode < 256; opcode++) {
      for (const base of [
        { dst: 0, src: 0, off: 0, imm: 0 },
        { dst: 1, src: 2, off: 0, imm: 0 },
        { dst: 1, src: 0, off: 0, imm: 16 },
        { dst: 1, src: 2, off: 0, imm: 0x100 },
      ]) {
        const insn: Instruction = opcode === 0x18 ? { opcode, ...base, imm2: 0 } : { opcode, ...base };
        expect(checkInstruction(insn) === undefined, JSON.stringify(insn)).toBe(referenceValid(insn));
      }
    }
  });
});
