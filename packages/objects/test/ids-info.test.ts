// IDs (cyclic allocation, GET_NEXT_ID, GET_FD_BY_ID), OBJ_GET_INFO_BY_FD and fdinfo text.
import { describe, expect, it } from 'vitest';
import { CyclicIdr, ID_MAX, MAP_INFO_SIZE, PROG_INFO_SIZE, decodeProgInfo, Kernel } from '@bpfsim/objects';
import { arrayMap, errnoOf, exit, hashMap, hex, ldMapFd, mov64, retImm, setup, socketFilter } from './support.js';

describe('CyclicIdr (idr_alloc_cyclic)', () => {
  it('starts at 1, never reuses a freed id before wrapping, wraps past the maximum to the lowest free id', () => {
    const idr = new CyclicIdr<string>(1, 5);
    expect([idr.alloc('a'), idr.alloc('b'), idr.alloc('c')]).toEqual([1, 2, 3]);
    idr.remove(2);
    expect(idr.alloc('d')).toBe(4);
    expect(idr.alloc('e')).toBe(5);
    expect(idr.alloc('f')).toBe(2); // wrapped: 1 is taken, 2 is free
    expect(errnoOf(() => idr.alloc('g'))).toBe('ENOSPC');
    expect(idr.nextAfter(2)).toBe(3);
    expect(idr.nextAfter(5)).toBeUndefined();
  });

  it('the kernel wraps at INT_MAX', () => {
    const idr = new CyclicIdr<number>();
    idr.setCursor(ID_MAX);
    expect(idr.alloc(0)).toBe(ID_MAX);
    expect(idr.alloc(0)).toBe(1);
  });
});

describe('GET_NEXT_ID / GET_FD_BY_ID', () => {
  it('walks live objects in id order and ends with ENOENT; freed objects disappear', () => {
    const { proc } = setup();
    const a = hashMap(proc);
    const b = hashMap(proc);
    const c = hashMap(proc);
    proc.close(b);
    const ids: number[] = [];
    for (let id: number | undefined = 0; (id = proc.getNextId('map', id)) !== undefined; ) ids.push(id);
    expect(ids).toEqual([1, 3]);
    expect(errnoOf(() => proc.bpf('BPF_MAP_GET_NEXT_ID', { start_id: 3 }))).toBe('ENOENT');
    expect(errnoOf(() => proc.bpf('BPF_MAP_GET_NEXT_ID', { start_id: 0x7fffffff }))).toBe('EINVAL');
    expect(proc.getNextId('prog', 0)).toBeUndefined();
    void a;
    void c;
  });

  it('GET_FD_BY_ID opens a new reference; a dead id is ENOENT; open_flags checked; needs CAP_SYS_ADMIN', () => {
    const { kernel, proc } = setup();
    const m = hashMap(proc);
    const id = proc.mapInfo(m).id;
    const fd = proc.getFdById('map', id);
    proc.close(m);
    expect(kernel.liveIds('map')).toEqual([id]);
    expect(errnoOf(() => proc.getFdById('map', 0))).toBe('ENOENT');
    expect(errnoOf(() => proc.getFdById('map', id, 1))).toBe('EINVAL');
    expect(errnoOf(() => proc.getFdById('prog', 1, 1 << 3))).toBe('EINVAL');
    const bpfOnly = kernel.spawn({ uid: 65534, gid: 65534, caps: ['CAP_BPF'] });
    expect(errnoOf(() => bpfOnly.getFdById('map', id))).toBe('EPERM');
    expect(errnoOf(() => bpfOnly.bpf('BPF_MAP_GET_NEXT_ID', { start_id: 0 }))).toBe('EPERM');
    proc.close(fd);
    expect(errnoOf(() => proc.getFdById('map', id))).toBe('ENOENT');
    const p = socketFilter(proc);
    const pid = proc.progInfo(p).id;
    const p2 = proc.getFdById('prog', pid);
    expect(proc.progInfo(p2).id).toBe(pid);
  });
});

