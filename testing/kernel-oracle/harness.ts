// Differential-test harness: one script, run on the real kernel (oracle.c) and on bpfsim, compared after
// normalization. The simulator's Kernel class is handed in by the test file, so this file imports no bpfsim package. Each step carries what the kernel is expected to answer (the facts in
// testing/kernel-oracle/FACTS.md), so a kernel run checks the recorded facts and a bpfsim run is checked against
// the kernel's actual answers.
import { describe, expect, it, beforeAll } from 'vitest';
import {
  kernelAvailable,
  kernelPossibleCpus,
  kernelRun,
  type OracleResult,
  type ScriptCommand,
  type ScriptRun,
} from './oracle';
import { runOnSim, type SimProcess } from './sim';
import { describeDifferences, normalize, type NormalizeOptions } from './compare';

export const availability = kernelAvailable();
let warned = false;
/** Print why the kernel differential tests are skipped, once per test process. */
export function warnIfSkipped(): void {
  if (!availability.ok && !warned) {
    warned = true;
    console.warn(`kernel differential tests skipped: ${availability.why}`);
  }
}

/**
 * What one step expects of the kernel: 'ok' (ret ≥ 0), an errno name, fields the result must contain, or a check
 * that also sees every result of the run (for facts that relate steps, like "a missing key restarts the walk").
 */
export type Expect =
  | 'ok'
  | string
  | Record<string, unknown>
  | ((result: OracleResult, all: readonly OracleResult[]) => void);
export interface Step {
  run: ScriptCommand;
  expect?: Expect;
}
export const step = (run: ScriptCommand, expect?: Expect): Step => ({ run, expect });

/** The oracle runs as real root, which holds every capability; these are the ones bpfsim models. */
export const ROOT_CAPS = [
  'CAP_SYS_ADMIN', 'CAP_BPF', 'CAP_NET_ADMIN', 'CAP_PERFMON',
  'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_CHOWN',
];

export interface Creds {
  uid: number;
  gid: number;
  caps: string[];
}
/** The simulated kernel as the harness uses it (@bpfsim/objects' Kernel satisfies it structurally). */
export interface SimKernelLike {
  spawn(creds: Creds): SimProcess;
}
export type SimKernelCtor = new (options?: { ncpus?: number }) => SimKernelLike;

export interface DiffOptions {
  /** bpfsim's Kernel class (or an adapter to it), handed in by the test file. */
  Kernel: SimKernelCtor;
  normalize?: NormalizeOptions;
  /** Why bpfsim cannot run this script yet; the comparison is then registered as skipped with this reason. */
  simMissing?: string;
  /** Set up a simulated kernel (e.g. install bpffs) before spawning the first process. */
  setupSim?: (kernel: SimKernelLike) => void;
  /** How `drop_privs` continues on the simulator (default: spawn a process with those credentials). */
  dropPrivs?: (kernel: SimKernelLike, creds: Creds) => SimProcess;
  /** Adapt a spawned process before the script uses it (e.g. give it `fs` from a bpffs instance). */
  adaptProcess?: (proc: SimProcess, kernel: SimKernelLike) => SimProcess;
}

function checkExpectation(r: OracleResult, e: Expect, where: string, all: readonly OracleResult[]): void {
  if (typeof e === 'function') {
    e(r, all);
  } else if (e === 'ok') {
    expect(r.errno, where).toBeUndefined();
    expect(r.ret, where).toBeGreaterThanOrEqual(0);
  } else if (typeof e === 'string') {
    expect(r.errno, where).toBe(e);
  } else {
    expect(r, where).toMatchObject(e);
  }
}

/**
 * Registers a describe block with two tests: the kernel's answers match the recorded facts, and bpfsim's
 * answers equal the kernel's (after normalization). Skips cleanly where the kernel is unavailable.
 */
export function kernelDiff(name: string, steps: readonly Step[], options: DiffOptions): void {
  warnIfSkipped();
  const script = steps.map((s) => s.run);
  describe.skipIf(!availability.ok)(`kernel diff: ${name}`, () => {
    let kernel: ReturnType<typeof kernelRun>;
    beforeAll(() => {
      kernel = kernelRun(script);
    });

    it('the kernel answers as FACTS.md records', () => {
      steps.forEach((s, i) => {
        if (s.expect !== undefined) checkExpectation(kernel.results[i], s.expect, `#${i} ${JSON.stringify(s.run)}`, kernel.results);
      });
    });

    // BPFSIM_DIFF_ALL=1 runs the comparisons marked simMissing too, to see which gaps have closed.
    const missing = process.env.BPFSIM_DIFF_ALL === '1' ? undefined : options.simMissing;
    const simIt = missing ? it.skip : it;
    simIt(`bpfsim answers like the kernel${missing ? ` (skipped: ${missing})` : ''}`, () => {
      const diff = differences(script, kernel, options);
      expect(diff, `bpfsim differs from the kernel:\n${diff}`).toBe('');
    });
  });
}

/** Run `script` on a fresh simulated kernel (root process), like the oracle runs it on the real one. */
export function simRun(script: readonly ScriptCommand[], options: DiffOptions): ScriptRun {
  const sim = new options.Kernel({ ncpus: kernelPossibleCpus() });
  options.setupSim?.(sim);
  const adapt = (p: SimProcess): SimProcess => (options.adaptProcess ? options.adaptProcess(p, sim) : p);
  const proc = adapt(sim.spawn({ uid: 0, gid: 0, caps: ROOT_CAPS }));
  const drop = options.dropPrivs ?? ((k: SimKernelLike, creds: Creds) => k.spawn(creds));
  return runOnSim(proc, script, {
    ncpus: kernelPossibleCpus(),
    dropPrivs: (_from, creds) => adapt(drop(sim, creds)),
  });
}

/** The rows where bpfsim's run of `script` differs from the kernel's (empty string when they agree). */
export function differences(script: readonly ScriptCommand[], kernel: ScriptRun, options: DiffOptions): string {
  const run = simRun(script, options);
  return describeDifferences(script, normalize(script, kernel, options.normalize), normalize(script, run, options.normalize));
}
