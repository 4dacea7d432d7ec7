// The BTF object's lifecycle and syscalls: IDs, GET_NEXT_ID / GET_FD_BY_ID, info, the reference a map holds, and
// the errno of each bad BPF_BTF_LOAD / BPF_MAP_CREATE attribute (bpf_btf_load, btf_parse, map_create).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Kernel, btf as B, isBpfError, type Process } from '@bpfsim/objects';
import { errnoOf, u32le } from '../support.js';
import { baseBtf } from './builder.js';

const blob = (() => {
  const b = baseBtf();
  b.struct('pair', 8, [['a', 2, 0], ['b', 1, 32]]);
  return b.build();
})();

const load = (proc: Process, data = blob): number => proc.bpf('BPF_BTF_LOAD', { btf: data, btf_size: data.length });
const hashWithBtf = (proc: Process, btfFd: number, extra: Record<string, unknown> = {}): number =>
  proc.bpf('BPF_MAP_CREATE', {
    map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 4, btf_fd: btfFd, btf_key_type_id: 1,
    btf_value_type_id: 3, ...extra,
  });
const nextId = (proc: Process, start: number): number | undefined => {
  const attr: Record<string, unknown> = { start_id: start };
  try {
    proc.bpf('BPF_BTF_GET_NEXT_ID', attr);
  } catch (e) {
    if (isBpfError(e) && e.errno === 'ENOENT') return undefined; // no BTF with a larger id
    throw e;
  }
  return attr.next_id as number;
};
const btfInfo = (proc: Process, fd: number) => {
  const info: Record<string, unknown> = {};
  proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: fd, info_len: 32, info });
  return info as { id: number; btf_size: number; kernel_btf: number };
};

describe('BTF objects', () => {
  it('get IDs from their own space, are found by GET_NEXT_ID and GET_FD_BY_ID, and report bpf_btf_info', () => {
    const proc = new Kernel().spawn();
    const map = proc.bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    expect(map).toBe(3);
    const a = load(proc);
    const b = load(proc);
    const ia = btfInfo(proc, a);
    expect(ia).toMatchObject({ id: 1, btf_size: blob.length, kernel_btf: 0 }); // map ids do not use btf_idr
    expect(btfInfo(proc, b).id).toBe(2);
    expect(nextId(proc, 0)).toBe(1);
    expect(nextId(proc, 1)).toBe(2);
    expect(nextId(proc, 2)).toBeUndefined();
    const again = proc.bpf('BPF_BTF_GET_FD_BY_ID', { btf_id: 2 });
    expect(btfInfo(proc, again).id).toBe(2);
    // The raw BTF comes back through info.btf (at most info.btf_size bytes).
    const raw = new Uint8Array(blob.length);
    const info: Record<string, unknown> = { btf: raw, btf_size: raw.length };
    proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: a, info_len: 32, info });
    expect([...raw]).toEqual([...blob]);
    // As bytes: btf_size at 8, id at 12.
    const bytes = new Uint8Array(32);
    proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: b, info_len: 32, info: bytes });
    const dv = new DataView(bytes.buffer);
    expect([dv.getUint32(8, true), dv.getUint32(12, true)]).toEqual([blob.length, 2]);
  });

  it('is freed when its last fd closes: the id disappears and is not reused', () => {
    const proc = new Kernel().spawn();
    const fd = load(proc);
    const dup = proc.dup(fd);
    proc.close(fd);
    expect(nextId(proc, 0)).toBe(1);
    proc.close(dup);
    expect(nextId(proc, 0)).toBeUndefined();
    expect(errnoOf(() => proc.bpf('BPF_BTF_GET_FD_BY_ID', { btf_id: 1 }))).toBe('ENOENT');
    expect(btfInfo(proc, load(proc)).id).toBe(2);
  });

  it('a map created with it holds a reference until the map is freed; the map reports the BTF ids', () => {
    const kernel = new Kernel();
    const proc = kernel.spawn();
    const btfFd = load(proc);
    const mapFd = hashWithBtf(proc, btfFd);
    const obj = B.btfIdr(kernel).get(1)!;
    expect(obj.refcnt).toBe(2);
    proc.close(btfFd);
    expect(obj.freed).toBe(false);
    expect(nextId(proc, 0)).toBe(1);
    expect(proc.mapInfo(mapFd)).toMatchObject({ btf_id: 1, btf_key_type_id: 1, btf_value_type_id: 3 });
    const bytes = new Uint8Array(104);
    proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: mapFd, info_len: 104, info: bytes });
    const dv = new DataView(bytes.buffer);
    expect([64, 68, 72].map((o) => dv.getUint32(o, true))).toEqual([1, 1, 3]);
    proc.close(mapFd);
    expect(obj.freed).toBe(true);
    expect(nextId(proc, 0)).toBeUndefined();
  });

  it('a failed map create takes no reference', () => {
    const kernel = new Kernel();
    const proc = kernel.spawn();
    const btfFd = load(proc);
    expect(errnoOf(() => hashWithBtf(proc, btfFd, { value_size: 4 }))).toBe('EINVAL');
    expect(B.btfIdr(kernel).get(1)!.refcnt).toBe(1);
    proc.close(btfFd);
    expect(nextId(proc, 0)).toBeUndefined();
  });

  it('property: whatever the order of closes, each BTF is freed exactly once, when no fd and no map holds it', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(7), { minLength: 1, maxLength: 12 }), fc.array(fc.nat(20), { maxLength: 20 }), (mapOf, closeOrder) => {
        const kernel = new Kernel();
        const proc = kernel.spawn();
        const btfFds = [load(proc), load(proc)];
        const objs = [1, 2].map((id) => B.btfIdr(kernel).get(id)!);
        const mapFds = mapOf.map((i) => hashWithBtf(proc, btfFds[i % 2]));
        const holders = [...btfFds.map((fd, i) => ({ fd, btf: i })), ...mapFds.map((fd, i) => ({ fd, btf: mapOf[i] % 2 }))];
        const order = [...holders];
        for (const k of closeOrder) order.push(order.splice(k % order.length, 1)[0]);
        const open = new Set(order);
        for (const h of order) {
          proc.close(h.fd);
          open.delete(h);
          for (const b of [0, 1]) {
            // A second free would throw RefcountError from btf_put; here: freed exactly when nothing holds it.
            expect(objs[b].freed).toBe(![...open].some((o) => o.btf === b));
          }
        }
        expect(objs.map((o) => o.freed)).toEqual([true, true]);
        expect(nextId(proc, 0)).toBeUndefined();
      }),
      { numRuns: 40 },
    );
  });
});

