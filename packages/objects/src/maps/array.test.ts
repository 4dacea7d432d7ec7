import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ArrayMap } from './array.js';
import { BPF_ANY, BPF_EXIST, BPF_F_MMAPABLE, BPF_F_RDONLY_PROG, BPF_NOEXIST } from './constants.js';
import { createMap } from './create.js';
import { errnoOf, FakeEnv, readU32, readU64, u32, u64 } from './test-support.js';

const env = new FakeEnv(3);
const array = (max = 4, value = 8, flags = 0) =>
  createMap({ map_type: 'array', key_size: 4, value_size: value, max_entries: max, map_flags: flags }, env) as ArrayMap;

describe('array map', () => {
  it('starts zero-filled and counts every slot', () => {
    const m = array(3, 12);
    expect(m.count).toBe(3);
    expect([...m.lookup(u32(2))]).toEqual(new Array(12).fill(0));
  });

  it('update flags: ANY/EXIST overwrite, NOEXIST is EEXIST, out of range is E2BIG, lookup out of range ENOENT', () => {
    const m = array();
    m.update(u32(1), u64(7n), BPF_ANY);
    m.update(u32(1), u64(8n), BPF_EXIST);
    expect(readU64(m.lookup(u32(1)))).toBe(8n);
    expect(errnoOf(() => m.update(u32(1), u64(9n), BPF_NOEXIST))).toBe('EEXIST');
    expect(errnoOf(() => m.update(u32(4), u64(9n), BPF_ANY))).toBe('E2BIG');
    expect(errnoOf(() => m.lookup(u32(4)))).toBe('ENOENT');
    expect(errnoOf(() => m.update(u32(0), u64(9n), 8))).toBe('EINVAL');
    expect(errnoOf(() => m.delete(u32(0)))).toBe('EINVAL');
    expect(errnoOf(() => m.lookupAndDelete(u32(0)))).toBe('ENOTSUPP');
    expect(errnoOf(() => m.update(u32(0), new Uint8Array(4)))).toBe('EFAULT');
  });

  it('get_next_key: next index, last → ENOENT, missing/out-of-range key restarts at 0', () => {
    const m = array(3);
    expect(readU32(m.getNextKey(null))).toBe(0);
    expect(readU32(m.getNextKey(u32(0)))).toBe(1);
    expect(readU32(m.getNextKey(u32(1)))).toBe(2);
    expect(errnoOf(() => m.getNextKey(u32(2)))).toBe('ENOENT');
    expect(readU32(m.getNextKey(u32(1000)))).toBe(0);
  });

  it('lookupForProgram returns a live view that programs write through', () => {
    const m = array();
    const v = m.lookupForProgram(u32(2), 0)!;
    expect(v.length).toBe(8);
    v[0] = 0x2a;
    expect(m.lookup(u32(2))[0]).toBe(0x2a);
    m.update(u32(2), u64(0x1234n));
    expect(v[0]).toBe(0x34);
    expect(m.lookupForProgram(u32(4), 0)).toBeNull();
  });

  it('freeze: syscall writes EPERM, program writes still work', () => {
    const m = array();
    m.freeze();
    expect(m.frozen).toBe(true);
    expect(errnoOf(() => m.update(u32(0), u64(1n)))).toBe('EPERM');
    expect(m.updateFromProgram(u32(0), u64(5n), BPF_ANY, 0)).toBe(0);
    expect(readU64(m.lookup(u32(0)))).toBe(5n);
    expect(errnoOf(() => m.freeze())).toBe('EPERM'); // kernel: frozen maps have no write permission left
    expect(errnoOf(() => m.updateBatch({ count: 1, keys: u32(0), values: u64(1n) }))).toBe('EPERM');
  });

  it('fd access: read-only fds cannot update, write-only fds cannot look up', () => {
    const m = array();
    expect(errnoOf(() => m.update(u32(0), u64(1n), 0, { read: true, write: false }))).toBe('EPERM');
    expect(errnoOf(() => m.lookup(u32(0), 0, { read: false, write: true }))).toBe('EPERM');
    expect(errnoOf(() => m.getNextKey(null, { read: false, write: true }))).toBe('EPERM');
    expect(errnoOf(() => m.freeze({ read: true, write: false }))).toBe('EPERM');
  });

  it('BPF_F_RDONLY_PROG: program updates refused', () => {
    const m = array(4, 8, BPF_F_RDONLY_PROG);
    expect(m.updateFromProgram(u32(0), u64(1n), 0, 0)).toBeLessThan(0);
    m.update(u32(0), u64(1n));
    expect(readU64(m.lookup(u32(0)))).toBe(1n);
  });

  it('BPF_F_LOCK needs a spin lock; with one, the lock word is never copied', () => {
    const plain = array();
    expect(errnoOf(() => plain.update(u32(0), u64(1n), 4))).toBe('EINVAL');
    expect(errnoOf(() => plain.lookup(u32(0), 4))).toBe('EINVAL');
    const locked = createMap({ map_type: 2, key_size: 4, value_size: 8, max_entries: 1, spin_lock_off: 0 }, env);
    const v = locked.lookupForProgram(u32(0), 0)!;
    v[0] = 1; // a program holds the lock
    locked.update(u32(0), Uint8Array.from([9, 9, 9, 9, 5, 6, 7, 8]), 4);
    expect([...v]).toEqual([1, 0, 0, 0, 5, 6, 7, 8]);
    expect([...locked.lookup(u32(0), 4)]).toEqual([0, 0, 0, 0, 5, 6, 7, 8]);
    expect(errnoOf(() => locked.freeze())).toBe('ENOTSUPP');
  });

  it('BPF_F_MMAPABLE exposes the value area programs see', () => {
    const m = array(3, 4, BPF_F_MMAPABLE);
    const region = m.mmapRegion()!;
    expect(region.length).toBe(4096);
    m.update(u32(1), u32(0xdeadbeef));
    expect(readU32(region, 8)).toBe(0xdeadbeef); // elem_size = round_up(4, 8)
    expect(array().mmapRegion()).toBeNull();
  });

  it('generic batch: lookup in chunks with out_batch tokens, ENOENT at the end; update batch stops at the first error', () => {
    const m = array(5, 4);
    const keys = new Uint8Array(20);
    const vals = new Uint8Array(20);
    for (let i = 0; i < 5; i++) {
      keys.set(u32(i), i * 4);
      vals.set(u32(100 + i), i * 4);
    }
    expect(m.updateBatch({ count: 5, keys, values: vals })).toEqual({ count: 5, error: undefined });
    const r1 = m.lookupBatch({ count: 3 });
    expect(r1.count).toBe(3);
    expect(r1.error).toBeUndefined();
    expect(readU32(r1.outBatch!)).toBe(2);
    expect(readU32(r1.values!, 8)).toBe(102);
    const r2 = m.lookupBatch({ count: 3, inBatch: r1.outBatch });
    expect(r2.count).toBe(2);
    expect(r2.error?.errno).toBe('ENOENT');
    expect(readU32(r2.keys!, 4)).toBe(4);
    const bad = new Uint8Array(8);
    bad.set(u32(0), 0);
    bad.set(u32(9), 4);
    const r3 = m.updateBatch({ count: 2, keys: bad, values: new Uint8Array(8) });
    expect(r3.count).toBe(1);
    expect(r3.error?.errno).toBe('E2BIG');
    expect(errnoOf(() => m.deleteBatch({ count: 1, keys: u32(0) }))).toBe('ENOTSUPP');
    expect(errnoOf(() => m.lookupAndDeleteBatch({ count: 1 }))).toBe('ENOTSUPP');
    expect(errnoOf(() => m.lookupBatch({ count: 1, elem_flags: 1 }))).toBe('EINVAL');
    expect(m.lookupBatch({ count: 0 })).toEqual({ count: 0 });
  });

  it('behaves like a JS array model under random updates (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ idx: fc.integer({ min: 0, max: 6 }), val: fc.integer({ min: 0, max: 0xffffffff }), flags: fc.constantFrom(0, 1, 2, 3) }), { maxLength: 40 }),
        (ops) => {
          const m = createMap({ map_type: 2, key_size: 4, value_size: 4, max_entries: 5 }, env);
          const model = new Array(5).fill(0);
          for (const op of ops) {
            const want = op.flags > 2 ? 'EINVAL' : op.idx >= 5 ? 'E2BIG' : op.flags === 1 ? 'EEXIST' : 'ok';
            expect(errnoOf(() => m.update(u32(op.idx), u32(op.val), op.flags))).toBe(want);
            if (want === 'ok') model[op.idx] = op.val;
          }
          model.forEach((v, i) => expect(readU32(m.lookup(u32(i)))).toBe(v));
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('percpu array', () => {
  it('syscall value is ncpus × round_up(value_size, 8); programs see their own cpu', () => {
    const m = createMap({ map_type: 'percpu_array', key_size: 4, value_size: 4, max_entries: 2 }, env);
    expect(m.syscallValueSize).toBe(24);
    const v = new Uint8Array(24);
    v.set(u32(10), 0);
    v.set(u32(11), 8);
    v.set(u32(12), 16);
    m.update(u32(1), v);
    expect(readU32(m.lookupForProgram(u32(1), 2)!)).toBe(12);
    expect(m.lookupForProgram(u32(1), 0)!.length).toBe(4);
    expect(m.updateFromProgram(u32(1), u32(99), 0, 1)).toBe(0);
    const got = m.lookup(u32(1));
    expect([readU32(got, 0), readU32(got, 8), readU32(got, 16)]).toEqual([10, 99, 12]);
    expect(m.lookupPercpuForProgram!(u32(1), 3)).toBeNull();
    expect(readU32(m.lookupPercpuForProgram!(u32(1), 0)!)).toBe(10);
    expect(errnoOf(() => m.update(u32(0), v, 4))).toBe('EINVAL');
  });
});

describe('large arrays', () => {
  it('a 1 GiB value or a million entries cost memory only where written', () => {
    const big = createMap({ map_type: 'array', key_size: 4, value_size: 1 << 30, max_entries: 1 }, env);
    expect(big.memUsage()).toBe(312 + (1 << 30)); // created without allocating the gigabyte
    const many = createMap({ map_type: 'array', key_size: 4, value_size: 8, max_entries: 1 << 20 }, env);
    many.update(u32(999_999), u64(5n));
    expect(readU64(many.lookup(u32(999_999)))).toBe(5n);
    expect(readU64(many.lookup(u32(3)))).toBe(0n);
    expect(many.memUsage()).toBe(312 + 8 * (1 << 20));
  });
});

describe('mmap', () => {
  it('BPF_F_MMAPABLE arrays map their values; writable mappings block freeze; frozen maps map read-only', () => {
    const m = array(2, 4, BPF_F_MMAPABLE);
    const w = m.mmap(true);
    w.data.set(u32(7), 8);
    expect(readU32(m.lookup(u32(1)))).toBe(7);
    expect(errnoOf(() => m.freeze())).toBe('EBUSY');
    w.unmap();
    w.unmap();
    m.freeze();
    expect(errnoOf(() => m.mmap(true))).toBe('EPERM');
    expect(readU32(m.mmap(false).data, 8)).toBe(7);
    expect(errnoOf(() => array().mmap(false))).toBe('EINVAL');
    expect(errnoOf(() => array(2, 4, BPF_F_MMAPABLE | BPF_F_RDONLY_PROG).mmap(true))).toBe('EACCES');
    expect(errnoOf(() => createMap({ map_type: 'hash', key_size: 4, value_size: 4, max_entries: 1 }, env).mmap(false))).toBe('ENOTSUPP');
  });
});
