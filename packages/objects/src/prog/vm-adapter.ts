// The one place objects reaches into the VM to turn instructions into something runnable: the VM's
// `load(insns, { engine })` (packages/vm/src/program.ts), on the JIT or the interpreter as the kernel is configured.
import type { Instruction } from '@bpfsim/isa';
import { load } from '@bpfsim/vm';
import type { CompileOptions, LoadedProgram } from '@bpfsim/vm';

export function compileProgram(insns: readonly Instruction[], engine: 'interp' | 'jit', opts: CompileOptions = {}): LoadedProgram {
  return load(insns, { engine, ...opts });
}
