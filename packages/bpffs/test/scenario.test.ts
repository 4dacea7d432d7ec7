// The end-to-end scenario: process A creates a map and a program using it, pins both and exits; process B
// in the same mount namespace opens the pins, runs the program (which updates the map) and reads the map; process C
// in another mount namespace with its own bpffs sees neither; removing the pins frees each object exactly once, and
// not before its last reference goes (the program holds its map). Run on bpfsim (objects Kernel + bpffs, checked
// through the kernel's event log) and, as far as the oracle can express it, on the real kernel.
import { describe, expect, it } from 'vitest';
import { Kernel, isBpfError, type KernelEvent } from '@bpfsim/objects';
import { createBpffs, type ProcessFs } from '@bpfsim/bpffs';
import { kernelDiff, step } from '../../../testing/kernel-oracle/harness';
import { callHelper, exitInsn, insn, ldMapFd, mov64Imm } from '../../../testing/kernel-oracle/oracle';
import { MAP, PROG, as, get, mapCreate, pin, progLoad, testRun, u32, u64 } from '../../../testing/kernel-oracle/script';
import { withBpffs } from './kernel-diff/sim-kernel';

const B = '/sys/fs/bpf';
const BPF_FUNC_map_update_elem = 2;

/**
 * `u32 key = 0; u64 val = 42; return bpf_map_update_elem(&map, &key, &val, BPF_ANY);` — the lddw is insn 4 (slots
 * 4-5); its imm is the map fd.
 */
const writerInsns = (mapFd: number): string =>
  mov64Imm(1, 0) +
  insn(0x63, 10, 1, -4, 0) + // *(u32 *)(r10 - 4) = r1
  mov64Imm(1, 42) +
  insn(0x7b, 10, 1, -16, 0) + // *(u64 *)(r10 - 16) = r1
  ldMapFd(1, mapFd) +
  insn(0xbf, 2, 10, 0, 0) + // r2 = r10
  insn(0x07, 2, 0, 0, -4) + // r2 += -4
  insn(0xbf, 3, 10, 0, 0) +
  insn(0x07, 3, 0, 0, -16) +
  mov64Imm(4, 0) +
  callHelper(BPF_FUNC_map_update_elem) +
  exitInsn();

const insnsOf = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const PACKET = new Uint8Array(64).map((_, i) => i);

function errnoOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isBpfError(e)) return e.errno;
    throw e;
  }
  return undefined;
}

/** Frees of one object in the log. */
const freesOf = (events: readonly KernelEvent[], kind: 'map' | 'prog', id: number) =>
  events.filter((e) => e.type === 'free' && e.kind === kind && e.id === id).length;

describe('end-to-end: pin in one process, use in another, invisible in another mount namespace', () => {
  it('runs as on the kernel, and frees each object exactly once when its last reference goes', () => {
    const kernel = new Kernel();
    createBpffs(kernel);

    // Process A: map + program using it, pinned, then A exits.
    const a = kernel.spawn({ comm: 'A' });
    const mapFd = a.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 1, map_name: 'counters' });
    const progFd = a.progLoad({ prog_type: 'BPF_PROG_TYPE_SOCKET_FILTER', insns: insnsOf(writerInsns(mapFd)), prog_name: 'writer' });
    const mapId = a.mapInfo(mapFd).id;
    const progId = a.progInfo(progFd).id;
    a.objPin(mapFd, `${B}/counters`);
    a.objPin(progFd, `${B}/writer`);
    a.exit();
    expect(freesOf(kernel.events, 'map', mapId)).toBe(0);
    expect(freesOf(kernel.events, 'prog', progId)).toBe(0);

    // Process B, same mount namespace: open the pins, run, read.
    const b = kernel.spawn({ comm: 'B' });
    const m = b.objGet(`${B}/counters`);
    const p = b.objGet(`${B}/writer`);
    expect(b.mapInfo(m).id).toBe(mapId);
    expect(b.progInfo(p).id).toBe(progId);
    expect([...b.mapLookup(m, new Uint8Array(4))]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const run = b.progTestRun(p, { data_in: PACKET });
    expect(run.retval).toBe(0); // bpf_map_update_elem succeeded
    expect([...b.mapLookup(m, new Uint8Array(4))]).toEqual([42, 0, 0, 0, 0, 0, 0, 0]);

    // Process C: its own mount namespace and bpffs; neither pin is there.
    const c = kernel.spawn({ comm: 'C' });
    c.unshare('mnt');
    c.mount('bpf', B);
    expect(errnoOf(() => c.objGet(`${B}/counters`))).toBe('ENOENT');
    expect(errnoOf(() => c.objGet(`${B}/writer`))).toBe('ENOENT');
    expect((c.fs as ProcessFs).readdir(B)).toEqual(['progs.debug', 'maps.debug']); // a fresh instance: only bpf_preload's
    // …and B's namespace still has them, beside its own preload files.
    expect((b.fs as ProcessFs).readdir(B)).toEqual(['writer', 'counters', 'progs.debug', 'maps.debug']);

    b.close(m);
    b.close(p);
    const bfs = b.fs as ProcessFs;
    // Only the map pin goes: the program still holds the map (used_maps), so the map lives on.
    bfs.unlink(`${B}/counters`);
    expect(freesOf(kernel.events, 'map', mapId)).toBe(0);
    expect(kernel.liveIds('map')).toContain(mapId);
    expect(errnoOf(() => b.objGet(`${B}/counters`))).toBe('ENOENT');
    // The last pin: the program goes, and with it the last reference to the map.
    const before = kernel.events.length;
    bfs.unlink(`${B}/writer`);
    const tail = kernel.events.slice(before);
    expect(tail.filter((e) => e.type === 'free' && (e.kind === 'map' || e.kind === 'prog'))).toEqual([
      { type: 'free', kind: 'prog', id: progId },
      { type: 'free', kind: 'map', id: mapId },
    ]);
    expect(freesOf(kernel.events, 'map', mapId)).toBe(1);
    expect(freesOf(kernel.events, 'prog', progId)).toBe(1);
    expect(errnoOf(() => b.getFdById('map', mapId))).toBe('ENOENT');
    expect(errnoOf(() => b.getFdById('prog', progId))).toBe('ENOENT');

    // Everyone leaves: C's bpffs (and its preload pins) go with its namespace; nothing is freed twice.
    c.exit();
    b.exit();
    const frees = kernel.events.filter((e) => e.type === 'free').map((e) => `${e.kind}:${e.id}`);
    expect(new Set(frees).size).toBe(frees.length);
  });
});

