// Property: the cyclic IDR hands out each id at most once among live objects, always the lowest free id at or after
// its cursor (wrapping), so a freed id comes back only after every id above it was tried — idr_alloc_cyclic.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CyclicIdr } from '@bpfsim/objects';

describe('CyclicIdr property', () => {
  it('matches a model of idr_alloc_cyclic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(fc.oneof(fc.constant(-1), fc.nat()), { maxLength: 60 }), (max, ops) => {
        const idr = new CyclicIdr<number>(1, max);
        const live = new Set<number>();
        let cursor = 1;
        for (const op of ops) {
          if (op === -1) {
            if (live.size === max) {
              expect(() => idr.alloc(0)).toThrow(/ENOSPC/);
              continue;
            }
            let want = cursor;
            while (live.has(want)) want = want >= max ? 1 : want + 1;
            const got = idr.alloc(0);
            expect(got).toBe(want);
            live.add(got);
            cursor = got >= max ? 1 : got + 1;
          } else if (live.size) {
            const id = [...live][op % live.size];
            idr.remove(id);
            live.delete(id);
          }
          expect(idr.ids()).toEqual([...live].sort((a, b) => a - b));
        }
      }),
      { numRuns: 200 },
    );
  });
});
