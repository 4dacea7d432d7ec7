import { describe, expect, it } from 'vitest';
import { arrayMap, errnoOf, hashMap, readU64, retImm, setup, socketFilter, u32le, u64le } from './support.js';

describe('smoke', () => {
  it('creates a map, updates and looks up, loads a program and test-runs it', () => {
    const { proc } = setup();
    const m = hashMap(proc);
    expect(m).toBe(3);
    proc.mapUpdate(m, u32le(1), u64le(42n));
    expect(readU64(proc.mapLookup(m, u32le(1)))).toBe(42n);
    expect(errnoOf(() => proc.mapLookup(m, u32le(2)))).toBe('ENOENT');
    const p = socketFilter(proc, retImm(7));
    expect(p).toBe(4);
    const r = proc.progTestRun(p, { data_in: new Uint8Array(64) });
    expect(r.retval).toBe(7);
    expect(arrayMap(proc)).toBe(5);
  });
});
