// Bytes -> Instructions. Little-endian slots of 8 bytes (RFC 9669 §3):
// byte 0 opcode, byte 1 dst (low nibble) | src (high nibble), bytes 2-3 off (s16), bytes 4-7 imm (s32).

import { DecodeError } from './errors.js';
import { SLOT_SIZE, type Instruction } from './instruction.js';
import { LDDW } from './opcodes.js';
import { hexByte, type IsaDialect } from './opcode-table.js';
import { validateInstruction } from './validate.js';

export interface DecodeOptions {
  /**
   * Reject encodings the ISA reserves (unknown opcodes, non-zero unused fields, registers above r10). Default true.
   * With false, any bytes decode (for disassembling broken programs), except that lddw still needs a second slot
   * whose opcode, registers and off are zero — an Instruction cannot represent anything else there.
   */
  readonly validate?: boolean;
  /** Rule book for validation: 'rfc9669' (default) or 'linux' (the Linux 6.18 verifier's encoding checks). */
  readonly dialect?: IsaDialect;
}

interface RawSlot {
  opcode: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const readSlot = (view: DataView, slot: number): RawSlot => {
  const at = slot * SLOT_SIZE;
  const regs = view.getUint8(at + 1);
  return {
    opcode: view.getUint8(at),
    dst: regs & 0x0f,
    src: regs >> 4,
    off: view.getInt16(at + 2, true),
    imm: view.getInt32(at + 4, true),
  };
};

/** Decodes a whole program. Throws DecodeError naming the slot and the field at fault. */
export function decode(bytes: Uint8Array, options: DecodeOptions = {}): Instruction[] {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decode: expected the program as a Uint8Array');
  const validate = options.validate ?? true;
  const dialect = options.dialect ?? 'rfc9669';
  if (bytes.length % SLOT_SIZE !== 0) {
    const slot = Math.floor(bytes.length / SLOT_SIZE);
    throw new DecodeError(
      slot,
      'length',
      `insn ${slot}: program length ${bytes.length} is not a multiple of ${SLOT_SIZE} bytes (${bytes.length % SLOT_SIZE} trailing bytes)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const slots = bytes.length / SLOT_SIZE;
  const out: Instruction[] = [];
  for (let slot = 0; slot < slots; slot++) {
    const raw = readSlot(view, slot);
    const insn: Instruction = raw;
    if (raw.opcode === LDDW) {
      insn.imm2 = readSecondSlot(view, slot, slots);
      if (validate) validateInstruction(insn, slot, dialect);
      out.push(insn);
      slot++;
      continue;
    }
    if (validate) validateInstruction(insn, slot, dialect);
    out.push(insn);
  }
  return out;
}

/** lddw's second slot: opcode, dst, src and off must be zero; its imm is the high half (resolve_pseudo_ldimm64). */
function readSecondSlot(view: DataView, slot: number, slots: number): number {
  if (slot + 1 >= slots) {
    throw new DecodeError(slot, 'lddw', `insn ${slot}: lddw (opcode ${hexByte(LDDW)}) is missing its second slot`);
  }
  const next = readSlot(view, slot + 1);
  for (const field of ['opcode', 'dst', 'src', 'off'] as const) {
    if (next[field] !== 0) {
      throw new DecodeError(
        slot + 1,
        'lddw',
        `insn ${slot + 1}: invalid second slot of lddw at insn ${slot}: ${field} ${field === 'opcode' ? hexByte(next[field]) : next[field]} must be 0`,
      );
    }
  }
  return next.imm;
}
