import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PercpuLru } from './lru-percpu.js';
import { lruHarness, type Owner } from './lru-test-harness.js';

/** A PercpuLru with a table of live owners; evicting a dead owner (or one twice) fails the test. */
const harness = (nrElems: number, ncpus: number) =>
  lruHarness((onEvict) => new PercpuLru<Owner>(nrElems, ncpus, onEvict));

describe('per-cpu bpf_lru_list (BPF_F_NO_COMMON_LRU)', () => {
  it('bpf_percpu_lru_populate gives every cpu nr_elems / ncpus nodes', () => {
    const h = harness(6, 3);
    for (const cpu of [0, 1, 2]) for (let i = 0; i < 2; i++) h.insert(cpu);
    expect(h.evicted).toEqual([]);
    h.insert(2); // cpu 2's two nodes are used: shrink both (PERCPU_FREE_TARGET 4 > 2)
    expect(h.evicted.map((o) => o.id)).toEqual([4, 5]);
  });

  it('the shrink stops after PERCPU_FREE_TARGET evictions and PERCPU_NR_SCANS scanned nodes', () => {
    const h = harness(12, 2); // 6 per cpu
    const owners = Array.from({ length: 6 }, () => h.insert(0)!);
    h.insert(0);
    expect(h.evicted.map((o) => o.id)).toEqual([0, 1, 2, 3]); // oldest four, inactive tail first
    // Hand-traced: every pop rotates; after inserting 0..5 next_inactive_rotation is node 4, so the rotation before
    // the 7th insert looks at 4, 5, (head), 0, 1. References on 2 and 3 are outside that window: the shrink scans
    // 0 (evict), 1 (evict), 2 (→ active), 3 (→ active) and stops at 4 scanned nodes with only 2 freed.
    const g = harness(12, 2);
    const gs = Array.from({ length: 6 }, () => g.insert(0)!);
    g.lru.setRef(gs[2].node!);
    g.lru.setRef(gs[3].node!);
    g.insert(0);
    expect(g.evicted.map((o) => o.id)).toEqual([0, 1]);
    // References on 0 and 1 are inside the window: the rotation moves them to active, and 2..5 are shrunk.
    const r = harness(12, 2);
    const rs = Array.from({ length: 6 }, () => r.insert(0)!);
    r.lru.setRef(rs[0].node!);
    r.lru.setRef(rs[1].node!);
    r.insert(0);
    expect(r.evicted.map((o) => o.id)).toEqual([2, 3, 4, 5]);
    expect(owners).toHaveLength(6);
  });

  it('only the inserting cpu evicts, and only its own elements; each cpu keeps at most its share (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), cpu: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('ref' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 80 }), (share, ops) => {
        const h = harness(share * 3, 3);
        for (const o of ops) {
          const live = [...h.live];
          if (o.kind === 'insert') {
            const before = h.evicted.length;
            expect(h.insert(o.cpu), 'a cpu with a non-empty share always gets a node').toBeDefined();
            for (const e of h.evicted.slice(before)) expect(e.cpu).toBe(o.cpu);
          } else if (live.length) {
            const victim = live[o.pick % live.length];
            if (o.kind === 'remove') h.remove(victim);
            else h.lru.setRef(victim.node!);
          }
          for (const cpu of [0, 1, 2]) expect([...h.live].filter((x) => x.cpu === cpu).length).toBeLessThanOrEqual(share);
        }
        // Free everything: then every cpu takes its whole share again without evicting.
        for (const o of [...h.live]) h.remove(o);
        const before = h.evicted.length;
        for (const cpu of [0, 1, 2]) for (let i = 0; i < share; i++) expect(h.insert(cpu)).toBeDefined();
        expect(h.evicted.length).toBe(before);
      }),
      { numRuns: 60 },
    );
  });
});
