// The Instruction value shared by every layer (vm, verifier, objects, cli).

/**
 * One logical eBPF instruction, fields exactly as encoded (RFC 9669 §3):
 * `opcode` 8 bits, `dst` and `src` 4 bits each, `off` a signed 16-bit integer, `imm` a signed 32-bit integer.
 * lddw (opcode 0x18) is one Instruction that occupies two 8-byte slots: `imm` is the first slot's imm
 * (low 32 bits of the constant) and `imm2` the second slot's imm (high 32 bits). Every other instruction
 * has no `imm2`. Jump and call offsets count slots, not Instructions.
 */
export interface Instruction {
  opcode: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  imm2?: number;
}

/** Bytes per slot. */
export const SLOT_SIZE = 8;