describe('errno of bad attributes', () => {
  const proc = () => new Kernel().spawn();

  it('BPF_BTF_LOAD', () => {
    const p = proc();
    expect(errnoOf(() => p.bpf('BPF_BTF_LOAD', { btf: blob, btf_size: 16 * 1024 * 1024 + 1 }))).toBe('E2BIG');
    expect(errnoOf(() => p.bpf('BPF_BTF_LOAD', { btf: blob, btf_size: blob.length, btf_flags: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => p.bpf('BPF_BTF_LOAD', { btf: blob, btf_size: blob.length, prog_type: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => p.bpf('BPF_BTF_LOAD', { btf: blob, btf_size: blob.length + 1 }))).toBe('EFAULT');
    expect(errnoOf(() => p.bpf('BPF_BTF_LOAD', { btf_size: blob.length }))).toBe('EFAULT');
    const log = new Uint8Array(64);
    expect(errnoOf(() => p.bpf('BPF_BTF_LOAD', { btf: blob, btf_size: blob.length, btf_log_buf: log, btf_log_size: 64 }))).toBe('EINVAL');
    expect(errnoOf(() => p.bpf('BPF_BTF_LOAD', { btf: blob, btf_size: blob.length, btf_log_level: 1, btf_log_size: 64 }))).toBe('EINVAL');
    expect(errnoOf(() => p.bpf('BPF_BTF_LOAD', { btf: blob, btf_size: blob.length, btf_log_buf: log, btf_log_size: 64, btf_log_level: 16 }))).toBe('EINVAL');
    const attr: Record<string, unknown> = { btf: blob, btf_size: blob.length, btf_log_buf: log, btf_log_size: 64, btf_log_level: 1 };
    expect(errnoOf(() => p.bpf('BPF_BTF_LOAD', attr))).toBe('ENOSPC');
    expect(attr.btf_log_true_size).toBeGreaterThan(64);
    const user = new Kernel().spawn({ uid: 1000 });
    expect(errnoOf(() => user.bpf('BPF_BTF_LOAD', { btf: blob, btf_size: blob.length }))).toBe('EPERM');
    expect(errnoOf(() => user.bpf('BPF_BTF_GET_FD_BY_ID', { btf_id: 1 }))).toBe('EPERM');
    expect(errnoOf(() => user.bpf('BPF_BTF_GET_NEXT_ID', { start_id: 0 }))).toBe('EPERM');
    expect(errnoOf(() => p.bpf('BPF_BTF_GET_FD_BY_ID', { btf_id: 1, open_flags: 8 }))).toBe('EINVAL');
  });

  it('BPF_MAP_CREATE with BTF', () => {
    const p = proc();
    const btfFd = load(p);
    const arr = p.bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    expect(errnoOf(() => hashWithBtf(p, 99))).toBe('EBADF');
    expect(errnoOf(() => hashWithBtf(p, arr))).toBe('EINVAL'); // a map fd is not a BTF fd
    expect(errnoOf(() => hashWithBtf(p, btfFd, { btf_vmlinux_value_type_id: 3 }))).toBe('EINVAL');
    expect(errnoOf(() => hashWithBtf(p, btfFd, { btf_value_type_id: 4 }))).toBe('EINVAL'); // no such type
    expect(errnoOf(() => hashWithBtf(p, btfFd, { btf_key_type_id: 3 }))).toBe('EINVAL'); // 8-byte key type
    // A key type without a value type is refused up front (checked on 6.18).
    expect(errnoOf(() => p.bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 1, btf_fd: btfFd, btf_key_type_id: 1 }))).toBe('EINVAL');
  });

  it('a bpf_spin_lock in the value enables BPF_F_LOCK', () => {
    const p = proc();
    const b = baseBtf();
    const lock = b.struct('bpf_spin_lock', 4, [['val', 1, 0]]);
    const val = b.struct('locked', 8, [['cnt', 2, 0], ['lock', lock, 32]]);
    const data = b.build();
    const btfFd = load(p, data);
    const mk = (type: string) => p.bpf('BPF_MAP_CREATE', { map_type: type, key_size: 4, value_size: 8, max_entries: 2, btf_fd: btfFd, btf_key_type_id: 1, btf_value_type_id: val });
    const fd = mk('BPF_MAP_TYPE_HASH');
    expect(p.mapInfo(fd).btf_value_type_id).toBe(val);
    const BPF_F_LOCK = 4;
    p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32le(1), value: new Uint8Array(8).fill(1), flags: BPF_F_LOCK });
    const plain = p.bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 2 });
    expect(errnoOf(() => p.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: plain, key: u32le(1), value: new Uint8Array(8), flags: BPF_F_LOCK }))).toBe('EINVAL');
    expect(errnoOf(() => mk('BPF_MAP_TYPE_PERCPU_HASH'))).toBe('EOPNOTSUPP');
    expect(errnoOf(() => p.bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 2, map_flags: 1 << 7, btf_fd: btfFd, btf_key_type_id: 1, btf_value_type_id: val }))).toBe('EACCES');
  });
});

