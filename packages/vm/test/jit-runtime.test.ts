// The JIT's run-time machinery against the interpreter and against hand-computed expectations: the instruction
// budget (exact fault pc and count), the deadline, tail calls (33 limit, fall-through, tail calls from a
// subprogram), helper errors, instructions the JIT hands to the interpreter one at a time (LD_ABS/LD_IND,
// may_goto), verifier facts (memSafe) and the per-program compile cache.
import type { Instruction } from '@bpfsim/isa';
import {
  decodeProgram, loadInterpreter, Memory, VmFault, type HelperTable, type LoadedProgram, type RunOptions,
  type TailCallResolver,
} from '@bpfsim/vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STATUS_DONE } from '../src/jit/codegen.js';
import { compileDecoded, compileJit, generate } from '../src/jit/index.js';
import { Machine } from '../src/machine.js';
import { aluProgram } from './jit-programs.js';

const ins = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ opcode, dst, src, off, imm });
const EXIT = ins(0x95);

type Outcome = { r0: bigint; insns: number } | { kind: string; pc: number; message: string };
function outcome(p: LoadedProgram, opts?: RunOptions): Outcome {
  try {
    const r = p.run(opts);
    return { r0: r.r0, insns: r.insns };
  } catch (err) {
    if (!(err instanceof VmFault)) throw err;
    return { kind: err.kind, pc: err.pc, message: err.message };
  }
}
/** Runs on both engines (fresh options each, from `opts()`), expects the same outcome and returns it. */
function both(insns: Instruction[], opts: () => RunOptions = () => ({}), jitOpts = {}): Outcome {
  const a = outcome(loadInterpreter(insns), opts());
  const b = outcome(compileJit(insns, jitOpts), opts());
  expect(b).toEqual(a);
  return b;
}

// r0 = 0; loop: r0 += 1; if r0 < 1000 goto loop; exit   — 1 + 2 * 1000 + 1 = 2002 instructions
const COUNT_LOOP = [ins(0xb7, 0), ins(0x07, 0, 0, 0, 1), ins(0xa5, 0, 0, -2, 1000), EXIT];

/** Runs compiled code alone (no interpreter behind it) and returns its status, r0 and instruction count. */
function compiledAlone(insns: readonly Instruction[], args: bigint[] = []): { status: number; r0: bigint; insns: number } {
  const prog = decodeProgram(insns);
  const code = compileDecoded(prog);
  const m = new Machine(prog, { args, budget: Infinity });
  try {
    const status = code.run(m, { lim: Number.MAX_SAFE_INTEGER, slots: code.slots });
    return { status, r0: m.r0, insns: m.n };
  } finally {
    m.release();
  }
}

// Every other test here would still pass if the compiled code handed each program to the interpreter at its
// first instruction: these check that the generated function runs the program to its exit itself.
describe('compiled code runs programs itself', () => {
  it('a structured loop and a stack round trip finish in compiled code', () => {
    expect(compiledAlone(COUNT_LOOP)).toEqual({ status: STATUS_DONE, r0: 1000n, insns: 2002 });
    expect(compiledAlone([ins(0x7a, 10, 0, -8, 42), ins(0x79, 0, 10, -8), EXIT])).toEqual({ status: STATUS_DONE, r0: 42n, insns: 3 });
  });

  it('random dense ALU and jump programs finish in compiled code with the same r0 as the interpreter', () => {
    fc.assert(
      fc.property(aluProgram, ({ insns, args }) => {
        const want = loadInterpreter(insns).run({ args });
        expect(compiledAlone(insns, args)).toEqual({ status: STATUS_DONE, r0: want.r0, insns: want.insns });
      }),
      { numRuns: 50 },
    );
  });
});

describe('instruction budget', () => {
  it('a run that needs exactly the budget completes; one less faults at the exact pc', () => {
    expect(both(COUNT_LOOP, () => ({ budget: 2002 }))).toEqual({ r0: 1000n, insns: 2002 });
    expect(both(COUNT_LOOP, () => ({ budget: 2001 }))).toMatchObject({ kind: 'budget', pc: 3 });
  });

  it('every budget from 0 to 2010 gives the interpreter\'s outcome (the JIT hands over near the end)', () => {
    for (let budget = 0; budget <= 2010; budget += budget < 40 || budget > 1960 ? 1 : 37) {
      both(COUNT_LOOP, () => ({ budget }));
    }
  });

  it('an endless loop stops with a budget fault, with lddw counted as two slots', () => {
    const endless = [{ opcode: 0x18, dst: 1, src: 0, off: 0, imm: 5, imm2: 0 }, ins(0x05, 0, 0, -1)];
    const r = both(endless, () => ({ budget: 100_001 }));
    expect(r).toMatchObject({ kind: 'budget', pc: 2 });
  });

  it('a deadline stops an endless loop with a timeout fault', () => {
    const p = compileJit([ins(0x05, 0, 0, -1)]);
    const r = outcome(p, { deadlineMs: 20, budget: 1e15 });
    expect(r).toMatchObject({ kind: 'timeout' });
  });
});