// The same scenario on the real kernel. The oracle runs one process in a private mount namespace, so "A exits" is
// A closing every fd it holds, and B is the same process opening the pins afterwards; process C's separate mount
// namespace (unshare + its own bpffs) cannot be expressed in an oracle script and is covered by bpfsim only above.
// "Freed" is observed as BPF_{MAP,PROG}_GET_FD_BY_ID failing with ENOENT (the IDs go when the object is freed); the
// kernel's event order (program, then its map) is not observable there, only on bpfsim above.
kernelDiff(
  'end-to-end scenario on the kernel: pins outlive their creator, the program keeps its map alive',
  [
    step(as(mapCreate(MAP.ARRAY, 4, 8, 1), 'm'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, writerInsns(0), 'GPL', { fixups: '4=$m' }), 'p'), 'ok'),
    step(pin('m', '/sys/fs/bpf/counters'), 'ok'),
    step(pin('p', '/sys/fs/bpf/writer'), 'ok'),
    step({ cmd: 'close', fd: '$m' }, 'ok'),
    step({ cmd: 'close', fd: '$p' }, 'ok'),
    step(as(get('/sys/fs/bpf/counters'), 'bm'), 'ok'),
    step(as(get('/sys/fs/bpf/writer'), 'bp'), 'ok'),
    step({ cmd: 'BPF_MAP_LOOKUP_ELEM', map_fd: '$bm', key: u32(0) }, { value: u64(0) }),
    step(testRun('bp', '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'), { retval: 0 }),
    step({ cmd: 'BPF_MAP_LOOKUP_ELEM', map_fd: '$bm', key: u32(0) }, { value: u64(42) }),
    step({ cmd: 'close', fd: '$bm' }, 'ok'),
    step({ cmd: 'close', fd: '$bp' }, 'ok'),
    step({ cmd: 'unlink', path: '/sys/fs/bpf/counters' }, 'ok'),
    step(get('/sys/fs/bpf/counters'), 'ENOENT'),
    step(as({ cmd: 'BPF_MAP_GET_FD_BY_ID', map_id: '$m.id' }, 'held'), 'ok'), // the program still holds it
    step({ cmd: 'close', fd: '$held' }, 'ok'),
    step({ cmd: 'unlink', path: '/sys/fs/bpf/writer' }, 'ok'),
    step({ cmd: 'BPF_PROG_GET_FD_BY_ID', prog_id: '$p.id' }, 'ENOENT'), // the program's ID goes at once
    // The map is released from the program's deferred free (after an RCU grace period, FACTS.md "References and
    // asynchronous frees"); bpfsim frees it at once. wait_gone polls without taking a reference.
    step({ cmd: 'wait_gone', kind: 'map', id: '$m.id' }, 'ok'),
    step({ cmd: 'BPF_MAP_GET_FD_BY_ID', map_id: '$m.id' }, 'ENOENT'),
  ],
  withBpffs,
);
