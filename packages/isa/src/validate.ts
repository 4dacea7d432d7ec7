// Validation of one instruction against the opcode table, and the wording of its errors.

import { DecodeError, type FieldProblem } from './errors.js';
import type { Instruction } from './instruction.js';
import { hexByte, linuxOpcodeSpec, opcodeName, opcodeSpec, type IsaDialect } from './opcode-table.js';

/**
 * The first field of `insn` the ISA reserves or forbids, or undefined if the instruction is valid.
 * Fields are assumed already in range (opcode u8, registers u4, off s16, imm s32) — decode guarantees that.
 * lddw's second slot: only its imm (imm2) is seen here; decode checks the rest of that slot.
 */
export const checkInstruction = (insn: Instruction, dialect: IsaDialect = 'rfc9669'): FieldProblem | undefined => {
  const spec = (dialect === 'linux' ? linuxOpcodeSpec(insn.opcode) : undefined) ?? opcodeSpec(insn.opcode);
  if (!spec) return { field: 'opcode', value: insn.opcode, reason: 'unknown opcode' };
  return spec.check(insn);
};

/** Formats a problem as `insn N: invalid off 1 for opcode 0x07 (add64 imm): must be 0`. */
export const describeProblem = (p: FieldProblem, opcode: number, index: number): string => {
  if (p.field === 'opcode' && p.reason !== 'unknown opcode') {
    return `insn ${index}: invalid opcode ${hexByte(opcode)} (${opcodeName(opcode)}): ${p.reason}`;
  }
  if (p.field === 'opcode') return `insn ${index}: unknown opcode ${hexByte(opcode)} (${opcodeName(opcode)})`;
  const what = p.field === 'lddw' ? 'second-slot imm' : p.field;
  return `insn ${index}: invalid ${what} ${p.value} for opcode ${hexByte(opcode)} (${opcodeName(opcode)}): ${p.reason}`;
};

/** Throws DecodeError (at slot `index`) if `insn` is not a valid encoding. */
export function validateInstruction(insn: Instruction, index: number, dialect: IsaDialect = 'rfc9669'): void {
  const p = checkInstruction(insn, dialect);
  if (p) throw new DecodeError(index, p.field, describeProblem(p, insn.opcode, index));
}
