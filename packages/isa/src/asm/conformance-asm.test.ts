import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode } from '../encode.js';
import type { Instruction } from '../instruction.js';
import { arbInstruction } from '../testing/arbitrary.js';
import { assembleConformance } from './conformance-asm.js';
import { canDisassembleConformance, conformanceLine, disassembleConformance } from './conformance-disasm.js';
import { AsmError } from './errors.js';

const I = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ opcode, dst, src, off, imm });

/** The bytes of one assembled line, as hex: checked by hand against the README's encoding table. */
const hex = (line: string): string => Buffer.from(encode(assembleConformance(line), { validate: false })).toString('hex');

function asmError(text: string): AsmError {
  try {
    assembleConformance(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AsmError);
    return err as AsmError;
  }
  throw new Error(`assembled without error: ${text}`);
}

describe('assembleConformance: encodings (README table, checked by hand)', () => {
  it.each([
    // ALU64 imm: 0x07 | op<<4; reg adds 0x08 and the register goes in the src nibble (high nibble of byte 1)
    ['add %r1, 5', '0701000005000000'],
    ['add %r1, %r2', '0f21000000000000'],
    ['arsh32 %r3, -1', 'c4030000ffffffff'],
    ['mov %r0, 0x80000000', 'b700000000000080'],
    ['xor32 %r9, %r10', 'aca9000000000000'],
    ['neg %r2', '8702000000000000'],
    ['neg32 %r2', '8402000000000000'],
    ['sdiv %r1, 3', '3701010003000000'],
    ['smod32 %r1, %r2', '9c21010000000000'],
    ['movsx864 %r0, %r1', 'bf10080000000000'],
    ['movsx3264 %r0, %r1', 'bf10200000000000'],
    ['movsx1632 %r0, %r1', 'bc10100000000000'],
    ['le16 %r1', 'd401000010000000'],
    ['be64 %r1', 'dc01000040000000'],
    ['swap32 %r1', 'd701000020000000'],
    ['bswap16 %r1', 'd701000010000000'],
    ['ja +3', '0500030000000000'],
    ['ja -1', '0500ffff00000000'],
    ['ja32 +70000', '0600000070110100'],
    ['jeq %r1, 0xffffffff, +1', '15010100ffffffff'],
    ['jsle32 %r1, %r2, -2', 'de21feff00000000'],
    ['jlt %r0, 7, +0x10', 'a500100007000000'],
    ['call 5', '8500000005000000'],
    ['call helper 5', '8500000005000000'],
    ['call %r2', '8d02000000000000'],
    ['call helper %r2', '8d02000000000000'],
    ['call local +4', '8510000004000000'],
    ['call runtime 7', '8520000007000000'],
    ['exit', '9500000000000000'],
    ['lddw %r0, 0x1122334455667788', '1800000088776655000000004433221100'.slice(0, 16) + '0000000044332211'],
    ['lddw %r3, -2', '18030000feffffff00000000ffffffff'],
    ['ldxb %r0, [%r1]', '7110000000000000'],
    ['ldxdw %r0, [%r1+8]', '7910080000000000'],
    ['ldxsh %r0, [%r1-2]', '8910feff00000000'],
    ['ldxw %r0, [%r1+0xffff]', '6110ffff00000000'],
    ['stw [%r10-4], 0x12345678', '620afcff78563412'],
    ['stxdw [%r10-8], %r1', '7b1af8ff00000000'],
    ['lock add [%r10-8], %r1', 'db1af8ff00000000'],
    ['lock fetch add32 [%r10-8], %r1', 'c31af8ff01000000'],
    ['lock fetch xor [%r1], %r2', 'db210000a1000000'],
    ['lock and32 [%r1], %r2', 'c321000050000000'],
    ['lock xchg [%r1+4], %r2', 'db210400e1000000'],
    ['lock cmpxchg32 [%r1+4], %r2', 'c3210400f1000000'],
    ['add %r11, 1', '070b000001000000'],
  ])('%s', (line, bytes) => {
    expect(hex(line)).toBe(bytes);
  });

  it('drops trailing commas, ignores comments, blank lines and CRLF', () => {
    expect(assembleConformance('  add %r1,   2 # two\r\n\n# nothing\nexit\r\n')).toEqual([I(0x07, 1, 0, 0, 2), I(0x95)]);
  });

  it('resolves labels forwards and backwards, counting lddw as two slots', () => {
    const p = assembleConformance(['top:', 'lddw %r0, 1', 'jeq %r0, 1, out', 'ja top', 'out:', 'call local top', 'ja32 out', 'exit'].join('\n'));
    expect(p.map((i) => [i.off, i.imm])).toEqual([[0, 1], [1, 1], [-4, 0], [0, -5], [0, -2], [0, 0]]);
  });

  it('defines `exit` at the first exit', () => {
    const p = assembleConformance('jeq %r1, 0, exit\nmov %r0, 1\nexit\nexit');
    expect(p[0].off).toBe(1);
  });
});

