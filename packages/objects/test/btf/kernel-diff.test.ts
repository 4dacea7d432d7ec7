// BTF against Linux 6.18: every case in kernel/kernel-fixtures.json was produced by kernel/btf-oracle.c (see its
// header for how to rebuild and run it) — the BTF blobs are libbpf's (btf__add_*), the errno/log and the `cat`
// text are what the real kernel returned. The simulator must give the same answers for the same bytes.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERRNO_NUMBERS, Kernel, type MapObject } from '@bpfsim/objects';
import { errnoOf, fromHex } from '../support.js';

interface LoadCase { kind: 'load'; name: string; blob: string; result: number; log: string; log_size?: number; log_level?: number }
interface MapCase {
  kind: 'map'; name: string; blob: string; map_type: number; key_size: number; value_size: number; max_entries: number;
  map_flags: number; key_type_id: number; value_type_id: number; btf_load?: number; log?: string; create?: number;
  entries?: [string, string][]; cat?: string; open?: number;
}
interface NoBtfCase { kind: 'nobtf'; name: string; open: number }
type Case = LoadCase | MapCase | NoBtfCase;

const readFixtures = (name: string): Case[] => JSON.parse(readFileSync(fileURLToPath(new URL(`./kernel/${name}`, import.meta.url)), 'utf8'));
const fixtures = readFixtures('kernel-fixtures.json');
/** Mutated blobs, one per distinct kernel verdict (kernel/README.md says how they were made). */
const fuzzFixtures = readFixtures('fuzz-fixtures.json') as LoadCase[];
/** One-element HASH maps whose key and value have the same (mutated-BTF) type: kernel/btf-show-lines.c. */
interface ShowCase { blob: string; id: number; size: number; key: string; value: string; cat: string }
/** BPF_MAP_CREATE with random type ids / sizes / map types: kernel/btf-create-lines.c. */
interface CreateCase { blob: string; type: number; ks: number; vs: number; max: number; flags: number; kid: number; vid: number; r: number }
const createFixtures = JSON.parse(readFileSync(fileURLToPath(new URL('./kernel/create-fixtures.json', import.meta.url)), 'utf8')) as CreateCase[];
const showFixtures = JSON.parse(readFileSync(fileURLToPath(new URL('./kernel/show-fixtures.json', import.meta.url)), 'utf8')) as ShowCase[];
const errnoName = (neg: number): string => Object.entries(ERRNO_NUMBERS).find(([, n]) => n === -neg)![0];

function btfLoad(proc: ReturnType<Kernel['spawn']>, blob: Uint8Array, logSize = 1 << 16, level = 1) {
  const log = new Uint8Array(Math.max(logSize, 1));
  const attr = { btf: blob, btf_size: blob.length, btf_log_buf: logSize ? log : undefined, btf_log_size: logSize, btf_log_level: level };
  let fd: number | undefined;
  let errno: string | undefined;
  try {
    fd = proc.bpf('BPF_BTF_LOAD', attr);
  } catch (e) {
    errno = (e as { errno?: string }).errno;
    if (!errno) throw e;
  }
  const nul = log.indexOf(0);
  return { fd, errno, log: Buffer.from(log.subarray(0, nul)).toString('latin1') };
}

/**
 * The kernel seeds each hash map's jhash randomly (htab->hashrnd), so its element order differs from run to run:
 * for hash types only the set of element blocks is compared (their order is the map's get_next_key order,
 * tested in map-text.test.ts).
 */
function elementBlocks(text: string): string[] {
  const [w1, w2, ...rest] = text.split('\n');
  const blocks: string[] = [];
  for (const line of rest) {
    if (line.startsWith('\t') || line === '}') blocks[blocks.length - 1] += `\n${line}`;
    else if (line) blocks.push(line);
  }
  return [w1, w2, ...blocks.sort()];
}
const HASH_TYPES = new Set([1, 5, 9, 10]);

/** Non-NULL pointers print as the kernel's per-boot hash of the address; only their format can match. */
const maskPointers = (s: string): string => s.replace(/0x00000000(?!00000000)[0-9a-f]{8}/g, '0x<hashed>');

describe('BPF_BTF_LOAD matches the kernel (errno and verifier log)', () => {
  for (const c of fixtures.filter((f): f is LoadCase => f.kind === 'load')) {
    it(c.name, () => {
      const proc = new Kernel().spawn();
      const r = btfLoad(proc, fromHex(c.blob), c.log_size ?? 1 << 16, c.log_level ?? 1);
      expect(r.errno).toBe(c.result === 0 ? undefined : errnoName(c.result));
      expect(r.log).toBe(c.log);
    });
  }
});

