// Test support shared by the LRU list tests: an LRU list plus the table of live owners it evicts from. Evicting an
// owner that is not in the table (dead, or evicted twice) fails the test.
import { expect } from 'vitest';
import type { BpfLru, LruNode } from './lru-list.js';

export interface Owner {
  id: number;
  cpu: number;
  node?: LruNode<Owner>;
}

export function lruHarness<L extends BpfLru<Owner>>(makeLru: (onEvict: (o: Owner) => void) => L) {
  const live = new Set<Owner>();
  const evicted: Owner[] = [];
  const lru = makeLru((o) => {
    expect(live.has(o), `owner ${o.id} evicted while not in the table`).toBe(true);
    live.delete(o);
    evicted.push(o);
  });
  let nextId = 0;
  const insert = (cpu: number): Owner | undefined => {
    const node = lru.popFree(cpu);
    if (!node) return undefined;
    const o: Owner = { id: nextId++, cpu, node };
    node.owner = o;
    live.add(o);
    return o;
  };
  const remove = (o: Owner): void => {
    live.delete(o);
    lru.pushFree(o.node!);
  };
  /** Ids of the evicted owners, in eviction order. */
  const evictedIds = (): number[] => evicted.map((o) => o.id);
  return { lru, live, evicted, evictedIds, insert, remove };
}
