import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BPF_ANY, BPF_EXIST } from './constants.js';
import { createMap } from './create.js';
import { errnoOf, FakeEnv, readU32, u32 } from './test-support.js';

const env = new FakeEnv(2);

describe('queue and stack', () => {
  it('queue is FIFO, stack LIFO; BPF_EXIST on a full map drops the oldest', () => {
    const q = createMap({ map_type: 'queue', key_size: 0, value_size: 4, max_entries: 3 }, env);
    const s = createMap({ map_type: 'stack', key_size: 0, value_size: 4, max_entries: 3 }, env);
    for (const m of [q, s]) {
      for (const v of [1, 2, 3]) m.update(null, u32(v));
      expect(errnoOf(() => m.update(null, u32(4)))).toBe('E2BIG');
      m.update(null, u32(4), BPF_EXIST); // drops 1
    }
    expect([1, 2, 3].map(() => readU32(q.lookupAndDelete(null)))).toEqual([2, 3, 4]);
    expect([1, 2, 3].map(() => readU32(s.lookupAndDelete(null)))).toEqual([4, 3, 2]);
    expect(errnoOf(() => q.lookupAndDelete(null))).toBe('ENOENT');
  });

  it('program helpers: push/pop/peek return 0 or -errno; empty pop zeroes the output', () => {
    const q = createMap({ map_type: 'queue', key_size: 0, value_size: 4, max_entries: 1 }, env);
    const out = Uint8Array.of(9, 9, 9, 9);
    expect(q.popFromProgram!(out)).toBe(-2);
    expect([...out]).toEqual([0, 0, 0, 0]);
    expect(q.pushFromProgram!(u32(5), BPF_ANY)).toBe(0);
    expect(q.pushFromProgram!(u32(6), BPF_ANY)).toBe(-7);
    expect(q.pushFromProgram!(u32(6), 1)).toBe(-22);
    expect(q.peekFromProgram!(out)).toBe(0);
    expect(readU32(out)).toBe(5);
    expect(q.count).toBe(1);
    expect(errnoOf(() => q.lookup(u32(0)))).toBe('EINVAL'); // keyless: a key pointer is EINVAL
  });

  it('behave like an array model (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), v: fc.integer({ min: 0, max: 1000 }), flags: fc.constantFrom(0, 2) }),
      fc.record({ kind: fc.constantFrom('pop' as const, 'peek' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 50 }), fc.boolean(), (ops, stack) => {
        const m = createMap({ map_type: stack ? 'stack' : 'queue', key_size: 0, value_size: 4, max_entries: 4 }, env);
        const model: number[] = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            if (model.length === 4 && o.flags === 0) {
              expect(errnoOf(() => m.update(null, u32(o.v), o.flags))).toBe('E2BIG');
              continue;
            }
            m.update(null, u32(o.v), o.flags);
            if (model.length === 4) model.shift();
            model.push(o.v);
          } else {
            const want = stack ? model[model.length - 1] : model[0];
            const got = o.kind === 'pop' ? () => m.lookupAndDelete(null) : () => m.lookup(null);
            if (!model.length) expect(errnoOf(got)).toBe('ENOENT');
            else expect(readU32(got())).toBe(want);
            if (o.kind === 'pop') stack ? model.pop() : model.shift();
          }
          expect(m.count).toBe(model.length);
        }
      }),
      { numRuns: 60 },
    );
  });
});