describe('assembleConformance: errors carry the reference text, line and column', () => {
  it.each([
    ['add64 %r1, 1', 'Invalid mnemonic: add64', 1, 1],
    ['exit\n  ldxq %r0, %r1', 'Invalid mnemonic: ldxq', 2, 3],
    ['or %r0, %r50', 'Invalid register: %r50', 1, 9],
    ['ldxb %r0, [%r16+2]', 'Invalid register: %r16', 1, 12],
    ['lddw %r0', 'Invalid number of operands for mnemonic: lddw', 1, 1],
    ['ldxb %r0, [%r1 + 2]', 'Invalid number of operands for mnemonic: ldxb', 1, 1],
    ['lock', 'Invalid number of operands for lock', 1, 1],
    ['lock or [%r10-8]', 'Invalid number of operands for lock', 1, 1],
    ['lock sub [%r10-8], %r1', 'Invalid mnemonic: lock', 1, 1],
    ['ja NOT_A_LABEL\nexit', 'Invalid label: NOT_A_LABEL', 1, 4],
    ['ldxb %r0, %r1', 'Failed to decode register and offset: %r1', 1, 11],
    ['ldxb %r0, [%r1+0x10000]', 'Offset out of 16-bit range: +0x10000', 1, 11],
    ['ldxb %r0, [%r1+32768]', 'Offset out of 16-bit range: +32768', 1, 11],
    ['ja -32769', 'Offset out of 16-bit range: -32769', 1, 4],
    ['mov32 %r0, 2147483648', 'Immediate out of 32-bit range: 2147483648', 1, 12],
    ['mov32 %r0, 0x100000000', 'Immediate out of 32-bit range: 0x100000000', 1, 12],
    ['mov32 %r0, -0x1', 'Immediate out of 32-bit range: -0x1', 1, 12],
    ['mov %r0, five', 'Invalid immediate: five', 1, 10],
    ['call fast 1', 'Invalid call mode', 1, 6],
    ['a:\na:\nexit', 'Duplicate label (a) detected at line 0 (previous declaration at line 0)', 2, 1],
  ])('%s', (text, reason, line, column) => {
    const err = asmError(text);
    expect(err.reason).toBe(reason);
    expect([err.line, err.column]).toEqual([line, column]);
    expect(err.message).toBe(`line ${line}, col ${column}: ${reason}`);
  });
});

describe('disassembleConformance', () => {
  it('prints one instruction per line with signed relative jumps', () => {
    const text = disassembleConformance([
      I(0x07, 1, 0, 0, -5),
      { opcode: 0x18, dst: 2, src: 0, off: 0, imm: -1, imm2: 0x11223344 },
      I(0x1d, 1, 2, -3),
      I(0x06, 0, 0, 0, 70000),
      I(0x85, 0, 1, 0, -2),
      I(0xdb, 10, 1, -8, 0x51),
      I(0x95),
    ]);
    expect(text).toBe(
      [
        'add %r1, -5',
        'lddw %r2, 0x11223344ffffffff',
        'jeq %r1, %r2, -3',
        'ja32 +70000',
        'call local -2',
        'lock fetch and [%r10-8], %r1',
        'exit',
        '',
      ].join('\n'),
    );
  });

  it('refuses instructions the syntax cannot spell, naming the index', () => {
    expect(() => disassembleConformance([I(0x95), { opcode: 0x18, dst: 1, src: 1, off: 0, imm: 3, imm2: 0 }])).toThrow(
      /instruction 1: opcode 0x18 \(src 1, off 0, imm 3\) has no conformance-syntax spelling/,
    );
  });

  it('spells every RFC 9669 instruction except packet loads, pseudo lddw and kfunc offsets', () => {
    const expressible = (i: Instruction) =>
      !((i.opcode & 0x07) === 0 && i.opcode !== 0x18) && !(i.opcode === 0x18 && i.src !== 0) && !(i.opcode === 0x85 && i.off !== 0);
    fc.assert(
      fc.property(arbInstruction({ linuxExtensions: false }).filter(expressible), (insn) => conformanceLine(insn) !== undefined),
      { numRuns: 500 },
    );
  });

  it('round trip: assembleConformance(disassembleConformance(p)) equals p', () => {
    const spellable = arbInstruction().filter((i) => conformanceLine(i) !== undefined);
    fc.assert(
      fc.property(fc.array(spellable, { maxLength: 20 }), (program) => {
        expect(canDisassembleConformance(program)).toBe(true);
        expect(assembleConformance(disassembleConformance(program))).toEqual(program);
      }),
      { numRuns: 1000 },
    );
  });
});
