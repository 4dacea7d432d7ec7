// Object lifetimes: fds (dup, fork, sendFd, exit), pins, programs holding maps, links, prog_array usercnt.
import { describe, expect, it } from 'vitest';
import type { KernelEvent } from '@bpfsim/objects';
import { FakeVfs } from './fake-vfs.js';
import { arrayMap, errnoOf, hashMap, ldMapFd, mov64, exit, retImm, setup, socketFilter, u32le } from './support.js';

const frees = (events: readonly KernelEvent[]) => events.filter((e) => e.type === 'free').map((e) => `${e.kind}:${e.id}`);

describe('fds are counted references', () => {
  it('fds start at 3, are the lowest free number, and close twice is EBADF', () => {
    const { proc } = setup();
    const a = hashMap(proc);
    const b = hashMap(proc);
    expect([a, b]).toEqual([3, 4]);
    proc.close(a);
    expect(hashMap(proc)).toBe(3);
    expect(errnoOf(() => proc.close(77))).toBe('EBADF');
    proc.close(b);
    expect(errnoOf(() => proc.close(b))).toBe('EBADF');
    expect(errnoOf(() => proc.mapLookup(b, u32le(0)))).toBe('EBADF');
  });

  it('a map lives until its last fd (dup, fork child, SCM_RIGHTS receiver) closes', () => {
    const { kernel, proc } = setup();
    const m = hashMap(proc);
    const id = proc.mapInfo(m).id;
    const d = proc.dup(m);
    const child = proc.fork();
    const other = kernel.spawn();
    const received = proc.sendFd(m, other);
    expect(received).toBe(3);
    proc.close(m);
    proc.close(d);
    child.exit();
    expect(kernel.liveIds('map')).toEqual([id]);
    expect(frees(kernel.events.events)).toEqual([]);
    other.close(received);
    expect(kernel.liveIds('map')).toEqual([]);
    expect(frees(kernel.events.events)).toEqual([`map:${id}`]);
  });

  it('fork copies fd numbers; exit closes everything; an exited process refuses syscalls', () => {
    const { kernel, proc } = setup();
    const m = hashMap(proc);
    const child = proc.fork();
    expect(child.mapInfo(m).id).toBe(proc.mapInfo(m).id);
    expect(child.pid).not.toBe(proc.pid);
    proc.exit();
    expect(kernel.liveIds('map').length).toBe(1);
    child.exit();
    expect(kernel.liveIds('map').length).toBe(0);
    expect(errnoOf(() => child.bpf('BPF_MAP_GET_NEXT_ID', {}))).toBe('ESRCH');
  });

  it('every free is observed exactly once through kernel.on("free")', () => {
    const { kernel, proc } = setup();
    const seen: string[] = [];
    kernel.on('free', (e) => seen.push(`${e.kind}:${e.id}`));
    const m = hashMap(proc);
    const p = socketFilter(proc, [ldMapFd(1, m), mov64(0, 0), exit]);
    proc.close(m);
    expect(seen).toEqual([]); // the program still uses the map
    proc.close(p);
    expect(seen).toEqual(['prog:1', 'map:1']);
  });
});

describe('programs hold their maps', () => {
  it('used maps are referenced once each and appear in map_ids', () => {
    const { kernel, proc } = setup();
    const a = hashMap(proc);
    const b = arrayMap(proc);
    const p = socketFilter(proc, [ldMapFd(1, a), ldMapFd(2, b), ldMapFd(3, a), mov64(0, 0), exit]);
    const info = proc.progInfo(p);
    expect(info.nr_map_ids).toBe(2);
    expect(info.map_ids).toEqual([proc.mapInfo(a).id, proc.mapInfo(b).id]);
    proc.close(a);
    proc.close(b);
    expect(kernel.liveIds('map').length).toBe(2);
    proc.close(p);
    expect(kernel.liveIds('map').length).toBe(0);
  });

  it('a failed load takes no references and allocates no id', () => {
    const { kernel, proc } = setup();
    const m = hashMap(proc);
    expect(errnoOf(() => socketFilter(proc, [ldMapFd(1, m), ldMapFd(2, 99), mov64(0, 0), exit]))).toBe('EBADF');
    expect(kernel.liveIds('prog')).toEqual([]);
    proc.close(m);
    expect(kernel.liveIds('map')).toEqual([]);
  });
});

