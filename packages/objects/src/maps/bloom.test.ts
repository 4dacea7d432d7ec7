import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BloomFilterMap } from './bloom.js';
import { BPF_F_ZERO_SEED } from './constants.js';
import { createMap } from './create.js';
import { jhash, jhash2 } from './jhash.js';
import { errnoOf, FakeEnv, u32 } from './test-support.js';

const env = new FakeEnv(2);
const text = (s: string) => new TextEncoder().encode(s);

describe('jhash', () => {
  it('matches lookup3 hashlittle test vectors (the kernel jhash is lookup3)', () => {
    expect(jhash(new Uint8Array(0), 0)).toBe(0xdeadbeef);
    expect(jhash(text('Four score and seven years ago'), 0)).toBe(0x17770551);
    expect(jhash(text('Four score and seven years ago'), 1)).toBe(0xcd628161);
  });

  it('jhash2 over words equals jhash over the same little-endian bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 0xffffffff }), (b, seed) => {
        const words = b.subarray(0, b.length & ~3);
        expect(jhash2(words, seed)).toBe(jhash(words, seed));
      }),
      { numRuns: 100 },
    );
  });
});

describe('bloom filter', () => {
  it('sizes the bitset like bloom_map_alloc and defaults to 5 hash functions', () => {
    const b = createMap({ map_type: 'bloom_filter', key_size: 0, value_size: 4, max_entries: 100 }, env) as BloomFilterMap;
    expect(b.nrHashFuncs).toBe(5);
    expect(b.bitsetMask).toBe(1023); // 100 * 5 / 5 * 7 = 700 → 1024 bits
    const small = createMap({ map_type: 30, key_size: 0, value_size: 4, max_entries: 1, map_extra: 3 }, env) as BloomFilterMap;
    expect([small.nrHashFuncs, small.bitsetMask]).toEqual([3, 63]);
    const huge = createMap({ map_type: 30, key_size: 0, value_size: 4, max_entries: 0xffffffff }, env) as BloomFilterMap;
    expect(huge.bitsetMask).toBe(0xffffffff);
    const z = createMap({ map_type: 30, key_size: 0, value_size: 4, max_entries: 8, map_flags: BPF_F_ZERO_SEED }, env) as BloomFilterMap;
    expect(z.hashSeed).toBe(0);
  });

  it('no false negatives (property), and syscall semantics', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1e6 }), { maxLength: 60 }), fc.constantFrom(4, 6), (vals, vs) => {
        const b = createMap({ map_type: 30, key_size: 0, value_size: vs, max_entries: 64 }, env);
        const enc = (v: number) => {
          const out = new Uint8Array(vs);
          out.set(u32(v));
          return out;
        };
        for (const v of vals) b.update(null, enc(v));
        for (const v of vals) {
          expect(b.peekFromProgram!(enc(v))).toBe(0);
          expect([...b.lookup(null, 0, undefined, enc(v))]).toEqual([...enc(v)]);
        }
      }),
      { numRuns: 40 },
    );
    const b = createMap({ map_type: 30, key_size: 0, value_size: 4, max_entries: 64 }, env);
    expect(errnoOf(() => b.lookup(null, 0, undefined, u32(1)))).toBe('ENOENT');
    expect(errnoOf(() => b.update(null, u32(1), 2))).toBe('EINVAL');
    expect(errnoOf(() => b.delete(null))).toBe('EOPNOTSUPP');
    expect(errnoOf(() => b.getNextKey(null))).toBe('EOPNOTSUPP');
    expect(errnoOf(() => b.lookupAndDelete(null))).toBe('ENOTSUPP');
    expect(b.popFromProgram!(new Uint8Array(4))).toBe(-95);
  });

  it('false positive rate stays in the expected range for a filled filter', () => {
    const b = createMap({ map_type: 30, key_size: 0, value_size: 4, max_entries: 1000, map_flags: BPF_F_ZERO_SEED }, env);
    for (let i = 0; i < 1000; i++) b.pushFromProgram!(u32(i), 0);
    let fp = 0;
    for (let i = 1000; i < 11000; i++) if (b.peekFromProgram!(u32(i)) === 0) fp++;
    // 8192 bits, 5 hashes, 1000 entries: (1 - e^(-5000/8192))^5 ≈ 1.7%
    expect(fp / 10000).toBeLessThan(0.05);
  });
});
