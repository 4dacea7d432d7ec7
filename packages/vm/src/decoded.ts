// Pre-decoding: an Instruction list becomes per-slot typed arrays the interpreter dispatches on without allocating.
// Everything a run could trip over statically (unknown opcodes, bad registers, jumps outside the program or into the
// second slot of an lddw, writes to r10) is refused here with a LoadError naming the slot.
import {
  BPF_ADDR_SPACE_CAST, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, LDDW, checkInstruction, describeProblem,
  opcodeName, type Instruction,
} from '@bpfsim/isa';
import { LoadError } from './fault.js';
import { insnText } from './insn-text.js';

/**
 * Internal dispatch codes. Real opcode bytes are used as they are; variants that share an opcode byte (signed
 * div/mod, movsx, byte-swap widths, local calls) get byte values no instruction uses (class LD, unused modes), so
 * the dispatch switch stays one dense table over 0..255.
 */
export const OP = {
  END: 0x00, // one past the last slot: execution fell off the end
  LDDW_HI: 0x08, // second slot of an lddw (unreachable: jumps there are refused)
  SDIV64_K: 0x60, SDIV64_X: 0x68, SMOD64_K: 0x70, SMOD64_X: 0x78,
  SDIV32_K: 0x80, SDIV32_X: 0x88, SMOD32_K: 0x90, SMOD32_X: 0x98,
  MOVSX64_8: 0xa0, MOVSX64_16: 0xa8, MOVSX64_32: 0xb0, MOVSX32_8: 0xb8, MOVSX32_16: 0xc0,
  LE16: 0xc8, LE32: 0xd0, NOP: 0xd8, SWAP16: 0xe0, SWAP32: 0xe8, SWAP64: 0xf0,
  CALL_LOCAL: 0xf8,
} as const;

export interface DecodedProgram {
  readonly insns: readonly Instruction[];
  /** Number of 8-byte slots. Arrays below have slots + 1 entries (the END sentinel). */
  readonly slots: number;
  readonly op: Uint8Array;
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly off: Int32Array;
  readonly imm: Int32Array;
  /** Jump / local-call target slot, or lddw's high word. */
  readonly aux: Int32Array;
  /** Instruction index starting at each slot; -1 on an lddw's second slot and on the sentinel. */
  readonly indexAt: Int32Array;
}

const cache = new WeakMap<readonly Instruction[], DecodedProgram>();

/** Decodes (once per array — do not mutate an array after loading it) and validates a program. */
export function decodeProgram(insns: readonly Instruction[]): DecodedProgram {
  let decoded = cache.get(insns);
  if (!decoded) {
    decoded = build(insns);
    cache.set(insns, decoded);
  }
  return decoded;
}

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** The register this instruction writes besides r0, if any (writes to r10, the frame pointer, are refused). */
function writtenRegister(insn: Instruction): number | undefined {
  const cls = insn.opcode & 7;
  if (cls === 0x04 || cls === 0x07 || cls === 0x01 || insn.opcode === LDDW) return insn.dst;
  if ((insn.opcode & 0xe7) === 0xc3) {
    // BPF_STX | BPF_ATOMIC: load-acquire writes dst; the fetch forms and xchg write src
    if (insn.imm === 0x100) return insn.dst;
    if ((insn.imm & 0x01) !== 0 && insn.imm !== 0xf1) return insn.src;
  }
  return undefined;
}

