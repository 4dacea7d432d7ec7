// Errors raised while turning bytes into Instructions and back.

/** The part of an instruction (or of the byte stream) that is wrong. */
export type InstructionField = 'opcode' | 'dst' | 'src' | 'off' | 'imm' | 'length' | 'lddw';

/**
 * Bytes that are not a valid eBPF program. `index` is the 8-byte slot index at fault, `field` what is wrong there.
 * The message always names both, e.g. `insn 3: invalid off 1 for opcode 0x07 (add64 imm): must be 0`.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly index: number,
    readonly field: InstructionField,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An Instruction that cannot be encoded: a field out of its bit range, or (unless validation is turned off) an
 * encoding the ISA reserves. `index` is the position in the Instruction array, `slot` the slot it would occupy.
 */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
  constructor(
    readonly index: number,
    readonly slot: number,
    readonly field: InstructionField | 'imm2',
    message: string,
  ) {
    super(message);
  }
}

/** A single reserved-field problem found by validateInstruction (no index: the caller knows where it is). */
export interface FieldProblem {
  readonly field: InstructionField;
  readonly value: number;
  /** Why the value is wrong, e.g. `must be 0`. */
  readonly reason: string;
}
