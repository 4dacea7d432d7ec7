// The part of the verifier's register-liveness check the default verifier can do exactly, without data-flow
// analysis: the instructions from insn 0 up to the first conditional jump, call, memory access or exit run
// unconditionally, so do_check visits exactly them first, in order. On that path a read of a register that was never
// written is "R<n> !read_ok" (check_reg_arg → EACCES), including R0 at `exit` (check_return_code / do_check's
// BPF_EXIT: "R0 !read_ok").
//
// The result is only used when it is certain to be the kernel's: the whole program must pass check_cfg (every
// instruction reachable, no jump into an ld_imm64, no back-edge for unprivileged loaders) and have no subprograms
// (whose boundaries check_subprogs enforces), and the path may contain only register moves and ALU operations on
// scalars (no pointer arithmetic, no r10 writes, no division by a zero immediate, no out-of-range shift) — anything
// else ends the analysis without a verdict.
import type { Instruction } from '@bpfsim/isa';

const CLS_ALU = 0x04;
const CLS_JMP = 0x05;
const CLS_JMP32 = 0x06;
const CLS_ALU64 = 0x07;
const BPF_X = 0x08;
const OP_MOV = 0xb0;
const OP_NEG = 0x80;
const OP_END = 0xd0;
const OP_DIV = 0x30;
const OP_MOD = 0x90;
const OP_LSH = 0x60;
const OP_RSH = 0x70;
const OP_ARSH = 0xc0;
const FP = 10;

export type EntryPathVerdict =
  | { readonly kind: 'uninit-read'; readonly reg: number; readonly slot: number; readonly processed: number }
  | undefined;

/** Slot of each instruction (ld_imm64 takes two). */
function slotsOf(insns: readonly Instruction[]): number[] {
  const slots: number[] = [];
  let n = 0;
  for (const insn of insns) {
    slots.push(n);
    n += insn.opcode === 0x18 ? 2 : 1;
  }
  return slots;
}

/**
 * check_cfg's verdict on the program's shape, as far as this analysis needs it: true when every instruction is
 * reachable from insn 0, no jump lands on an ld_imm64's second slot, there are no bpf-to-bpf calls or function
 * pointers, and (for unprivileged loaders) no back-edges.
 */
function shapeIsPlain(insns: readonly Instruction[], slots: readonly number[], privileged: boolean): boolean {
  const bySlot = new Map<number, number>();
  slots.forEach((s, i) => bySlot.set(s, i));
  const seen = new Uint8Array(insns.length);
  const stack = [0];
  while (stack.length) {
    const i = stack.pop()!;
    if (seen[i]) continue;
    seen[i] = 1;
    const insn = insns[i];
    const cls = insn.opcode & 7;
    if (insn.opcode === 0x18 && insn.src === 4) return false; // BPF_PSEUDO_FUNC: a callback subprogram
    const succ: number[] = [];
    if (cls === CLS_JMP || cls === CLS_JMP32) {
      const op = insn.opcode & 0xf0;
      if (op === 0x90) continue; // exit
      if (op === 0x80) {
        if (insn.src === 1 || (insn.opcode & BPF_X)) return false; // bpf-to-bpf call or callx
        succ.push(i + 1);
      } else {
        const off = cls === CLS_JMP32 && op === 0 ? insn.imm : insn.off;
        const target = bySlot.get(slots[i] + off + 1);
        if (target === undefined) return false; // into an ld_imm64 (or out of range: checked elsewhere)
        if (!privileged && target <= i) return false; // back-edge
        succ.push(target);
        if (op !== 0) succ.push(i + 1);
      }
    } else succ.push(i + 1);
    for (const s of succ) if (s < insns.length && !seen[s]) stack.push(s);
  }
  return seen.every((x) => x === 1);
}

/**
 * Walks the unconditional path from insn 0. Returns the first read of a never-written register on it (do_check's
 * first error), or undefined when the path reaches exit cleanly or leaves what this analysis can model.
 */
export function checkEntryPath(insns: readonly Instruction[], privileged: boolean): EntryPathVerdict {
  if (insns.length === 0) return undefined;
  const slots = slotsOf(insns);
  if (!shapeIsPlain(insns, slots, privileged)) return undefined;
  const bySlot = new Map<number, number>();
  slots.forEach((s, i) => bySlot.set(s, i));
  // init: written registers; pointer: registers that may hold a pointer (ctx in r1, the frame pointer in r10)
  const init = new Set<number>([1, FP]);
  const pointer = new Set<number>([1, FP]);
  let i = 0;
  let processed = 0;
  const uninit = (reg: number): EntryPathVerdict => ({ kind: 'uninit-read', reg, slot: slots[i], processed });
  for (let steps = 0; steps < insns.length * 2 && i < insns.length; steps++) {
    const insn = insns[i];
    processed++;
    const cls = insn.opcode & 7;
    const op = insn.opcode & 0xf0;
    if (cls === CLS_ALU || cls === CLS_ALU64) {
      const isX = (insn.opcode & BPF_X) !== 0 && op !== OP_NEG && op !== OP_END;
      if (op === OP_MOV) {
        if (isX && !init.has(insn.src)) return uninit(insn.src);
        if (insn.dst === FP) return undefined;
        if (insn.off !== 0) return undefined; // movsx: sign extension of a possibly-pointer source — not modelled
        init.add(insn.dst);
        if (isX && pointer.has(insn.src) && cls === CLS_ALU64) pointer.add(insn.dst);
        else if (isX && pointer.has(insn.src)) return undefined; // 32-bit move of a pointer
        else pointer.delete(insn.dst);
      } else {
        // check_alu_op: the source operand first, then the destination (both SRC_OP reads)
        if (isX && !init.has(insn.src)) return uninit(insn.src);
        if (!init.has(insn.dst)) return uninit(insn.dst);
        if (insn.dst === FP || pointer.has(insn.dst) || (isX && pointer.has(insn.src))) return undefined;
        if (!isX && (op === OP_DIV || op === OP_MOD) && insn.imm === 0) return undefined;
        if (!isX && (op === OP_LSH || op === OP_RSH || op === OP_ARSH) && (insn.imm < 0 || insn.imm >= (cls === CLS_ALU64 ? 64 : 32))) return undefined;
        if (insn.off !== 0) return undefined; // sdiv/smod: fine, but keep the model to the plain forms
      }
      i++;
      continue;
    }
    if (insn.opcode === 0x18 && insn.src === 0) {
      // ld_imm64 of a plain constant
      if (insn.dst === FP) return undefined;
      init.add(insn.dst);
      pointer.delete(insn.dst);
      i++;
      continue;
    }
    if (cls === CLS_JMP && op === 0x90) {
      // BPF_EXIT: R0 must be readable
      return init.has(0) ? undefined : uninit(0);
    }
    if ((cls === CLS_JMP || cls === CLS_JMP32) && op === 0x00) {
      // ja / gotol: follow it
      const off = cls === CLS_JMP32 ? insn.imm : insn.off;
      const target = bySlot.get(slots[i] + off + 1);
      if (target === undefined) return undefined;
      i = target;
      continue;
    }
    // conditional jumps, calls, loads, stores, atomics, LD_ABS/IND, other ld_imm64: beyond this analysis
    return undefined;
  }
  return undefined;
}
