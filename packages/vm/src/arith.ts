// 64-bit integer arithmetic on pairs of int32 halves (hi, lo), exact and allocation-free.
// Results land in the shared scratch `OUT` (read them before the next call): a quotient/product in OUT[0] (lo) and
// OUT[1] (hi), a remainder in OUT[2] (lo) and OUT[3] (hi). Both engines may use these.

export const OUT = new Int32Array(4);

const TWO32 = 4294967296;

/** High 32 bits of the unsigned 64-bit product of two uint32 values (as int32). */
export function mulhiU32(a: number, b: number): number {
  const ua = a >>> 0;
  const ub = b >>> 0;
  // The double product is within 2^11 of the exact one; subtracting the exact low word leaves hi * 2^32 plus an
  // error far below 2^31, so rounding recovers hi exactly.
  return Math.round((ua * ub - (Math.imul(a, b) >>> 0)) / TWO32) | 0;
}

/** Low 64 bits of a * b into OUT[0..1]. */
export function mul64(alo: number, ahi: number, blo: number, bhi: number): void {
  OUT[1] = (Math.imul(ahi, blo) + Math.imul(alo, bhi) + mulhiU32(alo, blo)) | 0;
  OUT[0] = Math.imul(alo, blo);
}

/** a >= b, both unsigned 64-bit. */
function geU64(alo: number, ahi: number, blo: number, bhi: number): boolean {
  const ah = ahi >>> 0;
  const bh = bhi >>> 0;
  return ah > bh || (ah === bh && alo >>> 0 >= blo >>> 0);
}

/** Unsigned a / b and a % b into OUT (quotient in [0..1], remainder in [2..3]). b must not be 0. */
export function udivmod64(alo: number, ahi: number, blo: number, bhi: number): void {
  const ua = alo >>> 0;
  const ub = blo >>> 0;
  if (bhi === 0) {
    if (ahi === 0) {
      const q = Math.floor(ua / ub);
      OUT[0] = q;
      OUT[1] = 0;
      OUT[2] = ua - q * ub;
      OUT[3] = 0;
      return;
    }
    // Long division by a 32-bit divisor, 16 bits at a time so every intermediate stays below 2^48 (exact).
    const uh = ahi >>> 0;
    const qh = Math.floor(uh / ub);
    let r = uh - qh * ub;
    let n = r * 65536 + (ua >>> 16);
    const q1 = Math.floor(n / ub);
    r = n - q1 * ub;
    n = r * 65536 + (ua & 0xffff);
    const q0 = Math.floor(n / ub);
    r = n - q0 * ub;
    OUT[0] = q1 * 65536 + q0;
    OUT[1] = qh;
    OUT[2] = r;
    OUT[3] = 0;
    return;
  }
  // Divisor >= 2^32, so the quotient fits 32 bits. A double estimate is within 1 of it; start one below (so q * b
  // never exceeds a) and correct upwards with exact pair arithmetic.
  if (!geU64(alo, ahi, blo, bhi)) {
    OUT[0] = 0;
    OUT[1] = 0;
    OUT[2] = alo;
    OUT[3] = ahi;
    return;
  }
  let q = Math.floor(((ahi >>> 0) * TWO32 + ua) / ((bhi >>> 0) * TWO32 + ub));
  if (q > 0) q -= 1;
  mul64(q | 0, 0, blo, bhi);
  let rlo = (alo - OUT[0]) | 0;
  let rhi = (ahi - OUT[1] - (ua < OUT[0] >>> 0 ? 1 : 0)) | 0;
  while (geU64(rlo, rhi, blo, bhi)) {
    const nlo = (rlo - blo) | 0;
    rhi = (rhi - bhi - (rlo >>> 0 < ub ? 1 : 0)) | 0;
    rlo = nlo;
    q++;
  }
  OUT[0] = q | 0;
  OUT[1] = 0;
  OUT[2] = rlo;
  OUT[3] = rhi;
}

/**
 * Signed a / b (truncated toward zero) and a % b (sign of a) into OUT, as RFC 9669's SDIV/SMOD.
 * b must not be 0. INT64_MIN / -1 wraps to INT64_MIN and INT64_MIN % -1 is 0, the RFC's results.
 */
export function sdivmod64(alo: number, ahi: number, blo: number, bhi: number): void {
  const negA = ahi < 0;
  const negB = bhi < 0;
  if (negA) {
    ahi = (~ahi + (alo === 0 ? 1 : 0)) | 0;
    alo = -alo | 0;
  }
  if (negB) {
    bhi = (~bhi + (blo === 0 ? 1 : 0)) | 0;
    blo = -blo | 0;
  }
  udivmod64(alo, ahi, blo, bhi);
  if (negA !== negB) {
    const lo = OUT[0];
    OUT[1] = (~OUT[1] + (lo === 0 ? 1 : 0)) | 0;
    OUT[0] = -lo | 0;
  }
  if (negA) {
    const lo = OUT[2];
    OUT[3] = (~OUT[3] + (lo === 0 ? 1 : 0)) | 0;
    OUT[2] = -lo | 0;
  }
}

/** Byte-reverses a 32-bit value. */
export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

/** Byte-reverses the low 16 bits (result zero-extended). */
export function bswap16(x: number): number {
  return ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
}

/** The unsigned 64-bit BigInt of a (lo, hi) pair. */
export function pairToBigInt(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
