// Calling back into the running program (bpf_loop, bpf_for_each_map_elem): the callback is a subprogram whose
// address the program loaded with a BPF_PSEUDO_FUNC ld_imm64 (resolved by ctx-access.ts to FUNC_TAG | slot).
// It runs as its own VM run in the same address space — so pointers into the caller's stack stay valid — with
// a fresh frame, the same helpers and env, and no tail calls (the kernel forbids them in callbacks).
import type { HelperCall } from '@bpfsim/vm';
import { funcSlot } from '../types/ctx-access.js';
import { callbackProgram } from '../types/runnable.js';
import { RUN_BUDGET } from '../run.js';
import { envOf } from './define.js';

export class CallbackError extends Error {}

/** A callable callback; throws CallbackError when `fnPtr` is not a subprogram address. */
export function callbackFn(call: HelperCall, fnPtr: bigint, helperName: string): (...args: bigint[]) => bigint {
  const slot = funcSlot(fnPtr);
  const env = envOf(call);
  if (slot === undefined || slot >= env.prog.xlatedSlots) {
    throw new CallbackError(`${helperName}: 0x${fnPtr.toString(16)} is not a callback address (load it with ld_imm64 src=BPF_PSEUDO_FUNC)`);
  }
  const prog = callbackProgram(env.kernel, env.prog, slot);
  return (...args) =>
    prog.run({ args, memory: env.kernel.memory, helpers: env.kernel.helpers.table, env: call.env, budget: RUN_BUDGET }).r0;
}
