// Structured loops, on hand-drawn control-flow graphs.
import type { Instruction } from '@bpfsim/isa';
import { describe, expect, it } from 'vitest';
import { layout } from './cfg.js';
import { analyzeLoops } from './loops.js';

const ins = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ opcode, dst, src, off, imm });
const headers = (insns: Instruction[]) => {
  const lay = layout(insns);
  const info = analyzeLoops(insns, lay);
  const out: number[] = [];
  const walk = (l: (typeof info.roots)[number]): void => {
    out.push(info.blocks[l.header].slot);
    l.children.forEach(walk);
  };
  info.roots.forEach(walk);
  return out;
};

describe('analyzeLoops', () => {
  it('a counted loop is structured, with its header first', () => {
    // 0: r0 = 0; 1: r0 += 1; 2: if r0 < 9 goto -2; 3: exit
    expect(headers([ins(0xb7, 0), ins(0x07, 0, 0, 0, 1), ins(0xa5, 0, 0, -2, 9), ins(0x95)])).toEqual([1]);
  });

  it('a rotated loop (entered at its test, as clang emits them) is headed by the test block, not the first', () => {
    // 0: goto +2; 1: r0 += 1; 2: r1 += 1; 3: if r1 < 9 goto -3; 4: exit
    // Control enters at 3, so 3 dominates 1..2 and the edge 2 -> 3 is the back-edge.
    const insns = [ins(0x05, 0, 0, 2), ins(0x07, 0, 0, 0, 1), ins(0x07, 1, 0, 0, 1), ins(0xa5, 1, 0, -3, 9), ins(0x95)];
    expect(headers(insns)).toEqual([3]);
  });

  it('nested loops nest', () => {
    // 0: r1 = 0; 1: r2 = 0; 2: r2 += 1; 3: if r2 < 3 goto -2; 4: r1 += 1; 5: if r1 < 3 goto -5; 6: exit
    const insns = [ins(0xb7, 1), ins(0xb7, 2), ins(0x07, 2, 0, 0, 1), ins(0xa5, 2, 0, -2, 3), ins(0x07, 1, 0, 0, 1),
      ins(0xa5, 1, 0, -5, 3), ins(0x95)];
    expect(headers(insns)).toEqual([1, 2]);
  });

  it('a loop containing a bpf-to-bpf call whose return site is inside it stays in the dispatch switch', () => {
    // 0: r1 = 0; 1: call +4; 2: r1 += 1; 3: if r1 < 3 goto -3; 4: exit; 5: (sub) exit
    const insns = [ins(0xb7, 1), ins(0x85, 0, 1, 0, 3), ins(0x07, 1, 0, 0, 1), ins(0xa5, 1, 0, -3, 3), ins(0x95), ins(0x95)];
    expect(headers(insns)).toEqual([]);
  });
});
