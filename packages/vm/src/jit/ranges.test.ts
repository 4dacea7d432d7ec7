// Hand-checked facts of the known-zero-high-word analysis (the differential tests check it end to end).
import type { Instruction } from '@bpfsim/isa';
import { describe, expect, it } from 'vitest';
import { layout } from './cfg.js';
import { analyzeLoops, entryBlocks } from './loops.js';
import { hiZeroAfter, hiZeroFacts } from './ranges.js';

const ins = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ opcode, dst, src, off, imm });
const R = (...rs: number[]) => rs.reduce((m, r) => m | (1 << r), 0);

describe('hiZeroAfter', () => {
  it('32-bit results, small loads and non-negative constants zero the high word', () => {
    expect(hiZeroAfter(ins(0x04, 3, 0, 0, -1), 0)).toBe(R(3)); // w3 += -1
    expect(hiZeroAfter(ins(0x71, 2, 1), 0)).toBe(R(2)); // r2 = *(u8 *)(r1 + 0)
    expect(hiZeroAfter(ins(0x61, 2, 1), 0)).toBe(R(2)); // u32 load
    expect(hiZeroAfter(ins(0xb7, 4, 0, 0, 7), 0)).toBe(R(4)); // r4 = 7
    expect(hiZeroAfter({ opcode: 0x18, dst: 5, src: 0, off: 0, imm: -1, imm2: 0 }, 0)).toBe(R(5)); // r5 = 0xffffffff ll
  });

  it('what may set the high word clears the fact', () => {
    const z = R(1, 2);
    expect(hiZeroAfter(ins(0x0f, 1, 2), z)).toBe(R(2)); // r1 += r2 can carry
    expect(hiZeroAfter(ins(0xb7, 2, 0, 0, -1), z)).toBe(R(1)); // r2 = -1
    expect(hiZeroAfter(ins(0x79, 2, 10, -8), z)).toBe(R(1)); // u64 load
    expect(hiZeroAfter(ins(0x91, 2, 10, -8), z)).toBe(R(1)); // sign-extending byte load
    expect(hiZeroAfter(ins(0x67, 1, 0, 0, 1), z)).toBe(R(2)); // r1 <<= 1
    expect(hiZeroAfter(ins(0xbf, 1, 2, 8), z)).toBe(R(2)); // movsx8
    expect(hiZeroAfter(ins(0xdc, 1, 0, 0, 64), z)).toBe(R(2)); // be64
    expect(hiZeroAfter(ins(0x85, 0, 0, 0, 1), R(0, 1))).toBe(R(1)); // helper: r0 unknown, r1..r5 kept
  });

  it('operations that keep a small value small keep the fact', () => {
    expect(hiZeroAfter(ins(0x57, 1, 0, 0, 0xff), 0)).toBe(R(1)); // r1 &= 0xff
    expect(hiZeroAfter(ins(0x57, 1, 0, 0, -1), 0)).toBe(0); // r1 &= -1 (sign-extended: all ones)
    expect(hiZeroAfter(ins(0x77, 1, 0, 0, 32), 0)).toBe(R(1)); // r1 >>= 32
    expect(hiZeroAfter(ins(0x97, 1, 0, 0, 65521), 0)).toBe(R(1)); // r1 %= 65521
    expect(hiZeroAfter(ins(0x3f, 1, 2), R(1))).toBe(R(1)); // r1 /= r2 (quotient <= dividend)
    expect(hiZeroAfter(ins(0x4f, 1, 2), R(1))).toBe(0); // r1 |= r2, r2 unknown
    expect(hiZeroAfter(ins(0x4f, 1, 2), R(1, 2))).toBe(R(1, 2));
  });
});

describe('hiZeroFacts', () => {
  it('facts meet at joins: known only when known on every incoming edge', () => {
    // 0: w1 = 5; 1: if r2 == 0 goto +1; 2: r1 = -1; 3: r0 = r1; 4: exit
    const insns = [ins(0xb4, 1, 0, 0, 5), ins(0x15, 2, 0, 1, 0), ins(0xb7, 1, 0, 0, -1), ins(0xbf, 0, 1), ins(0x95)];
    const lay = layout(insns);
    const info = analyzeLoops(insns, lay);
    const facts = hiZeroFacts(insns, lay, info.blocks, entryBlocks(insns, lay, info.blocks, info.blockAtSlot));
    expect(facts[1] & R(1)).toBe(R(1)); // after w1 = 5
    expect(facts[3] & R(1)).toBe(0); // the join with r1 = -1
  });

  it('loops: a fact holds at the header only if the back-edge keeps it', () => {
    // 0: w4 = 0; 1: w4 += 1; 2: r5 = r4; 3: r5 += r5; 4: if w4 < 10 goto -4; 5: exit
    const insns = [ins(0xb4, 4), ins(0x04, 4, 0, 0, 1), ins(0xbf, 5, 4), ins(0x0f, 5, 5), ins(0xa6, 4, 0, -4, 10), ins(0x95)];
    const lay = layout(insns);
    const info = analyzeLoops(insns, lay);
    const facts = hiZeroFacts(insns, lay, info.blocks, entryBlocks(insns, lay, info.blocks, info.blockAtSlot));
    expect(facts[1] & R(4)).toBe(R(4)); // w4 is 32-bit on both edges into the loop
    expect(facts[3] & R(5)).toBe(R(5)); // r5 = r4
    expect(facts[4] & R(5)).toBe(0); // r5 += r5 may carry
  });
});
