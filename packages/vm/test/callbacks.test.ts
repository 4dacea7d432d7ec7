// HelperCall.callSubprogram: a helper calling back into the running program (bpf_loop, bpf_for_each_map_elem), on
// both engines. Slot numbers in the programs below are counted by hand (every instruction here is one slot except
// lddw, which takes two).
import type { Instruction } from '@bpfsim/isa';
import { load, Stepper, VmFault, type EngineName, type HelperFn, type HelperTable, type RunOptions, type RunResult } from '@bpfsim/vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asm } from './helpers.js';

const LOOP = 181;
/** A bpf_loop-like test helper: callback(i, ctx) for i < nr until it returns non-zero; the number of calls made. */
const loopHelper: HelperFn = (nr, fn, ctx, _r4, _r5, call) => {
  for (let i = 0n; i < nr; i++) if (call.callSubprogram(Number(fn), [i, ctx]) !== 0n) return i + 1n;
  return nr;
};
const helpers: HelperTable = new Map([[LOOP, loopHelper]]);
const ENGINES: EngineName[] = ['interp', 'jit'];

type Outcome = RunResult | { kind: string; pc: number; message: string };
function outcome(insns: readonly Instruction[], engine: EngineName, opts: RunOptions = {}): Outcome {
  try {
    return load(insns, { engine }).run({ helpers, ...opts });
  } catch (err) {
    if (!(err instanceof VmFault)) throw err;
    return { kind: err.kind, pc: err.pc, message: err.message };
  }
}
function faultOf(insns: readonly Instruction[], engine: EngineName, opts: RunOptions = {}): VmFault {
  try {
    load(insns, { engine }).run({ helpers, ...opts });
  } catch (err) {
    if (err instanceof VmFault) return err;
    throw err;
  }
  throw new Error('expected a VmFault');
}

// callback(i, ctx): *ctx += i; returns 1 (stop) at i == 3. Caller: r0 = calls made + *ctx = 4 + (0+1+2+3) = 10.
const SUM = asm(`
  stdw [%r10-8], 0
  mov %r1, 5
  mov %r2, 9
  mov %r3, %r10
  add %r3, -8
  call 181
  ldxdw %r1, [%r10-8]
  add %r0, %r1
  exit
cb:
  ldxdw %r3, [%r2]
  add %r3, %r1
  stxdw [%r2], %r3
  mov %r0, 0
  jne %r1, 3, out
  mov %r0, 1
out:
  exit`);
// 9 caller instructions + 3 callbacks of 6 + 1 of 7.
const SUM_INSNS = 9 + 3 * 6 + 7;

