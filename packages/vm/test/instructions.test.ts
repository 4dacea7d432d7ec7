// Instructions the conformance suite does not cover: load-acquire/store-release, legacy packet loads, may_goto,
// and atomics' corner cases. Expected values worked out by hand from RFC 9669 / the kernel's definitions.
import type { Instruction } from '@bpfsim/isa';
import { BPF_MAX_LOOPS, interpret, Memory, type RunOptions } from '@bpfsim/vm';
import { describe, expect, it } from 'vitest';
import { asm, EXIT } from './helpers.js';

const insn = (opcode: number, dst: number, src: number, off: number, imm: number): Instruction => ({ opcode, dst, src, off, imm });

describe('load-acquire and store-release (Linux 6.15)', () => {
  it('store-release writes src, load-acquire reads into dst, zero-extending narrow sizes', () => {
    const p: Instruction[] = [
      ...asm('lddw %r1, 0x8877665544332211'),
      insn(0xdb, 10, 1, -8, 0x110), // store_release((u64 *)(r10 - 8), r1)
      insn(0xcb, 0, 10, -8, 0x100), // w0 = load_acquire((u16 *)(r10 - 8))
      EXIT,
    ];
    expect(interpret(p).r0).toBe(0x2211n);
    const b: Instruction[] = [...p.slice(0, 2), insn(0xd3, 0, 10, -1, 0x100), EXIT]; // u8 at fp-1 = 0x88
    expect(interpret(b).r0).toBe(0x88n);
    const w: Instruction[] = [...p.slice(0, 2), insn(0xc3, 0, 10, -8, 0x100), EXIT];
    expect(interpret(w).r0).toBe(0x44332211n);
  });
});

describe('atomics', () => {
  it('32-bit fetch forms zero-extend the old value into src', () => {
    const p = asm('stw [%r10-4], -1\nmov %r1, 1\nlock fetch add32 [%r10-4], %r1\nmov %r0, %r1\nexit');
    expect(interpret(p).r0).toBe(0xffffffffn);
  });

  it('cmpxchg that does not match leaves memory and loads the old value into r0', () => {
    const p = asm('stdw [%r10-8], 5\nmov %r0, 6\nmov %r1, 9\nlock cmpxchg [%r10-8], %r1\nldxdw %r2, [%r10-8]\nlsh %r0, 8\nor %r0, %r2\nexit');
    expect(interpret(p).r0).toBe((5n << 8n) | 5n);
  });

  it('cmpxchg32 compares only the low 32 bits of r0', () => {
    const p = asm('stw [%r10-4], 5\nlddw %r0, 0x700000005\nmov %r1, 9\nlock cmpxchg32 [%r10-4], %r1\nldxw %r0, [%r10-4]\nexit');
    expect(interpret(p).r0).toBe(9n);
  });

  it('64-bit add carries into the high word', () => {
    const p = asm('lddw %r1, 0xffffffff\nstxdw [%r10-8], %r1\nmov %r1, 1\nlock add [%r10-8], %r1\nldxdw %r0, [%r10-8]\nexit');
    expect(interpret(p).r0).toBe(0x100000000n);
  });
});

