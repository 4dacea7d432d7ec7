// Concrete encodings read off RFC 9669 (kernel Documentation/bpf/standardization/instruction-set.rst) and checked
// field by field. Each expected value was worked out by hand from the RFC's tables, not produced by the code.
import { describe, expect, it } from 'vitest';
import { decode, encode, immediate64, instructionName, type Instruction } from './index.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(hex.trim().split(/\s+/).map((h) => Number.parseInt(h, 16)));

/** Decodes one encoding, checks every field and that encoding gives the same bytes back. */
function check(hex: string, expected: Instruction, name?: string): void {
  const b = bytes(hex);
  const insns = decode(b);
  expect(insns).toHaveLength(1);
  expect(insns[0]).toEqual(expected);
  expect(encode([expected])).toEqual(b);
  if (name) expect(instructionName(insns[0])).toBe(name);
}

describe('RFC 9669 §3 basic encoding', () => {
  it('07 01 00 00 44 33 22 11 is r1 += 0x11223344 (the RFC little-endian example)', () => {
    check('07 01 00 00 44 33 22 11', { opcode: 0x07, dst: 1, src: 0, off: 0, imm: 0x11223344 }, 'add64 imm');
  });
  it('b7 01 00 00 2a 00 00 00 is mov64 r1, 42', () => {
    check('b7 01 00 00 2a 00 00 00', { opcode: 0xb7, dst: 1, src: 0, off: 0, imm: 42 }, 'mov64 imm');
  });
  it('regs byte: low nibble dst, high nibble src (0x21 = src 2, dst 1)', () => {
    // {ADD, X, ALU}: r1 = (u32)(r1 + r2)
    check('0c 21 00 00 00 00 00 00', { opcode: 0x0c, dst: 1, src: 2, off: 0, imm: 0 }, 'add32 reg');
  });
  it('imm is signed 32-bit little-endian: ff ff ff ff = -1', () => {
    // {MOV, K, ALU}: w3 = -1
    check('b4 03 00 00 ff ff ff ff', { opcode: 0xb4, dst: 3, src: 0, off: 0, imm: -1 }, 'mov32 imm');
  });
});

describe('RFC 9669 §4.1 arithmetic with non-zero offset', () => {
  it('sdiv: {DIV, X, ALU64} offset 1', () => {
    check('3f 21 01 00 00 00 00 00', { opcode: 0x3f, dst: 1, src: 2, off: 1, imm: 0 }, 'sdiv64 reg');
  });
  it('smod32 imm: {MOD, K, ALU} offset 1, imm -3', () => {
    check('94 04 01 00 fd ff ff ff', { opcode: 0x94, dst: 4, src: 0, off: 1, imm: -3 }, 'smod32 imm');
  });
  it('movsx: {MOV, X, ALU64} offset 8/16/32, {MOV, X, ALU} offset 8/16', () => {
    check('bf 21 08 00 00 00 00 00', { opcode: 0xbf, dst: 1, src: 2, off: 8, imm: 0 }, 'movsx64 reg');
    check('bf 21 20 00 00 00 00 00', { opcode: 0xbf, dst: 1, src: 2, off: 32, imm: 0 }, 'movsx64 reg');
    check('bc 21 10 00 00 00 00 00', { opcode: 0xbc, dst: 1, src: 2, off: 16, imm: 0 }, 'movsx32 reg');
  });
  it('neg: {NEG, K, ALU64} has no operand', () => {
    check('87 05 00 00 00 00 00 00', { opcode: 0x87, dst: 5, src: 0, off: 0, imm: 0 }, 'neg64');
  });
});

describe('RFC 9669 §4.2 byte swaps', () => {
  it('{END, TO_BE, ALU} imm 16 is be16; {END, TO_LE, ALU} imm 32 is le32', () => {
    check('dc 01 00 00 10 00 00 00', { opcode: 0xdc, dst: 1, src: 0, off: 0, imm: 16 }, 'be16');
    check('d4 02 00 00 20 00 00 00', { opcode: 0xd4, dst: 2, src: 0, off: 0, imm: 32 }, 'le32');
  });
  it('{END, TO_LE, ALU64} imm 64 is bswap64', () => {
    check('d7 03 00 00 40 00 00 00', { opcode: 0xd7, dst: 3, src: 0, off: 0, imm: 64 }, 'bswap64');
  });
});

describe('RFC 9669 §4.3 jumps and calls', () => {
  it('{JA, K, JMP}: ja -1 uses offset', () => {
    check('05 00 ff ff 00 00 00 00', { opcode: 0x05, dst: 0, src: 0, off: -1, imm: 0 }, 'ja');
  });
  it('{JA, K, JMP32}: gotol -2 uses imm', () => {
    check('06 00 00 00 fe ff ff ff', { opcode: 0x06, dst: 0, src: 0, off: 0, imm: -2 }, 'gotol');
  });
  it('{JSGE, X, JMP32}: if (s32)r1 s>= (s32)r2 goto +5', () => {
    check('7e 21 05 00 00 00 00 00', { opcode: 0x7e, dst: 1, src: 2, off: 5, imm: 0 }, 'jsge32 reg');
  });
  it('{JEQ, K, JMP}: if r3 == 7 goto -3', () => {
    check('15 03 fd ff 07 00 00 00', { opcode: 0x15, dst: 3, src: 0, off: -3, imm: 7 }, 'jeq imm');
  });
  it('{JSLE, K, JMP}: if r1 s<= -1 goto +1 (a v2 jump)', () => {
    check('d5 01 01 00 ff ff ff ff', { opcode: 0xd5, dst: 1, src: 0, off: 1, imm: -1 }, 'jsle imm');
  });
  it('call helper 1 (src 0), call local +3 (src 1), call kfunc by BTF id (src 2)', () => {
    check('85 00 00 00 01 00 00 00', { opcode: 0x85, dst: 0, src: 0, off: 0, imm: 1 }, 'call helper');
    check('85 10 00 00 03 00 00 00', { opcode: 0x85, dst: 0, src: 1, off: 0, imm: 3 }, 'call local');
    check('85 20 00 00 e8 03 00 00', { opcode: 0x85, dst: 0, src: 2, off: 0, imm: 1000 }, 'call kfunc');
  });
  it('exit is 95 and nothing else', () => {
    check('95 00 00 00 00 00 00 00', { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }, 'exit');
  });
});

