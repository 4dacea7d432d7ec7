// Entries that hold references: every retain is released exactly once (delete / replace / clear / free).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BPF_F_CURRENT_CPU, BPF_F_PRESERVE_ELEMS } from './constants.js';
import { createMap } from './create.js';
import type { PerfEventArrayMap, ProgArrayMap } from './fd-array.js';
import { errnoOf, FakeEnv, readU32, u32 } from './test-support.js';
import type { BpfMap } from './types.js';

describe('prog_array', () => {
  it('stores program references; lookup returns the program ID; replace/delete release the old one', () => {
    const env = new FakeEnv(2);
    const m = createMap({ map_type: 'prog_array', key_size: 4, value_size: 4, max_entries: 4 }, env) as ProgArrayMap;
    const p1 = env.add('prog', { name: 'p1' }, { type: 3 });
    const p2 = env.add('prog', { name: 'p2' }, { type: 3 });
    m.update(u32(0), u32(p1.fd));
    expect(env.held(p1.fd)).toBe(1);
    expect(readU32(m.lookup(u32(0)))).toBe(p1.obj.id);
    expect(m.tailCallTarget(0)?.id).toBe(p1.obj.id);
    m.update(u32(0), u32(p2.fd)); // replace
    expect([env.held(p1.fd), env.held(p2.fd)]).toEqual([0, 1]);
    m.delete(u32(0));
    expect(env.held(p2.fd)).toBe(0);
    expect(errnoOf(() => m.delete(u32(0)))).toBe('ENOENT');
    expect(errnoOf(() => m.delete(u32(4)))).toBe('E2BIG');
    expect(errnoOf(() => m.update(u32(0), u32(p1.fd), 1))).toBe('EINVAL');
    expect(errnoOf(() => m.update(u32(0), u32(999)))).toBe('EBADF');
    const mp = env.add('map', {});
    expect(errnoOf(() => m.update(u32(0), u32(mp.fd)))).toBe('EINVAL');
    expect(m.tailCallTarget(0)).toBeNull();
    expect(env.totalHeld()).toBe(0);
  });

  it('the first program fixes the owner type; other types are EINVAL', () => {
    const env = new FakeEnv(2);
    const m = createMap({ map_type: 3, key_size: 4, value_size: 4, max_entries: 2 }, env) as ProgArrayMap;
    const xdp = env.add('prog', {}, { type: 6, jited: true });
    const kprobe = env.add('prog', {}, { type: 2, jited: true });
    m.update(u32(0), u32(xdp.fd));
    expect(m.owner).toEqual({ type: 6, jited: true });
    expect(errnoOf(() => m.update(u32(1), u32(kprobe.fd)))).toBe('EINVAL');
    expect(env.held(kprobe.fd)).toBe(0);
    expect(m.progCompatible({ type: 6, jited: false })).toBe(false);
  });

  it('last user reference gone clears entries (prog_array_map_clear); free after that releases nothing twice', () => {
    const env = new FakeEnv(2);
    const m = createMap({ map_type: 3, key_size: 4, value_size: 4, max_entries: 4 }, env);
    const p = env.add('prog', {}, { type: 1 });
    m.update(u32(1), u32(p.fd));
    m.update(u32(2), u32(p.fd));
    expect(env.held(p.fd)).toBe(2);
    m.onLastUserRefGone();
    expect(env.held(p.fd)).toBe(0);
    expect(m.count).toBe(0);
    m.free();
    expect(p.obj.releases).toBe(2);
  });

  it('property: after any update/delete sequence and free, every retain was released exactly once', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ del: fc.boolean(), idx: fc.integer({ min: 0, max: 5 }), prog: fc.integer({ min: 0, max: 2 }) }), { maxLength: 40 }),
        fc.constantFrom('prog_array', 'array_of_maps', 'hash_of_maps'),
        (ops, type) => {
          const env = new FakeEnv(2);
          let m: BpfMap;
          let targets: number[];
          if (type === 'prog_array') {
            m = createMap({ map_type: type, key_size: 4, value_size: 4, max_entries: 4 }, env);
            targets = [0, 1, 2].map(() => env.add('prog', {}, { type: 1 }).fd);
          } else {
            const tmpl = createMap({ map_type: 'array', key_size: 4, value_size: 4, max_entries: 2 }, env);
            const tfd = env.addMap(tmpl).fd;
            m = createMap({ map_type: type, key_size: 4, value_size: 4, max_entries: 4, inner_map_fd: tfd }, env);
            targets = [0, 1, 2].map(() => env.addMap(createMap({ map_type: 'array', key_size: 4, value_size: 4, max_entries: 2 }, env)).fd);
          }
          for (const o of ops) {
            if (o.del) errnoOf(() => m.delete(u32(o.idx)));
            else errnoOf(() => m.update(u32(o.idx), u32(targets[o.prog])));
            expect(env.totalHeld()).toBe(m.count);
          }
          m.free();
          expect(env.totalHeld()).toBe(0);
          for (const o of env.objects.values()) expect(o.releases).toBe(o.retains);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('map-in-map', () => {
  it('entries must match the template; lookups return inner map IDs, programs get the map', () => {
    const env = new FakeEnv(2);
    const tmpl = createMap({ map_type: 'hash', key_size: 4, value_size: 8, max_entries: 4 }, env);
    const outer = createMap({ map_type: 'hash_of_maps', key_size: 4, value_size: 4, max_entries: 4, inner_map_fd: env.addMap(tmpl).fd }, env);
    const big = createMap({ map_type: 'hash', key_size: 4, value_size: 8, max_entries: 1000 }, env);
    const bigFd = env.addMap(big);
    const wrong = env.addMap(createMap({ map_type: 'hash', key_size: 4, value_size: 16, max_entries: 4 }, env));
    outer.update(u32(7), u32(bigFd.fd)); // hash templates don't compare max_entries
    expect(readU32(outer.lookup(u32(7)))).toBe(bigFd.obj.id);
    expect(outer.lookupInnerMap!(u32(7))).toBe(big);
    expect(errnoOf(() => outer.update(u32(8), u32(wrong.fd)))).toBe('EINVAL');
    expect(errnoOf(() => outer.update(u32(7), u32(bigFd.fd), 1))).toBe('EEXIST');
    expect(bigFd.obj.retains - bigFd.obj.releases).toBe(1); // the failed NOEXIST insert dropped its reference
    const batch = outer.lookupBatch({ count: 4 });
    expect(readU32(batch.values!)).toBe(bigFd.obj.id);
    expect(errnoOf(() => outer.lookupAndDelete(u32(7)))).toBe('ENOTSUPP');
    outer.free();
    expect(env.totalHeld()).toBe(0);
  });

  it('templates: nested map-in-map is EINVAL, prog_array is ENOTSUPP', () => {
    const env = new FakeEnv(2);
    const inner = createMap({ map_type: 'array', key_size: 4, value_size: 4, max_entries: 1 }, env);
    const aom = createMap({ map_type: 'array_of_maps', key_size: 4, value_size: 4, max_entries: 1, inner_map_fd: env.addMap(inner).fd }, env);
    expect(aom.innerMapMeta?.maxEntries).toBe(1);
    expect(errnoOf(() => createMap({ map_type: 'array_of_maps', key_size: 4, value_size: 4, max_entries: 1, inner_map_fd: env.addMap(aom).fd }, env))).toBe('EINVAL');
    const pa = createMap({ map_type: 'prog_array', key_size: 4, value_size: 4, max_entries: 1 }, env);
    expect(errnoOf(() => createMap({ map_type: 'array_of_maps', key_size: 4, value_size: 4, max_entries: 1, inner_map_fd: env.addMap(pa).fd }, env))).toBe('ENOTSUPP');
    expect(errnoOf(() => createMap({ map_type: 'array_of_maps', key_size: 4, value_size: 4, max_entries: 1, inner_map_fd: env.add('prog').fd }, env))).toBe('EINVAL');
  });
});

describe('perf_event_array', () => {
  it('bpf_perf_event_output: current cpu slot, errors, samples in order, lost when full', () => {
    const env = new FakeEnv(2);
    const m = createMap({ map_type: 'perf_event_array', key_size: 4, value_size: 4, max_entries: 2 }, env) as PerfEventArrayMap;
    const ev0 = env.add('perf_event', { cpu: 0 });
    const ev1 = env.add('perf_event', { cpu: 1 });
    expect(m.perfEventOutput(0, BPF_F_CURRENT_CPU, Uint8Array.of(1))).toBe(-2); // no event yet
    m.update(u32(0), u32(ev0.fd));
    m.update(u32(1), u32(ev1.fd));
    expect(errnoOf(() => m.lookup(u32(0)))).toBe('ENOTSUPP');
    expect(m.perfEventOutput(0, BPF_F_CURRENT_CPU, Uint8Array.of(1, 2))).toBe(0);
    expect(m.perfEventOutput(1, BPF_F_CURRENT_CPU, Uint8Array.of(3))).toBe(0);
    expect(m.perfEventOutput(1, 0, Uint8Array.of(4))).toBe(-95); // event bound to cpu 0
    expect(m.perfEventOutput(0, 5, Uint8Array.of(4))).toBe(-7);
    expect(m.perfEventOutput(0, 2n ** 32n, Uint8Array.of(4))).toBe(-22);
    const got: Array<[number, number[]]> = [];
    expect(m.consume((s) => got.push([s.index, [...s.data]]))).toBe(2);
    expect(got).toEqual([[0, [1, 2]], [1, [3]]]);
    m.perSlotCapacity = 32;
    expect(m.perfEventOutput(0, 0, new Uint8Array(16))).toBe(0);
    expect(m.perfEventOutput(0, 0, new Uint8Array(16))).toBe(0);
    let lost = 0;
    m.consume(() => {}, (_i, n) => (lost += n));
    expect(lost).toBe(1);
    m.onLastUserRefGone();
    expect(env.totalHeld()).toBe(0);
  });

  it('BPF_F_PRESERVE_ELEMS keeps entries past the last user reference until free', () => {
    const env = new FakeEnv(2);
    const m = createMap({ map_type: 4, key_size: 4, value_size: 4, max_entries: 2, map_flags: BPF_F_PRESERVE_ELEMS }, env);
    const ev = env.add('perf_event', {});
    m.update(u32(0), u32(ev.fd));
    m.onLastUserRefGone();
    expect(env.held(ev.fd)).toBe(1);
    m.free();
    expect(env.held(ev.fd)).toBe(0);
  });
});

describe('perf_event_array map_release', () => {
  it('closing the map file that added an entry removes it (not with BPF_F_PRESERVE_ELEMS)', () => {
    for (const preserve of [false, true]) {
      const env = new FakeEnv(2);
      const m = createMap({ map_type: 4, key_size: 4, value_size: 4, max_entries: 2, map_flags: preserve ? BPF_F_PRESERVE_ELEMS : 0 }, env);
      const fileA = {};
      const fileB = {};
      const ev = env.add('perf_event', {});
      m.update(u32(0), u32(ev.fd), 0, undefined, fileA);
      m.update(u32(1), u32(ev.fd), 0, undefined, fileB);
      m.onFileReleased!(fileA);
      expect(m.count).toBe(preserve ? 2 : 1);
      expect(env.held(ev.fd)).toBe(preserve ? 2 : 1);
      m.onFileReleased!(fileB);
      m.free();
      expect(env.held(ev.fd)).toBe(0);
    }
  });
});
