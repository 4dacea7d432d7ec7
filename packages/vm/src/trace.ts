// Tracing a whole run: every executed instruction with the registers it changed, printed like a verifier log.
import type { Instruction } from '@bpfsim/isa';
import type { RunOptions, RunResult } from './engine.js';
import { VmFault } from './fault.js';
import { Stepper, type TraceEntry } from './stepper.js';

export interface TracedRun {
  entries: TraceEntry[];
  /** Set when the program exited. */
  result?: RunResult;
  /** Set when it faulted. */
  fault?: VmFault;
}

/** Runs `insns` on the interpreter, recording every instruction (the last `maxEntries`, default 1,000,000). */
export function traceRun(insns: readonly Instruction[], opts: RunOptions & { maxEntries?: number } = {}): TracedRun {
  const stepper = new Stepper(insns, { ...opts, trace: true, maxTrace: opts.maxEntries });
  try {
    stepper.continue();
    return { entries: stepper.trace, result: { r0: stepper.r0!, insns: stepper.insns } };
  } catch (err) {
    if (err instanceof VmFault) return { entries: stepper.trace, fault: err };
    throw err;
  } finally {
    stepper.dispose();
  }
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/**
 * One line per entry, kernel-log style: `3: r0 += r1    ; r0=0x5`, stores with the bytes they left
 * (`[stack-8]=2a00000000000000`, memory order). Instructions in called frames are indented by their depth.
 */
export function formatTrace(entries: readonly TraceEntry[]): string {
  return entries
    .map((e) => {
      const changes = Object.entries(e.changed).map(([r, v]) => `${r}=${hex(v as bigint)}`);
      if (e.wrote) changes.push(`[${e.wrote.where}]=${Buffer.from(e.wrote.bytes).toString('hex')}`);
      const head = `${'  '.repeat(e.frame)}${e.pc}: ${e.text}`;
      return changes.length ? `${head.padEnd(40)} ; ${changes.join(' ')}` : head;
    })
    .join('\n');
}
