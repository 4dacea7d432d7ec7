// The one place objects reaches into the VM to turn instructions into something runnable. It uses the VM's
// `load(insns, { engine })` (packages/vm/src/program.ts) and falls back to the interpreter entry while the VM's
// dispatcher is not exported yet, so objects keeps working whichever lands first.
import type { Instruction } from '@bpfsim/isa';
import * as vm from '@bpfsim/vm';
import type { CompileOptions, LoadedProgram } from '@bpfsim/vm';
import { BpfError } from '../errno.js';

type LoadFn = (insns: readonly Instruction[], opts: CompileOptions & { engine: 'interp' | 'jit' }) => LoadedProgram;

const api = vm as unknown as {
  load?: LoadFn;
  loadInterpreter?: (insns: readonly Instruction[], opts?: CompileOptions) => LoadedProgram;
};

export function compileProgram(insns: readonly Instruction[], engine: 'interp' | 'jit', opts: CompileOptions = {}): LoadedProgram {
  if (api.load) return api.load(insns, { engine, ...opts });
  if (api.loadInterpreter) return api.loadInterpreter(insns, opts);
  throw new BpfError('ENOTSUPP', 'the VM package exports no load(): programs cannot run yet');
}
