import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  branchOffset, immediate64, instructionAtSlot, instructionName, isCall, isCallx, isConditionalJump, isExit, isJump,
  isLddw, isLocalCall, jumpTargetSlot, opcodeName, programSlots, slotCount, slotToInstruction, splitImmediate64,
  totalSlots, type Instruction,
} from './index.js';
import { arbProgram } from './testing/arbitrary.js';

const I = (opcode: number, fields: Partial<Instruction> = {}): Instruction => ({ opcode, dst: 0, src: 0, off: 0, imm: 0, ...fields });
const LDDW = (imm: number, imm2: number): Instruction => ({ opcode: 0x18, dst: 1, src: 0, off: 0, imm, imm2 });

describe('classification', () => {
  it.each<[string, Instruction, { jump: boolean; cond: boolean; call: boolean; exit: boolean; lddw: boolean }]>([
    ['ja', I(0x05, { off: 2 }), { jump: true, cond: false, call: false, exit: false, lddw: false }],
    ['gotol', I(0x06, { imm: 2 }), { jump: true, cond: false, call: false, exit: false, lddw: false }],
    ['jeq imm', I(0x15, { off: 1 }), { jump: true, cond: true, call: false, exit: false, lddw: false }],
    ['jsle32 reg', I(0xde, { src: 1, off: 1 }), { jump: true, cond: true, call: false, exit: false, lddw: false }],
    ['may_goto', I(0xe5, { off: 1 }), { jump: true, cond: true, call: false, exit: false, lddw: false }],
    ['call', I(0x85, { imm: 1 }), { jump: false, cond: false, call: true, exit: false, lddw: false }],
    ['callx', I(0x8d, { dst: 1 }), { jump: false, cond: false, call: false, exit: false, lddw: false }],
    ['exit', I(0x95), { jump: false, cond: false, call: false, exit: true, lddw: false }],
    ['lddw', LDDW(1, 2), { jump: false, cond: false, call: false, exit: false, lddw: true }],
    ['add64', I(0x07), { jump: false, cond: false, call: false, exit: false, lddw: false }],
    ['stxdw', I(0x7b), { jump: false, cond: false, call: false, exit: false, lddw: false }],
  ])('%s', (_name, insn, want) => {
    expect({
      jump: isJump(insn), cond: isConditionalJump(insn), call: isCall(insn), exit: isExit(insn), lddw: isLddw(insn),
    }).toEqual(want);
  });
  it('callx is its own kind; call local is a call with a branch offset in imm', () => {
    expect(isCallx(I(0x8d, { dst: 2 }))).toBe(true);
    expect(isLocalCall(I(0x85, { src: 1, imm: 4 }))).toBe(true);
    expect(branchOffset(I(0x85, { src: 1, imm: 4 }))).toBe(4);
    expect(branchOffset(I(0x85, { src: 0, imm: 4 }))).toBeUndefined();
  });
});

describe('slots and jump targets', () => {
  // slot: 0 mov, 1-2 lddw, 3 jeq +1 -> 5, 4 lddw (4-5), 6 ja -4 -> 3, 7 gotol -8 -> 0, 8 call local +1 -> 10, 9 exit
  const program: Instruction[] = [
    I(0xb7), LDDW(1, 0), I(0x15, { off: 1 }), LDDW(2, 0), I(0x05, { off: -4 }), I(0x06, { imm: -8 }),
    I(0x85, { src: 1, imm: 1 }), I(0x95),
  ];
  it('programSlots / totalSlots / slotCount', () => {
    expect(programSlots(program)).toEqual([0, 1, 3, 4, 6, 7, 8, 9]);
    expect(totalSlots(program)).toBe(10);
    expect(slotCount(program[1])).toBe(2);
    expect(slotCount(program[0])).toBe(1);
  });
  it('instructionAtSlot and slotToInstruction', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 9, 10, -1].map((s) => instructionAtSlot(program, s))).toEqual([
      0, 1, undefined, 2, 3, undefined, 4, 7, undefined, undefined,
    ]);
    expect([...slotToInstruction(program)]).toEqual([0, 1, -1, 2, 3, -1, 4, 5, 6, 7]);
  });
  it('jumpTargetSlot: slot + 1 + offset, counting lddw as two slots', () => {
    expect(program.map((_, i) => jumpTargetSlot(program, i))).toEqual([
      undefined, undefined, 5, undefined, 3, 0, 10, undefined,
    ]);
  });
  it('slotToInstruction inverts programSlots', () => {
    fc.assert(
      fc.property(arbProgram(), (p) => {
        const map = slotToInstruction(p);
        programSlots(p).forEach((slot, i) => expect(map[slot]).toBe(i));
        expect(map.length).toBe(totalSlots(p));
        expect([...map].filter((x) => x === -1).length).toBe(p.filter(isLddw).length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('64-bit immediates', () => {
  it('immediate64 puts imm2 in the high half, unsigned', () => {
    expect(immediate64(LDDW(0x55667788, 0x11223344))).toBe(0x1122334455667788n);
    expect(immediate64(LDDW(-1, -1))).toBe(0xffff_ffff_ffff_ffffn);
    expect(immediate64(LDDW(0, -0x8000_0000))).toBe(0x8000_0000_0000_0000n);
    expect(immediate64(LDDW(-0x8000_0000, 0))).toBe(0x8000_0000n);
  });
  it('splitImmediate64 inverts immediate64 for signed and unsigned inputs', () => {
    expect(splitImmediate64(-1n)).toEqual({ imm: -1, imm2: -1 });
    expect(splitImmediate64(0x1_0000_0000n)).toEqual({ imm: 0, imm2: 1 });
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), (v) => {
        const { imm, imm2 } = splitImmediate64(v);
        expect(immediate64(LDDW(imm, imm2))).toBe(BigInt.asUintN(64, v));
      }),
      { numRuns: 500 },
    );
  });
});

describe('names', () => {
  it('opcodeName covers every opcode byte', () => {
    expect(opcodeName(0x07)).toBe('add64 imm');
    expect(opcodeName(0x0c)).toBe('add32 reg');
    expect(opcodeName(0x3e)).toBe('jge32 reg');
    expect(opcodeName(0x79)).toBe('ldxdw');
    expect(opcodeName(0xdb)).toBe('atomic64');
    expect(opcodeName(0xe7)).toBe('unknown alu64 opcode');
    for (let op = 0; op < 256; op++) expect(opcodeName(op)).toMatch(/^[a-z]/);
  });
  it('instructionName picks the variant', () => {
    expect(instructionName(I(0x37, { off: 1 }))).toBe('sdiv64 imm');
    expect(instructionName(I(0x9c, { off: 1 }))).toBe('smod32 reg');
    expect(instructionName(I(0xbf, { off: 16 }))).toBe('movsx64 reg');
    expect(instructionName(I(0xbf, { off: 1, imm: 1 }))).toBe('addr_space_cast');
    expect(instructionName(I(0xdb, { imm: 0x100 }))).toBe('atomic64 load_acquire');
    expect(instructionName(I(0xc3, { imm: 0xa1 }))).toBe('atomic32 fetch_xor');
    expect(instructionName({ ...LDDW(0, 0), src: 4 })).toBe('lddw func');
    expect(instructionName(I(0x85, { src: 2 }))).toBe('call kfunc');
  });
});
