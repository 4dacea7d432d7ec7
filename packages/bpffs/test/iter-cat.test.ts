// `cat` of pinned iterators through bpffs and objects: a bpf_map_elem iterator the test pins, and bpf_preload's
// maps.debug/progs.debug that every new bpffs instance gets. open() of an iterator pin starts a new session
// (bpf_iter_fops → prepare_seq_file); each session holds the link, so removing the pin lets open sessions finish.
import { describe, expect, it } from 'vitest';
import { assembleLlvm } from '@bpfsim/isa';
import { Kernel, isBpfError, seqPrintfAsm, type Process } from '@bpfsim/objects';
import { createBpffs, type ProcessFs } from '@bpfsim/bpffs';

const B = '/sys/fs/bpf';
const dec = new TextDecoder();
const fsOf = (p: Process) => p.fs as ProcessFs;

function errnoOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isBpfError(e)) return e.errno;
    throw e;
  }
  return undefined;
}

// if (!key) { BPF_SEQ_PRINTF(seq, "end %llu\n", meta->seq_num); return 0; }
// BPF_SEQ_PRINTF(seq, "%u=%llu\n", *key, *val);
const ELEM_DUMP = [
  'r9 = *(u64 *)(r1 + 0)',
  'r7 = *(u64 *)(r1 + 16)',
  'r8 = *(u64 *)(r1 + 24)',
  'if r7 == 0 goto end',
  'r1 = *(u32 *)(r7 + 0)',
  'r2 = *(u64 *)(r8 + 0)',
  ...seqPrintfAsm('%u=%llu\n', ['r1', 'r2']),
  'r0 = 0',
  'exit',
  'end:',
  'r1 = *(u64 *)(r9 + 16)',
  ...seqPrintfAsm('end %llu\n', ['r1']),
  'r0 = 0',
  'exit',
].join('\n');

/** An array map of `n` u64 values (k → 1000 + k), an iterator over it pinned at B/dump; every fd closed. */
function pinnedElemIterator(proc: Process, n: number): { mapId: number; linkId: number; progId: number; expected: string } {
  const map = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: n, map_name: 'vals' });
  let expected = '';
  for (let k = 0; k < n; k++) {
    proc.mapUpdate(map, new Uint8Array(new Uint32Array([k]).buffer), new Uint8Array(new BigUint64Array([BigInt(1000 + k)]).buffer));
    expected += `${k}=${1000 + k}\n`;
  }
  // bpf_seq_read increments seq_num only when another object follows (bpf_iter_inc_seq_num), so the final NULL call
  // sees the last object's number.
  expected += `end ${n - 1}\n`;
  const prog = proc.bpf('BPF_PROG_LOAD', {
    prog_type: 'BPF_PROG_TYPE_TRACING',
    expected_attach_type: 'BPF_TRACE_ITER',
    iter_target: 'bpf_map_elem',
    insns: assembleLlvm(ELEM_DUMP),
    license: 'GPL',
    prog_name: 'elem_dump',
  });
  const link = proc.bpf('BPF_LINK_CREATE', { prog_fd: prog, attach_type: 'BPF_TRACE_ITER', iter_info: { map: { map_fd: map } } });
  proc.objPin(link, `${B}/dump`);
  const ids = { mapId: proc.mapInfo(map).id, progId: proc.progInfo(prog).id, linkId: proc.linkInfo(link).id };
  for (const fd of [map, prog, link]) proc.close(fd);
  return { ...ids, expected };
}

function readChunks(fs: ProcessFs, h: ReturnType<ProcessFs['open']>, n: number): string {
  let s = '';
  for (let b = fs.read(h, n); b.length > 0; b = fs.read(h, n)) {
    expect(b.length).toBeLessThanOrEqual(n);
    s += dec.decode(b);
  }
  return s;
}

describe('cat of a pinned bpf_map_elem iterator', () => {
  it('reads the same text whole and in small chunks', () => {
    const kernel = new Kernel();
    createBpffs(kernel);
    const proc = kernel.spawn();
    const { expected } = pinnedElemIterator(proc, 50);
    const fs = fsOf(proc);
    expect(dec.decode(fs.readFile(`${B}/dump`))).toBe(expected);
    for (const n of [1, 7, 64]) {
      const h = fs.open(`${B}/dump`);
      expect(readChunks(fs, h, n)).toBe(expected);
      fs.close(h);
    }
  });

  it('two sessions open at once are independent (their own position and seq_num)', () => {
    const kernel = new Kernel();
    createBpffs(kernel);
    const proc = kernel.spawn();
    const { expected } = pinnedElemIterator(proc, 20);
    const fs = fsOf(proc);
    const h1 = fs.open(`${B}/dump`);
    const h2 = fs.open(`${B}/dump`);
    let t1 = dec.decode(fs.read(h1, 5));
    let t2 = '';
    // Alternate reads of different sizes.
    for (;;) {
      const b2 = fs.read(h2, 11);
      const b1 = fs.read(h1, 3);
      t2 += dec.decode(b2);
      t1 += dec.decode(b1);
      if (b1.length === 0 && b2.length === 0) break;
    }
    expect(t1).toBe(expected);
    expect(t2).toBe(expected);
    fs.close(h1);
    fs.close(h2);
  });

  it('removing the pin while a session is open lets it finish; the link goes with the last session', () => {
    const kernel = new Kernel();
    createBpffs(kernel);
    const proc = kernel.spawn();
    const { expected, linkId, progId, mapId } = pinnedElemIterator(proc, 30);
    const fs = fsOf(proc);
    const h = fs.open(`${B}/dump`);
    let text = dec.decode(fs.read(h, 20));
    fs.unlink(`${B}/dump`);
    expect(errnoOf(() => fs.open(`${B}/dump`))).toBe('ENOENT');
    expect(kernel.liveIds('link')).toContain(linkId); // the open session holds it
    text += readChunks(fs, h, 20);
    expect(text).toBe(expected);
    expect(kernel.liveIds('link')).toContain(linkId);
    fs.close(h);
    const frees = kernel.events.filter((e) => e.type === 'free').map((e) => `${e.kind}:${e.id}`);
    // bpf_link_free: ops->release first (bpf_iter_link_release → detach_target drops the map), then the program.
    expect(frees).toEqual([`link:${linkId}`, `map:${mapId}`, `prog:${progId}`]);
  });

  it('a process that exits with a session open releases it', () => {
    const kernel = new Kernel();
    createBpffs(kernel);
    const root = kernel.spawn();
    const { linkId } = pinnedElemIterator(root, 3);
    const reader = kernel.spawn();
    const fs = fsOf(reader);
    const h = fs.open(`${B}/dump`);
    fs.read(h, 2);
    fsOf(root).unlink(`${B}/dump`);
    expect(kernel.liveIds('link')).toContain(linkId);
    reader.exit();
    expect(kernel.liveIds('link')).not.toContain(linkId);
  });
});

