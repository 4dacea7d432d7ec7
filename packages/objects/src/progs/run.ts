// Running a loaded program in the kernel's address space: helpers, tail calls through prog_array maps, run-time
// statistics while BPF_ENABLE_STATS is held, and regions (ctx, packet) that live only for the run.
import type { RegionSpec, RunResult } from '@bpfsim/vm';
import { VmFault } from '@bpfsim/vm';
import type { Kernel } from '../kernel.js';
import type { ProgObject } from '../prog/program.js';
import { compileProgram } from '../prog/vm-adapter.js';
import type { Process } from '../process.js';

/** What helpers receive as `call.env`. */
export interface RunEnv {
  readonly kernel: Kernel;
  readonly prog: ProgObject;
  /** smp_processor_id() of this run. */
  readonly cpu: number;
  /** The process on whose behalf the program runs (test_run caller), if any. */
  readonly proc?: Process;
}

export interface ProgRunOptions {
  /** r1..r5; a function receives the addresses of `regions` once they are mapped. */
  args?: readonly bigint[] | ((addrs: bigint[]) => readonly bigint[]);
  regions?: readonly RegionSpec[];
  cpu?: number;
  proc?: Process;
  budget?: number;
}

/** Instruction budget of one run: the verifier bounds real programs; this catches runaway unverified ones. */
export const RUN_BUDGET = 50_000_000;

/**
 * Runs `prog` once (bpf_prog_run). Regions are mapped for the run and unmapped afterwards. A VM fault — which a
 * verified program cannot cause in the kernel — is passed to the caller as the VmFault.
 */
export function runProgram(kernel: Kernel, prog: ProgObject, opts: ProgRunOptions = {}): RunResult {
  prog.compiled ??= compileProgram(prog.insns, kernel.jit ? 'jit' : 'interp', { facts: prog.facts });
  const mem = kernel.memory;
  const mark = mem.regionCount;
  try {
    const addrs = (opts.regions ?? []).map((r) => mem.map(r));
    const args = typeof opts.args === 'function' ? opts.args(addrs) : opts.args ?? addrs;
    const env: RunEnv = { kernel, prog, cpu: opts.cpu ?? 0, proc: opts.proc };
    const stats = kernel.statsEnabled();
    const t0 = stats ? kernel.nowNs() : 0n;
    const res = prog.compiled.run({
      args,
      memory: mem,
      helpers: kernel.helpers.table,
      tailCalls: (mapPointer, index) => tailCallTarget(kernel, mapPointer, index),
      env,
      budget: opts.budget ?? RUN_BUDGET,
    });
    if (stats) {
      prog.stats.runTimeNs += kernel.nowNs() - t0;
      prog.stats.runCnt += 1n;
    }
    return res;
  } finally {
    mem.truncate(mark);
  }
}

/** bpf_tail_call's lookup: the program in slot `index` of the prog_array r2 points at, if any. */
function tailCallTarget(kernel: Kernel, mapPointer: bigint, index: number): { insns: ProgObject['insns'] } | undefined {
  const at = kernel.memory.resolve(mapPointer);
  const map = at && at.offset === 0 ? kernel.mapsByHandle.get(at.region.bytes) : undefined;
  if (!map) throw new VmFault('helper_error', `bpf_tail_call: r2 = 0x${mapPointer.toString(16)} is not a map pointer`, { pc: -1 });
  const ref = map.impl.tailCallTarget?.(index >>> 0);
  const target = ref?.target as ProgObject | undefined;
  return target ? { insns: target.insns } : undefined;
}
