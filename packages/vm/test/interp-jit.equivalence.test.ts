// Differential property: the JIT and the interpreter are the same machine. Random valid programs (jit-programs.ts)
// run on both engines must give the same r0, the same buffer afterwards (which holds a dump of every register),
// the same executed-instruction count, or the same fault (kind, pc and message).
//
// Runs per property: BPFSIM_PROP_RUNS (default 300; e.g. BPFSIM_PROP_RUNS=5000 for a long soak).
import type { Instruction } from '@bpfsim/isa';
import { loadInterpreter, Memory, VmFault, type HelperTable, type LoadedProgram } from '@bpfsim/vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileJit, generate } from '../src/jit/index.js';
import { aluProgram, MEM_BYTES, mixHelper, program, type GeneratedCase } from './jit-programs.js';

const RUNS = Number(process.env.BPFSIM_PROP_RUNS ?? 300);
const HELPERS: HelperTable = new Map([[1, mixHelper]]);

type Outcome =
  | { ok: true; r0: bigint; insns: number; mem: string }
  | { ok: false; kind: string; pc: number; message: string; mem: string };

function runOn(load: (insns: readonly Instruction[]) => LoadedProgram, c: GeneratedCase): Outcome {
  const memory = new Memory();
  const bytes = new Uint8Array(MEM_BYTES);
  bytes.set(c.input);
  const addr = memory.map({ kind: 'mem', name: 'mem', bytes, writable: true });
  const hex = () => Buffer.from(bytes).toString('hex');
  try {
    const r = load(c.insns).run({ args: [addr, ...c.args.slice(1)], memory, helpers: HELPERS, budget: c.budget });
    return { ok: true, r0: r.r0, insns: r.insns, mem: hex() };
  } catch (err) {
    if (!(err instanceof VmFault)) throw err;
    return { ok: false, kind: err.kind, pc: err.pc, message: err.message, mem: hex() };
  }
}

describe('interpreter ≡ JIT', () => {
  it('random programs: same r0, memory, instruction count, faults', () => {
    fc.assert(
      fc.property(program, (c) => {
        const a = runOn(loadInterpreter, c);
        const b = runOn(compileJit, c);
        expect(b).toEqual(a);
      }),
      { numRuns: RUNS },
    );
  });

  it('dense ALU programs (range facts): same r0 as the interpreter and as the JIT without range facts', () => {
    fc.assert(
      fc.property(aluProgram, ({ insns, args }) => {
        const want = loadInterpreter(insns).run({ args }).r0;
        expect(compileJit(insns).run({ args }).r0).toBe(want);
        expect(compileJit(insns, { noRangeFacts: true }).run({ args }).r0).toBe(want);
      }),
      { numRuns: RUNS },
    );
  });

  it('same with every loop through the dispatch switch and no range facts', () => {
    const dispatchOnly = (insns: readonly Instruction[]) => compileJit(insns, { noStructuredLoops: true, noRangeFacts: true });
    fc.assert(
      fc.property(program, (c) => {
        expect(runOn(dispatchOnly, c)).toEqual(runOn(loadInterpreter, c));
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });

  it('the generator reaches every outcome (completion, memory fault, call depth, budget, unknown helper)', () => {
    const seen = new Set<string>();
    let ok = 0;
    let structured = 0;
    let nested = 0;
    fc.assert(
      fc.property(program, (c) => {
        const a = runOn(loadInterpreter, c);
        seen.add(a.ok ? 'ok' : a.kind);
        if (a.ok) ok++;
        const loops = generate(c.insns).structuredLoops;
        if (loops > 0) structured++;
        if (loops > 1) nested++;
      }),
      { numRuns: 400, seed: 42 },
    );
    for (const k of ['ok', 'out_of_bounds', 'call_depth', 'budget', 'unknown_helper']) expect(seen).toContain(k);
    expect(seen).not.toContain('invalid_insn'); // every generated program is valid
    // Enough programs finish normally, and the JIT's structured-loop path is exercised (also nested loops).
    expect(ok).toBeGreaterThan(80);
    expect(structured).toBeGreaterThan(50);
    expect(nested).toBeGreaterThan(5);
  });
});
