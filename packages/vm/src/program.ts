// load(): validate a program once and hand back something runnable on the chosen engine.
import type { Instruction } from '@bpfsim/isa';
import type { CompileOptions, LoadedProgram } from './engine.js';
import { LoadError } from './fault.js';
import { loadInterpreter } from './interpreter.js';
import { compileJit } from './jit/index.js';
import type { EngineName } from './types.js';

export interface LoadOptions extends CompileOptions {
  /** Default 'interp'. */
  engine?: EngineName;
}

type EngineLoader = (insns: readonly Instruction[], opts?: CompileOptions) => LoadedProgram;

const engines: Partial<Record<EngineName, EngineLoader>> = { interp: loadInterpreter, jit: compileJit };

/** Replaces or adds an engine behind load() (e.g. an instrumented one in tests). */
export function registerEngine(name: EngineName, loader: EngineLoader): void {
  engines[name] = loader;
}

/** The engines load() can use right now. */
export function availableEngines(): EngineName[] {
  return (Object.keys(engines) as EngineName[]).sort();
}

/**
 * Validates and prepares `insns` for running. The Instruction objects are copied, so later changes to the caller's
 * array do not affect the loaded program. Throws LoadError (a VmFault) for programs no engine can run: unknown
 * opcodes or reserved fields (as @bpfsim/isa's validator defines them), registers above r10, writes to r10, jumps
 * outside the program or into the second slot of an lddw, kfunc calls, arena casts.
 */
export function load(insns: readonly Instruction[], opts: LoadOptions = {}): LoadedProgram {
  const engine = opts.engine ?? 'interp';
  const loader = engines[engine];
  if (!loader) {
    throw new LoadError('invalid_insn', `engine '${engine}' is not available (have: ${availableEngines().join(', ')})`, { pc: -1 });
  }
  const copy = Object.freeze(insns.map((insn) => Object.freeze({ ...insn })));
  return loader(copy, { facts: opts.facts });
}
