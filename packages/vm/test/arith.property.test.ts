// 64-bit arithmetic on int32 pairs (arith.ts) against BigInt, with operands near the hard edges
// (2^32, 2^53, 2^63, 2^64, powers of two and their neighbours).
import { mul64, mulhiU32, OUT, sdivmod64, udivmod64 } from '@bpfsim/vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const M64 = (1n << 64n) - 1n;
const lo = (v: bigint): number => Number(BigInt.asIntN(32, v));
const hi = (v: bigint): number => Number(BigInt.asIntN(32, v >> 32n));
const pair = (l: number, h: number): bigint => (BigInt(h >>> 0) << 32n) | BigInt(l >>> 0);

const edge = fc
  .tuple(fc.integer({ min: 0, max: 64 }), fc.integer({ min: -3, max: 3 }))
  .map(([k, d]) => ((1n << BigInt(k)) + BigInt(d)) & M64);
const u64 = fc.oneof(fc.bigInt({ min: 0n, max: M64 }), edge, fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.bigInt({ min: 1n << 52n, max: 1n << 54n }));
const RUNS = 2000;

describe('arith', () => {
  it('mulhiU32 is the high word of the 64-bit product', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 0xffffffffn }), fc.bigInt({ min: 0n, max: 0xffffffffn }), (a, b) => {
        expect(mulhiU32(Number(a), Number(b)) >>> 0).toBe(Number((a * b) >> 32n));
      }),
      { numRuns: RUNS },
    );
    expect(mulhiU32(-1, -1) >>> 0).toBe(0xfffffffe);
  });

  it('mul64 is the product modulo 2^64', () => {
    fc.assert(
      fc.property(u64, u64, (a, b) => {
        mul64(lo(a), hi(a), lo(b), hi(b));
        expect(pair(OUT[0], OUT[1])).toBe((a * b) & M64);
      }),
      { numRuns: RUNS },
    );
  });

  it('udivmod64 gives the exact quotient and remainder', () => {
    fc.assert(
      fc.property(u64, u64.filter((b) => b !== 0n), (a, b) => {
        udivmod64(lo(a), hi(a), lo(b), hi(b));
        expect([pair(OUT[0], OUT[1]), pair(OUT[2], OUT[3])]).toEqual([a / b, a % b]);
      }),
      { numRuns: RUNS },
    );
    // worst cases for the double estimate: quotients just below/above powers of two
    for (const [a, b] of [[M64, 0x100000001n], [M64, M64], [M64 - 1n, M64], [1n << 63n, (1n << 32n) + 1n], [M64, 3n]]) {
      udivmod64(lo(a), hi(a), lo(b), hi(b));
      expect([pair(OUT[0], OUT[1]), pair(OUT[2], OUT[3])]).toEqual([a / b, a % b]);
    }
  });

  it('sdivmod64 truncates toward zero; INT64_MIN / -1 wraps', () => {
    fc.assert(
      fc.property(u64, u64.filter((b) => b !== 0n), (a, b) => {
        const sa = BigInt.asIntN(64, a);
        const sb = BigInt.asIntN(64, b);
        sdivmod64(lo(a), hi(a), lo(b), hi(b));
        expect([pair(OUT[0], OUT[1]), pair(OUT[2], OUT[3])]).toEqual([(sa / sb) & M64, (sa % sb) & M64]);
      }),
      { numRuns: RUNS },
    );
    sdivmod64(0, -0x80000000, -1, -1);
    expect([pair(OUT[0], OUT[1]), pair(OUT[2], OUT[3])]).toEqual([1n << 63n, 0n]);
  });
});
