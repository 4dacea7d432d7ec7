// Calling back into the running program (bpf_loop, bpf_for_each_map_elem): the callback is a subprogram whose
// address the program loaded with a BPF_PSEUDO_FUNC ld_imm64 (resolved by ctx-access.ts to FUNC_TAG | slot).
// The VM runs it in place (HelperCall.callSubprogram): a new frame of the running program — the tail-called one
// after a tail call — one deeper than the caller, counting toward the 8-frame limit, sharing the run's budget.
import type { HelperCall } from '@bpfsim/vm';
import { funcSlot } from '../types/ctx-access.js';

export class CallbackError extends Error {}

/**
 * A callable callback; throws CallbackError when `fnPtr` is not a subprogram address. A slot outside the running
 * program is the VM's fault ('bad_jump', at the helper call).
 */
export function callbackFn(call: HelperCall, fnPtr: bigint, helperName: string): (...args: bigint[]) => bigint {
  const slot = funcSlot(fnPtr);
  if (slot === undefined) {
    throw new CallbackError(`${helperName}: 0x${fnPtr.toString(16)} is not a callback address (load it with ld_imm64 src=BPF_PSEUDO_FUNC)`);
  }
  return (...args) => call.callSubprogram(slot, args);
}
