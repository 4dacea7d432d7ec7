// The contract both engines (the interpreter and the JIT) implement: how a loaded program is run and what comes back.
import type { Instruction } from '@bpfsim/isa';
import type { Memory } from './memory.js';
import type { HelperTable, TailCallResolver } from './types.js';

export interface RunOptions {
  /** Initial r1..r5 (unsigned 64-bit); missing ones are 0. */
  args?: readonly bigint[];
  /** Address space; default: a fresh Memory. The run maps its stack frames into it and unmaps them afterwards. */
  memory?: Memory;
  /**
   * Helper id -> implementation. A helper gets r1..r5; r0 = its result; r1..r5 are left unchanged afterwards (the
   * kernel makes them unreadable, so no correct program depends on them). See calls.ts.
   */
  helpers?: HelperTable;
  /** Resolves bpf_tail_call (helper 12); without it helper 12 is looked up in `helpers` like any other. */
  tailCalls?: TailCallResolver;
  /** Passed to helpers untouched. */
  env?: unknown;
  /**
   * Maximum executed instructions (default DEFAULT_BUDGET, counted like RunResult.insns); the instruction that would
   * exceed it faults with VmFault 'budget' instead of running.
   */
  budget?: number;
  /** Optional wall-clock limit in milliseconds -> VmFault 'timeout'. */
  deadlineMs?: number;
}

export interface RunResult {
  /** r0 at exit, as an unsigned 64-bit BigInt. */
  r0: bigint;
  /**
   * Executed instructions, counted in slots: an lddw counts 2 (as uBPF counts, and as /work/shared/perf/README.md's
   * figures do: alu_loop executes 160,000,006). Helper and bpf-to-bpf calls count 1 each.
   */
  insns: number;
}

export interface LoadedProgram {
  readonly insns: readonly Instruction[];
  run(opts?: RunOptions): RunResult;
}

/** Per-instruction facts from a verifier (the seam between verifier and JIT). */
export interface InsnFacts {
  /** This load/store was proven in bounds: the JIT may skip its bounds check. */
  memSafe?: boolean;
}

export interface CompileOptions {
  /** Indexed by Instruction index (not slot). */
  facts?: readonly InsnFacts[];
}

/** Default instruction budget for runs that no verifier has bounded. */
export const DEFAULT_BUDGET = 1e9;
/** Bytes of stack per frame (MAX_BPF_STACK). */
export const STACK_SIZE = 512;
/** Frames of bpf-to-bpf calls, the entry frame included (MAX_CALL_FRAMES). */
export const MAX_CALL_FRAMES = 8;
/** Tail calls one run may take before bpf_tail_call falls through (MAX_TAIL_CALL_CNT). */
export const MAX_TAIL_CALL_CNT = 33;
/** Helper id of bpf_tail_call. */
export const BPF_FUNC_TAIL_CALL = 12;