describe('BPF_BTF_LOAD of mutated blobs matches the kernel', () => {
  it(`${fuzzFixtures.length} blobs: same errno, same log`, () => {
    const proc = new Kernel().spawn();
    const mismatches: string[] = [];
    for (const c of fuzzFixtures) {
      const r = btfLoad(proc, fromHex(c.blob));
      if (r.fd !== undefined) proc.close(r.fd);
      const want = c.result === 0 ? undefined : errnoName(c.result);
      if (r.errno !== want || r.log !== c.log) mismatches.push(`${c.name}: ${r.errno} vs ${want}\n${r.log.slice(-200)}\n--- kernel:\n${c.log.slice(-200)}`);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('the pretty print of types from mutated BTF matches the kernel', () => {
  it(`${showFixtures.length} key/value texts`, () => {
    const mismatches: string[] = [];
    for (const c of showFixtures) {
      const proc = new Kernel().spawn();
      const data = fromHex(c.blob);
      const btfFd = proc.bpf('BPF_BTF_LOAD', { btf: data, btf_size: data.length });
      const fd = proc.bpf('BPF_MAP_CREATE', {
        map_type: 'BPF_MAP_TYPE_HASH', key_size: c.size, value_size: c.size, max_entries: 1, btf_fd: btfFd, btf_key_type_id: c.id, btf_value_type_id: c.id,
      });
      proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: fromHex(c.key), value: fromHex(c.value) });
      const got = maskPointers(proc.mapFromFd(fd, 'test').readText!());
      if (got !== maskPointers(c.cat)) mismatches.push(`type ${c.id}:\n${got}--- kernel:\n${c.cat}`);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('BPF_MAP_CREATE with random BTF type ids matches the kernel', () => {
  it(`${createFixtures.length} attempts: same errno`, () => {
    const mismatches: string[] = [];
    for (const c of createFixtures) {
      const proc = new Kernel().spawn();
      const data = fromHex(c.blob);
      const btfFd = proc.bpf('BPF_BTF_LOAD', { btf: data, btf_size: data.length });
      const attr = { map_type: c.type, key_size: c.ks, value_size: c.vs, max_entries: c.max, map_flags: c.flags, btf_fd: btfFd, btf_key_type_id: c.kid, btf_value_type_id: c.vid };
      let got: string | undefined;
      try {
        proc.bpf('BPF_MAP_CREATE', attr);
      } catch (e) {
        got = (e as { errno?: string }).errno;
        if (!got) throw e;
      }
      const want = c.r === 0 ? undefined : errnoName(c.r);
      if (got !== want) mismatches.push(`${JSON.stringify({ ...c, blob: undefined })}: ${got} vs ${want}`);
    }
    expect(mismatches).toEqual([]);
  });
});

/** Map types in the fixtures that bpfsim does not simulate: their cases are skipped, by name. */
const UNSIMULATED_MAP_TYPES = new Map<number, string>([[8, 'BPF_MAP_TYPE_CGROUP_ARRAY']]);

describe('maps with BTF match the kernel (create errno, bpffs pretty print)', () => {
  for (const c of fixtures.filter((f): f is MapCase => f.kind === 'map')) {
    it(c.name, (ctx) => {
      const kernel = new Kernel({ ncpus: 2 });
      const proc = kernel.spawn();
      const plain = { map_type: c.map_type, key_size: c.key_size, value_size: c.value_size, max_entries: c.max_entries, map_flags: c.map_flags };
      const unsimulated = UNSIMULATED_MAP_TYPES.get(c.map_type);
      if (unsimulated) ctx.skip(`bpfsim does not simulate map type ${c.map_type} (${unsimulated})`);
      // Every other type must create without BTF, as it did on the kernel: a failure here is a regression.
      proc.close(proc.bpf('BPF_MAP_CREATE', plain));
      const loaded = btfLoad(proc, fromHex(c.blob));
      if (c.btf_load !== undefined) {
        expect(loaded.errno).toBe(errnoName(c.btf_load));
        expect(loaded.log).toBe(c.log);
        return;
      }
      expect(loaded.errno).toBeUndefined();
      const attr = {
        map_type: c.map_type, key_size: c.key_size, value_size: c.value_size, max_entries: c.max_entries, map_flags: c.map_flags,
        btf_fd: loaded.fd, btf_key_type_id: c.key_type_id, btf_value_type_id: c.value_type_id, map_name: c.name.slice(0, 15),
      };
      if (c.create !== 0) {
        expect(errnoOf(() => proc.bpf('BPF_MAP_CREATE', attr))).toBe(errnoName(c.create!));
        return;
      }
      const fd = proc.bpf('BPF_MAP_CREATE', attr);
      for (const [k, v] of c.entries ?? []) proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: fromHex(k), value: fromHex(v), flags: 0 });
      const map: MapObject = proc.mapFromFd(fd, "test");
      if (c.open !== undefined) {
        expect(c.open).toBe(-ERRNO_NUMBERS.EIO); // no map_seq_show_elem: bpffs refuses to open it
        expect(map.readText).toBeUndefined();
        return;
      }
      expect(typeof map.readText).toBe('function');
      const got = maskPointers(map.readText!());
      const want = maskPointers(c.cat!);
      if (HASH_TYPES.has(c.map_type)) expect(elementBlocks(got)).toEqual(elementBlocks(want));
      else expect(got).toBe(want);
    });
  }

  it('a map without BTF has no text (bpffs answers EIO, as the kernel did)', () => {
    const nobtf = fixtures.find((f): f is NoBtfCase => f.kind === 'nobtf')!;
    expect(nobtf.open).toBe(-ERRNO_NUMBERS.EIO);
    const proc = new Kernel().spawn();
    const fd = proc.bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    expect(proc.mapFromFd(fd, "test").readText).toBeUndefined();
  });
});
