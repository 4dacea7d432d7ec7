// bpftool's `prog dump xlated` spelling of map loads (print_imm): `map[id:N]` and `map[id:N][0]+OFF`, printed by
// disassembleLlvm with bpftoolXlatedImm and read back by assembleLlvm.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode } from '../encode.js';
import type { Instruction } from '../instruction.js';
import { AsmError } from './errors.js';
import { assembleLlvm } from './llvm-asm.js';
import { bpftoolXlatedImm, disassembleLlvm } from './llvm-disasm.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function asmError(text: string): AsmError {
  try {
    assembleLlvm(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AsmError);
    return err as AsmError;
  }
  throw new Error(`assembled without error: ${text}`);
}

describe("bpftool's xlated map spelling", () => {
  // Both lines and their bytes are what `bpftool prog dump xlated … opcodes` printed on Linux 6.18 for a program
  // with a map lookup and a global variable (.data at value offset 8).
  it('reads the lines real bpftool printed back to the bytes it showed', () => {
    const insns = assembleLlvm('   4: (18) r1 = map[id:36937]\n  13: (18) r2 = map[id:36939][0]+8');
    expect(insns).toEqual([
      { opcode: 0x18, dst: 1, src: 1, off: 0, imm: 36937, imm2: 0 },
      { opcode: 0x18, dst: 2, src: 2, off: 0, imm: 36939, imm2: 8 },
    ]);
    expect(hex(encode(insns.slice(0, 1)))).toBe('1811000049900000' + '0000000000000000');
  });

  it('prints map loads as bpftool does and other lddw as 0x%llx', () => {
    const insns: Instruction[] = [
      { opcode: 0x18, dst: 1, src: 1, off: 0, imm: 5, imm2: 0 },
      { opcode: 0x18, dst: 2, src: 2, off: 0, imm: -1, imm2: -16 },
      { opcode: 0x18, dst: 3, src: 0, off: 0, imm: 0x89abcdef, imm2: 0x1234567 },
      { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ];
    expect(disassembleLlvm(insns, { kernelLog: true, lddwImm: bpftoolXlatedImm })).toBe(
      '0: (18) r1 = map[id:5]\n' +
        '2: (18) r2 = map[id:4294967295][0]+4294967280\n' +
        '4: (18) r3 = 0x123456789abcdef\n' +
        '6: (95) exit\n',
    );
  });

  it('round trip: every map load disassembles and assembles back to itself', () => {
    const u32 = fc.integer({ min: 0, max: 0xffffffff }).map((v) => v | 0);
    const load = fc.record({
      dst: fc.integer({ min: 0, max: 10 }),
      src: fc.constantFrom(1, 2),
      id: u32,
      off: u32,
    }).map(({ dst, src, id, off }): Instruction => ({ opcode: 0x18, dst, src, off: 0, imm: id, imm2: src === 2 ? off : 0 }));
    fc.assert(
      fc.property(fc.array(load, { minLength: 1, maxLength: 6 }), (loads) => {
        const insns = [...loads, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }];
        const text = disassembleLlvm(insns, { kernelLog: true, lddwImm: bpftoolXlatedImm });
        expect(assembleLlvm(text)).toEqual(insns);
      }),
      { numRuns: 100 },
    );
  });

  it('rejects malformed map spellings, naming the column', () => {
    expect(asmError('r1 = map[id:-1]').message).toMatch(/a map id -1 is not in 0\.\.4294967295/);
    expect(asmError('r1 = map[id:4294967296]').message).toMatch(/not in 0\.\.4294967295/);
    expect(asmError('r1 = map[id:1][1]+0').message).toMatch(/element \[0\], found \[1\]/);
    expect(asmError('r1 = map[id:1][0]').message).toMatch(/expected '\+'/);
    expect(asmError('r1 = map[fd:1]').message).toMatch(/expected 'id'/);
    const narrow = asmError('w1 = map[id:1]');
    expect(narrow.message).toMatch(/64-bit load needs an rN destination/);
    expect(narrow.column).toBe(1);
  });
});
