// compileJit: validate once (decodeProgram, the interpreter's loader), generate JavaScript once per program
// (cached per DecodedProgram, so tail-call targets compile once too), and run it on the interpreter's Machine.
import type { Instruction } from '@bpfsim/isa';
import { decodeProgram, type DecodedProgram } from '../decoded.js';
import type { CompileOptions, InsnFacts, LoadedProgram, RunOptions, RunResult } from '../engine.js';
import { VmFault } from '../fault.js';
import { execute } from '../interpreter.js';
import { Machine } from '../machine.js';
import { generate, STATUS_DONE, STATUS_INTERP, type GenerateOptions } from './codegen.js';
import { runtime, type JitLimits } from './runtime.js';

/** A compiled program: the generated function and the slot count that bounds a check-free stretch. */
export interface CompiledCode {
  readonly run: (m: Machine, j: JitLimits) => number;
  readonly slots: number;
  readonly source: string;
}

/** Without facts, one compilation per decoded program (tail-call targets included). */
const plainCache = new WeakMap<DecodedProgram, CompiledCode>();

/**
 * Generates and instantiates the code for `prog` (cached unless facts or generator options are given). The source
 * contains only numbers from the program.
 */
export function compileDecoded(prog: DecodedProgram, facts?: readonly InsnFacts[], gopts?: GenerateOptions): CompiledCode {
  const cacheable = !facts && !gopts;
  if (cacheable) {
    const hit = plainCache.get(prog);
    if (hit) return hit;
  }
  // No fallback here: an internal error of the generator must surface, or the interpreter ≡ JIT properties could
  // not catch it.
  const gen = generate(prog.insns, { ...gopts, facts });
  let run: CompiledCode['run'];
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the point of a JIT; the source holds numbers only
    const factory = new Function('rt', 'prog', gen.source) as (rt: typeof runtime, prog: DecodedProgram) => CompiledCode['run'];
    run = factory(runtime, prog);
  } catch (err) {
    // V8 refuses a function beyond its parser's limits (deeply nested code) with a RangeError: run on the
    // interpreter instead, which has the same semantics by construction. Anything else (a SyntaxError) is a bug in
    // the generator and must not be hidden behind the interpreter.
    if (!(err instanceof RangeError)) throw err;
    run = () => STATUS_INTERP;
  }
  const code: CompiledCode = { run, slots: gen.slots, source: gen.source };
  if (cacheable) plainCache.set(prog, code);
  return code;
}

/** Compiled code whose prologue and epilogue have run a few times (see prime). */
const primed = new WeakSet<CompiledCode>();
const PRIME_CALLS = 8;

/**
 * V8 allocates a function's feedback vector lazily, once the function has run for a while. A jitted function
 * typically spends its first call in one long loop, so its prologue (the property loads of `m`) runs before the
 * vector exists and records no feedback; the optimized code V8 builds later then deoptimizes at its very first
 * instruction ("insufficient type feedback") on every call, and each run falls back to on-stack replacement into
 * the loop — measured 30–35% slower on branchy, in about one process out of four. A few calls that enter at the
 * END case (which hands straight back with status 2, registers, pc and count unchanged) give the prologue and
 * epilogue their feedback before the first real call.
 */
function prime(m: Machine, code: CompiledCode, j: JitLimits): void {
  primed.add(code);
  const { pc, n } = m;
  for (let k = 0; k < PRIME_CALLS; k++) {
    m.pc = code.slots;
    code.run(m, j);
  }
  m.pc = pc;
  m.n = n;
}

/** Runs the Machine to completion: compiled code, switching programs on tail calls, the interpreter near the budget. */
function drive(m: Machine, entry: CompiledCode): void {
  const j: JitLimits = { lim: 0, slots: 0 };
  let code = entry;
  for (;;) {
    j.slots = code.slots;
    const soft = m.budget - code.slots;
    if (m.n > soft) {
      execute(m);
      return;
    }
    j.lim = Math.min(m.limit, soft);
    if (!primed.has(code)) prime(m, code, j);
    const status = code.run(m, j);
    if (status === STATUS_DONE) {
      m.done = true;
      return;
    }
    if (status === STATUS_INTERP) {
      execute(m);
      return;
    }
    // A tail call or a return into a frame running another program: continue with that program's code.
    code = compileDecoded(m.prog);
  }
}

/** Runs compiled code once with fresh state per RunOptions, exactly like the interpreter's `interpret`. */
export function runCompiled(prog: DecodedProgram, code: CompiledCode, opts: RunOptions = {}): RunResult {
  const m = new Machine(prog, opts);
  try {
    drive(m, code);
    return { r0: m.r0, insns: m.n };
  } catch (err) {
    if (err instanceof VmFault) throw err;
    // Not reachable with checked accesses: a memSafe fact that was wrong makes a typed-array access throw here.
    // Still a VmFault, so nothing else ever leaves a run.
    const why = err instanceof Error ? err.message : String(err);
    throw new VmFault('out_of_bounds', `out of bounds: unchecked access (memSafe fact) failed: ${why}`, { pc: -1, cause: err });
  } finally {
    m.release();
  }
}

/**
 * Compiles a program to JavaScript. Validation (and LoadError) is the interpreter's loader's, so both engines
 * accept and refuse the same programs. `opts.facts[i].memSafe` drops the bounds check of instruction i.
 */
export function compileJit(insns: readonly Instruction[], opts: CompileOptions & GenerateOptions = {}): LoadedProgram {
  const prog = decodeProgram(insns);
  const { facts, ...gopts } = opts;
  const code = compileDecoded(prog, facts, Object.keys(gopts).length > 0 ? gopts : undefined);
  return {
    insns: prog.insns,
    run: (runOpts?: RunOptions) => runCompiled(prog, code, runOpts),
  };
}