describe('OBJ_GET_INFO_BY_FD', () => {
  it('bpf_map_info as bytes: uapi layout, name NUL-padded, info_len written back as min(len, 104)', () => {
    const { proc } = setup();
    const m = proc.mapCreate({ map_type: 1, key_size: 4, value_size: 8, max_entries: 16, map_flags: 1, map_name: 'foo' });
    const info = new Uint8Array(MAP_INFO_SIZE);
    const attr: Record<string, unknown> = { bpf_fd: m, info, info_len: MAP_INFO_SIZE };
    proc.bpf('BPF_OBJ_GET_INFO_BY_FD', attr);
    expect(attr.info_len).toBe(104);
    // type 1, id 1, key 4, value 8, max 16, flags 1, "foo"
    expect(hex(info.subarray(0, 28))).toBe('01000000' + '01000000' + '04000000' + '08000000' + '10000000' + '01000000' + '666f6f00');
    expect(info.subarray(28, 104).every((b) => b === 0)).toBe(true);
  });

  it('info_len 8 copies only type and id; bigger buffers must be zero past the struct (E2BIG)', () => {
    const { proc } = setup();
    const m = hashMap(proc);
    const small = new Uint8Array(16).fill(0xee);
    const a: Record<string, unknown> = { bpf_fd: m, info: small, info_len: 8 };
    proc.bpf('BPF_OBJ_GET_INFO_BY_FD', a);
    expect(a.info_len).toBe(8);
    expect(hex(small)).toBe('0100000001000000' + 'eeeeeeeeeeeeeeee');
    const big = new Uint8Array(200);
    const b: Record<string, unknown> = { bpf_fd: m, info: big, info_len: 200 };
    proc.bpf('BPF_OBJ_GET_INFO_BY_FD', b);
    expect(b.info_len).toBe(104);
    big[150] = 1;
    expect(errnoOf(() => proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: m, info: big, info_len: 200 }))).toBe('E2BIG');
  });

  it('a closed fd is EBADFD (not EBADF); stdin is EINVAL', () => {
    const { proc } = setup();
    expect(errnoOf(() => proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: 50, info: new Uint8Array(8), info_len: 8 }))).toBe('EBADFD');
    expect(errnoOf(() => proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: 0, info: new Uint8Array(8), info_len: 8 }))).toBe('EINVAL');
  });

  it('bpf_prog_info: typed and bytes agree; xlated insns carry the map id; unprivileged callers see no sizes', () => {
    let t = 5_000n;
    const kernel = new Kernel({ clock: () => (t += 1000n) });
    const proc = kernel.spawn();
    const m = arrayMap(proc);
    const p = proc.progLoad({ prog_type: 1, insns: [ldMapFd(1, m), mov64(0, 0), exit], prog_name: 'prog1', license: 'Dual BSD/GPL' });
    const typed = proc.progInfo(p);
    expect(typed).toMatchObject({ type: 1, id: 1, xlated_prog_len: 32, created_by_uid: 0, nr_map_ids: 1, map_ids: [1], name: 'prog1', gpl_compatible: 1, verified_insns: 3 });
    expect(hex(typed.xlated_prog_insns!)).toBe('1811000001000000' + '0000000000000000' + 'b700000000000000' + '9500000000000000');
    expect(typed.load_time).toBeGreaterThan(0n);
    const bytes = new Uint8Array(PROG_INFO_SIZE);
    proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: p, info: bytes, info_len: PROG_INFO_SIZE });
    expect(decodeProgInfo(bytes)).toMatchObject({ type: 1, id: 1, xlated_prog_len: 32, nr_map_ids: 1, name: 'prog1', gpl_compatible: 1, verified_insns: 3 });
    expect(hex(decodeProgInfo(bytes).tag)).toBe('0bd0168676c7c779');
    const user = proc.fork();
    const unpriv = kernel.spawn({ uid: 1000, gid: 1000, caps: [] });
    const fd = user.sendFd(p, unpriv);
    expect(unpriv.progInfo(fd)).toMatchObject({ xlated_prog_len: 0, jited_prog_len: 0, xlated_prog_insns: undefined });
  });
});

