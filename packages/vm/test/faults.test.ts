// Faults: every FaultKind a run can end with, its pc and its message.
import type { Instruction } from '@bpfsim/isa';
import { insnText, interpret, load, LoadError, Memory, VmFault, type HelperFn } from '@bpfsim/vm';
import { describe, expect, it } from 'vitest';
import { asm } from './helpers.js';

/** Runs and returns the VmFault it must throw. */
function faultOf(insns: Instruction[], opts: Parameters<typeof interpret>[1] = {}): VmFault {
  try {
    interpret(insns, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(VmFault);
    return err as VmFault;
  }
  throw new Error('expected a fault, but the program exited');
}



describe('out_of_bounds', () => {
  it('a stack read below the frame names stack-520, the size, the pc and the instruction', () => {
    const p = asm('mov %r0, 0\nmov %r1, 1\nldxdw %r0, [%r10-520]\nexit');
    const f = faultOf(p);
    expect(f.kind).toBe('out_of_bounds');
    expect(f.pc).toBe(2);
    expect(f.message).toBe(`out of bounds: 8-byte read at stack-520, pc 2 (${insnText(p[2])})`);
  });

  it('reads like the documented example', () => {
    const p = asm('mov %r0, 0\nmov %r0, 0\nmov %r0, 0\nmov %r0, 0\nmov %r0, 0\nmov %r0, 0\nmov %r0, 0\nldxdw %r0, [%r10-520]\nexit');
    expect(faultOf(p).message).toBe('out of bounds: 8-byte read at stack-520, pc 7 (r0 = *(u64 *)(r10 - 520))');
  });

  it('pc counts slots: an lddw before the fault counts two', () => {
    const p = asm('lddw %r1, 0x100000000\nstw [%r1], 1\nexit');
    const f = faultOf(p);
    expect(f.pc).toBe(2);
    expect(f.message).toMatch(/^out of bounds: 4-byte write at 0x100000000, pc 2 /);
  });

  it('a store above the stack top (r10 + 0) and a read straddling the top fault', () => {
    expect(faultOf(asm('stb [%r10], 1\nexit')).message).toMatch(/^out of bounds: 1-byte write at stack\+0, pc 0/);
    expect(faultOf(asm('ldxdw %r0, [%r10-4]\nexit')).message).toMatch(/^out of bounds: 8-byte read at stack-4, pc 0/);
    // the last 8 bytes below r10 are fine
    expect(interpret(asm('stdw [%r10-8], 7\nldxdw %r0, [%r10-8]\nexit')).r0).toBe(7n);
  });

  it('NULL and small integers are not pointers', () => {
    const f = faultOf(asm('mov %r1, 0\nldxw %r0, [%r1+16]\nexit'));
    expect(f.message).toMatch(/^out of bounds: 4-byte read at 0x10, pc 1 /);
  });

  it('a write to a read-only region is refused and leaves it intact', () => {
    const memory = new Memory();
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const ctx = memory.map({ kind: 'ctx', name: 'ctx', bytes, writable: false });
    const f = faultOf(asm('ldxw %r0, [%r1]\nstw [%r1], 9\nexit'), { memory, args: [ctx] });
    expect(f.kind).toBe('out_of_bounds');
    expect(f.pc).toBe(1);
    expect(f.message).toMatch(/^write to read-only memory: 4-byte write at ctx\+0 \(ctx\), pc 1 /);
    expect([...bytes]).toEqual([1, 2, 3, 4]);
  });

  it('an access one byte past a region faults, the one before does not', () => {
    const memory = new Memory();
    const bytes = new Uint8Array(10);
    const base = memory.map({ kind: 'mem', name: 'mem', bytes, writable: true });
    expect(interpret(asm('stb [%r1+9], 5\nldxb %r0, [%r1+9]\nexit'), { memory, args: [base] }).r0).toBe(5n);
    expect(faultOf(asm('ldxh %r0, [%r1+9]\nexit'), { memory, args: [base] }).message).toMatch(/2-byte read at mem\+9/);
  });

  it('atomics are bounds-checked too', () => {
    const f = faultOf(asm('mov %r1, 1\nlock add [%r10], %r1\nexit'));
    expect(f.message).toMatch(/^out of bounds: 8-byte write at stack\+0, pc 1 /);
  });
});

describe('helper faults', () => {
  it('unknown_helper names the helper', () => {
    const f = faultOf(asm('call 1\nexit'));
    expect(f.kind).toBe('unknown_helper');
    expect(f.message).toMatch(/^unknown helper bpf_map_lookup_elem#1: not in the helper table, pc 0 /);
  });

  it('an exception in a helper becomes helper_error with the cause kept', () => {
    const boom = new Error('disk on fire');
    const helpers = new Map<number, HelperFn>([[6, () => { throw boom; }]]);
    const f = faultOf(asm('mov %r0, 0\ncall 6\nexit'), { helpers });
    expect(f.kind).toBe('helper_error');
    expect(f.pc).toBe(1);
    expect(f.message).toMatch(/^helper bpf_trace_printk#6 failed: disk on fire, pc 1 /);
    expect(f.cause).toBe(boom);
  });

  it('a helper returning a non-bigint is a helper_error', () => {
    const helpers = new Map<number, HelperFn>([[7, (() => 5) as unknown as HelperFn]]);
    expect(faultOf(asm('call 7\nexit'), { helpers }).message).toMatch(/returned number, not a bigint/);
  });

  it('a helper that overflows the JS stack still ends in a VmFault', () => {
    const recurse = (n: number): number => recurse(n + 1) + 1;
    const helpers = new Map<number, HelperFn>([[7, () => BigInt(recurse(0))]]);
    expect(faultOf(asm('call 7\nexit'), { helpers }).kind).toBe('helper_error');
  });

  it("out-of-bounds through the helper's MemoryAccess is out_of_bounds at the call", () => {
    const helpers = new Map<number, HelperFn>([[7, (r1, _r2, _r3, _r4, _r5, call) => BigInt(call.mem.read(r1, 8)[0])]]);
    const f = faultOf(asm('mov %r1, %r10\nadd %r1, -4\ncall 7\nexit'), { helpers });
    expect(f.kind).toBe('out_of_bounds');
    expect(f.pc).toBe(2);
    expect(f.message).toMatch(/^out of bounds: helper bpf_get_prandom_u32#7 reads 8 bytes at stack-4, pc 2 /);
  });
});

describe('budget and timeout', () => {
  it('an infinite loop stops with budget after exactly the budget', () => {
    const f = faultOf(asm('mov %r0, 0\nja -1\nexit'), { budget: 1000 });
    expect(f.kind).toBe('budget');
    expect(f.pc).toBe(1);
    expect(f.message).toMatch(/^instruction budget exhausted: 1000 instructions executed, pc 1 /);
  });

  it('a program that needs exactly the budget completes', () => {
    const p = asm('mov %r0, 1\nadd %r0, 1\nexit');
    expect(interpret(p, { budget: 3 })).toEqual({ r0: 2n, insns: 3 });
    expect(faultOf(p, { budget: 2 }).kind).toBe('budget');
  });

  it('budget 0 runs nothing; Infinity means no limit', () => {
    const p = asm('mov %r0, 1\nexit');
    expect(faultOf(p, { budget: 0 }).pc).toBe(0);
    expect(interpret(p, { budget: Infinity })).toEqual({ r0: 1n, insns: 2 });
  });

  it('lddw counts as two instructions, also against the budget', () => {
    const p = asm('lddw %r0, 0x100000001\nexit');
    expect(interpret(p)).toEqual({ r0: 0x100000001n, insns: 3 });
    expect(interpret(p, { budget: 3 }).r0).toBe(0x100000001n);
    expect(faultOf(p, { budget: 2 }).kind).toBe('budget');
    expect(faultOf(p, { budget: 1 }).pc).toBe(0);
  });

  it('a wall-clock deadline stops an endless loop with timeout', () => {
    const f = faultOf(asm('ja -1\nexit'), { deadlineMs: 30, budget: 1e12 });
    expect(f.kind).toBe('timeout');
    expect(f.pc).toBe(0);
  });
});

describe('control flow faults', () => {
  it('falling off the end faults at the slot past the last', () => {
    const f = faultOf(asm('mov %r0, 1'));
    expect(f.kind).toBe('bad_jump');
    expect(f.pc).toBe(1);
    expect(f.message).toBe('execution fell off the end of the program (1 slot), pc 1');
    expect(faultOf(asm('mov %r0, 1\nmov %r0, 2')).message).toBe('execution fell off the end of the program (2 slots), pc 2');
  });

  it('jumps outside the program or into an lddw are refused at load time', () => {
    const out = (): unknown => load(asm('ja +5\nexit'));
    expect(out).toThrow(LoadError);
    expect(out).toThrow(/^jump target 6 is outside the program \(0\.\.1\), pc 0 /);
    const back = (): unknown => load(asm('ja -2\nexit'));
    expect(back).toThrow(/^jump target -1 is outside the program/);
    const intoLddw = (): unknown => load(asm('ja +1\nlddw %r0, 1\nexit'));
    expect(intoLddw).toThrow(/^jump target 2 is the second slot of an lddw, pc 0 /);
    const call = (): unknown => load(asm('call local +7\nexit'));
    expect(call).toThrow(/^call target 8 is outside the program/);
    try {
      load(asm('mov %r0, 0\nja +1\nlddw %r0, 1\nexit'));
    } catch (err) {
      expect(err).toBeInstanceOf(VmFault);
      expect((err as VmFault).kind).toBe('bad_jump');
      expect((err as VmFault).pc).toBe(1);
    }
  });

  it('invalid instructions are refused at load time, naming slot and field', () => {
    const bad = (insns: Instruction[]): LoadError => {
      try {
        load(insns);
      } catch (err) {
        expect(err).toBeInstanceOf(LoadError);
        return err as LoadError;
      }
      throw new Error('loaded');
    };
    const mov = { opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 0 };
    expect(bad([mov, { opcode: 0xff, dst: 0, src: 0, off: 0, imm: 0 }]).message).toMatch(/^invalid instruction: insn 1: unknown opcode 0xff/);
    expect(bad([{ ...mov, dst: 11 }]).message).toMatch(/invalid dst 11/);
    expect(bad([{ ...mov, dst: 10 }]).message).toMatch(/r10 \(frame pointer\) is read-only/);
    // atomics that write a register: fetch-add into src, load-acquire into dst
    expect(bad([{ opcode: 0xdb, dst: 1, src: 10, off: 0, imm: 0x01 }]).message).toMatch(/r10 \(frame pointer\) is read-only/);
    expect(bad([{ opcode: 0xdb, dst: 10, src: 1, off: 0, imm: 0x100 }]).message).toMatch(/r10 \(frame pointer\) is read-only/);
    expect(() => load([{ opcode: 0xdb, dst: 10, src: 1, off: -8, imm: 0x01 }, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }])).not.toThrow();
    expect(bad([{ ...mov, off: 3 }]).message).toMatch(/invalid off 3/);
    expect(bad([{ ...mov, imm: 2 ** 40 }]).message).toMatch(/field out of range/);
    expect(bad([]).message).toBe('empty program');
    expect(bad([{ opcode: 0x85, dst: 0, src: 2, off: 0, imm: 5 }]).message).toMatch(/kfunc calls are not supported/);
    expect(bad([{ ...mov, dst: 11 }]).kind).toBe('invalid_insn');
    expect(bad([{ ...mov, dst: 11 }]).pc).toBe(0);
  });

  it('call_depth: a ninth frame is refused', () => {
    // each frame calls the next: frames 0..7 are allowed, the call from frame 7 faults
    const f = faultOf(asm('call local -1\nexit'));
    expect(f.kind).toBe('call_depth');
    expect(f.pc).toBe(0);
    expect(f.message).toMatch(/^call depth limit: more than 8 frames, pc 0 /);
  });
});

describe('errors leave no mapped regions behind', () => {
  it('a faulting run unmaps its stack from the caller-supplied Memory', () => {
    const memory = new Memory();
    memory.map({ kind: 'mem', name: 'mem', bytes: new Uint8Array(4), writable: true });
    faultOf(asm('ja -1\nexit'), { memory, budget: 10 });
    expect(memory.regionCount).toBe(1);
    interpret(asm('mov %r0, 0\nexit'), { memory });
    expect(memory.regionCount).toBe(1);
  });
});
