// BPF_PROG_TEST_RUN's request/result shapes, and the test_run core provides itself: syscall programs
// (bpf_prog_test_run_syscall). skb, xdp and tracing types live in types/. The syscall layer (syscall/prog.ts) copies
// results back into the attr.
import { VmFault } from '@bpfsim/vm';
import { BpfError } from '../errno.js';
import type { Kernel } from '../kernel.js';
import type { ProgObject } from '../prog/program.js';
import type { Process } from '../process.js';
import { runProgram } from './run.js';

export interface TestRunRequest {
  readonly kernel: Kernel;
  readonly proc: Process;
  readonly prog: ProgObject;
  readonly dataIn: Uint8Array | undefined;
  readonly ctxIn: Uint8Array | undefined;
  /** attr.repeat as given (0 means once for types that repeat). */
  readonly repeat: number;
  readonly flags: number;
  readonly cpu: number;
  readonly batchSize: number;
  /** Whether the caller asked for ctx_out / data_out (sizes are checked by the syscall layer). */
  readonly wantsCtxOut: boolean;
  readonly duration: number;
}

export interface TestRunResult {
  retval: number;
  /** Average ns per run (0 for types that do not measure, like syscall). */
  duration: number;
  dataOut?: Uint8Array;
  ctxOut?: Uint8Array;
  /** syscall programs write the ctx back into ctx_in (bpf_prog_test_run_syscall copies it to ctx_in). */
  ctxInWriteBack?: Uint8Array;
}

/** Turns a VM fault (impossible for a verified program in the kernel) into an error the caller can see. */
function runOrFault<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VmFault) throw new BpfError('EFAULT', `program faulted: ${e.message}`);
    throw e;
  }
}

/**
 * bpf_prog_test_run_syscall: no data, no repeat, no ctx_out; the ctx (ctx_in, at most U16_MAX bytes, may be
 * absent → r1 = NULL) is writable by the program and copied back into ctx_in.
 */
export function syscallTestRun(req: TestRunRequest): TestRunResult {
  if (req.dataIn || req.wantsCtxOut || req.duration || req.repeat || req.flags) {
    throw new BpfError('EINVAL', 'BPF_PROG_TEST_RUN: syscall programs take only ctx_in (no data, repeat, ctx_out, duration or flags)');
  }
  if (req.ctxIn && req.ctxIn.length > 0xffff) throw new BpfError('EINVAL', `BPF_PROG_TEST_RUN: ctx_size_in ${req.ctxIn.length} > U16_MAX`);
  // bpf_prog_test_run_syscall: ctx_size_in must cover every context access the verifier saw (max_ctx_offset).
  const need = req.prog.maxCtxOffset ?? 0;
  if ((req.ctxIn?.length ?? 0) < need) {
    throw new BpfError('EINVAL', `BPF_PROG_TEST_RUN: ctx_size_in ${req.ctxIn?.length ?? 0} is shorter than the program's context accesses (max_ctx_offset ${need})`);
  }
  const ctx = req.ctxIn?.slice();
  const r = runOrFault(() =>
    runProgram(req.kernel, req.prog, {
      proc: req.proc,
      regions: ctx && ctx.length ? [{ kind: 'ctx', name: 'ctx', bytes: ctx, writable: true }] : [],
      args: (addrs) => [addrs[0] ?? 0n],
    }),
  );
  return { retval: Number(r.r0 & 0xffffffffn), duration: 0, ctxInWriteBack: ctx };
}
