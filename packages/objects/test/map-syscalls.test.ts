// The syscall-level part of BPF_MAP_*: fd kinds, access modes, frozen maps, user buffers, CHECK_ATTR — and that a
// refused call changes nothing.
import { describe, expect, it } from 'vitest';
import { Kernel } from '@bpfsim/objects';
import { defaultMapFactory } from '../src/map-factory.js';
import { arrayMap, errnoOf, hashMap, readU64, setup, socketFilter, u32le, u64le } from './support.js';

const RDONLY = 1 << 3;
const WRONLY = 1 << 4;
const BPF_F_MMAPABLE = 1 << 10;

describe('BPF_MAP_CREATE', () => {
  it('returns O_RDWR|O_CLOEXEC fds; BPF_F_RDONLY/WRONLY set the fd mode and are not kept in map_flags', () => {
    const { proc } = setup();
    const rw = hashMap(proc);
    const ro = proc.mapCreate({ map_type: 1, key_size: 4, value_size: 8, max_entries: 4, map_flags: RDONLY });
    const wo = proc.mapCreate({ map_type: 1, key_size: 4, value_size: 8, max_entries: 4, map_flags: WRONLY });
    expect(proc.fdinfo(rw)).toContain('flags:\t02000002\n');
    expect(proc.fdinfo(ro)).toContain('flags:\t02000000\n');
    expect(proc.fdinfo(wo)).toContain('flags:\t02000001\n');
    expect(proc.mapInfo(ro).map_flags).toBe(0);
    expect(errnoOf(() => proc.mapCreate({ map_type: 1, key_size: 4, value_size: 8, max_entries: 4, map_flags: RDONLY | WRONLY }))).toBe('EINVAL');
  });

  it('accepts map_type by uapi name or number, rejects unknown ones and bad names; ids increase', () => {
    const { kernel, proc } = setup();
    const a = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1, map_name: 'my_map.1' });
    expect(proc.mapInfo(a)).toMatchObject({ type: 2, id: 1, name: 'my_map.1' });
    expect(errnoOf(() => proc.mapCreate({ map_type: 99, key_size: 4, value_size: 4, max_entries: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => proc.mapCreate({ map_type: 'BPF_MAP_TYPE_NOPE', key_size: 4, value_size: 4, max_entries: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => proc.mapCreate({ map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_name: 'my-map' }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1, prog_type: 1 }))).toBe('EINVAL');
    expect(kernel.liveIds('map')).toEqual([1]);
    proc.close(a);
    const b = arrayMap(proc);
    expect(proc.mapInfo(b).id).toBe(2); // freed ids are not reused at once (idr_alloc_cyclic)
  });

  it('array_of_maps resolves inner_map_fd from the caller (a prog fd is EINVAL, a closed one EBADF)', () => {
    const { proc } = setup();
    const inner = arrayMap(proc, 2, 4);
    const outer = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY_OF_MAPS', key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: inner });
    proc.mapUpdate(outer, u32le(0), u32le(inner));
    const v = proc.mapLookup(outer, u32le(0));
    expect(new DataView(v.buffer).getUint32(0, true)).toBe(proc.mapInfo(inner).id);
    const p = socketFilter(proc);
    expect(errnoOf(() => proc.mapCreate({ map_type: 12, key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: p }))).toBe('EINVAL');
    expect(errnoOf(() => proc.mapCreate({ map_type: 12, key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: 60 }))).toBe('EBADF');
  });

  it('fails with EMFILE when the fd table is full, and creates nothing', () => {
    const { kernel, proc } = setup();
    const opened: number[] = [];
    for (let i = 3; i < proc.fds.limit; i++) opened.push(proc.dup(0));
    expect(errnoOf(() => hashMap(proc))).toBe('EMFILE');
    expect(kernel.liveIds('map')).toEqual([]);
  });
});

describe('element commands', () => {
  it('a closed fd is EBADF, a program fd EINVAL, stdin EINVAL', () => {
    const { proc } = setup();
    const p = socketFilter(proc);
    expect(errnoOf(() => proc.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: 40, key: u32le(0), value: new Uint8Array(8) }))).toBe('EBADF');
    expect(errnoOf(() => proc.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: p, key: u32le(0), value: new Uint8Array(8) }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: 0, key: u32le(0), value: new Uint8Array(8) }))).toBe('EINVAL');
  });

  it('user buffers shorter than key_size/value_size fault (EFAULT); a NULL key for a keyed map too', () => {
    const { proc } = setup();
    const m = hashMap(proc);
    expect(errnoOf(() => proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: m, key: new Uint8Array(2), value: new Uint8Array(8) }))).toBe('EFAULT');
    expect(errnoOf(() => proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: m, key: u32le(1), value: new Uint8Array(4) }))).toBe('EFAULT');
    expect(errnoOf(() => proc.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: m, value: new Uint8Array(8) }))).toBe('EFAULT');
    expect(errnoOf(() => proc.mapGetNextKey(m, null))).toBe('ENOENT');
    expect(proc.mapInfo(m).id).toBe(1);
  });

  it('a keyless map (queue) needs a NULL key: an empty non-NULL key is EINVAL', () => {
    const { proc } = setup();
    const q = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_QUEUE', key_size: 0, value_size: 4, max_entries: 2 });
    expect(errnoOf(() => proc.mapUpdate(q, new Uint8Array(0), u32le(1)))).toBe('EINVAL');
    proc.mapUpdate(q, null, u32le(5));
    expect([...proc.mapLookupAndDelete(q, null)]).toEqual([5, 0, 0, 0]);
  });

  it('read-only fds refuse writes and write-only fds refuse reads (EPERM), changing nothing', () => {
    const { kernel, proc } = setup();
    kernel.installVfs({ pin: () => undefined, get: () => { throw new Error('unused'); }, attachProcess: () => undefined });
    const m = hashMap(proc);
    proc.mapUpdate(m, u32le(1), u64le(5n));
    const ro = proc.getFdById('map', proc.mapInfo(m).id, RDONLY);
    const wo = proc.getFdById('map', proc.mapInfo(m).id, WRONLY);
    expect(errnoOf(() => proc.mapUpdate(ro, u32le(1), u64le(6n)))).toBe('EPERM');
    expect(errnoOf(() => proc.mapDelete(ro, u32le(1)))).toBe('EPERM');
    expect(errnoOf(() => proc.mapLookup(wo, u32le(1)))).toBe('EPERM');
    expect(errnoOf(() => proc.mapGetNextKey(wo, null))).toBe('EPERM');
    expect(readU64(proc.mapLookup(ro, u32le(1)))).toBe(5n);
    proc.mapUpdate(wo, u32le(2), u64le(7n));
    expect(readU64(proc.mapLookup(m, u32le(2)))).toBe(7n);
  });

  it('BPF_MAP_FREEZE: later syscall writes are EPERM, reads work, freezing again is EPERM, fdinfo says frozen', () => {
    const { proc } = setup();
    const m = arrayMap(proc);
    proc.mapUpdate(m, u32le(0), u64le(9n));
    expect(proc.fdinfo(m)).toContain('frozen:\t0\n');
    proc.mapFreeze(m);
    expect(proc.fdinfo(m)).toContain('frozen:\t1\n');
    expect(errnoOf(() => proc.mapUpdate(m, u32le(0), u64le(1n)))).toBe('EPERM');
    expect(errnoOf(() => proc.mapFreeze(m))).toBe('EPERM');
    expect(readU64(proc.mapLookup(m, u32le(0)))).toBe(9n);
    const p = socketFilter(proc);
    expect(errnoOf(() => proc.mapFreeze(p))).toBe('EINVAL');
  });

  it('BPF_MAP_FREEZE in map_freeze\'s order: ENOTSUPP (spin lock) before EPERM (no write access), then EBUSY (writable mmap)', () => {
    // A map factory that gives every value a bpf_spin_lock at offset 0 (what BTF would describe).
    const { kernel, proc } = setup({ mapFactory: (attr, env) => defaultMapFactory({ ...attr, spin_lock_off: 0 }, env) });
    const locked = arrayMap(proc, 1, 8, RDONLY);
    expect(errnoOf(() => proc.mapFreeze(locked))).toBe('ENOTSUPP'); // even through a read-only fd
    const plain = new Kernel().spawn();
    const ro = arrayMap(plain, 1, 8, RDONLY);
    expect(errnoOf(() => plain.mapFreeze(ro))).toBe('EPERM');
    const mm = arrayMap(plain, 1, 8, BPF_F_MMAPABLE);
    const mapping = plain.mapFromFd(mm, 'test').impl.mmap(true);
    expect(errnoOf(() => plain.mapFreeze(mm))).toBe('EBUSY');
    mapping.unmap();
    plain.mapFreeze(mm);
    expect(plain.fdinfo(mm)).toContain('frozen:\t1\n');
    expect(kernel.liveIds('map')).toHaveLength(1);
  });

  it('BPF_MAP_FREEZE needs write access to the map, not CAP_BPF (the kernel dropped its bpf_capable check)', () => {
    const { kernel, proc } = setup();
    const m = arrayMap(proc);
    const user = kernel.spawn({ uid: 1000, caps: [] });
    const fd = proc.sendFd(m, user);
    user.mapFreeze(fd);
    expect(proc.fdinfo(m)).toContain('frozen:\t1\n');
  });

  it('batch lookup writes keys, values and count back, ENOENT at the end', () => {
    const { proc } = setup();
    const m = hashMap(proc, 8);
    for (let k = 1; k <= 3; k++) proc.mapUpdate(m, u32le(k), u64le(BigInt(k * 10)));
    const keys = new Uint8Array(4 * 8);
    const values = new Uint8Array(8 * 8);
    const out_batch = new Uint8Array(4);
    const attr: Record<string, unknown> = { map_fd: m, keys, values, count: 8, out_batch };
    expect(errnoOf(() => proc.bpf('BPF_MAP_LOOKUP_BATCH', attr))).toBe('ENOENT');
    expect(attr.count).toBe(3);
    const got = new Map<number, bigint>();
    for (let i = 0; i < 3; i++) got.set(new DataView(keys.buffer).getUint32(i * 4, true), new DataView(values.buffer).getBigUint64(i * 8, true));
    expect(got).toEqual(new Map([[1, 10n], [2, 20n], [3, 30n]]));
  });

  it('CHECK_ATTR: a field the command does not read must be zero', () => {
    const { proc } = setup();
    const m = hashMap(proc);
    expect(errnoOf(() => proc.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: m, key: u32le(0), value: new Uint8Array(8), prog_fd: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_MAP_FREEZE', { map_fd: m, flags: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf(99, {}))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_NOT_A_COMMAND', {}))).toBe('EINVAL');
  });
});

