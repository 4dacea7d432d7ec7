// The only ways generated JavaScript gets its variable parts: numbers and register names built from numbers.
// Nothing from the input program is ever interpolated as text (vm-jit rule: numbers only), so a hostile
// instruction stream can at worst produce a wrong number, never code.

/** An integer literal for generated code; negative values are parenthesized so `a - (-1)` stays an expression. */
export function num(n: number): string {
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new TypeError(`JIT: not an integer literal: ${String(n)}`);
  return n < 0 ? `(${n})` : `${n}`;
}

function reg(r: number): number {
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 0 || r > 10) throw new TypeError(`JIT: not a register: ${String(r)}`);
  return r;
}

/** The JS local holding the high 32 bits (int32) of register r. */
export const hi = (r: number): string => `h${reg(r)}`;
/** The JS local holding the low 32 bits (int32) of register r. */
export const lo = (r: number): string => `l${reg(r)}`;

/** A 64-bit operand as two int32 expressions. */
export interface Pair {
  readonly h: string;
  readonly l: string;
}

/** How the high word of r is read where `hz` (a mask of registers whose high word is known 0) applies. */
export const hiRead = (r: number, hz = 0): string => ((hz >> reg(r)) & 1 ? '0' : hi(r));

export const regPair = (r: number, hz = 0): Pair => ({ h: hiRead(r, hz), l: lo(r) });

/** A sign-extended 32-bit immediate as a 64-bit operand (ALU64 and JMP immediates). */
export const immPair = (imm: number): Pair => ({ h: imm < 0 ? '(-1)' : '0', l: num(imm | 0) });

/** A 64-bit constant (lddw) as a pair. */
export const constPair = (hiWord: number, loWord: number): Pair => ({ h: num(hiWord | 0), l: num(loWord | 0) });
