// The ctx-access conversion (verifier.c convert_ctx_accesses, reduced): which loads become 64-bit loads of the
// hidden pointer slots, and how BPF_PSEUDO_FUNC constants are resolved. Expected instructions are hand-written.
import { describe, expect, it } from 'vitest';
import { convertCtxAccesses, FUNC_TAG_HI, funcSlot } from '../../src/progs/types/ctx-access.js';
import { asm } from './support.js';

const FIELDS = [
  { name: 'data', uapiOffset: 76, hiddenOffset: 192 },
  { name: 'data_end', uapiOffset: 80, hiddenOffset: 200 },
];

const ldxdw = (dst: number, src: number, off: number) => ({ opcode: 0x79, dst, src, off, imm: 0 });

describe('convertCtxAccesses', () => {
  it('rewrites u32 loads of pointer fields through r1 into u64 loads of the hidden slots', () => {
    const { insns } = convertCtxAccesses(asm('r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = *(u32 *)(r1 + 0)\nexit'), FIELDS);
    expect(insns[0]).toEqual(ldxdw(2, 1, 192));
    expect(insns[1]).toEqual(ldxdw(3, 1, 200));
    expect(insns[2]).toEqual({ opcode: 0x61, dst: 4, src: 1, off: 0, imm: 0 }); // len: untouched
  });

  it('follows the ctx through moves and a spill to the stack and back', () => {
    const { insns } = convertCtxAccesses(asm(`
      r6 = r1
      *(u64 *)(r10 - 8) = r6
      r1 = 0
      r7 = *(u64 *)(r10 - 8)
      r2 = *(u32 *)(r7 + 76)
      r3 = *(u32 *)(r1 + 76)
      exit`), FIELDS);
    expect(insns[4]).toEqual(ldxdw(2, 7, 192));
    expect(insns[5].opcode).toBe(0x61); // r1 was overwritten: not the ctx any more
  });

  it('leaves a load alone when the register is the ctx on one path only', () => {
    const { insns } = convertCtxAccesses(asm(`
      r2 = r1
      if r1 == 0 goto +1
      r2 = r10
      r3 = *(u32 *)(r2 + 76)
      exit`), FIELDS);
    expect(insns[3].opcode).toBe(0x61);
  });

  it('passes the ctx into a bpf-to-bpf callee through r1..r5, and clobbers r1-r5 after the call', () => {
    const { insns } = convertCtxAccesses(asm(`
      r2 = r1
      call pc+3
      r4 = *(u32 *)(r2 + 76)
      r0 = 0
      exit
      r5 = *(u32 *)(r2 + 80)
      exit`), FIELDS);
    expect(insns[5]).toEqual(ldxdw(5, 2, 200)); // in the callee, r2 is the ctx
    expect(insns[2].opcode).toBe(0x61); // after the call r2 is scratch
  });

  it('resolves BPF_PSEUDO_FUNC to FUNC_TAG | absolute slot of the callee', () => {
    // slot 0: lddw (2 slots) with imm +3 → callee at slot 0 + 1 + 3 = 4
    const { insns } = convertCtxAccesses(asm('r2 = func(pc+3)\nr0 = 0\nexit\nr0 = 1\nexit'), FIELDS);
    expect(insns[0]).toMatchObject({ opcode: 0x18, src: 0, imm: 4, imm2: FUNC_TAG_HI });
    expect(funcSlot((BigInt(FUNC_TAG_HI) << 32n) | 4n)).toBe(4);
    expect(funcSlot(4n)).toBeUndefined();
  });

  it('reports max_ctx_offset: the end of the furthest ctx byte accessed', () => {
    expect(convertCtxAccesses(asm('r0 = *(u64 *)(r1 + 16)\nr2 = *(u8 *)(r1 + 3)\nexit'), []).maxCtxOffset).toBe(24);
    expect(convertCtxAccesses(asm('r0 = 0\nexit'), []).maxCtxOffset).toBe(0);
    expect(convertCtxAccesses(asm('*(u32 *)(r1 + 40) = r0\nexit'), []).maxCtxOffset).toBe(44);
  });

  it('keeps every jump valid: same length and slot layout', () => {
    const src = asm('r2 = *(u32 *)(r1 + 76)\nr1 = 1 ll\nif r2 > r1 goto +1\nr0 = 1\nexit');
    const { insns } = convertCtxAccesses(src, FIELDS);
    expect(insns.length).toBe(src.length);
    expect(insns.map((i) => i.opcode === 0x18)).toEqual(src.map((i) => i.opcode === 0x18));
  });
});
