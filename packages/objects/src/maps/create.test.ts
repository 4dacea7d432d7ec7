// Create-time validation: errno table cross-checked against kernel/bpf/*.c alloc checks (and, in
// kernel-oracle.test.ts, against the running kernel).
import { describe, expect, it } from 'vitest';
import * as C from './constants.js';
import { createMap, checkMapCreate, mapCreateCapability } from './create.js';
import { CREATE_CASES } from './create-cases.js';
import { errnoOf, FakeEnv } from './test-support.js';
import type { MapCreateAttr } from './types.js';

const env = new FakeEnv(4);
const mk = (a: Partial<MapCreateAttr> & { map_type: number | string }) =>
  errnoOf(() => createMap({ key_size: 4, value_size: 8, max_entries: 16, ...a } as MapCreateAttr, env));

describe('BPF_MAP_CREATE validation', () => {
  it.each(CREATE_CASES)('%s → %s', (_name, attr, want) => {
    expect(errnoOf(() => createMap(attr, env))).toBe(want);
  });

  it('spin lock modelling follows map_check_btf', () => {
    expect(mk({ map_type: 1, spin_lock_off: 0 })).toBe('ok');
    expect(mk({ map_type: 2, spin_lock_off: 4 })).toBe('ok');
    expect(mk({ map_type: 2, spin_lock_off: 6 })).toBe('EINVAL'); // misaligned
    expect(mk({ map_type: 2, spin_lock_off: 8 })).toBe('EINVAL'); // outside the 8-byte value
    expect(mk({ map_type: 5, spin_lock_off: 0 })).toBe('EOPNOTSUPP'); // percpu hash can't hold a lock
    expect(mk({ map_type: 9, spin_lock_off: 0 })).toBe('EOPNOTSUPP');
    expect(mk({ map_type: 2, spin_lock_off: 0, map_flags: C.BPF_F_RDONLY_PROG })).toBe('EACCES');
    const noBpf = new FakeEnv(2, { CAP_BPF: false });
    expect(errnoOf(() => createMap({ map_type: 2, key_size: 4, value_size: 8, max_entries: 1, spin_lock_off: 0 }, noBpf))).toBe('EPERM');
  });

  it('BPF_F_ZERO_SEED needs CAP_SYS_ADMIN', () => {
    const attr = { map_type: 1, key_size: 4, value_size: 4, max_entries: 1, map_flags: C.BPF_F_ZERO_SEED };
    expect(errnoOf(() => createMap(attr, new FakeEnv(2, { CAP_SYS_ADMIN: false })))).toBe('EPERM');
    expect(errnoOf(() => createMap(attr, env))).toBe('ok');
  });

  it('keeps map_flags without RDONLY/WRONLY and resolves type names', () => {
    const m = createMap({ map_type: 'lru_hash', key_size: 4, value_size: 4, max_entries: 8, map_flags: C.BPF_F_RDONLY | C.BPF_F_ZERO_SEED }, env);
    expect(m.mapType).toBe(C.BPF_MAP_TYPE_LRU_HASH);
    expect(m.mapFlags).toBe(C.BPF_F_ZERO_SEED);
    const a = checkMapCreate({ map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_flags: C.BPF_F_WRONLY }, env);
    expect(a.mapFlags).toBe(C.BPF_F_WRONLY);
  });

  it('BPF_F_NO_COMMON_LRU rounds max_entries to a multiple of the cpu count', () => {
    const m = createMap({ map_type: 9, key_size: 4, value_size: 4, max_entries: 10, map_flags: C.BPF_F_NO_COMMON_LRU }, env);
    expect(m.maxEntries).toBe(12); // 4 cpus
  });

  it('array index_mask: rounded to a power of two, E2BIG on overflow without bypass_spec_v1', () => {
    const unpriv = new FakeEnv(2, {}, false);
    const m = createMap({ map_type: 2, key_size: 4, value_size: 4, max_entries: 5 }, unpriv) as unknown as { indexMask: number; maxEntries: number };
    expect(m.indexMask).toBe(7);
    expect(m.maxEntries).toBe(5);
    expect(errnoOf(() => createMap({ map_type: 2, key_size: 4, value_size: 4, max_entries: 2 ** 31 + 1 }, unpriv))).toBe('E2BIG');
    // privileged: no rounding, so the same request only fails for memory
    expect(errnoOf(() => createMap({ map_type: 2, key_size: 4, value_size: 4, max_entries: 2 ** 31 + 1 }, env))).toBe('ENOMEM');
  });

  it('capabilities per type as in map_create', () => {
    expect(mapCreateCapability(C.BPF_MAP_TYPE_HASH)).toBeNull();
    expect(mapCreateCapability(C.BPF_MAP_TYPE_RINGBUF)).toBeNull();
    expect(mapCreateCapability(C.BPF_MAP_TYPE_LRU_HASH)).toBe('CAP_BPF');
    expect(mapCreateCapability(C.BPF_MAP_TYPE_LPM_TRIE)).toBe('CAP_BPF');
    expect(mapCreateCapability(C.BPF_MAP_TYPE_BLOOM_FILTER)).toBe('CAP_BPF');
  });

  it('rejects non-integer attrs with EINVAL', () => {
    expect(mk({ map_type: 1, key_size: 4.5 })).toBe('EINVAL');
    expect(mk({ map_type: 1, max_entries: Number.NaN })).toBe('EINVAL');
    expect(mk({ map_type: 2, map_extra: 'x' as unknown as number })).toBe('EINVAL');
  });
});
