// Bad input never crashes the host: every failure is a BpfError, and a failed call leaves the map intact.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BpfError } from '../errno.js';
import { createMap } from './create.js';
import { FakeEnv } from './test-support.js';
import type { BpfMap, MapCreateAttr } from './types.js';

const env = new FakeEnv(2);
const small = fc.constantFrom(0, 1, 3, 4, 5, 8, 12, 16, 64, 260, 261, 4096);
const attrArb = fc.record({
  map_type: fc.integer({ min: 0, max: 40 }),
  key_size: small,
  value_size: small,
  max_entries: fc.constantFrom(0, 1, 2, 3, 7, 8, 100, 4096),
  map_flags: fc.integer({ min: 0, max: (1 << 19) - 1 }),
  map_extra: fc.constantFrom(0, 1, 5, 15, 16),
});

/** Attributes that usually create a map, so the op property exercises real maps of every type. */
const validArb = fc
  .record({
    t: fc.constantFrom(
      [1, 4, 8, 0], [2, 4, 8, 0], [3, 4, 4, 0], [4, 4, 4, 0], [5, 4, 8, 0], [6, 4, 4, 0], [9, 8, 4, 0], [10, 4, 4, 2],
      [11, 8, 4, 1], [22, 0, 4, 0], [23, 0, 8, 0], [27, 0, 0, 0], [30, 0, 4, 0], [1, 4, 8, 64], [1, 3, 8, 1],
    ),
    max: fc.constantFrom(1, 2, 4, 4096),
  })
  .map(({ t, max }) => ({
    map_type: t[0],
    key_size: t[1],
    value_size: t[2],
    max_entries: t[0] === 27 ? 4096 : max,
    map_flags: t[3],
  }));

function tryCreate(a: MapCreateAttr): BpfMap | null {
  try {
    return createMap(a, env);
  } catch (e) {
    expect(e).toBeInstanceOf(BpfError);
    expect((e as BpfError).message).toMatch(/^E[A-Z0-9]+: BPF_MAP_CREATE/);
    return null;
  }
}

describe('robustness', () => {
  it('random create attrs either make a map or fail with a BpfError naming BPF_MAP_CREATE (property)', () => {
    fc.assert(
      fc.property(attrArb, (a) => {
        tryCreate(a);
      }),
      { numRuns: 400 },
    );
  });

  it('random bytes through every syscall op never crash and never change count on failure (property)', () => {
    const op = fc.record({
      kind: fc.constantFrom('lookup', 'update', 'delete', 'next', 'lad', 'lbatch', 'ubatch', 'dbatch', 'ldbatch'),
      key: fc.option(fc.uint8Array({ maxLength: 12 }), { nil: null }),
      value: fc.uint8Array({ maxLength: 40 }),
      flags: fc.constantFrom(0, 1, 2, 3, 4, 8, 0xffffffff),
      count: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(fc.oneof(attrArb, validArb, validArb), fc.array(op, { maxLength: 20 }), (a, ops) => {
        const m = tryCreate(a);
        if (!m) return;
        for (const o of ops) {
          const before = m.count;
          try {
            switch (o.kind) {
              case 'lookup':
                m.lookup(o.key, o.flags, undefined, o.value);
                break;
              case 'update':
                m.update(o.key, o.value, o.flags);
                break;
              case 'delete':
                m.delete(o.key);
                break;
              case 'next':
                m.getNextKey(o.key);
                break;
              case 'lad':
                m.lookupAndDelete(o.key, o.flags);
                break;
              case 'lbatch':
                m.lookupBatch({ count: o.count, inBatch: o.key, elem_flags: o.flags & 4 });
                break;
              case 'ldbatch':
                m.lookupAndDeleteBatch({ count: o.count, inBatch: o.key });
                break;
              case 'ubatch':
                m.updateBatch({ count: o.count, keys: o.key ?? undefined, values: o.value });
                break;
              case 'dbatch':
                m.deleteBatch({ count: o.count, keys: o.key ?? undefined });
                break;
            }
          } catch (e) {
            if (!(e instanceof BpfError)) throw e;
            if (o.kind !== 'lad' && o.kind !== 'ldbatch') expect(m.count).toBe(before);
          }
        }
        m.free();
      }),
      { numRuns: 300 },
    );
  });

  it('program-side ops with short or long keys return a result, never throw', () => {
    for (const t of ['hash', 'array', 'percpu_array', 'percpu_hash', 'lru_hash', 'lpm_trie', 'hash_of_maps']) {
      const inner = env.addMap(createMap({ map_type: 'array', key_size: 4, value_size: 4, max_entries: 1 }, env)).fd;
      const m = createMap(
        {
          map_type: t,
          key_size: t.includes('array') ? 4 : 8,
          value_size: t === 'hash_of_maps' ? 4 : 8,
          max_entries: 4,
          map_flags: t === 'lpm_trie' ? 1 : 0,
          inner_map_fd: inner,
        },
        env,
      );
      for (const k of [new Uint8Array(0), new Uint8Array(3), new Uint8Array(16)]) {
        expect(() => m.lookupForProgram(k, 0)).not.toThrow();
        expect(typeof m.updateFromProgram(k, new Uint8Array(8), 0, 0)).toBe('number');
        expect(typeof m.deleteFromProgram(k, 0)).toBe('number');
      }
    }
  });
});
