// What every BPF_PROG_TEST_RUN op shares (net/bpf/test_run.c): the ctx_in copy (bpf_ctx_init), the repeat loop
// with its time measurement (bpf_test_run), and turning a VM fault into an error the caller sees.
import { VmFault } from '@bpfsim/vm';
import { BpfError } from '../../errno.js';
import type { TestRunRequest } from '../test-run.js';

export const ETH_HLEN = 14;
/** PAGE_SIZE: bpf_check_uarg_tail_zero refuses larger user structs with E2BIG. */
const PAGE_SIZE = 4096;

/**
 * bpf_ctx_init: undefined when neither ctx_in nor ctx_out was given; otherwise a zeroed struct of `maxSize` bytes
 * holding ctx_in. Bytes of ctx_in past `maxSize` must be zero (bpf_check_uarg_tail_zero → E2BIG).
 */
export function ctxInit(req: TestRunRequest, maxSize: number): Uint8Array | undefined {
  if (!req.ctxIn && !req.wantsCtxOut) return undefined;
  const ctx = new Uint8Array(maxSize);
  if (req.ctxIn) {
    const given = req.ctxIn;
    if (given.length > maxSize && (given.length > PAGE_SIZE || given.subarray(maxSize).some((b) => b !== 0))) {
      throw new BpfError('E2BIG', `BPF_PROG_TEST_RUN: ctx_in has ${given.length} bytes, non-zero past the ${maxSize}-byte struct`);
    }
    ctx.set(given.subarray(0, maxSize));
  }
  return ctx;
}

/**
 * bpf_test_run: runs `once` repeat times (0 counts as 1); retval is the last run's, duration the average ns per run
 * on the kernel clock (truncating division, capped at U32_MAX). A VM fault — which the verifier rules out for a
 * real program — becomes EFAULT naming the fault.
 */
export function measureRuns(req: TestRunRequest, once: () => number): { retval: number; duration: number } {
  const repeat = Math.max(1, req.repeat);
  let retval = 0;
  const t0 = req.kernel.nowNs();
  try {
    for (let i = 0; i < repeat; i++) retval = once();
  } catch (e) {
    if (e instanceof VmFault) throw new BpfError('EFAULT', `BPF_PROG_TEST_RUN: program faulted: ${e.message}`);
    throw e;
  }
  const per = (req.kernel.nowNs() - t0) / BigInt(repeat);
  return { retval: retval >>> 0, duration: Number(per > 0xffffffffn ? 0xffffffffn : per) };
}

/** Runs a single program invocation, mapping a VM fault to EFAULT. */
export function faultToErrno<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VmFault) throw new BpfError('EFAULT', `BPF_PROG_TEST_RUN: program faulted: ${e.message}`);
    throw e;
  }
}
