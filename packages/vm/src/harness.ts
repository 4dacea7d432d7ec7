// Running a program the way the conformance suite (and `bpfsim run`) does: r1 = the address of a writable copy of
// the input memory, r2 = its length; without input memory r1 = r2 = 0.
import type { LoadedProgram, RunOptions, RunResult } from './engine.js';
import { Memory } from './memory.js';
import type { HelperFn, HelperTable } from './types.js';

/**
 * Helper 5 of the conformance plugins: uBPF's test helper `unwind`, which returns its first argument (r1).
 * (uBPF additionally stops the program when it returns 0 — its "unwind" extension; we do not: the suite only needs
 * a helper 5 that returns, see call_unwind_fail.data and callx.data.)
 */
export const conformanceUnwindHelper: HelperFn = (r1) => r1;

/** The helper table the conformance suite expects: only id 5. */
export const CONFORMANCE_HELPERS: HelperTable = new Map([[5, conformanceUnwindHelper]]);

/**
 * A fresh Memory holding a writable copy of `input` as region 'mem', and the r1/r2 arguments that describe it
 * (address, length) — or no region and r1 = r2 = 0 when there is no input.
 */
export function inputMemory(input: Uint8Array | undefined): { memory: Memory; args: bigint[]; bytes: Uint8Array } {
  const memory = new Memory();
  const bytes = new Uint8Array(input ?? []);
  const args = bytes.length > 0 ? [memory.map({ kind: 'mem', name: 'mem', bytes, writable: true }), BigInt(bytes.length)] : [0n, 0n];
  return { memory, args, bytes };
}

/**
 * Runs `program` with r1/r2 describing `input` (copied into a fresh writable 'mem' region). The copy, after the
 * run, is returned as `memory` (what the program left there).
 */
export function runOnInput(
  program: LoadedProgram,
  input: Uint8Array | undefined,
  opts: Omit<RunOptions, 'args' | 'memory'> = {},
): RunResult & { memory: Uint8Array } {
  const { memory, args, bytes } = inputMemory(input);
  const result = program.run({ ...opts, args, memory });
  return { ...result, memory: bytes };
}