function build(insns: readonly Instruction[]): DecodedProgram {
  if (insns.length === 0) throw new LoadError('invalid_insn', 'empty program', { pc: -1 });
  let slots = 0;
  for (const insn of insns) slots += insn.opcode === LDDW ? 2 : 1;
  const n = slots + 1;
  const p = {
    insns,
    slots,
    op: new Uint8Array(n),
    dst: new Uint8Array(n),
    src: new Uint8Array(n),
    off: new Int32Array(n),
    imm: new Int32Array(n),
    aux: new Int32Array(n),
    indexAt: new Int32Array(n).fill(-1),
  };
  let slot = 0;
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    const refuse = (reason: string): never => {
      throw new LoadError('invalid_insn', `invalid instruction: ${reason}`, { pc: slot, insn: safeText(insn) });
    };
    if (
      !isInt(insn.opcode, 0, 255) || !isInt(insn.dst, 0, 15) || !isInt(insn.src, 0, 15) ||
      !isInt(insn.off, -0x8000, 0x7fff) || !isInt(insn.imm, -0x80000000, 0x7fffffff) ||
      (insn.imm2 !== undefined && !isInt(insn.imm2, -0x80000000, 0x7fffffff))
    ) {
      refuse(`insn ${i}: field out of range (opcode u8, dst/src u4, off s16, imm s32)`);
    }
    // lddw is taken as a plain 64-bit constant whatever its pseudo source: the objects layer (like the kernel's
    // resolve_pseudo_ldimm64) writes a map's address into imm/imm2 and may keep src = BPF_PSEUDO_MAP_FD, so the
    // ISA's "imm2 must be 0 for a map fd" rule does not apply here.
    const problem = checkInstruction(insn.opcode === LDDW ? { ...insn, imm2: 0 } : insn);
    if (problem) refuse(describeProblem(problem, insn.opcode, slot));
    if (writtenRegister(insn) === 10) refuse(`insn ${slot}: r10 (frame pointer) is read-only`);
    p.op[slot] = internalOp(insn, refuse);
    p.dst[slot] = insn.dst;
    p.src[slot] = insn.src;
    p.off[slot] = insn.off;
    p.imm[slot] = insn.imm;
    p.indexAt[slot] = i;
    if (insn.opcode === LDDW) {
      p.aux[slot] = insn.imm2 ?? 0;
      p.op[slot + 1] = OP.LDDW_HI;
      slot += 2;
    } else {
      slot += 1;
    }
  }
  p.op[slots] = OP.END;
  // Jump targets, now that every slot is known.
  for (let s = 0; s < slots; s++) {
    const i = p.indexAt[s];
    if (i < 0) continue;
    const rel = relativeTarget(insns[i]);
    if (rel === undefined) continue;
    const target = s + 1 + rel;
    const what = p.op[s] === OP.CALL_LOCAL ? 'call' : 'jump';
    if (target < 0 || target >= slots) {
      throw new LoadError('bad_jump', `${what} target ${target} is outside the program (0..${slots - 1})`, {
        pc: s, insn: safeText(insns[i]),
      });
    }
    if (p.indexAt[target] < 0) {
      throw new LoadError('bad_jump', `${what} target ${target} is the second slot of an lddw`, {
        pc: s, insn: safeText(insns[i]),
      });
    }
    p.aux[s] = target;
  }
  return p;
}

function safeText(insn: Instruction): string {
  try {
    return insnText(insn);
  } catch {
    return opcodeName(insn.opcode);
  }
}

/** Relative slot offset of a jump or local call, else undefined. */
function relativeTarget(insn: Instruction): number | undefined {
  const { opcode } = insn;
  if (opcode === 0x06) return insn.imm; // gotol
  if (opcode === 0x85) return insn.src === BPF_PSEUDO_CALL ? insn.imm : undefined;
  const cls = opcode & 7;
  if (cls !== 0x05 && cls !== 0x06) return undefined;
  const op = opcode & 0xf0;
  if (op === 0x80 || op === 0x90) return undefined; // call, callx, exit
  return insn.off;
}

function internalOp(insn: Instruction, refuse: (reason: string) => never): number {
  const { opcode, off, imm } = insn;
  switch (opcode) {
    case 0x37: return off === 1 ? OP.SDIV64_K : opcode;
    case 0x3f: return off === 1 ? OP.SDIV64_X : opcode;
    case 0x97: return off === 1 ? OP.SMOD64_K : opcode;
    case 0x9f: return off === 1 ? OP.SMOD64_X : opcode;
    case 0x34: return off === 1 ? OP.SDIV32_K : opcode;
    case 0x3c: return off === 1 ? OP.SDIV32_X : opcode;
    case 0x94: return off === 1 ? OP.SMOD32_K : opcode;
    case 0x9c: return off === 1 ? OP.SMOD32_X : opcode;
    case 0xbf:
      if (off === BPF_ADDR_SPACE_CAST) refuse('addr_space_cast (BPF arenas) is not supported by the VM');
      return off === 8 ? OP.MOVSX64_8 : off === 16 ? OP.MOVSX64_16 : off === 32 ? OP.MOVSX64_32 : opcode;
    case 0xbc:
      return off === 8 ? OP.MOVSX32_8 : off === 16 ? OP.MOVSX32_16 : opcode;
    case 0xd4: // le: a truncation on a little-endian machine
      return imm === 16 ? OP.LE16 : imm === 32 ? OP.LE32 : OP.NOP;
    case 0xdc: // be
    case 0xd7: // bswap (ALU64): the same byte reversal
      return imm === 16 ? OP.SWAP16 : imm === 32 ? OP.SWAP32 : OP.SWAP64;
    case 0x85:
      if (insn.src === BPF_PSEUDO_KFUNC_CALL) refuse('kfunc calls are not supported by the VM');
      return insn.src === BPF_PSEUDO_CALL ? OP.CALL_LOCAL : opcode;
    default:
      return opcode;
  }
}