describe('fdinfo', () => {
  it('memlock of a NO_PREALLOC hash grows by 72 bytes per element (checked on 6.18: 960 → 1104 with 2)', () => {
    const { proc } = setup();
    const m = proc.mapCreate({ map_type: 1, key_size: 4, value_size: 8, max_entries: 4, map_flags: 1 });
    proc.mapUpdate(m, new Uint8Array([1, 0, 0, 0]), new Uint8Array(8));
    proc.mapUpdate(m, new Uint8Array([2, 0, 0, 0]), new Uint8Array(8));
    expect(proc.fdinfo(m)).toContain('memlock:\t1104\n');
  });

  it('a map: exact text and field order of Linux 6.18 (memlock from the kernel formula)', () => {
    const { proc } = setup();
    const m = proc.mapCreate({ map_type: 1, key_size: 4, value_size: 8, max_entries: 4 });
    expect(proc.fdinfo(m)).toBe(
      'pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t1038\nmap_type:\t1\nkey_size:\t4\nvalue_size:\t8\n' +
        'max_entries:\t4\nmap_flags:\t0x0\nmap_extra:\t0x0\nmemlock:\t1360\nmap_id:\t1\nfrozen:\t0\n',
    );
  });

  it.each([
    [{ map_type: 1, key_size: 4, value_size: 8, max_entries: 16 }, 2320],
    [{ map_type: 1, key_size: 4, value_size: 8, max_entries: 3 }, 1296],
    [{ map_type: 2, key_size: 4, value_size: 8, max_entries: 16 }, 440],
    [{ map_type: 2, key_size: 4, value_size: 4, max_entries: 1 }, 320],
    [{ map_type: 3, key_size: 4, value_size: 4, max_entries: 4 }, 344],
    [{ map_type: 9, key_size: 4, value_size: 4, max_entries: 4, map_flags: 2 }, 1216],
    [{ map_type: 6, key_size: 4, value_size: 4, max_entries: 4 }, 408],
    [{ map_type: 6, key_size: 4, value_size: 12, max_entries: 3 }, 432],
    [{ map_type: 5, key_size: 4, value_size: 8, max_entries: 4 }, 1280],
    [{ map_type: 10, key_size: 4, value_size: 8, max_entries: 4 }, 1280],
    [{ map_type: 1, key_size: 4, value_size: 8, max_entries: 4, map_flags: 1 }, 960],
    [{ map_type: 1, key_size: 8, value_size: 16, max_entries: 100 }, 10304],
    [{ map_type: 2, key_size: 4, value_size: 4, max_entries: 4, map_flags: 1 << 10 }, 8192],
    [{ map_type: 4, key_size: 4, value_size: 4, max_entries: 4 }, 344],
    [{ map_type: 22, key_size: 0, value_size: 4, max_entries: 4 }, 332],
    [{ map_type: 23, key_size: 0, value_size: 8, max_entries: 16 }, 448],
    [{ map_type: 11, key_size: 8, value_size: 4, max_entries: 16, map_flags: 1 }, 0],
    [{ map_type: 30, key_size: 0, value_size: 4, max_entries: 16 }, 328],
    [{ map_type: 27, key_size: 0, value_size: 0, max_entries: 4096 }, 16728],
  ])('memlock of %o is %i (reference kernel)', (attr, memlock) => {
    const { proc } = setup();
    const m = proc.mapCreate(attr);
    expect(proc.fdinfo(m)).toContain(`memlock:\t${memlock}\n`);
  });

  it('a program: exact text; a dup()ed fd has no O_CLOEXEC', () => {
    const { proc } = setup();
    const p = socketFilter(proc, retImm(0));
    expect(proc.fdinfo(p)).toBe(
      'pos:\t0\nflags:\t02000002\nmnt_id:\t17\nino:\t1038\nprog_type:\t1\nprog_jited:\t1\nprog_tag:\t59f4a931744dcdc6\n' +
        'memlock:\t4096\nprog_id:\t1\nrun_time_ns:\t0\nrun_cnt:\t0\nrecursion_misses:\t0\nverified_insns:\t2\n',
    );
    const d = proc.dup(p);
    expect(proc.fdinfo(d)).toContain('flags:\t02\n');
    expect(errnoOf(() => proc.fdinfo(77))).toBe('EBADF');
  });
});

describe('objects as bpffs sees them', () => {
  it('fdinfo() of a pinned object is the text of a fresh fd for it', () => {
    const { kernel, proc } = setup();
    const m = hashMap(proc);
    const obj = kernel.mapIds.get(proc.mapInfo(m).id)!;
    expect(obj.fdinfo()).toBe(proc.fdinfo(m));
    const p = socketFilter(proc);
    expect(kernel.progIds.get(1)!.fdinfo()).toBe(proc.fdinfo(p));
  });
});

describe('stats fds and PROG_BIND_MAP (checked on 6.18)', () => {
  it('an ENABLE_STATS fd is O_RDONLY, has only the generic fdinfo lines, and is not a BPF object', () => {
    const { kernel, proc } = setup();
    kernel.installVfs({ pin: () => undefined, get: () => { throw new Error('unused'); }, attachProcess: () => undefined });
    const s = proc.enableStats();
    expect(proc.fdinfo(s)).toBe('pos:\t0\nflags:\t02000000\nmnt_id:\t17\nino:\t1038\n');
    expect(errnoOf(() => proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: s, info: new Uint8Array(8), info_len: 8 }))).toBe('EINVAL');
    expect(errnoOf(() => proc.objPin(s, '/sys/fs/bpf/s'))).toBe('EINVAL');
  });

  it('PROG_BIND_MAP adds a map once (binding twice is fine), holds it, rejects flags', () => {
    const { kernel, proc } = setup();
    const m = arrayMap(proc);
    const p = socketFilter(proc);
    proc.bpf('BPF_PROG_BIND_MAP', { prog_fd: p, map_fd: m });
    proc.bpf('BPF_PROG_BIND_MAP', { prog_fd: p, map_fd: m });
    expect(proc.progInfo(p).map_ids).toEqual([1]);
    expect(errnoOf(() => proc.bpf('BPF_PROG_BIND_MAP', { prog_fd: p, map_fd: m, flags: 1 }))).toBe('EINVAL');
    proc.close(m);
    expect(kernel.liveIds('map')).toEqual([1]);
    proc.close(p);
    expect(kernel.liveIds('map')).toEqual([]);
  });
});

describe('program memlock', () => {
  it('is whole pages of header + instructions: 500 insns → 4096, 501 → 8192 (reference kernel)', () => {
    const { proc } = setup();
    const prog = (n: number) => [...Array.from({ length: n - 1 }, (_, i) => mov64(0, i)), exit];
    expect(proc.fdinfo(socketFilter(proc, prog(500)))).toContain('memlock:\t4096\n');
    expect(proc.fdinfo(socketFilter(proc, prog(501)))).toContain('memlock:\t8192\n');
  });
});
