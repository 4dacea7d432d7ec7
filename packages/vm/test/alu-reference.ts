// A BigInt reference model of the ALU, ALU64 and conditional-jump instructions, written directly from RFC 9669
// §4.1-§4.3 (and nothing else), for property tests of the engines. Values are unsigned 64-bit BigInts.
import type { Instruction } from '@bpfsim/isa';
import fc from 'fast-check';

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;
const u64 = (v: bigint): bigint => v & M64;
const u32 = (v: bigint): bigint => v & M32;
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);
const sx = (v: bigint, bits: number): bigint => BigInt.asIntN(bits, v);

/** Truncated (toward zero) signed division, as C and the RFC's SDIV. */
const truncDiv = (a: bigint, b: bigint): bigint => a / b; // BigInt division truncates toward zero
/** Remainder with the sign of the dividend (the RFC's SMOD: dst - trunc(dst / src) * src). */
const truncMod = (a: bigint, b: bigint): bigint => a % b;

function bswap(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let i = 0; i < bits / 8; i++) out = (out << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

/**
 * The value of dst after the ALU or ALU64 instruction `insn`, given dst and src (src is ignored for BPF_K: the
 * operand is then imm, sign-extended to 64 bits for ALU64 and taken as 32 bits for ALU). Throws for other classes.
 */
export function aluReference(insn: Instruction, dst: bigint, src: bigint): bigint {
  const cls = insn.opcode & 7;
  if (cls !== 4 && cls !== 7) throw new Error(`not an ALU instruction: 0x${insn.opcode.toString(16)}`);
  const is64 = cls === 7;
  const op = insn.opcode & 0xf0;
  const useSrc = (insn.opcode & 8) !== 0;
  dst = u64(dst);
  src = useSrc ? u64(src) : u64(BigInt(insn.imm)); // imm sign-extended to 64 bits
  if (op === 0xd0) {
    // byte swaps (§4.2): le = truncate (little-endian host), be / bswap = reverse the low `imm` bits' bytes
    const bits = insn.imm;
    const low = dst & ((1n << BigInt(bits)) - 1n);
    if (cls === 4 && !useSrc) return low; // le16/32/64
    return bswap(low, bits); // be (ALU | TO_BE) or bswap (ALU64)
  }
  if (is64) {
    const a = dst;
    const b = src;
    switch (op) {
      case 0x00: return u64(a + b);
      case 0x10: return u64(a - b);
      case 0x20: return u64(a * b);
      case 0x30:
        if (insn.off === 1) return b === 0n ? 0n : u64(truncDiv(s64(a), s64(b)));
        return b === 0n ? 0n : a / b;
      case 0x40: return a | b;
      case 0x50: return a & b;
      case 0x60: return u64(a << (b & 63n));
      case 0x70: return a >> (b & 63n);
      case 0x80: return u64(-a);
      case 0x90:
        if (insn.off === 1) return b === 0n ? a : u64(truncMod(s64(a), s64(b)));
        return b === 0n ? a : a % b;
      case 0xa0: return a ^ b;
      case 0xb0:
        if (insn.off === 8 || insn.off === 16 || insn.off === 32) return u64(sx(b, insn.off));
        return b;
      case 0xc0: return u64(s64(a) >> (b & 63n));
    }
  } else {
    // 32-bit: operate on the low 32 bits, zero-extend the result into the 64-bit register (§4.1)
    const a = u32(dst);
    const b = u32(src);
    switch (op) {
      case 0x00: return u32(a + b);
      case 0x10: return u32(a - b);
      case 0x20: return u32(a * b);
      case 0x30:
        if (insn.off === 1) return b === 0n ? 0n : u32(truncDiv(s32(a), s32(b)));
        return b === 0n ? 0n : a / b;
      case 0x40: return a | b;
      case 0x50: return a & b;
      case 0x60: return u32(a << (b & 31n));
      case 0x70: return a >> (b & 31n);
      case 0x80: return u32(-a);
      case 0x90:
        // modulo by zero leaves dst's low 32 bits, zero-extended
        if (insn.off === 1) return b === 0n ? a : u32(truncMod(s32(a), s32(b)));
        return b === 0n ? a : a % b;
      case 0xa0: return a ^ b;
      case 0xb0:
        if (insn.off === 8 || insn.off === 16) return u32(sx(b, insn.off));
        return b;
      case 0xc0: return u32(s32(a) >> (b & 31n));
    }
  }
  throw new Error(`unknown ALU operation 0x${insn.opcode.toString(16)}`);
}

/** Whether the conditional jump `insn` (JMP or JMP32, K or X) is taken for these dst/src values. */
export function jumpReference(insn: Instruction, dst: bigint, src: bigint): boolean {
  const cls = insn.opcode & 7;
  if (cls !== 5 && cls !== 6) throw new Error(`not a jump: 0x${insn.opcode.toString(16)}`);
  const wide = cls === 5;
  const useSrc = (insn.opcode & 8) !== 0;
  let a = u64(dst);
  let b = useSrc ? u64(src) : u64(BigInt(insn.imm));
  if (!wide) {
    a = u32(a);
    b = u32(b);
  }
  const sa = wide ? s64(a) : s32(a);
  const sb = wide ? s64(b) : s32(b);
  switch (insn.opcode & 0xf0) {
    case 0x10: return a === b;
    case 0x20: return a > b;
    case 0x30: return a >= b;
    case 0x40: return (a & b) !== 0n;
    case 0x50: return a !== b;
    case 0x60: return sa > sb;
    case 0x70: return sa >= sb;
    case 0xa0: return a < b;
    case 0xb0: return a <= b;
    case 0xc0: return sa < sb;
    case 0xd0: return sa <= sb;
  }
  throw new Error(`not a conditional jump: 0x${insn.opcode.toString(16)}`);
}

/** Every ALU/ALU64 instruction form: [opcode, off, fixed imm (byte swaps) or undefined, name]. */
export const ALU_FORMS: ReadonlyArray<{ opcode: number; off: number; imm?: number; name: string }> = (() => {
  const forms: { opcode: number; off: number; imm?: number; name: string }[] = [];
  const names: Record<number, string> = {
    0x00: 'add', 0x10: 'sub', 0x20: 'mul', 0x30: 'div', 0x40: 'or', 0x50: 'and', 0x60: 'lsh', 0x70: 'rsh',
    0x90: 'mod', 0xa0: 'xor', 0xb0: 'mov', 0xc0: 'arsh',
  };
  for (const cls of [4, 7]) {
    const w = cls === 7 ? '64' : '32';
    for (const [op, name] of Object.entries(names)) {
      for (const x of [0, 8]) {
        const opcode = cls | Number(op) | x;
        const kind = x ? 'reg' : 'imm';
        forms.push({ opcode, off: 0, name: `${name}${w} ${kind}` });
        if (name === 'div' || name === 'mod') forms.push({ opcode, off: 1, name: `s${name}${w} ${kind}` });
      }
    }
    forms.push({ opcode: cls | 0x80, off: 0, name: `neg${w}` });
    for (const off of cls === 7 ? [8, 16, 32] : [8, 16]) forms.push({ opcode: cls | 0xb8, off, name: `movsx${w} ${off}` });
  }
  for (const imm of [16, 32, 64]) {
    forms.push({ opcode: 0xd4, off: 0, imm, name: `le${imm}` });
    forms.push({ opcode: 0xdc, off: 0, imm, name: `be${imm}` });
    forms.push({ opcode: 0xd7, off: 0, imm, name: `bswap${imm}` });
  }
  return forms;
})();

/** Every conditional jump form: JMP and JMP32, K and X. */
export const JUMP_FORMS: ReadonlyArray<{ opcode: number; name: string }> = (() => {
  const names: Record<number, string> = {
    0x10: 'jeq', 0x20: 'jgt', 0x30: 'jge', 0x40: 'jset', 0x50: 'jne', 0x60: 'jsgt', 0x70: 'jsge', 0xa0: 'jlt',
    0xb0: 'jle', 0xc0: 'jslt', 0xd0: 'jsle',
  };
  const forms: { opcode: number; name: string }[] = [];
  for (const cls of [5, 6]) {
    for (const [op, name] of Object.entries(names)) {
      for (const x of [0, 8]) forms.push({ opcode: cls | Number(op) | x, name: `${name}${cls === 6 ? '32' : ''} ${x ? 'reg' : 'imm'}` });
    }
  }
  return forms;
})();

/** 64-bit operands biased toward the edges where implementations break. */
export const u64Arb = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.constantFrom(0n, 1n, 2n, 31n, 32n, 63n, 64n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
    (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, (1n << 64n) - 2n),
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.bigInt({ min: 0n, max: 0xffffn }).map((v) => (1n << 64n) - v), // small negatives
  fc.integer({ min: 0, max: 63 }).map((k) => 1n << BigInt(k)),
);
