// Basic blocks of a program, by slot: the unit the JIT compiles into one `case` of its dispatch switch.
import type { Instruction } from '@bpfsim/isa';
import {
  BPF_CALL, BPF_EXIT, BPF_JA, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LOAD_ACQ, BPF_PSEUDO_CALL, BPF_STORE_REL, BPF_X, LDDW,
} from '@bpfsim/isa';

/** How an instruction affects control flow. */
export const Flow = {
  /** Falls through to the next slot (also: anything invalid, which faults when reached). */
  Next: 0,
  /** Unconditional jump (ja, gotol). */
  Jump: 1,
  /** Conditional jump: to the target or the next slot. */
  Branch: 2,
  /** bpf-to-bpf call: to the target, later back to the next slot. */
  LocalCall: 3,
  /** Helper call (call imm, callx): falls through unless it is a taken tail call. */
  HelperCall: 4,
  /** exit: return to the caller frame or end the run. */
  Exit: 5,
  /**
   * Executed by the interpreter, one instruction (rare instructions not worth compiling: LD_ABS/LD_IND, may_goto,
   * load-acquire/store-release, 8/16-bit atomics). Ends a block; may_goto's target is a leader too.
   */
  Step: 6,
} as const;
export type Flow = (typeof Flow)[keyof typeof Flow];

/** may_goto: BPF_JMP | BPF_JCOND. */
const MAY_GOTO = 0xe5;

/** Conditional jump ops (jeq … jsle); 0xe0 (may_goto) and 0xf0 are not among them. */
const BRANCH_OPS = new Set([0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]);

export function flowOf(insn: Instruction): Flow {
  const op = insn.opcode;
  if (op === MAY_GOTO) return Flow.Step;
  if ((op & 0x07) === BPF_LD && op !== LDDW) return Flow.Step; // LD_ABS / LD_IND
  if (op === 0xcb || op === 0xd3) return Flow.Step; // 16/8-bit load-acquire / store-release
  if ((op === 0xc3 || op === 0xdb) && (insn.imm === BPF_LOAD_ACQ || insn.imm === BPF_STORE_REL)) return Flow.Step;
  if (op === (BPF_JMP | BPF_JA) || op === (BPF_JMP32 | BPF_JA)) return Flow.Jump;
  if (op === (BPF_JMP | BPF_CALL)) return insn.src === BPF_PSEUDO_CALL ? Flow.LocalCall : Flow.HelperCall;
  if (op === (BPF_JMP | BPF_CALL | BPF_X)) return Flow.HelperCall;
  if (op === (BPF_JMP | BPF_EXIT)) return Flow.Exit;
  const cls = op & 0x07;
  if ((cls === BPF_JMP || cls === BPF_JMP32) && BRANCH_OPS.has(op & 0xf0)) return Flow.Branch;
  return Flow.Next;
}

/** Target slot of a jump or local call at `slot` (may be outside the program: the caller validates). */
export function targetOf(insn: Instruction, slot: number): number {
  const cls = insn.opcode & 0x07;
  const op = insn.opcode & 0xf0;
  if (cls === BPF_JMP32 && op === BPF_JA) return slot + 1 + insn.imm;
  if (cls === BPF_JMP && op === BPF_CALL) return slot + 1 + insn.imm;
  return slot + 1 + insn.off;
}

export interface Layout {
  /** Slot of each instruction. */
  readonly slotOf: readonly number[];
  /** Instruction index at each slot; -1 for lddw's second slot. */
  readonly insnAt: Int32Array;
  /** Total slots. */
  readonly slots: number;
  /** Instruction indexes that start a basic block, ascending. */
  readonly leaders: readonly number[];
  /** Per instruction: true when it starts a block. */
  readonly isLeader: readonly boolean[];
}

/**
 * Splits a program into basic blocks. Leaders: instruction 0, every jump/call target that is a valid instruction
 * start, and every instruction after a jump, branch, call or exit. Targets outside the program are not leaders
 * (the jump itself then faults at run time, or the loader refused it already).
 */
export function layout(insns: readonly Instruction[]): Layout {
  const n = insns.length;
  const slotOf = new Array<number>(n);
  let slot = 0;
  for (let i = 0; i < n; i++) {
    slotOf[i] = slot;
    slot += insns[i].opcode === LDDW ? 2 : 1;
  }
  const insnAt = new Int32Array(slot).fill(-1);
  for (let i = 0; i < n; i++) insnAt[slotOf[i]] = i;
  const isLeader = new Array<boolean>(n).fill(false);
  if (n > 0) isLeader[0] = true;
  for (let i = 0; i < n; i++) {
    const f = flowOf(insns[i]);
    if (f === Flow.Next) continue;
    if (i + 1 < n) isLeader[i + 1] = true;
    if (f === Flow.Jump || f === Flow.Branch || f === Flow.LocalCall || insns[i].opcode === MAY_GOTO) {
      const t = targetOf(insns[i], slotOf[i]);
      if (t >= 0 && t < slot && insnAt[t] >= 0) isLeader[insnAt[t]] = true;
    }
  }
  const leaders: number[] = [];
  for (let i = 0; i < n; i++) if (isLeader[i]) leaders.push(i);
  return { slotOf, insnAt, slots: slot, leaders, isLeader };
}