describe('tail calls', () => {
  // Program: *(u64 *)(r1 + 0) += 1; r2 = 7 (map); r3 = 0 (index); call bpf_tail_call; r0 = 99; exit
  const counting: Instruction[] = [
    ins(0x79, 2, 1, 0), ins(0x07, 2, 0, 0, 1), ins(0x7b, 1, 2, 0), // count in the ctx buffer
    ins(0xb7, 2, 0, 0, 7), ins(0xb7, 3, 0, 0, 0), ins(0x85, 0, 0, 0, 12), ins(0xb7, 0, 0, 0, 99), EXIT,
  ];
  const withBuffer = (resolver: TailCallResolver) => {
    const buf = new Uint8Array(8);
    const memory = new Memory();
    const addr = memory.map({ kind: 'ctx', name: 'ctx', bytes: buf, writable: true });
    return { buf, opts: { memory, args: [addr], tailCalls: resolver } satisfies RunOptions };
  };

  it('a program tail-calling itself runs 1 + 33 times, then falls through (MAX_TAIL_CALL_CNT)', () => {
    for (const load of [loadInterpreter, compileJit]) {
      const p = load(counting);
      const { buf, opts } = withBuffer(() => ({ insns: counting }));
      const r = p.run(opts);
      expect(r.r0).toBe(99n);
      expect(new DataView(buf.buffer).getBigUint64(0, true)).toBe(34n);
    }
    const { opts } = withBuffer(() => ({ insns: counting }));
    both(counting, () => ({ ...opts, memory: undefined, args: undefined, tailCalls: undefined }));
  });

  it('an index past the array (undefined) or an empty slot (null) falls through', () => {
    for (const load of [loadInterpreter, compileJit]) {
      for (const missing of [undefined, null]) {
        const { buf, opts } = withBuffer(() => missing as unknown as undefined);
        expect(load(counting).run(opts).r0).toBe(99n);
        expect(buf[0]).toBe(1);
      }
    }
  });

  it('only taken tail calls count toward the 33: empty slots and indexes past the array do not', () => {
    // *(u64 *)(r1) += 1; r6 = 0; loop: r2 = 7; r3 = r6; tail call; r6 += 1; if r6 < 40 goto loop; r0 = 99; exit
    // Index 0 is an empty slot (null), 1 this program again: every run fails once, then tail-calls. Failed
    // attempts do not count (Linux 6.18, see calls.ts), so all 33 tail calls are taken: 34 runs.
    const looping: Instruction[] = [
      ins(0x79, 2, 1, 0), ins(0x07, 2, 0, 0, 1), ins(0x7b, 1, 2, 0), ins(0xb7, 6, 0, 0, 0),
      ins(0xb7, 2, 0, 0, 7), ins(0xbf, 3, 6), ins(0x85, 0, 0, 0, 12), ins(0x07, 6, 0, 0, 1),
      ins(0xa5, 6, 0, -5, 40), ins(0xb7, 0, 0, 0, 99), EXIT,
    ];
    const slots = [null, { insns: looping }];
    for (const load of [loadInterpreter, compileJit]) {
      const { buf, opts } = withBuffer((_map, index) => slots[index] as unknown as undefined);
      expect(load(looping).run(opts).r0).toBe(99n);
      expect(buf[0]).toBe(34);
    }
    // Past the array only: never counted, never taken.
    for (const load of [loadInterpreter, compileJit]) {
      const { buf, opts } = withBuffer(() => undefined);
      expect(load(looping).run(opts).r0).toBe(99n);
      expect(buf[0]).toBe(1);
    }
  });

  it('a tail call from a subprogram replaces that frame; its exit returns to the caller', () => {
    // main: r6 = 5; call sub; r0 += r6; exit.  sub: r2 = 1; r3 = 0; tail call -> target; r0 = 1000; exit
    // target: r0 = 40; exit   => main's r0 = 40 + 5
    const main = [ins(0xb7, 6, 0, 0, 5), ins(0x85, 0, 1, 0, 2), ins(0x0f, 0, 6), EXIT,
      ins(0xb7, 2, 0, 0, 1), ins(0xb7, 3, 0, 0, 0), ins(0x85, 0, 0, 0, 12), ins(0xb7, 0, 0, 0, 1000), EXIT];
    const target = [ins(0xb7, 6, 0, 0, 1), ins(0xb7, 0, 0, 0, 40), EXIT];
    const r = both(main, () => ({ tailCalls: () => ({ insns: target }) }));
    expect(r).toEqual({ r0: 45n, insns: 2 + 3 + 3 + 2 }); // main 2, sub 3, target 3, main 2
  });
});