describe('typed batch wrappers', () => {
  it('update, lookup in pages with in_batch/out_batch, delete', () => {
    const { proc } = setup();
    const m = hashMap(proc, 16);
    const keys = new Uint8Array(4 * 5);
    const values = new Uint8Array(8 * 5);
    for (let i = 0; i < 5; i++) {
      keys.set(u32le(i + 1), i * 4);
      values.set(u64le(BigInt((i + 1) * 100)), i * 8);
    }
    expect(proc.mapUpdateBatch(m, keys, values, 5)).toBe(5);
    const seen = new Map<number, bigint>();
    let inBatch: Uint8Array | null = null;
    for (let round = 0; round < 10; round++) {
      const r = proc.mapLookupBatch(m, { inBatch, count: 2 });
      for (let i = 0; i < r.count; i++) {
        seen.set(new DataView(r.keys.buffer).getUint32(i * 4, true), new DataView(r.values.buffer).getBigUint64(i * 8, true));
      }
      if (r.done) break;
      inBatch = r.outBatch;
    }
    expect(seen).toEqual(new Map([[1, 100n], [2, 200n], [3, 300n], [4, 400n], [5, 500n]]));
    expect(proc.mapDeleteBatch(m, keys, 5)).toBe(5);
    expect(errnoOf(() => proc.mapGetNextKey(m, null))).toBe('ENOENT');
  });
});

describe('CHECK_ATTR last fields (checked on 6.18)', () => {
  it('delete with a value, get_next_key with flags, get_next_id with open_flags are EINVAL', () => {
    const { proc } = setup();
    const m = hashMap(proc);
    proc.mapUpdate(m, u32le(0), u64le(1n));
    expect(errnoOf(() => proc.bpf('BPF_MAP_DELETE_ELEM', { map_fd: m, key: u32le(0), value: new Uint8Array(8) }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_MAP_GET_NEXT_KEY', { map_fd: m, key: u32le(0), next_key: new Uint8Array(4), flags: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_MAP_GET_NEXT_ID', { start_id: 0, open_flags: 1 }))).toBe('EINVAL');
    expect(readU64(proc.mapLookup(m, u32le(0)))).toBe(1n);
  });
});