describe('LD_ABS / LD_IND', () => {
  const packet = new Uint8Array([0x45, 0x00, 0x00, 0x54, 0xde, 0xad, 0xbe, 0xef]);
  const withPacket = (): RunOptions => {
    const memory = new Memory();
    return { memory, args: [memory.map({ kind: 'packet', name: 'packet', bytes: packet, writable: false })] };
  };
  const ldabs = (size: 0x00 | 0x08 | 0x10, imm: number): Instruction => insn(0x20 | size, 0, 0, 0, imm);
  const ldind = (size: 0x00 | 0x08 | 0x10, src: number, imm: number): Instruction => insn(0x40 | size, 0, src, 0, imm);
  const mov6 = asm('mov %r6, %r1')[0];

  it('reads big-endian bytes of the packet the ctx in r6 points to', () => {
    expect(interpret([mov6, ldabs(0x00, 4), EXIT], withPacket()).r0).toBe(0xdeadbeefn);
    expect(interpret([mov6, ldabs(0x08, 2), EXIT], withPacket()).r0).toBe(0x0054n);
    expect(interpret([mov6, ldabs(0x10, 0), EXIT], withPacket()).r0).toBe(0x45n);
    const ind = [mov6, ...asm('mov %r7, 3'), ldind(0x08, 7, 2), EXIT];
    expect(interpret(ind, withPacket()).r0).toBe(0xadben);
  });

  it('out of the packet: the program ends with r0 = 0', () => {
    const p = [mov6, ...asm('mov %r0, 7'), ldabs(0x00, 5), ...asm('mov %r0, 1\nexit')];
    expect(interpret(p, withPacket())).toEqual({ r0: 0n, insns: 3 });
    const neg = [mov6, ...asm('mov %r7, -3'), ldind(0x10, 7, 1), ...asm('mov %r0, 1\nexit')];
    expect(interpret(neg, withPacket()).r0).toBe(0n);
  });

  it("reads the ctx region's `packet` when it has one", () => {
    const memory = new Memory();
    const skb = memory.map({ kind: 'ctx', name: 'ctx', bytes: new Uint8Array(16), writable: false, packet });
    expect(interpret([mov6, ldabs(0x08, 6), EXIT], { memory, args: [skb] }).r0).toBe(0xbeefn);
  });

  it('faults when r6 is not a pointer', () => {
    expect(() => interpret([ldabs(0x10, 0), EXIT])).toThrow(/LD_ABS\/LD_IND needs the ctx pointer in r6/);
  });
});

describe('may_goto', () => {
  it('has a fresh allowance in every called frame, and the caller keeps its own', () => {
    // main: loop on may_goto counting in r6 (1 per pass); after it, call f twice; f does the same into r0.
    const p = asm(`
      mov %r6, 0
    loop:
      ja +0
      add %r6, 1
      ja loop
    done:
      call local f
      mov %r7, %r0
      call local f
      add %r0, %r7
      add %r0, %r6
      exit
    f:
      mov %r0, 0
    floop:
      ja +0
      add %r0, 1
      ja floop
    fdone:
      exit`);
    // turn the `ja +0` placeholders into may_goto to the labels after each loop
    const fixed = p.map((insn) => (insn.opcode === 0x05 && insn.off === 0 ? { ...insn, opcode: 0xe5, off: 2 } : insn));
    expect(fixed.filter((i) => i.opcode === 0xe5)).toHaveLength(2);
    expect(interpret(fixed).r0).toBe(3n * BigInt(BPF_MAX_LOOPS));
  });

  it('falls through BPF_MAX_LOOPS times, then jumps', () => {
    const program: Instruction[] = [
      insn(0xb7, 0, 0, 0, 0), // 0: r0 = 0
      insn(0x07, 0, 0, 0, 1), // 1: r0 += 1
      insn(0xe5, 0, 0, 1, 0), // 2: may_goto +1 (to 4)
      insn(0x05, 0, 0, -3, 0), // 3: goto -3 (to 1)
      EXIT, // 4
    ];
    const { r0, insns } = interpret(program);
    expect(r0).toBe(BigInt(BPF_MAX_LOOPS) + 1n);
    expect(insns).toBe(1 + BPF_MAX_LOOPS * 3 + 2 + 1);
  });
});

describe('lddw with a pseudo source', () => {
  it('loads imm/imm2 as they are, even for src = map_fd with a full 64-bit value (a resolved map address)', () => {
    const p: Instruction[] = [{ opcode: 0x18, dst: 0, src: 1, off: 0, imm: 0x10000000, imm2: 3 }, EXIT];
    expect(interpret(p).r0).toBe(0x3_1000_0000n);
  });
});