describe('helpers', () => {
  it('a helper that throws becomes the same helper_error fault on both engines', () => {
    const helpers: HelperTable = new Map([[1, () => { throw new Error('boom'); }]]);
    const r = both([ins(0x85, 0, 0, 0, 1), EXIT], () => ({ helpers }));
    expect(r).toMatchObject({ kind: 'helper_error', pc: 0 });
  });

  it('helpers see r1..r5 and leave them unchanged; r0 is the result modulo 2^64', () => {
    const helpers: HelperTable = new Map([[3, (a, b, c, d, e) => a + b + c + d + e - 16n]]);
    const prog = [ins(0xb7, 1, 0, 0, 1), ins(0xb7, 2, 0, 0, 2), ins(0xb7, 3, 0, 0, 3), ins(0xb7, 4, 0, 0, 4),
      ins(0xb7, 5, 0, 0, 5), ins(0x85, 0, 0, 0, 3), ins(0x0f, 0, 5), EXIT];
    expect(both(prog, () => ({ helpers }))).toEqual({ r0: 4n, insns: 8 }); // (15 - 16) mod 2^64 + 5
  });
});

describe('instructions the JIT leaves to the interpreter, one at a time', () => {
  const packet = Uint8Array.from([0x45, 0x00, 0x00, 0x54, 0xde, 0xad, 0xbe, 0xef]);
  const withPacket = (): RunOptions => {
    const memory = new Memory();
    const addr = memory.map({ kind: 'ctx', name: 'ctx', bytes: new Uint8Array(packet), writable: false });
    return { memory, args: [addr] };
  };
  // r6 = r1; r0 = ld_abs_w [4]; r7 = r0; r8 = 2; r0 = ld_ind_h [r8 + 1]; r0 += r7; exit
  const ld = [ins(0xbf, 6, 1), ins(0x20, 0, 0, 0, 4), ins(0xbf, 7, 0), ins(0xb7, 8, 0, 0, 2), ins(0x48, 0, 8, 0, 1),
    ins(0x0f, 0, 7), EXIT];

  it('LD_ABS / LD_IND read big-endian from the packet', () => {
    // word at 4 = 0xdeadbeef; half at 2 + 1 = bytes 0x54 0xde
    expect(both(ld, withPacket)).toEqual({ r0: 0xdeadbeefn + 0x54den, insns: 7 });
  });

  it('LD_ABS past the packet ends the program with r0 = 0', () => {
    const past = [ins(0xbf, 6, 1), ins(0xb7, 0, 0, 0, 7), ins(0x20, 0, 0, 0, 6), ins(0xb7, 0, 0, 0, 9), EXIT];
    expect(both(past, withPacket)).toEqual({ r0: 0n, insns: 3 });
  });

  it('store-release / load-acquire (64- and 8-bit) in a loop', () => {
    // r1 = 0x1122334455667788 ll; r2 = 3; loop: store_release [r10 - 8] = r1; r3 = load_acquire8 [r10 - 8];
    // r0 += r3; r1 += 1; r2 -= 1; if r2 != 0 goto loop; r4 = load_acquire64 [r10 - 8]; r0 += r4; exit
    const prog: Instruction[] = [
      { opcode: 0x18, dst: 1, src: 0, off: 0, imm: 0x55667788, imm2: 0x11223344 }, ins(0xb7, 2, 0, 0, 3),
      ins(0xdb, 10, 1, -8, 0x110), ins(0xd3, 3, 10, -8, 0x100), ins(0x0f, 0, 3), ins(0x07, 1, 0, 0, 1),
      ins(0x17, 2, 0, 0, 1), ins(0x55, 2, 0, -6, 0), ins(0xdb, 4, 10, -8, 0x100), ins(0x0f, 0, 4), EXIT,
    ];
    expect(both(prog)).toEqual({ r0: 0x88n + 0x89n + 0x8an + 0x112233445566778an, insns: 3 + 3 * 6 + 3 }); // lddw (2 slots) + mov, 3 × 6, 3
  });

  it('may_goto inside a loop', () => {
    // r0 = 0; loop: may_goto +2; r0 += 1; goto loop; exit  (may_goto jumps once its allowance is spent)
    const prog = [ins(0xb7, 0), ins(0xe5, 0, 0, 2), ins(0x07, 0, 0, 0, 1), ins(0x05, 0, 0, -3), EXIT];
    const r = both(prog, () => ({ budget: 5000 }));
    expect(r).toMatchObject({ kind: 'budget' });
  });
});

