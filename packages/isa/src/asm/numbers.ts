// The fixed-width integer ranges and views both assembly syntaxes need for the encoding.

export const INT32_MIN = -(2n ** 31n);
export const INT32_MAX = 2n ** 31n - 1n;
export const UINT32_MAX = 2n ** 32n - 1n;
export const INT16_MIN = -(2n ** 15n);
export const INT16_MAX = 2n ** 15n - 1n;
export const UINT16_MAX = 2n ** 16n - 1n;
export const INT64_MIN = -(2n ** 63n);
export const UINT64_MAX = 2n ** 64n - 1n;

/** The signed 32-bit value with the same low 32 bits. */
export const toInt32 = (value: bigint): number => Number(BigInt.asIntN(32, value));
/** The signed 16-bit value with the same low 16 bits. */
export const toInt16 = (value: bigint): number => Number(BigInt.asIntN(16, value));

/** lddw's 64-bit constant from its two halves (imm = low, imm2 = high). */
export const joinImm64 = (imm: number, imm2: number): bigint =>
  (BigInt.asUintN(32, BigInt(imm2)) << 32n) | BigInt.asUintN(32, BigInt(imm));

/** lddw's two halves, each as a signed 32-bit value, from any 64-bit pattern. */
export function splitImm64(value: bigint): { imm: number; imm2: number } {
  const bits = BigInt.asUintN(64, value);
  return { imm: toInt32(bits), imm2: toInt32(bits >> 32n) };
}

/** Signed decimal, or with `hex` signed hex (`-0x8`, `0x7f`), as llvm-objdump prints immediates. */
export function formatSigned(value: number | bigint, hex: boolean): string {
  const v = BigInt(value);
  if (!hex) return v.toString();
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

/** A relative target with an explicit sign: `+3`, `-1`, `+0` (`+0x3` with hex). */
export function formatRelative(value: number, hex: boolean): string {
  return value < 0 ? formatSigned(value, hex) : `+${formatSigned(value, hex)}`;
}
