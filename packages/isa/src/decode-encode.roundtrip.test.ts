// Property tests: decode and encode are exact inverses over the whole valid instruction space, and decode never
// fails with anything but a DecodeError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, decode, encode, programSlots, totalSlots, type Instruction } from './index.js';
import { arbInstruction, arbProgram } from './testing/arbitrary.js';

const RUNS = 1000;

/** Bytes of a valid program, built with an encoder written here from RFC 9669 §3 (not with encode()). */
function referenceEncode(insns: readonly Instruction[]): Uint8Array {
  const out: number[] = [];
  const le = (value: number, bytes: number) => {
    for (let i = 0; i < bytes; i++) out.push((value >>> (8 * i)) & 0xff);
  };
  for (const insn of insns) {
    out.push(insn.opcode, (insn.src << 4) | insn.dst);
    le(insn.off & 0xffff, 2);
    le(insn.imm, 4);
    if (insn.opcode === 0x18) {
      out.push(0, 0, 0, 0);
      le(insn.imm2 ?? 0, 4);
    }
  }
  return Uint8Array.from(out);
}

describe('decode/encode round trip', () => {
  it('decode(encode(p)) deep-equals p for every valid program', () => {
    fc.assert(
      fc.property(arbProgram(), (program) => {
        expect(decode(encode(program))).toEqual(program);
      }),
      { numRuns: RUNS },
    );
  });

  it('encode agrees byte for byte with an independent little-endian encoder', () => {
    fc.assert(
      fc.property(arbProgram(), (program) => {
        const bytes = encode(program);
        expect(bytes).toEqual(referenceEncode(program));
        expect(bytes.length).toBe(8 * totalSlots(program));
      }),
      { numRuns: RUNS },
    );
  });

  it('encode(decode(b)) equals b for valid bytes', () => {
    fc.assert(
      fc.property(arbProgram({ minLength: 1 }), (program) => {
        const b = referenceEncode(program);
        expect(encode(decode(b))).toEqual(b);
      }),
      { numRuns: RUNS },
    );
  });

  it('the RFC-only generator (no Linux extensions) stays inside the same space', () => {
    fc.assert(
      fc.property(arbInstruction({ linuxExtensions: false }), (insn) => {
        expect(decode(encode([insn]))).toEqual([insn]);
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes decode to something that re-encodes identically, or throw DecodeError', () => {
    // Whole random slots mostly hit unknown opcodes; mixing in valid slots with one random byte changed exercises the
    // per-field checks. Either way nothing but DecodeError may escape.
    const mutated = fc
      .tuple(arbProgram({ minLength: 1, maxLength: 8 }), fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([program, at, value]) => {
        const b = referenceEncode(program);
        b[at % b.length] = value;
        return b;
      });
    const random = fc.uint8Array({ minLength: 0, maxLength: 48 });
    fc.assert(
      fc.property(fc.oneof(random, mutated), (b) => {
        let insns: Instruction[];
        try {
          insns = decode(b);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          const err = e as DecodeError;
          expect(err.index).toBeGreaterThanOrEqual(0);
          expect(err.index).toBeLessThanOrEqual(Math.floor(b.length / 8));
          expect(err.message).toMatch(new RegExp(`^insn ${err.index}: `));
          return;
        }
        expect(encode(insns)).toEqual(b);
      }),
      { numRuns: 2000 },
    );
  });

  it('decode with validate: false accepts any whole slots but still pairs lddw slots', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }), { maxLength: 6 }), (slots) => {
        const b = Uint8Array.from(slots.flatMap((s) => [...s]));
        try {
          const insns = decode(b, { validate: false });
          expect(encode(insns, { validate: false })).toEqual(b);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          expect((e as DecodeError).field).toBe('lddw');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('programSlots counts lddw as two slots', () => {
    fc.assert(
      fc.property(arbProgram(), (program) => {
        const slots = programSlots(program);
        let expected = 0;
        program.forEach((insn, i) => {
          expect(slots[i]).toBe(expected);
          expected += insn.opcode === 0x18 ? 2 : 1;
        });
      }),
      { numRuns: 300 },
    );
  });
});