describe.each(ENGINES)('callSubprogram on %s', (engine) => {
  it('runs the callback with r1..r5 = args, pointers into the caller stack valid, and counts its instructions', () => {
    expect(outcome(SUM, engine)).toEqual({ r0: 10n, insns: SUM_INSNS });
  });

  it('restores r6..r9, r10 and the caller stack after the callback', () => {
    const p = asm(`
      mov %r6, 6
      mov %r7, 7
      mov %r8, 8
      mov %r9, 9
      stdw [%r10-8], 77
      mov %r1, 2
      mov %r2, 16
      mov %r3, 0
      call 181
      add %r0, %r6
      add %r0, %r7
      add %r0, %r8
      add %r0, %r9
      ldxdw %r1, [%r10-8]
      add %r0, %r1
      exit
    cb:
      mov %r6, 1000
      mov %r7, 1000
      mov %r8, 1000
      mov %r9, 1000
      stdw [%r10-8], 1000
      mov %r0, 0
      exit`);
    expect((outcome(p, engine) as RunResult).r0).toBe(2n + 6n + 7n + 8n + 9n + 77n);
  });

  it('starts the callback with r0 and r6..r9 zero, whatever the caller holds in them', () => {
    const p = asm(`
      mov %r0, 5
      mov %r6, 6
      mov %r7, 7
      mov %r8, 8
      mov %r9, 9
      mov %r1, 2
      mov %r2, 10
      call 181
      exit
    cb:
      or %r0, %r6
      or %r0, %r7
      or %r0, %r8
      or %r0, %r9
      jeq %r0, 0, ok
      mov %r0, 0
      exit
    ok:
      mov %r0, 1
      exit`);
    // The callback returns 1 (stop after one of two calls) only when it saw all five zero.
    expect((outcome(p, engine) as RunResult).r0).toBe(1n);
  });

  it('gives every callback invocation a fresh zeroed stack', () => {
    // A leftover 40 would make the second call return non-zero and stop the loop after 2 calls.
    const p = asm(`
      mov %r1, 3
      mov %r2, 4
      call 181
      exit
    cb:
      ldxdw %r0, [%r10-8]
      stdw [%r10-8], 40
      exit`);
    expect((outcome(p, engine) as RunResult).r0).toBe(3n);
  });

  // Entry frame, then `nested` frames of f, then the callback frame (and one more when the callback calls g).
  const deep = (nested: number, calleeInCallback: boolean): Instruction[] =>
    asm(`
      mov %r6, ${nested - 1}
      call local f
      exit
    f:
      jeq %r6, 0, leaf
      sub %r6, 1
      call local f
      exit
    leaf:
      mov %r1, 1
      mov %r2, 12
      mov %r3, 0
      call 181
      exit
    cb:
      ${calleeInCallback ? 'call local g' : 'mov %r0, 0'}
      exit
    g:
      mov %r0, 0
      exit`);

  it('counts the callback frame toward the 8-frame limit', () => {
    expect((outcome(deep(6, false), engine) as RunResult).r0).toBe(1n); // 1 + 6 + callback = 8 frames
    const f = faultOf(deep(7, false), engine); // 9 frames
    expect(f.kind).toBe('call_depth');
    expect(f.pc).toBe(10); // at the helper call that wanted the callback frame
    expect((outcome(deep(5, true), engine) as RunResult).r0).toBe(1n); // 1 + 5 + callback + g = 8
    const g = faultOf(deep(6, true), engine);
    expect(g.kind).toBe('call_depth');
    expect(g.pc).toBe(12); // the callback's own call
  });

  it('shares the instruction budget with the caller', () => {
    expect(outcome(SUM, engine, { budget: SUM_INSNS })).toEqual({ r0: 10n, insns: SUM_INSNS });
    // One short: the last instruction (the caller's exit at slot 8) faults.
    const last = faultOf(SUM, engine, { budget: SUM_INSNS - 1 });
    expect([last.kind, last.pc]).toEqual(['budget', 8]);
    // 20 allowed: 6 caller instructions, 2 callbacks of 6, then the 21st is the third callback's 3rd (slot 11).
    const inside = faultOf(SUM, engine, { budget: 20 });
    expect([inside.kind, inside.pc]).toEqual(['budget', 11]);
  });

  it('reports a fault inside the callback at the callback instruction', () => {
    const p = asm(`
      mov %r1, 1
      mov %r2, 4
      call 181
      exit
    cb:
      ldxdw %r0, [%r10-520]
      exit`);
    const f = faultOf(p, engine);
    expect(f.kind).toBe('out_of_bounds');
    expect(f.pc).toBe(4);
    expect(f.message).toContain('stack-520');
  });

  it('refuses a target that is not an instruction start (bad_jump at the helper call)', () => {
    const p = asm(`
      mov %r1, 1
      mov %r2, 5
      call 181
      exit
      lddw %r0, 1
      exit`);
    const f = faultOf(p, engine);
    expect([f.kind, f.pc]).toEqual(['bad_jump', 2]);
    const beyond = faultOf(asm('mov %r1, 1\nmov %r2, 99\ncall 181\nexit'), engine);
    expect([beyond.kind, beyond.pc]).toEqual(['bad_jump', 2]);
  });

  it('calls back into the tail-called program, not the one the run started with', () => {
    // A: tail call to B; A's slot 6 would return 1 (stop after one call: r0 = 101).
    const a = asm(`
      lddw %r2, 0x1234
      mov %r3, 0
      call 12
      mov %r0, 99
      exit
      mov %r0, 1
      exit`);
    // B: three calls of a callback returning 0 (r0 = 103).
    const b = asm(`
      mov %r1, 3
      mov %r2, 6
      mov %r3, 0
      call 181
      add %r0, 100
      exit
    cb:
      mov %r0, 0
      exit`);
    const tailCalls = (ptr: bigint, index: number) => (ptr === 0x1234n && index === 0 ? { insns: b } : undefined);
    expect((outcome(a, engine, { tailCalls }) as RunResult).r0).toBe(103n);
  });
});

describe('callSubprogram under the Stepper', () => {
  it('runs a helper call and its callbacks as one step', () => {
    const s = new Stepper(SUM, { helpers });
    for (let i = 0; i < 5; i++) s.step();
    expect([s.pc, s.insns, s.frame]).toEqual([5, 5, 0]);
    const call = s.step();
    expect([call.pc, call.frame, call.changed.r0]).toEqual([5, 0, 4n]);
    expect([s.pc, s.insns, s.frame]).toEqual([6, 6 + 3 * 6 + 7, 0]);
    s.continue();
    expect([s.r0, s.insns]).toEqual([10n, SUM_INSNS]);
  });
});

describe('callSubprogram: interpreter ≡ JIT', () => {
  // The caller calls the helper in a loop (a JIT structured loop); the callback stops at i == stop.
  const program = (outer: number, nr: number, stop: number): Instruction[] =>
    asm(`
      mov %r6, 0
      mov %r7, ${outer}
    loop:
      mov %r1, ${nr}
      mov %r2, 11
      mov %r3, %r7
      call 181
      add %r6, %r0
      sub %r7, 1
      jne %r7, 0, loop
      mov %r0, %r6
      exit
    cb:
      mul %r2, 3
      mov %r0, 0
      jne %r1, ${stop}, out
      mov %r0, %r2
    out:
      exit`);

  it('gives the same result, count and faults (budget included)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 7 }),
        fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
        (outer, nr, stop, budget) => {
          const p = program(outer, nr, stop);
          const opts = budget === undefined ? {} : { budget };
          expect(outcome(p, 'jit', opts)).toEqual(outcome(p, 'interp', opts));
        },
      ),
      { numRuns: 150 },
    );
  });
});