describe('BTF fds', () => {
  it('are read-only, close-on-exec, show btf_id in fdinfo (as Linux 6.18: flags 02000000, btf_id), and cannot be pinned', () => {
    const proc = new Kernel().spawn();
    const fd = load(proc);
    expect(proc.fdinfo(fd)).toBe('pos:\t0\nflags:\t02000000\nmnt_id:\t17\nino:\t1038\nbtf_id:\t1\n');
    expect(errnoOf(() => proc.bpf('BPF_OBJ_PIN', { bpf_fd: fd, pathname: '/sys/fs/bpf/btf' }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: fd, key: u32le(0), value: new Uint8Array(4) }))).toBe('EINVAL');
  });
});

describe('robustness of the BTF syscalls', () => {
  it('property: arbitrary attributes give a BpfError or succeed, never anything else, and leave loaded BTF intact', () => {
    const value = fc.oneof(
      fc.constant(undefined), fc.integer({ min: -5, max: 70 }), fc.constant(0xffffffff), fc.bigInt({ min: -1n, max: 1n << 64n }),
      fc.string({ maxLength: 4 }), fc.uint8Array({ maxLength: 64 }), fc.constant(blob), fc.constant(null), fc.constant({}),
    );
    const fields = ['btf', 'btf_size', 'btf_log_buf', 'btf_log_size', 'btf_log_level', 'btf_flags', 'btf_id', 'open_flags', 'start_id', 'bpf_fd', 'info_len', 'info', 'btf_fd', 'btf_key_type_id', 'btf_value_type_id', 'key_size', 'value_size', 'max_entries', 'map_type'];
    const cmds = ['BPF_BTF_LOAD', 'BPF_BTF_GET_FD_BY_ID', 'BPF_BTF_GET_NEXT_ID', 'BPF_OBJ_GET_INFO_BY_FD', 'BPF_MAP_CREATE'];
    fc.assert(
      fc.property(fc.constantFrom(...cmds), fc.dictionary(fc.constantFrom(...fields), value, { maxKeys: 6 }), (cmd, attr) => {
        const kernel = new Kernel();
        const proc = kernel.spawn();
        const fd = load(proc);
        try {
          proc.bpf(cmd, attr);
        } catch (e) {
          expect(isBpfError(e)).toBe(true);
        }
        expect(btfInfo(proc, fd)).toMatchObject({ id: 1, btf_size: blob.length });
      }),
      { numRuns: 300 },
    );
  });
});
