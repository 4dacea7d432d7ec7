// Differential tests against the running Linux kernel: the same command scripts go to bpf(2) (via
// oracle/map-probe.c, inside `unshare -m` with a private bpffs) and to bpfsim; every answer must match.
// Skips with a message when there is no compiler, no root, no unshare or bpf(2) is unavailable.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BPF_F_INNER_MAP, BPF_F_LOCK, BPF_F_NO_PREALLOC, resolveMapType } from './constants.js';
import { CREATE_CASES } from './create-cases.js';
import { createMap } from './create.js';
import { runScript, sameResult } from './oracle/script.js';
import type { RingbufMap } from './ringbuf.js';
import { FakeEnv } from './test-support.js';

const probeSrc = fileURLToPath(new URL('./oracle/map-probe.c', import.meta.url));
const probeBin = join(tmpdir(), `bpfsim-map-probe-${process.pid}`);
const rbProbeSrc = fileURLToPath(new URL('./oracle/ringbuf-probe.c', import.meta.url));
const rbProbeBin = join(tmpdir(), `bpfsim-ringbuf-probe-${process.pid}`);

const IN_PRIVATE_BPFFS = 'd=$(mktemp -d) && mount -t bpf bpf "$d" && "$0" "$@"; r=$?; umount "$d" 2>/dev/null; rmdir "$d"; exit $r';