describe('RFC 9669 §5 loads and stores', () => {
  it('{MEM, DW, LDX}: r0 = *(u64 *)(r1 + 8)', () => {
    check('79 10 08 00 00 00 00 00', { opcode: 0x79, dst: 0, src: 1, off: 8, imm: 0 }, 'ldxdw');
  });
  it('{MEMSX, B, LDX}: r1 = *(s8 *)(r2 - 16)', () => {
    check('91 21 f0 ff 00 00 00 00', { opcode: 0x91, dst: 1, src: 2, off: -16, imm: 0 }, 'ldxsb');
  });
  it('{MEM, DW, ST}: *(u64 *)(r10 - 8) = 1', () => {
    check('7a 0a f8 ff 01 00 00 00', { opcode: 0x7a, dst: 10, src: 0, off: -8, imm: 1 }, 'stdw');
  });
  it('{MEM, H, STX}: *(u16 *)(r1 + 2) = r3', () => {
    check('6b 31 02 00 00 00 00 00', { opcode: 0x6b, dst: 1, src: 3, off: 2, imm: 0 }, 'stxh');
  });
  it('{ATOMIC, DW, STX} imm CMPXCHG: db 21 00 00 f1 00 00 00', () => {
    check('db 21 00 00 f1 00 00 00', { opcode: 0xdb, dst: 1, src: 2, off: 0, imm: 0xf1 }, 'atomic64 cmpxchg');
  });
  it('{ATOMIC, W, STX} imm ADD|FETCH and XCHG', () => {
    check('c3 21 04 00 01 00 00 00', { opcode: 0xc3, dst: 1, src: 2, off: 4, imm: 0x01 }, 'atomic32 fetch_add');
    check('c3 21 00 00 e1 00 00 00', { opcode: 0xc3, dst: 1, src: 2, off: 0, imm: 0xe1 }, 'atomic32 xchg');
  });
  it('legacy packet access: {ABS, H, LD} and {IND, B, LD}', () => {
    check('28 00 00 00 0c 00 00 00', { opcode: 0x28, dst: 0, src: 0, off: 0, imm: 12 }, 'ldabsh');
    check('50 20 00 00 0e 00 00 00', { opcode: 0x50, dst: 0, src: 2, off: 0, imm: 14 }, 'ldindb');
  });
});

describe('RFC 9669 §3.2 / §5.4 wide instruction (lddw)', () => {
  it('one Instruction over two slots: imm low half, next_imm high half', () => {
    const b = bytes('18 01 00 00 44 33 22 11  00 00 00 00 88 77 66 55');
    const [insn, ...rest] = decode(b);
    expect(rest).toEqual([]);
    expect(insn).toEqual({ opcode: 0x18, dst: 1, src: 0, off: 0, imm: 0x11223344, imm2: 0x55667788 });
    expect(immediate64(insn)).toBe(0x5566778811223344n);
    expect(encode([insn])).toEqual(b);
  });
  it('src 2 (map_val(map_by_fd(imm)) + next_imm): fd 5, value offset 16', () => {
    const b = bytes('18 21 00 00 05 00 00 00  00 00 00 00 10 00 00 00');
    expect(decode(b)).toEqual([{ opcode: 0x18, dst: 1, src: 2, off: 0, imm: 5, imm2: 16 }]);
    expect(instructionName(decode(b)[0])).toBe('lddw map_value');
  });
  it('the conformance suite lddw.data raw slots (u64 little-endian per slot)', () => {
    // tests/lddw.data: 0x5566778800000018, 0x1122334400000000, 0x0000000000000095 = lddw r0, 0x1122334455667788; exit
    const slots = [0x5566778800000018n, 0x1122334400000000n, 0x0000000000000095n];
    const b = new Uint8Array(24);
    const view = new DataView(b.buffer);
    slots.forEach((s, i) => view.setBigUint64(i * 8, s, true));
    const insns = decode(b);
    expect(insns).toEqual([
      { opcode: 0x18, dst: 0, src: 0, off: 0, imm: 0x55667788, imm2: 0x11223344 },
      { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
    expect(immediate64(insns[0])).toBe(0x1122334455667788n);
    expect(encode(insns)).toEqual(b);
  });
  it('negative constants: high half 0xffffffff decodes as imm2 -1 and immediate64 is unsigned', () => {
    const b = bytes('18 03 00 00 fe ff ff ff  00 00 00 00 ff ff ff ff');
    const [insn] = decode(b);
    expect(insn).toMatchObject({ imm: -2, imm2: -1 });
    expect(immediate64(insn)).toBe(0xffff_ffff_ffff_fffen);
  });
});