describe('verifier facts and caching', () => {
  // r0 = *(u64 *)(r10 - 8) after storing 42 there
  const stack = [ins(0x7a, 10, 0, -8, 42), ins(0x79, 0, 10, -8), EXIT];

  it('memSafe drops the check and keeps the result', () => {
    const p = compileJit(stack, { facts: [{ memSafe: true }, { memSafe: true }, {}] });
    expect(p.run()).toEqual({ r0: 42n, insns: 3 });
  });

  it('a wrong memSafe fact still cannot escape the typed arrays: the run ends in a VmFault or a harmless value', () => {
    // *(u64 *)(r10 + 8) is past the 512-byte stack; r1 (= 0) is no pointer at all.
    const bad = [ins(0x79, 0, 10, 8), EXIT];
    const p = compileJit(bad, { facts: [{ memSafe: true }, {}] });
    expect(() => p.run()).toThrow(VmFault);
    const nullRead = compileJit([ins(0x71, 0, 1, 0), EXIT], { facts: [{ memSafe: true }, {}] });
    expect(() => nullRead.run()).toThrow(VmFault);
    // Without the fact, the same accesses fault as the interpreter says.
    expect(both(bad)).toMatchObject({ kind: 'out_of_bounds', pc: 0 });
  });

  it('compiles each decoded program once', () => {
    const d = decodeProgram(stack);
    expect(compileDecoded(d)).toBe(compileDecoded(d));
    // facts make a separate, uncached compilation
    expect(compileDecoded(d, [{ memSafe: true }])).not.toBe(compileDecoded(d));
  });
});

describe('large and deeply structured programs', () => {
  it('40,000 instructions with a loop of 300 forward branches and 16 nested loops: same as the interpreter', () => {
    const insns: Instruction[] = [ins(0xb7, 0), ins(0xb7, 1, 0, 0, 3)];
    // A loop whose body has 300 forward branches (more labeled blocks than a structured loop may nest).
    const body: Instruction[] = [];
    for (let i = 0; i < 300; i++) body.push(ins(0x45, 0, 0, 1, 1 << (i % 31)), ins(0x07, 0, 0, 0, i)); // if r0 & bit skip
    insns.push(...body, ins(0x17, 1, 0, 0, 1), ins(0x55, 1, 0, -(body.length + 2), 0));
    // 16 loops nested in each other, each running twice, with one counter per level on the stack at r10 - 8 (k + 1).
    const depth = 16;
    const nest: Instruction[] = [];
    const build = (k: number): Instruction[] => {
      if (k === depth) return [ins(0x07, 0, 0, 0, 1)];
      const inner = build(k + 1);
      const loop = [
        ins(0x7a, 10, 0, -8 * (k + 1), 2), // counter = 2
        ...inner, // head is the first instruction of `inner`
        ins(0x79, 3, 10, -8 * (k + 1)), ins(0x17, 3, 0, 0, 1), ins(0x7b, 10, 3, -8 * (k + 1)),
      ];
      const back = -(inner.length + 3 + 1);
      return [...loop, ins(0x55, 3, 0, back, 0)];
    };
    nest.push(...build(0));
    insns.push(...nest);
    for (let i = insns.length; i < 40_000; i++) insns.push(ins(0xa7, 0, 0, 0, i)); // straight-line tail
    insns.push(EXIT);
    const r = both(insns, () => ({ budget: 10_000_000 }));
    expect(r).toMatchObject({ insns: expect.any(Number) });
    // The generator kept the deep nest within its bounds: some loops structured, not all 17.
    const loops = generate(insns).structuredLoops;
    expect(loops).toBeGreaterThan(0);
    expect(loops).toBeLessThan(17);
  });
});
