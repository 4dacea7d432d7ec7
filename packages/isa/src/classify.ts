// Questions other layers ask about one instruction: is it a jump, a call, an exit; where does it go.

import type { Instruction } from './instruction.js';
import {
  BPF_ALU, BPF_ALU64, BPF_CALL, BPF_DIV, BPF_END, BPF_EXIT, BPF_FETCH, BPF_JA, BPF_JCOND, BPF_JMP, BPF_JMP32,
  BPF_LOAD_ACQ, BPF_MOD, BPF_MOV, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_STORE_REL, BPF_X, BPF_ADDR_SPACE_CAST,
  BPF_CMPXCHG, BPF_XCHG, BPF_ATOMIC, BPF_STX, LDDW, BPF_ADD, BPF_OR, BPF_AND, BPF_XOR, BPF_TO_BE,
} from './opcodes.js';
import { slotCount } from './slots.js';
import { opcodeName } from './opcode-table.js';

const cls = (insn: Instruction): number => insn.opcode & 0x07;
const op = (insn: Instruction): number => insn.opcode & 0xf0;

export const isLddw = (insn: Instruction): boolean => insn.opcode === LDDW;
export const isExit = (insn: Instruction): boolean => insn.opcode === (BPF_JMP | BPF_EXIT);

/** `call imm` in any of its forms (helper, local, kfunc) — not callx. */
export const isCall = (insn: Instruction): boolean => insn.opcode === (BPF_JMP | BPF_CALL);
export const isHelperCall = (insn: Instruction): boolean => isCall(insn) && insn.src === 0;
/** bpf-to-bpf call: target slot = this slot + 1 + imm. */
export const isLocalCall = (insn: Instruction): boolean => isCall(insn) && insn.src === BPF_PSEUDO_CALL;
export const isKfuncCall = (insn: Instruction): boolean => isCall(insn) && insn.src === BPF_PSEUDO_KFUNC_CALL;
/** callx: call the function whose address (helper id for the VM) is in register dst. */
export const isCallx = (insn: Instruction): boolean => insn.opcode === (BPF_JMP | BPF_CALL | BPF_X);

/** Unconditional jump: ja (target in off) or gotol (JMP32|JA, target in imm). */
export const isUnconditionalJump = (insn: Instruction): boolean =>
  insn.opcode === (BPF_JMP | BPF_JA) || insn.opcode === (BPF_JMP32 | BPF_JA);

/** Conditional jump (jeq … jsle, 64- and 32-bit, imm and reg) and may_goto. */
export const isConditionalJump = (insn: Instruction): boolean => {
  const c = cls(insn);
  if (c !== BPF_JMP && c !== BPF_JMP32) return false;
  const o = op(insn);
  if (o === BPF_JA || o === BPF_CALL || o === BPF_EXIT) return false;
  if (o === BPF_JCOND) return insn.opcode === (BPF_JMP | BPF_JCOND);
  return o !== 0xf0;
};

/** Any intra-program branch: ja, gotol, conditional jumps, may_goto. Calls and exit are not jumps. */
export const isJump = (insn: Instruction): boolean => isUnconditionalJump(insn) || isConditionalJump(insn);

/**
 * Slot offset of a branch or local call relative to the next slot (RFC 9669 §4.3): off for jumps, imm for gotol and
 * local calls; undefined for anything else.
 */
export function branchOffset(insn: Instruction): number | undefined {
  if (insn.opcode === (BPF_JMP32 | BPF_JA)) return insn.imm;
  if (isLocalCall(insn)) return insn.imm;
  if (isJump(insn)) return insn.off;
  return undefined;
}

/** Target slot of the branch or local call at `slot`, or undefined. May lie outside the program (unchecked). */
export function branchTargetSlot(insn: Instruction, slot: number): number | undefined {
  const offset = branchOffset(insn);
  return offset === undefined ? undefined : slot + 1 + offset;
}

/** Target slot of instruction `i` (an index into insns) if it is a jump or local call. */
export function jumpTargetSlot(insns: readonly Instruction[], i: number): number | undefined {
  const insn = insns[i];
  if (!insn) return undefined;
  if (branchOffset(insn) === undefined) return undefined;
  let slot = 0;
  for (let k = 0; k < i; k++) slot += slotCount(insns[k]);
  return branchTargetSlot(insn, slot);
}

/** True for 64-bit ALU (class ALU64), false for 32-bit ALU. Undefined meaning for non-ALU instructions. */
export const isAlu64 = (insn: Instruction): boolean => cls(insn) === BPF_ALU64;
export const isAlu = (insn: Instruction): boolean => cls(insn) === BPF_ALU || cls(insn) === BPF_ALU64;

const ATOMIC_NAMES = new Map<number, string>([
  [BPF_ADD, 'add'], [BPF_OR, 'or'], [BPF_AND, 'and'], [BPF_XOR, 'xor'],
  [BPF_ADD | BPF_FETCH, 'fetch_add'], [BPF_OR | BPF_FETCH, 'fetch_or'], [BPF_AND | BPF_FETCH, 'fetch_and'],
  [BPF_XOR | BPF_FETCH, 'fetch_xor'], [BPF_XCHG, 'xchg'], [BPF_CMPXCHG, 'cmpxchg'],
  [BPF_LOAD_ACQ, 'load_acquire'], [BPF_STORE_REL, 'store_release'],
]);
const LDDW_NAMES = ['lddw', 'lddw map_fd', 'lddw map_value', 'lddw btf_id', 'lddw func', 'lddw map_idx', 'lddw map_idx_value'];
const CALL_NAMES = ['call helper', 'call local', 'call kfunc'];

/**
 * A finer name than opcodeName, looking at the fields that select a variant: `sdiv64 imm`, `movsx64 reg`,
 * `addr_space_cast`, `be16`, `bswap64`, `atomic64 fetch_add`, `lddw map_fd`, `call local`. Falls back to opcodeName.
 */
export function instructionName(insn: Instruction): string {
  const base = opcodeName(insn.opcode);
  const c = cls(insn);
  const o = op(insn);
  if (c === BPF_ALU || c === BPF_ALU64) {
    if ((o === BPF_DIV || o === BPF_MOD) && insn.off === 1) return `s${base}`;
    if (o === BPF_MOV && (insn.opcode & BPF_X) !== 0) {
      if (c === BPF_ALU64 && insn.off === BPF_ADDR_SPACE_CAST) return 'addr_space_cast';
      if (insn.off !== 0) return base.replace('mov', 'movsx');
    }
    if (o === BPF_END) {
      const kind = c === BPF_ALU64 ? 'bswap' : (insn.opcode & BPF_TO_BE) !== 0 ? 'be' : 'le';
      return `${kind}${insn.imm}`;
    }
  }
  if (c === BPF_STX && (insn.opcode & 0xe0) === BPF_ATOMIC) {
    const name = ATOMIC_NAMES.get(insn.imm);
    if (name) return `${base} ${name}`;
  }
  if (insn.opcode === LDDW) return LDDW_NAMES[insn.src] ?? base;
  if (isCall(insn)) return CALL_NAMES[insn.src] ?? base;
  return base;
}