/** ringbuf-probe: a program runs the ops, then the ring is read through mmap like libbpf does. */
function runRingbufProbe(size: number, ops: string[]): string {
  const r = spawnSync('unshare', ['-m', 'sh', '-c', IN_PRIVATE_BPFFS, rbProbeBin, String(size), ...ops], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`ringbuf probe failed: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

/** The same ops on bpfsim's ring buffer, printed the same way. */
function simRingbuf(size: number, ops: string[]): string {
  const rb = createMap({ map_type: 'ringbuf', key_size: 0, value_size: 0, max_entries: size }, new FakeEnv(2)) as RingbufMap;
  const pattern = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
  for (const op of ops) {
    const len = Number(op.slice(1));
    if (op[0] === 'o') rb.output(pattern.subarray(0, len), 0);
    else {
      const r = rb.reserve(len, 0);
      if (!r) continue;
      if (len > 0) r.data[0] = 0xab;
      if (op[0] === 's') rb.submit(r);
      else rb.discard(r);
    }
  }
  const s = rb.snapshot();
  const hexData = [...s.data.subarray(0, Math.min(s.producerPos, size))].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `prod=${s.producerPos} cons=${s.consumerPos} data=${hexData}`;
}

function runProbe(lines: string[]): string[] {
  const r = spawnSync(
    'unshare',
    ['-m', 'sh', '-c', 'd=$(mktemp -d) && mount -t bpf bpf "$d" && "$0"; r=$?; umount "$d" 2>/dev/null; rmdir "$d"; exit $r', probeBin],
    { input: lines.join('\n') + '\n', encoding: 'utf8', timeout: 30_000 },
  );
  if (r.status !== 0) throw new Error(`probe failed: ${r.stderr}`);
  return r.stdout.trim().split('\n');
}

function setup(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync('/usr/bin/unshare')) return 'unshare missing';
  try {
    execFileSync('cc', ['-O1', '-o', probeBin, probeSrc], { stdio: 'pipe' });
    execFileSync('cc', ['-O1', '-o', rbProbeBin, rbProbeSrc], { stdio: 'pipe' });
  } catch (e) {
    // Only a missing compiler is a reason to skip; a probe that does not compile is a defect in this suite.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'no C compiler (cc not found)';
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`kernel-oracle.test.ts: compiling the probes failed: ${(e as Error).message}\n${stderr}`);
  }
  try {
    const out = runProbe(['create 2 4 4 1 0 0']);
    if (out[0] !== 'ok 0') return `bpf(2) unavailable: ${out[0]}`;
  } catch (e) {
    return `bpf(2) unavailable: ${(e as Error).message}`;
  }
  return null;
}

const skipReason = setup();
if (skipReason) console.warn(`kernel-oracle.test.ts: SKIPPED — ${skipReason}`);
afterAll(() => {
  rmSync(probeBin, { force: true });
  rmSync(rbProbeBin, { force: true });
});

function possibleCpus(): number {
  const s = readFileSync('/sys/devices/system/cpu/possible', 'utf8').trim();
  return s.split(',').reduce((n, part) => {
    const [a, b] = part.split('-').map(Number);
    return n + (b === undefined ? 1 : b - a + 1);
  }, 0);
}

function compare(lines: string[]): void {
  const env = new FakeEnv(possibleCpus());
  const kernel = runProbe(lines);
  const sim = runScript(lines, env);
  const rows = lines.map((l, i) => ({ cmd: l, kernel: kernel[i], sim: sim[i] }));
  const bad = rows.filter((r) => !sameResult(r.kernel, r.sim));
  expect(bad).toEqual([]);
}

const hex32 = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255].map((x) => x.toString(16).padStart(2, '0')).join('');
/** LPM key: u32 prefixlen (host order) + 4 data bytes (network order). */
const lpmKey = (plen: number, a: number, b: number, c: number, d: number) =>
  hex32(plen) + [a, b, c, d].map((x) => x.toString(16).padStart(2, '0')).join('');

describe.skipIf(skipReason !== null)('maps vs the running kernel', () => {
  it('BPF_MAP_CREATE errno table', () => {
    const lines: string[] = [];
    for (const [, a, want] of CREATE_CASES) {
      // Memory limits differ by design; names, NUMA and inner maps need more than the probe's create line.
      if (want === 'ENOMEM' || a.map_name || a.numa_node !== undefined || a.inner_map_fd !== undefined) continue;
      // Don't make the kernel allocate large areas on a shared machine.
      if (want === 'ok' && a.value_size * a.max_entries > 64 << 20) continue;
      const t = resolveMapType(a.map_type);
      if (t === undefined) continue;
      lines.push(`create ${t} ${a.key_size} ${a.value_size} ${a.max_entries} ${a.map_flags ?? 0} ${a.map_extra ?? 0}`);
    }
    expect(lines.length).toBeGreaterThan(40);
    compare(lines);
  });

  it('array: flags, bounds, delete, get_next_key, freeze', () => {
    compare([
      'create 2 4 8 3 0 0',
      `update 0 ${hex32(0)} 1122334455667788 0`,
      `update 0 ${hex32(1)} 0102030405060708 1`,
      `update 0 ${hex32(1)} 0102030405060708 2`,
      `update 0 ${hex32(3)} 0102030405060708 0`,
      `update 0 ${hex32(3)} 0102030405060708 1`,
      `update 0 ${hex32(0)} 0102030405060708 3`,
      `update 0 ${hex32(0)} 0102030405060708 ${BPF_F_LOCK}`,
      `lookup 0 ${hex32(0)} 0`,
      `lookup 0 ${hex32(3)} 0`,
      `lookup 0 ${hex32(0)} ${BPF_F_LOCK}`,
      `lookup 0 ${hex32(0)} 8`,
      `delete 0 ${hex32(0)}`,
      `delete 0 ${hex32(7)}`,
      'next 0 -',
      `next 0 ${hex32(0)}`,
      `next 0 ${hex32(1)}`,
      `next 0 ${hex32(2)}`,
      `next 0 ${hex32(99)}`,
      `lad 0 ${hex32(0)} 0`,
      'freeze 0',
      `update 0 ${hex32(0)} 0102030405060708 0`,
      `lookup 0 ${hex32(0)} 0`,
      'freeze 0',
    ]);
  });

  it('percpu array: ncpus × round_up(value_size, 8) layout', () => {
    compare([
      'create 6 4 4 2 0 0',
      `update 0 ${hex32(1)} ${'01020304aaaaaaaa'.repeat(possibleCpus())} 0`,
      `lookup 0 ${hex32(1)} 0`,
      `lookup 0 ${hex32(0)} 0`,
      `update 0 ${hex32(1)} ${'00'.repeat(8 * possibleCpus())} 1`,
      `update 0 ${hex32(2)} ${'00'.repeat(8 * possibleCpus())} 0`,
    ]);
  });

  it('hash: update flags, full map, delete, lookup_and_delete, restart rule', () => {
    compare([
      'create 1 4 4 2 0 0',
      'next 0 -',
      `update 0 ${hex32(1)} ${hex32(10)} 2`,
      `update 0 ${hex32(1)} ${hex32(10)} 1`,
      `update 0 ${hex32(1)} ${hex32(11)} 1`,
      `update 0 ${hex32(1)} ${hex32(12)} 2`,
      `lookup 0 ${hex32(1)} 0`,
      `next 0 -`,
      `next 0 ${hex32(1)}`,
      `next 0 ${hex32(77)}`,
      `update 0 ${hex32(2)} ${hex32(20)} 0`,
      `update 0 ${hex32(3)} ${hex32(30)} 0`,
      `update 0 ${hex32(3)} ${hex32(30)} 2`,
      `update 0 ${hex32(2)} ${hex32(21)} 0`,
      `update 0 ${hex32(2)} ${hex32(21)} 4`,
      `update 0 ${hex32(2)} ${hex32(21)} 3`,
      `lad 0 ${hex32(2)} 0`,
      `lad 0 ${hex32(2)} 0`,
      `lad 0 ${hex32(1)} 4`,
      `delete 0 ${hex32(1)}`,
      `delete 0 ${hex32(1)}`,
      `lookup 0 ${hex32(1)} 0`,
      'next 0 -',
      `create 1 4 4 2 ${BPF_F_NO_PREALLOC} 0`,
      `update 1 ${hex32(1)} ${hex32(1)} 0`,
      `update 1 ${hex32(2)} ${hex32(2)} 0`,
      `update 1 ${hex32(3)} ${hex32(3)} 0`,
      `update 1 ${hex32(2)} ${hex32(9)} 0`,
      `lookup 1 ${hex32(2)} 0`,
      'freeze 1',
      `delete 1 ${hex32(1)}`,
      `lad 1 ${hex32(1)} 0`,
    ]);
  });

  it('percpu and LRU hash basics', () => {
    const n = possibleCpus();
    compare([
      'create 5 4 4 4 0 0',
      `update 0 ${hex32(1)} ${'0500000000000000'.repeat(n)} 0`,
      `lookup 0 ${hex32(1)} 0`,
      `update 0 ${hex32(1)} ${'0600000000000000'.repeat(n)} 4`,
      `lad 0 ${hex32(1)} 0`,
      'create 9 4 4 4 0 0',
      `update 1 ${hex32(1)} ${hex32(1)} 0`,
      `update 1 ${hex32(1)} ${hex32(1)} 4`,
      `update 1 ${hex32(2)} ${hex32(1)} 2`,
      `lookup 1 ${hex32(1)} 0`,
      `lad 1 ${hex32(1)} 0`,
    ]);
  });

  it('queue and stack', () => {
    const v = (x: number) => hex32(x);
    compare([
      'create 22 0 4 3 0 0',
      'create 23 0 4 3 0 0',
      ...[0, 1].flatMap((s) => [
        `lookup ${s} - 0`,
        `lad ${s} - 0`,
        `update ${s} - ${v(1)} 0`,
        `update ${s} - ${v(2)} 0`,
        `update ${s} - ${v(3)} 0`,
        `update ${s} - ${v(4)} 0`,
        `update ${s} - ${v(4)} 1`,
        `update ${s} - ${v(4)} 2`,
        `lookup ${s} - 0`,
        `lad ${s} - 0`,
        `lad ${s} - 0`,
        `update ${s} - ${v(5)} 2`,
        `lad ${s} - 0`,
        `lad ${s} - 0`,
        `lad ${s} - 0`,
        `lad ${s} - 4`,
        `delete ${s} -`,
        `next ${s} -`,
        `lookup ${s} ${v(0)} 0`,
      ]),
    ]);
  });

  it('bloom filter, ringbuf, prog_array and perf_event_array syscall answers', () => {
    compare([
      'create 30 0 4 100 0 3',
      `lookup 0 - 0 ${hex32(7)}`,
      `update 0 - ${hex32(7)} 1`,
      `update 0 - ${hex32(7)} 0`,
      `lookup 0 - 0 ${hex32(7)}`,
      'delete 0 -',
      'next 0 -',
      'lad 0 - 0',
      'create 27 0 0 8192 0 0',
      'lookup 1 - 0',
      'update 1 - - 0',
      'delete 1 -',
      'next 1 -',
      'lad 1 - 0',
      'create 3 4 4 4 0 0',
      `lookup 2 ${hex32(0)} 0`,
      `delete 2 ${hex32(0)}`,
      `delete 2 ${hex32(9)}`,
      `update 2 ${hex32(0)} ${hex32(0)} 1`,
      `update 2 ${hex32(9)} ${hex32(0)} 0`,
      `next 2 ${hex32(3)}`,
      'create 4 4 4 4 0 0',
      `lookup 3 ${hex32(0)} 0`,
      `delete 3 ${hex32(0)}`,
      `updfd 3 ${hex32(0)} 0 0`, // a map fd where a perf event fd belongs: EBADF (perf_event_get)
      `updfd 3 ${hex32(0)} 0 1`,
      `updfd 3 ${hex32(9)} 0 0`,
      `updfd 2 ${hex32(0)} 0 0`, // a map fd in a prog_array: EINVAL (bpf_prog_get)
    ]);
  });

  it('LPM trie: longest prefix match, get_next_key post-order, delete', () => {
    compare([
      `create 11 8 4 8 ${BPF_F_NO_PREALLOC} 0`,
      `update 0 ${lpmKey(16, 192, 168, 0, 0)} ${hex32(1)} 0`,
      `update 0 ${lpmKey(24, 192, 168, 0, 0)} ${hex32(2)} 0`,
      `update 0 ${lpmKey(24, 192, 168, 128, 0)} ${hex32(3)} 0`,
      `update 0 ${lpmKey(24, 192, 168, 1, 0)} ${hex32(5)} 0`,
      `update 0 ${lpmKey(8, 10, 0, 0, 0)} ${hex32(8)} 0`,
      `update 0 ${lpmKey(16, 10, 1, 0, 0)} ${hex32(16)} 0`,
      `update 0 ${lpmKey(16, 10, 1, 0, 0)} ${hex32(17)} 1`,
      `update 0 ${lpmKey(12, 10, 1, 0, 0)} ${hex32(17)} 2`,
      `update 0 ${lpmKey(33, 10, 1, 0, 0)} ${hex32(17)} 0`,
      `lookup 0 ${lpmKey(32, 10, 1, 2, 3)} 0`,
      `lookup 0 ${lpmKey(32, 10, 2, 2, 3)} 0`,
      `lookup 0 ${lpmKey(32, 11, 2, 2, 3)} 0`,
      `lookup 0 ${lpmKey(32, 192, 168, 1, 77)} 0`,
      `lookup 0 ${lpmKey(32, 192, 168, 2, 77)} 0`,
      `lookup 0 ${lpmKey(8, 192, 168, 1, 77)} 0`,
      `lookup 0 ${lpmKey(23, 192, 168, 0, 0)} 0`,
      'next 0 -',
      `next 0 ${lpmKey(24, 192, 168, 0, 0)}`,
      `next 0 ${lpmKey(24, 192, 168, 1, 0)}`,
      `next 0 ${lpmKey(24, 192, 168, 128, 0)}`,
      `next 0 ${lpmKey(16, 192, 168, 0, 0)}`,
      `next 0 ${lpmKey(16, 10, 1, 0, 0)}`,
      `next 0 ${lpmKey(8, 10, 0, 0, 0)}`,
      `next 0 ${lpmKey(23, 192, 168, 0, 0)}`,
      `delete 0 ${lpmKey(23, 192, 168, 0, 0)}`,
      `delete 0 ${lpmKey(16, 192, 168, 0, 0)}`,
      `lookup 0 ${lpmKey(32, 192, 168, 200, 1)} 0`,
      `delete 0 ${lpmKey(24, 192, 168, 0, 0)}`,
      'next 0 -',
      `next 0 ${lpmKey(24, 192, 168, 1, 0)}`,
      `update 0 ${lpmKey(32, 1, 1, 1, 1)} ${hex32(1)} 0`,
      `update 0 ${lpmKey(32, 1, 1, 1, 2)} ${hex32(1)} 0`,
      `update 0 ${lpmKey(32, 1, 1, 1, 3)} ${hex32(1)} 0`,
      `update 0 ${lpmKey(32, 1, 1, 1, 4)} ${hex32(1)} 0`,
      `update 0 ${lpmKey(32, 1, 1, 1, 5)} ${hex32(1)} 0`,
      `update 0 ${lpmKey(32, 1, 1, 1, 6)} ${hex32(1)} 0`,
    ]);
  });

  it('map-in-map templates', () => {
    compare([
      'create 2 4 8 4 0 0', // 0: template
      'create 12 4 4 2 0 0 0', // 1: array of maps
      'create 2 4 8 4 0 0', // 2: compatible
      'create 2 4 8 5 0 0', // 3: other max_entries
      'create 1 4 8 4 0 0', // 4: hash
      `updfd 1 ${hex32(0)} 2 0`,
      `updfd 1 ${hex32(1)} 3 0`,
      `updfd 1 ${hex32(1)} 4 0`,
      `updfd 1 ${hex32(2)} 2 0`,
      `updfd 1 ${hex32(0)} 2 1`,
      `lookupq 1 ${hex32(0)} 0`,
      `lookupq 1 ${hex32(1)} 0`,
      `create 2 4 8 4 ${BPF_F_INNER_MAP} 0`, // 5: flexible template
      'create 12 4 4 2 0 0 5', // 6
      `create 2 4 8 9 ${BPF_F_INNER_MAP} 0`, // 7
      `updfd 6 ${hex32(0)} 7 0`,
      `updfd 6 ${hex32(0)} 2 0`,
      'create 1 4 8 4 0 0', // 8: hash template
      'create 13 4 4 2 0 0 8', // 9: hash of maps
      'create 1 4 8 100 0 0', // 10
      `updfd 9 ${hex32(5)} 10 0`,
      `updfd 9 ${hex32(5)} 10 1`,
      `updfd 9 ${hex32(6)} 10 2`,
      `updfd 9 ${hex32(6)} 2 0`,
      `lookupq 9 ${hex32(5)} 0`,
      `lad 9 ${hex32(5)} 0`,
      `next 9 -`,
      'create 12 4 4 2 0 0 1', // nested → EINVAL
      'create 3 4 4 2 0 0', // prog array
      'create 12 4 4 2 0 0 11', // prog array template → ENOTSUPP
    ]);
  });
});

describe.skipIf(skipReason !== null)('fdinfo memlock (map_mem_usage) vs the running kernel', () => {
  it('matches for every map type, pre-allocated or not, empty or not', () => {
    const lines = readFileSync(fileURLToPath(new URL('./oracle/memlock.txt', import.meta.url)), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    compare(lines);
  });
});

describe.skipIf(skipReason !== null)('batch ops vs the running kernel', () => {
  const keys = (...k: number[]) => k.map(hex32).join('');
  it('generic batches on arrays: tokens, ENOENT at the end, counts on partial failure', () => {
    compare([
      'create 2 4 4 5 0 0',
      `ubatch 0 U 3 ${keys(0, 1, 2)} ${keys(10, 11, 12)} 0`,
      `ubatch 0 U 3 ${keys(3, 9, 4)} ${keys(13, 19, 14)} 0`,
      `ubatch 0 U 1 ${keys(3)} ${keys(13)} 1`,
      `ubatch 0 U 1 ${keys(3)} ${keys(13)} 8`,
      `ubatch 0 U 0 - - 0`,
      `ubatch 0 D 1 ${keys(3)} - 0`,
      'batch 0 L - 2 4 4 0',
      `batch 0 L ${hex32(1)} 2 4 4 0`,
      `batch 0 L ${hex32(3)} 2 4 4 0`,
      `batch 0 L ${hex32(4)} 2 4 4 0`,
      'batch 0 L - 9 4 4 0',
      'batch 0 L - 1 4 4 4',
      'batch 0 LD - 1 4 4 0',
      'create 6 4 4 3 0 0',
      `batch 1 L - 2 4 ${8 * possibleCpus()} 0`,
      'create 3 4 4 3 0 0',
      'batch 2 L - 2 4 4 0',
      `ubatch 2 U 1 ${keys(0)} ${keys(0)} 0`,
      'create 22 0 4 3 0 0',
      'batch 3 L - 2 0 4 0',
      `create 11 8 4 8 ${BPF_F_NO_PREALLOC} 0`,
      `ubatch 4 U 2 ${lpmKey(8, 10, 0, 0, 0)}${lpmKey(16, 10, 1, 0, 0)} ${keys(1, 2)} 0`,
      'batch 4 L - 8 8 4 0',
      `ubatch 4 D 3 ${lpmKey(16, 10, 1, 0, 0)}${lpmKey(8, 10, 0, 0, 0)}${lpmKey(8, 10, 0, 0, 0)} - 0`,
    ]);
  });

  it('hash batches: whole map in one call, then ENOENT with count 0; delete variant empties the map', () => {
    compare([
      'create 1 4 4 8 0 0',
      `ubatch 0 U 5 ${keys(1, 2, 3, 4, 5)} ${keys(1, 2, 3, 4, 5)} 0`,
      `ubatch 0 U 1 ${keys(1)} ${keys(1)} 1`,
      'batch 0 LQ - 8 4 4 0',
      `batch 0 LQ ${hex32(0xffff)} 8 4 4 0`,
      'batch 0 LQ - 8 4 4 1',
      'batch 0 LQ - 0 4 4 0',
      'batch 0 LDQ - 8 4 4 0',
      'batch 0 LQ - 8 4 4 0',
      'next 0 -',
      `ubatch 0 D 2 ${keys(1, 2)} - 0`,
      'create 9 4 4 4 0 0',
      `ubatch 1 U 2 ${keys(1, 2)} ${keys(1, 2)} 0`,
      'batch 1 LDQ - 4 4 4 0',
    ]);
  });
});

describe.skipIf(skipReason !== null)('BPF_F_ZERO_SEED hash maps walk in the kernel\'s bucket order', () => {
  const ZERO_SEED = 64;
  const walk = (slot: number, keys: string[]) => [`next ${slot} -`, ...keys.map((k) => `next ${slot} ${k}`)];
  it('get_next_key order, re-insertion on update, deletion', () => {
    const ks = [1, 2, 3, 4, 5, 6, 7, 8].map(hex32);
    compare([
      `create 1 4 4 8 ${ZERO_SEED} 0`,
      ...ks.map((k) => `update 0 ${k} ${k} 0`),
      ...walk(0, ks),
      `update 0 ${ks[0]} ${hex32(99)} 0`, // re-inserted at its bucket's head
      `update 0 ${ks[5]} ${hex32(99)} 2`,
      ...walk(0, ks),
      `delete 0 ${ks[3]}`,
      ...walk(0, ks),
      `create 1 3 4 16 ${ZERO_SEED} 0`, // 3-byte keys hash with jhash, not jhash2
      ...['010203', '040506', '070809', 'aabbcc', 'ffffff', '000000'].map((k) => `update 1 ${k} ${hex32(1)} 0`),
      ...walk(1, ['010203', '040506', '070809', 'aabbcc', 'ffffff', '000000']),
      `create 9 8 4 4 ${ZERO_SEED} 0`, // LRU
      ...[1, 2, 3].map((i) => `update 2 ${hex32(i)}${hex32(i)} ${hex32(i)} 0`),
      `update 2 ${hex32(1)}${hex32(1)} ${hex32(7)} 0`,
      ...walk(2, [1, 2, 3].map((i) => hex32(i) + hex32(i))),
      `create 5 4 4 4 ${ZERO_SEED} 0`, // per-cpu: updates stay in place
      ...[1, 2, 3, 4].map((i) => `update 3 ${hex32(i)} ${'00'.repeat(8 * possibleCpus())} 0`),
      `update 3 ${hex32(1)} ${'11'.repeat(8 * possibleCpus())} 0`,
      ...walk(3, [1, 2, 3, 4].map(hex32)),
    ]);
  });

  it('batches take whole buckets: bucket tokens, ENOSPC when the first bucket does not fit', () => {
    const ks = Array.from({ length: 12 }, (_, i) => hex32(i * 7 + 1));
    compare([
      `create 1 4 4 16 ${ZERO_SEED} 0`,
      ...ks.map((k) => `update 0 ${k} ${k} 0`),
      'batch 0 L - 1 4 4 0',
      'batch 0 L - 2 4 4 0',
      'batch 0 L - 3 4 4 0',
      `batch 0 L ${hex32(3)} 3 4 4 0`,
      `batch 0 L ${hex32(9)} 4 4 4 0`,
      'batch 0 L - 20 4 4 0',
      `batch 0 L ${hex32(16)} 4 4 4 0`,
      'batch 0 LD - 5 4 4 0',
      'batch 0 LD - 5 4 4 0',
      'batch 0 L - 20 4 4 0',
    ]);
  });
});

describe.skipIf(skipReason !== null)('ring buffer records vs the running kernel (program + mmap)', () => {
  it.each([
    ['output, reserve/submit, discard, empty records', 4096, ['o5', 'o13', 's7', 'd3', 'o0', 's0', 'o32']],
    ['filling the ring until reservations fail', 4096, Array.from({ length: 110 }, (_, i) => (i % 3 === 2 ? 'd32' : 'o32'))],
    ['largest record that fits, then one that never can', 4096, ['s4080', 'o1', 's4089']],
    ['an 8 KiB ring', 8192, ['o31', 's4000', 'o1', 'd17', 's4000']],
  ])('%s', (_name, size, ops) => {
    expect(simRingbuf(size, ops)).toBe(runRingbufProbe(size, ops));
  });
});

describe.skipIf(skipReason !== null)('bloom filter hashing vs the running kernel', () => {
  it('BPF_F_ZERO_SEED: the same false positives (jhash2 for 4-byte values, jhash for 3-byte ones)', () => {
    const lines: string[] = [];
    const v3 = (i: number) => hex32(i).slice(0, 6);
    lines.push('create 30 0 4 1 64 1'); // 64 bits, one hash function, 8 values: ~1 in 8 lookups hit
    for (let i = 0; i < 8; i++) lines.push(`update 0 - ${hex32(12345 + i * 97)} 0`);
    lines.push('create 30 0 3 1 64 2', `update 1 - ${v3(777)} 0`); // 64 bits, two hash functions
    lines.push('create 30 0 4 40 64 3'); // 168 → 256 bits, three hash functions
    for (let i = 0; i < 20; i++) lines.push(`update 2 - ${hex32(i * 1000)} 0`);
    for (let i = 0; i < 300; i++) {
      lines.push(`lookup 0 - 0 ${hex32(i)}`, `lookup 1 - 0 ${v3(i)}`, `lookup 2 - 0 ${hex32(i * 7 + 3)}`);
    }
    const env = new FakeEnv(possibleCpus());
    const kernel = runProbe(lines);
    const positives = kernel.filter((l, i) => lines[i].startsWith('lookup') && l.startsWith('ok')).length;
    expect(positives).toBeGreaterThan(20); // plenty of (false) positives to compare
    const sim = runScript(lines, env);
    expect(lines.filter((_, i) => !sameResult(kernel[i], sim[i]))).toEqual([]);
  });
});