describe('pins (through an installed filesystem)', () => {
  it('without a filesystem, pinning fails with ENOENT', () => {
    const { proc } = setup();
    const m = hashMap(proc);
    expect(errnoOf(() => proc.objPin(m, '/sys/fs/bpf/m'))).toBe('ENOENT');
  });

  it('a pin keeps a map alive with no fd; OBJ_GET opens it; unlinking the last pin frees it', () => {
    const { kernel, proc } = setup();
    const vfs = new FakeVfs();
    kernel.installVfs(vfs);
    const m = hashMap(proc);
    const id = proc.mapInfo(m).id;
    proc.objPin(m, '/sys/fs/bpf/m');
    expect(kernel.events.at(-1)).toEqual({ type: 'pin', kind: 'map', id, path: '/sys/fs/bpf/m' });
    proc.close(m);
    expect(kernel.liveIds('map')).toEqual([id]);
    const fd = proc.objGet('/sys/fs/bpf/m');
    expect(proc.mapInfo(fd).id).toBe(id);
    proc.close(fd);
    const ro = proc.objGet('/sys/fs/bpf/m', 1 << 3);
    expect(proc.fdinfo(ro)).toContain('flags:\t02000000\n');
    expect(errnoOf(() => proc.mapUpdate(ro, u32le(1), new Uint8Array(8)))).toBe('EPERM');
    proc.close(ro);
    vfs.unlink('/sys/fs/bpf/m');
    expect(kernel.liveIds('map')).toEqual([]);
    expect(errnoOf(() => proc.getFdById('map', id))).toBe('ENOENT');
  });

  it('pinning a non-BPF fd is EINVAL; OBJ_GET with both RDONLY and WRONLY is EINVAL; bpf_fd must be 0', () => {
    const { kernel, proc } = setup();
    kernel.installVfs(new FakeVfs());
    expect(errnoOf(() => proc.objPin(0, '/sys/fs/bpf/x'))).toBe('EINVAL');
    expect(errnoOf(() => proc.objPin(55, '/sys/fs/bpf/x'))).toBe('EINVAL');
    expect(errnoOf(() => proc.objGet('/sys/fs/bpf/x', (1 << 3) | (1 << 4)))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_OBJ_GET', { pathname: '/sys/fs/bpf/x', bpf_fd: 3 }))).toBe('EINVAL');
    expect(errnoOf(() => proc.objGet('/sys/fs/bpf/x'))).toBe('ENOENT');
  });

  it('processes are attached to the filesystem and proc.fs delegates to its process API', () => {
    const { kernel } = setup();
    const vfs = new FakeVfs();
    kernel.installVfs(vfs);
    const p = kernel.spawn();
    const child = p.fork();
    expect(vfs.attached).toEqual(expect.arrayContaining([p.pid, child.pid]));
    expect((child.fs as { whoami(): number }).whoami()).toBe(child.pid);
  });
});

describe('prog_array usercnt', () => {
  it('a program array that holds the program using it is freed once user references go (cycle broken)', () => {
    const { kernel, proc } = setup();
    const pa = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: 2 });
    const p = socketFilter(proc, [ldMapFd(2, pa), mov64(3, 0), { opcode: 0x85, dst: 0, src: 0, off: 0, imm: 12 }, mov64(0, 0), exit]);
    proc.mapUpdate(pa, u32le(0), u32le(p));
    // The map holds the prog (entry), the prog holds the map (used map): a cycle.
    proc.close(p);
    expect(kernel.liveIds('prog').length).toBe(1);
    proc.close(pa); // last user reference: prog_array_map_clear drops the entry → prog freed → map freed
    expect(kernel.liveIds('prog')).toEqual([]);
    expect(kernel.liveIds('map')).toEqual([]);
    expect(kernel.events.events.filter((e) => e.type === 'usercnt_zero').length).toBe(1);
  });

  it('a pinned prog_array keeps its entries while the pin exists', () => {
    const { kernel, proc } = setup();
    const vfs = new FakeVfs();
    kernel.installVfs(vfs);
    const pa = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: 2 });
    const p = socketFilter(proc, retImm(5));
    proc.mapUpdate(pa, u32le(1), u32le(p));
    proc.objPin(pa, '/sys/fs/bpf/pa');
    proc.close(pa);
    proc.close(p);
    expect(kernel.liveIds('prog').length).toBe(1);
    const again = proc.objGet('/sys/fs/bpf/pa');
    const id = new Uint8Array(4);
    proc.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: again, key: u32le(1), value: id });
    expect(new DataView(id.buffer).getUint32(0, true)).toBe(kernel.liveIds('prog')[0]);
    proc.close(again);
    vfs.unlink('/sys/fs/bpf/pa');
    expect(kernel.liveIds('prog')).toEqual([]);
    expect(kernel.liveIds('map')).toEqual([]);
  });
});

describe('kernel.events', () => {
  it('is the log itself: create and free events in order, one each', () => {
    const { kernel, proc } = setup();
    const m = hashMap(proc);
    proc.close(m);
    expect([...kernel.events]).toEqual([
      { type: 'create', kind: 'map', id: 1 },
      { type: 'usercnt_zero', kind: 'map', id: 1 },
      { type: 'free', kind: 'map', id: 1 },
    ]);
    expect(kernel.events.filter((e) => e.type === 'free')).toHaveLength(1);
  });
});

describe('processes', () => {
  it('spawn: root gets every capability by default, other uids none; fork keeps credentials and comm', () => {
    const { kernel } = setup();
    const root = kernel.spawn();
    const user = kernel.spawn({ uid: 1000, gid: 100, comm: 'app' });
    expect(root.hasCap('CAP_SYS_ADMIN') && root.hasCap('CAP_BPF')).toBe(true);
    expect(user.hasCap('CAP_BPF')).toBe(false);
    const child = user.fork();
    expect([child.uid, child.gid, child.comm, child.hasCap('CAP_BPF')]).toEqual([1000, 100, 'app', false]);
    expect(child.fds.entries().map(([fd]) => fd)).toEqual([0, 1, 2]);
    expect(kernel.process(child.pid)).toBe(child);
    child.exit();
    expect(kernel.process(child.pid)).toBeUndefined();
  });
});

describe('exec and O_CLOEXEC', () => {
  it('exec closes bpf(2) fds (O_CLOEXEC) but keeps dup()ed and received ones', () => {
    const { kernel, proc } = setup();
    const a = hashMap(proc);
    const b = hashMap(proc);
    const kept = proc.dup(b);
    const other = kernel.spawn();
    const recv = proc.sendFd(a, other);
    const recvCloexec = proc.sendFd(a, other, { cloexec: true });
    proc.exec('new');
    expect(proc.fds.entries().map(([fd]) => fd)).toEqual([0, 1, 2, kept]);
    expect(proc.comm).toBe('new');
    expect(kernel.liveIds('map')).toEqual([1, 2]);
    other.exec();
    expect(other.fds.has(recv)).toBe(true);
    expect(other.fds.has(recvCloexec)).toBe(false);
    other.close(recv);
    expect(kernel.liveIds('map')).toEqual([2]);
  });
});