describe("bpf_preload's maps.debug and progs.debug in every new bpffs instance", () => {
  it('are there at boot and in each new mount, mode 0400 root, readable by root only', () => {
    const kernel = new Kernel();
    createBpffs(kernel);
    const root = kernel.spawn();
    const fs = fsOf(root);
    expect(fs.readdir(B)).toEqual(['progs.debug', 'maps.debug']);
    expect(fs.stat(`${B}/maps.debug`)).toMatchObject({ mode: 0o100400, uid: 0, gid: 0, nlink: 1, size: 0 });
    fs.mkdir('/tmp/b2');
    root.mount('bpf', '/tmp/b2');
    expect(fs.readdir('/tmp/b2')).toEqual(['progs.debug', 'maps.debug']);
    const user = kernel.spawn({ uid: 1000, gid: 1000 });
    expect(errnoOf(() => fsOf(user).readFile(`${B}/maps.debug`))).toBe('EACCES');
    // The preload links are pinned, not openable as BPF objects by the user either.
    expect(errnoOf(() => user.objGet(`${B}/progs.debug`))).toBe('EACCES');
  });

  it("start empty with populate: false, with the '4.4' profile (no bpf_preload before 5.10), or without a kernel", () => {
    for (const opts of [{ populate: false as const }, { profile: '4.4' as const }]) {
      const kernel = new Kernel();
      createBpffs(kernel, opts);
      const proc = kernel.spawn();
      expect(fsOf(proc).readdir(B)).toEqual([]);
      expect(kernel.liveIds('prog')).toEqual([]);
      expect(kernel.liveIds('link')).toEqual([]);
    }
    const alone = createBpffs();
    expect(alone.fsFor({ pid: 1, uid: 0, gid: 0, hasCap: () => true, mountNamespace: undefined }).readdir(B)).toEqual([]);
  });

  it("cat maps.debug lists the machine's maps in the kernel's format", () => {
    const kernel = new Kernel();
    createBpffs(kernel);
    const proc = kernel.spawn();
    const a = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 16, map_name: 'counters' });
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 8, value_size: 8, max_entries: 1024, map_name: 'sessions' });
    const idA = proc.mapInfo(a).id;
    const text = dec.decode(fsOf(proc).readFile(`${B}/maps.debug`));
    expect(text).toBe(
      '  id name             max_entries\n' +
        `${String(idA).padStart(4)} counters            16\n` +
        `${String(idA + 1).padStart(4)} sessions          1024\n`,
    );
    const progs = dec.decode(fsOf(proc).readFile(`${B}/progs.debug`)).split('\n');
    expect(progs[0]).toBe('  id name             attached');
    expect(progs.slice(1, 3).map((l) => l.slice(5, 21).trimEnd())).toEqual(['dump_bpf_map', 'dump_bpf_prog']);
  });

  it('the preload programs and links live while some bpffs instance pins them, and are freed with the last one', () => {
    const kernel = new Kernel();
    const bpffs = createBpffs(kernel);
    const root = kernel.spawn();
    const [mapsLink, progsLink] = kernel.liveIds('link');
    const c = kernel.spawn();
    c.unshare('mnt');
    c.mount('bpf', B); // a second instance pins the same two links
    expect(kernel.liveIds('link')).toEqual([mapsLink, progsLink]);
    // The initial namespace's boot mount goes away (umount by root): still pinned in C's instance.
    root.exit();
    const r2 = kernel.spawn();
    (bpffs.umount as (c: unknown, t: string) => void)(r2, B);
    expect(kernel.liveIds('link')).toEqual([mapsLink, progsLink]);
    c.exit(); // C's namespace and its bpffs go: the last pins
    expect(kernel.liveIds('link')).toEqual([]);
    expect(kernel.liveIds('prog')).toEqual([]);
    const frees = kernel.events.filter((e) => e.type === 'free').map((e) => `${e.kind}:${e.id}`);
    expect(new Set(frees).size).toBe(frees.length);
    expect(frees).toHaveLength(4);
    // A new mount loads a new pair.
    fsOf(r2).mkdir('/tmp/again');
    r2.mount('bpf', '/tmp/again');
    expect(kernel.liveIds('link')).toHaveLength(2);
    expect(kernel.liveIds('link')).not.toContain(mapsLink);
  });
});
