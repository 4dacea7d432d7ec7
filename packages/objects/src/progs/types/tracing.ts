// Tracing program types' BPF_PROG_TEST_RUN (net/bpf/test_run.c): raw_tracepoint (bpf_prog_test_run_raw_tp: ctx_in is
// the u64 argument array) and tracing (bpf_prog_test_run_tracing: fentry/fexit programs are exercised by calling
// the kernel's bpf_fentry_test* functions). kprobe, tracepoint and perf_event programs have no test_run.
import { BpfError } from '../../errno.js';
import type { TestRunRequest, TestRunResult } from '../test-run.js';
import { runProgram } from '../run.js';
import { convertedProgram } from './runnable.js';
import { faultToErrno } from './test-run-common.js';

/** MAX_BPF_FUNC_ARGS × sizeof(u64): the largest raw tracepoint argument array. */
export const MAX_RAW_TP_CTX = 12 * 8;
const BPF_F_TEST_RUN_ON_CPU = 1 << 0;
const BPF_TRACE_FENTRY = 24;
const BPF_TRACE_FEXIT = 25;

/** bpf_prog_test_run_raw_tp: only ctx_in (and cpu with BPF_F_TEST_RUN_ON_CPU); retval is the program's r0. */
export function rawTpTestRun(req: TestRunRequest): TestRunResult {
  const cmd = 'BPF_PROG_TEST_RUN';
  if (req.dataIn || req.wantsCtxOut || req.duration || req.repeat || req.batchSize) {
    throw new BpfError('EINVAL', `${cmd}: raw_tracepoint programs take only ctx_in (no data_in/out, ctx_out, duration, repeat, batch_size)`);
  }
  const size = req.ctxIn?.length ?? 0;
  const need = convertedProgram(req.prog).maxCtxOffset;
  if (size < need || size > MAX_RAW_TP_CTX) {
    throw new BpfError('EINVAL', `${cmd}: ctx_size_in ${size} must cover the ${need} bytes the program reads and be at most ${MAX_RAW_TP_CTX}`);
  }
  const onCpu = (req.flags & BPF_F_TEST_RUN_ON_CPU) !== 0;
  if (!onCpu && req.cpu !== 0) throw new BpfError('EINVAL', `${cmd}: cpu ${req.cpu} given without BPF_F_TEST_RUN_ON_CPU`);
  if (onCpu && req.cpu >= req.kernel.ncpus) throw new BpfError('ENXIO', `${cmd}: cpu ${req.cpu} is not online (${req.kernel.ncpus} cpus)`);
  const ctx = req.ctxIn?.slice();
  const r = faultToErrno(() =>
    runProgram(req.kernel, req.prog, {
      proc: req.proc,
      cpu: onCpu ? req.cpu : 0,
      regions: ctx && ctx.length ? [{ kind: 'ctx', name: 'ctx', bytes: ctx, writable: false }] : [],
      args: (addrs) => [addrs[0] ?? 0n],
    }),
  );
  return { retval: Number(r.r0 & 0xffffffffn), duration: req.duration };
}

/**
 * bpf_prog_test_run_tracing: the kernel calls bpf_fentry_test1..N and checks their results; the program runs only
 * if it is attached to them (the simulator has no kernel functions to attach to), so retval is 0 — "every test
 * function returned what it should, no side effect". Other attach types are ENOTSUPP.
 */
export function tracingTestRun(req: TestRunRequest): TestRunResult {
  const cmd = 'BPF_PROG_TEST_RUN';
  if (req.flags || req.cpu || req.batchSize) throw new BpfError('EINVAL', `${cmd}: flags, cpu and batch_size must be 0 for tracing programs`);
  const eat = req.prog.expectedAttachType;
  if (eat !== BPF_TRACE_FENTRY && eat !== BPF_TRACE_FEXIT) {
    throw new BpfError('ENOTSUPP', `${cmd}: tracing programs of attach type ${eat} cannot be test-run here (fentry/fexit only)`);
  }
  return { retval: 0, duration: req.duration };
}
