import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommonLru } from './lru-list.js';
import { lruHarness, type Owner } from './lru-test-harness.js';

/** A CommonLru with a table of live owners; evicting a dead owner or twice fails the test. */
const harness = (nrElems: number, ncpus: number) =>
  lruHarness((onEvict) => new CommonLru<Owner>(nrElems, ncpus, onEvict));

describe('common bpf_lru_list', () => {
  it('with target_free 1 (4 nodes, 2 cpus) an insert into a full list evicts exactly the oldest unreferenced node', () => {
    const h = harness(4, 2);
    const [a, b, c, d] = [0, 1, 2, 3].map(() => h.insert(0)!);
    expect(h.evictedIds()).toEqual([]);
    h.lru.setRef(a.node!); // a program looked `a` up
    h.insert(0);
    expect(h.evictedIds()).toEqual([b.id]); // a went to the active list, b is the inactive tail
    h.insert(0);
    expect(h.evictedIds()).toEqual([b.id, c.id]);
    expect([...h.live].map((o) => o.id).sort()).toEqual([a.id, d.id, 4, 5]);
  });

  it('a freed pending node goes back to its own cpu; shrinking comes before stealing it', () => {
    // Linux 6.18, lru_hash max_entries 2: on cpu 1 insert 1; on cpu 0 insert 0, delete 1, insert 2 → 0 is gone;
    // insert 3 → 2 is gone (cpu 1's free node is never used while something can be shrunk).
    const h = harness(2, 2); // target_free clamps to 1
    const x = h.insert(1)!;
    const w = h.insert(0)!;
    h.remove(x); // back to cpu 1's local free list, not the global one
    h.insert(0); // cpu 0: global free list empty → flush w to inactive and shrink it (bpf_lru_list_pop_free_to_local)
    expect(h.evictedIds()).toEqual([w.id]);
    const g = harness(1, 2);
    const y = g.insert(1)!;
    g.remove(y);
    const z = g.insert(0)!; // nothing to shrink anywhere: steal cpu 1's free node (next_steal starts at cpu 0)
    expect(z).toBeDefined();
    expect(g.evictedIds()).toEqual([]);
    g.insert(0); // now z is the only node: flushed to inactive and shrunk
    expect(g.evictedIds()).toEqual([z.id]);
  });

  it('never loses or duplicates a node and evicts each element at most once (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), cpu: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('ref' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 80 }), (nrElems, ops) => {
        const h = harness(nrElems, 3);
        for (const o of ops) {
          const live = [...h.live];
          if (o.kind === 'insert') {
            expect(h.insert(o.cpu), 'a node is always available: free, shrunk or stolen').toBeDefined();
          } else if (live.length) {
            const victim = live[o.pick % live.length];
            if (o.kind === 'remove') h.remove(victim);
            else h.lru.setRef(victim.node!);
          }
          expect(h.live.size).toBeLessThanOrEqual(nrElems);
        }
        // Free every live element: then nrElems inserts must succeed without evicting anything.
        for (const o of [...h.live]) h.remove(o);
        const before = h.evicted.length;
        for (let i = 0; i < nrElems; i++) expect(h.insert(i % 3)).toBeDefined();
        expect(h.evicted.length).toBe(before);
      }),
      { numRuns: 60 },
    );
  });
});
