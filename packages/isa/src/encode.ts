// Instructions -> bytes, the exact inverse of decode.

import { EncodeError, type InstructionField } from './errors.js';
import { SLOT_SIZE, type Instruction } from './instruction.js';
import { LDDW } from './opcodes.js';
import type { IsaDialect } from './opcode-table.js';
import { checkInstruction, describeProblem } from './validate.js';

export interface EncodeOptions {
  /** Refuse encodings the ISA reserves, as decode would. Default true. With false only bit ranges are checked. */
  readonly validate?: boolean;
  /** Rule book for validation: 'rfc9669' (default) or 'linux' (the Linux 6.18 verifier's encoding checks). */
  readonly dialect?: IsaDialect;
}

const RANGES: ReadonlyArray<readonly [InstructionField | 'imm2', number, number, string]> = [
  ['opcode', 0, 0xff, 'an unsigned 8-bit integer'],
  ['dst', 0, 0x0f, 'a 4-bit register number'],
  ['src', 0, 0x0f, 'a 4-bit register number'],
  ['off', -0x8000, 0x7fff, 'a signed 16-bit integer'],
  ['imm', -0x8000_0000, 0x7fff_ffff, 'a signed 32-bit integer'],
  ['imm2', -0x8000_0000, 0x7fff_ffff, 'a signed 32-bit integer'],
];

function checkRanges(insn: Instruction, index: number, slot: number): void {
  if (typeof insn !== 'object' || insn === null) {
    throw new EncodeError(index, slot, 'opcode', `insn ${index}: ${String(insn)} is not an instruction object`);
  }
  const isLddw = insn.opcode === LDDW;
  if (isLddw && insn.imm2 === undefined) {
    throw new EncodeError(index, slot, 'imm2', `insn ${index}: lddw needs imm2 (the high 32 bits of its constant)`);
  }
  if (!isLddw && insn.imm2 !== undefined && insn.opcode >= 0 && insn.opcode <= 0xff) {
    throw new EncodeError(index, slot, 'imm2', `insn ${index}: imm2 ${insn.imm2} is only allowed on lddw (opcode 0x18)`);
  }
  for (const [field, min, max, what] of RANGES) {
    const value = (insn as unknown as Record<string, unknown>)[field];
    if (field === 'imm2' && value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new EncodeError(index, slot, field, `insn ${index}: ${field} ${String(value)} out of range: must be ${what} (${min}..${max})`);
    }
  }
}

/** Encodes Instructions into 8-byte little-endian slots (two for lddw). Throws EncodeError. */
export function encode(insns: readonly Instruction[], options: EncodeOptions = {}): Uint8Array {
  if (!Array.isArray(insns)) throw new TypeError('encode: expected an array of Instructions');
  const validate = options.validate ?? true;
  let slots = 0;
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    checkRanges(insn, i, slots);
    if (validate) {
      const p = checkInstruction(insn, options.dialect);
      if (p) throw new EncodeError(i, slots, p.field, describeProblem(p, insn.opcode, i));
    }
    slots += insn.opcode === LDDW ? 2 : 1;
  }
  const bytes = new Uint8Array(slots * SLOT_SIZE);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const insn of insns) {
    view.setUint8(at, insn.opcode);
    view.setUint8(at + 1, (insn.src << 4) | insn.dst);
    view.setInt16(at + 2, insn.off, true);
    view.setInt32(at + 4, insn.imm, true);
    at += SLOT_SIZE;
    if (insn.opcode === LDDW) {
      view.setInt32(at + 4, insn.imm2 ?? 0, true);
      at += SLOT_SIZE;
    }
  }
  return bytes;
}
