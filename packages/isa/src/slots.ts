// Slot arithmetic: jump and call offsets count 8-byte slots, and lddw takes two of them.

import type { Instruction } from './instruction.js';
import { LDDW } from './opcodes.js';

/** Slots one instruction occupies: 2 for lddw, else 1. */
export const slotCount = (insn: Instruction): 1 | 2 => (insn.opcode === LDDW ? 2 : 1);

/** Slot index of each instruction, in order. */
export function programSlots(insns: readonly Instruction[]): number[] {
  const out = new Array<number>(insns.length);
  let slot = 0;
  for (let i = 0; i < insns.length; i++) {
    out[i] = slot;
    slot += slotCount(insns[i]);
  }
  return out;
}

/** Total slots of a program (its byte length / 8). */
export function totalSlots(insns: readonly Instruction[]): number {
  let slots = 0;
  for (const insn of insns) slots += slotCount(insn);
  return slots;
}

/**
 * Maps each slot to the index of the instruction that starts there, -1 for the second slot of an lddw.
 * Length = totalSlots(insns).
 */
export function slotToInstruction(insns: readonly Instruction[]): Int32Array {
  const map = new Int32Array(totalSlots(insns));
  let slot = 0;
  for (let i = 0; i < insns.length; i++) {
    map[slot] = i;
    if (insns[i].opcode === LDDW) map[slot + 1] = -1;
    slot += slotCount(insns[i]);
  }
  return map;
}

/** Index of the instruction starting at `slot`, or undefined if `slot` is out of range or inside an lddw. */
export function instructionAtSlot(insns: readonly Instruction[], slot: number): number | undefined {
  if (!Number.isInteger(slot) || slot < 0) return undefined;
  let at = 0;
  for (let i = 0; i < insns.length; i++) {
    if (at === slot) return i;
    at += slotCount(insns[i]);
    if (at > slot) return undefined;
  }
  return undefined;
}

/** The 64-bit constant of an lddw, as an unsigned value 0..2^64-1 (imm is the low half, imm2 the high half). */
export function immediate64(insn: Instruction): bigint {
  return (BigInt((insn.imm2 ?? 0) >>> 0) << 32n) | BigInt(insn.imm >>> 0);
}

/** Splits a 64-bit constant (signed or unsigned) into lddw's imm (low) and imm2 (high), both signed 32-bit. */
export function splitImmediate64(value: bigint): { imm: number; imm2: number } {
  const u = BigInt.asUintN(64, value);
  return { imm: Number(BigInt.asIntN(32, u)), imm2: Number(BigInt.asIntN(32, u >> 32n)) };
}
