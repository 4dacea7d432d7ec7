// bpf_seq_read semantics of iterator sessions, checked against what Linux 6.18 produced for the same programs
// (clang-19 C programs `SEC("iter/bpf_map_elem")` pinned with `bpftool iter pin … map pinned <m>` in a private
// bpffs inside `unshare -m`, read with os.read(fd, n); the C source of each program is quoted above its assembly).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Kernel, type Process } from '@bpfsim/objects';
import { dec, iterCreate, iterLink, loadIter, readAll, seqPrintf } from './support.js';
import { errnoOf } from '../support.js';
import { KERNEL_DUMP, KERNEL_DUMP_CHUNK7, KERNEL_OVERFLOW_BIG, KERNEL_OVERFLOW_SMALL, KERNEL_RETRY, KERNEL_ZERO_FIRST } from './kernel-expected.js';

/** The map the kernel run iterated: array, 9 entries, key k → value 7k. */
function arrayMap(proc: Process, entries = 9, value = (k: number) => BigInt(7 * k)): number {
  const fd = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: entries, map_name: 'itm' });
  for (let k = 0; k < entries; k++) {
    const key = new Uint8Array(new Uint32Array([k]).buffer);
    const val = new Uint8Array(new BigUint64Array([value(k)]).buffer);
    proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key, value: val });
  }
  return fd;
}

// if (!key || !val) { BPF_SEQ_PRINTF(seq, "end seq_num=%llu session=%llu\n", meta->seq_num, meta->session_id); return 0; }
// BPF_SEQ_PRINTF(seq, "%u: %llu|%5d|%-4x|%05d|%+d|% d|%c|%lld|%X\n", *key, *val, *key, *key, -(int)*key, *key, *key,
//                'A' + *key, -(long long)*val, *key + 250);
const DUMP = [
  'r6 = r1',
  'r9 = *(u64 *)(r6 + 0)',
  'r7 = *(u64 *)(r6 + 16)',
  'r8 = *(u64 *)(r6 + 24)',
  'if r7 == 0 goto end',
  'r1 = *(u32 *)(r7 + 0)',
  'r2 = *(u64 *)(r8 + 0)',
  'r3 = 0',
  'r3 -= r1',
  'r4 = r1',
  'r4 += 65',
  'r5 = 0',
  'r5 -= r2',
  'r0 = r1',
  'r0 += 250',
  seqPrintf('%u: %llu|%5d|%-4x|%05d|%+d|% d|%c|%lld|%X\n', ['r1', 'r2', 'r1', 'r1', 'r3', 'r1', 'r1', 'r4', 'r5', 'r0']),
  'r0 = 0',
  'exit',
  'end:',
  'r1 = *(u64 *)(r9 + 16)',
  'r2 = *(u64 *)(r9 + 8)',
  seqPrintf('end seq_num=%llu session=%llu\n', ['r1', 'r2']),
  'r0 = 0',
  'exit',
].join('\n');

// if (!key) { BPF_SEQ_PRINTF(seq, "end\n"); return 0; }
// BPF_SEQ_PRINTF(seq, "key %u seq %llu\n", *key, ctx->meta->seq_num); return *key == 1;
const RETRY = [
  'r6 = r1',
  'r9 = *(u64 *)(r6 + 0)',
  'r7 = *(u64 *)(r6 + 16)',
  'if r7 == 0 goto end',
  'r1 = *(u32 *)(r7 + 0)',
  'r2 = *(u64 *)(r9 + 16)',
  seqPrintf('key %u seq %llu\n', ['r1', 'r2']),
  'r1 = *(u32 *)(r7 + 0)',
  'r0 = 0',
  'if r1 != 1 goto out',
  'r0 = 1',
  'out:',
  'exit',
  'end:',
  seqPrintf('end\n'),
  'r0 = 0',
  'exit',
].join('\n');

/** char big[4000]; for (i = 0; i < 10 && i <= *key; i++) bpf_seq_write(seq, big, sizeof(big)); — key k writes (k+1)×4000 bytes. */
const overflowProg = (bigMapFd: number): string =>
  [
    'r6 = r1',
    'r9 = *(u64 *)(r6 + 0)',
    'r8 = *(u64 *)(r6 + 16)',
    'if r8 == 0 goto out',
    '*(u32 *)(r10 - 4) = 0',
    `r1 = map_fd(${bigMapFd})`,
    'r2 = r10',
    'r2 += -4',
    'call 1',
    'if r0 == 0 goto out',
    'r7 = r0',
    'r8 = *(u32 *)(r8 + 0)',
    'r6 = 0',
    'loop:',
    'if r6 > r8 goto out',
    'r1 = *(u64 *)(r9 + 0)',
    'r2 = r7',
    'r3 = 4000',
    'call 127',
    'r6 += 1',
    'if r6 < 10 goto loop',
    'out:',
    'r0 = 0',
    'exit',
  ].join('\n');

function setup(jit = true) {
  const kernel = new Kernel({ jit });
  const proc = kernel.spawn();
  const map = arrayMap(proc);
  const link = (asm: string) => iterLink(proc, loadIter(proc, 'bpf_map_elem', asm), { map: { map_fd: map } });
  return { kernel, proc, map, link };
}

/** os.read(fd, n) up to `max` times, as the kernel run recorded it: text (or its length when long), or the errno. */
function reads(proc: Process, fd: number, n: number, max = 12): (string | number | { errno: string })[] {
  const out: (string | number | { errno: string })[] = [];
  for (let i = 0; i < max; i++) {
    let b: Uint8Array;
    try {
      b = proc.read(fd, n);
    } catch (e) {
      out.push({ errno: (e as { errno: string }).errno });
      continue;
    }
    out.push(b.length >= 1000 ? b.length : dec.decode(b));
    if (b.length === 0) break;
  }
  return out;
}

describe.each([true, false])('bpf_seq_read (kernel-recorded behaviour), jit %s', (jit) => {
  it('prints every element, then the NULL call with the last seq_num; each session has its own session_id', () => {
    const { proc, link } = setup(jit);
    const l = link(DUMP);
    for (const session of [1, 2]) {
      const fd = iterCreate(proc, l);
      expect(reads(proc, fd, 4096)).toEqual([KERNEL_DUMP(session), '']);
      expect(proc.read(fd, 4096).length).toBe(0); // EOF stays EOF: the final call ran once (done_stop)
      proc.close(fd);
    }
  });

  it('reads of 7 bytes return 7-byte slices of the same text', () => {
    const { proc, link } = setup(jit);
    const fd = iterCreate(proc, link(DUMP));
    expect(reads(proc, fd, 7, 4)).toEqual(KERNEL_DUMP_CHUNK7);
  });

  it('a read of 0 bytes runs the first object; the next read returns only its output', () => {
    const { proc, link } = setup(jit);
    const fd = iterCreate(proc, link(DUMP));
    expect([0, 4096, 4096].map((n) => dec.decode(proc.read(fd, n)))).toEqual(KERNEL_ZERO_FIRST(1));
  });

  it('a program returning 1 makes the read stop before that object (its output dropped), then EAGAIN for ever', () => {
    const { proc, link } = setup(jit);
    const fd = iterCreate(proc, link(RETRY));
    expect(reads(proc, fd, 4096, 5)).toEqual(KERNEL_RETRY);
  });

  it('an object whose output overflows waits for the next read; one that cannot fit 32 KiB alone is E2BIG', () => {
    const { proc, link } = setup(jit);
    const big = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4000, max_entries: 1 });
    const l = link(overflowProg(big));
    let fd = iterCreate(proc, l);
    expect(reads(proc, fd, 100000)).toEqual(KERNEL_OVERFLOW_BIG);
    proc.close(fd);
    fd = iterCreate(proc, l);
    expect(reads(proc, fd, 5000)).toEqual(KERNEL_OVERFLOW_SMALL);
  });
});

describe('bpf_seq_read properties', () => {
  it('reading in chunks of any size yields the same bytes as one large read', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 700 }),
        (values, chunk) => {
          const kernel = new Kernel();
          const proc = kernel.spawn();
          const map = arrayMap(proc, values.length, (k) => values[k]);
          const l = iterLink(proc, loadIter(proc, 'bpf_map_elem', DUMP), { map: { map_fd: map } });
          const whole = readAll(proc, iterCreate(proc, l), 1 << 20);
          const chunked = readAll(proc, iterCreate(proc, l), chunk);
          expect(chunked.replace(/session=\d+/, '')).toBe(whole.replace(/session=\d+/, ''));
          expect(whole.split('\n').length).toBe(values.length + 2);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('large outputs: any chunk size returns every byte exactly once', () => {
    const kernel = new Kernel();
    const proc = kernel.spawn();
    const map = arrayMap(proc, 8); // keys 0..7: (k+1)×4000 bytes each, all fit the buffer alone
    const big = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4000, max_entries: 1 });
    const l = iterLink(proc, loadIter(proc, 'bpf_map_elem', overflowProg(big)), { map: { map_fd: map } });
    fc.assert(
      fc.property(fc.integer({ min: 256, max: 40000 }), (chunk) => {
        const fd = iterCreate(proc, l);
        let total = 0;
        for (;;) {
          const b = proc.read(fd, chunk);
          if (!b.length) break;
          expect(b.length).toBeLessThanOrEqual(chunk);
          total += b.length;
        }
        proc.close(fd);
        expect(total).toBe(36 * 4000);
      }),
      { numRuns: 10 },
    );
  });

  it('read(fd, 0) returns nothing and loses nothing; negative counts are EINVAL; closed sessions are EBADF', () => {
    const { proc, link } = setup();
    const fd = iterCreate(proc, link(DUMP));
    expect(proc.read(fd, 0).length).toBe(0);
    expect(errnoOf(() => proc.read(fd, -1))).toBe('EINVAL');
    expect(readAll(proc, fd)).toBe(KERNEL_DUMP(1));
    proc.close(fd);
    expect(errnoOf(() => proc.read(fd, 10))).toBe('EBADF');
  });
});

describe('seq_num across reads', () => {
  // Per map: "seq <seq_num> max <max_entries>\n" then max_entries × 500 zero bytes (so objects overflow the 32 KiB
  // buffer at different points depending on the read size and get retried by the next read).
  const prog = (bigMapFd: number) =>
    [
      'r6 = r1',
      'r9 = *(u64 *)(r6 + 0)',
      'r8 = *(u64 *)(r6 + 8)',
      'if r8 == 0 goto out',
      'r1 = *(u64 *)(r9 + 16)',
      'r2 = *(u32 *)(r8 + 76)',
      seqPrintf('seq %llu max %u\n', ['r1', 'r2']),
      '*(u32 *)(r10 - 4) = 0',
      `r1 = map_fd(${bigMapFd})`,
      'r2 = r10',
      'r2 += -4',
      'call 1',
      'if r0 == 0 goto out',
      'r7 = r0',
      'r6 = *(u32 *)(r8 + 76)',
      'loop:',
      'if r6 == 0 goto out',
      'r1 = *(u64 *)(r9 + 0)',
      'r2 = r7',
      'r3 = 500',
      'call 127',
      'r6 += -1',
      'goto loop',
      'out:',
      'r0 = 0',
      'exit',
    ].join('\n');

  it('every object is printed once, with seq_num equal to its position, whatever the read size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 100, max: 70000 }), (sizes, chunk) => {
        const kernel = new Kernel();
        const proc = kernel.spawn();
        const big = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 500, max_entries: 1 });
        for (const s of sizes) proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: s });
        const l = iterLink(proc, loadIter(proc, 'bpf_map', prog(big)));
        const text = readAll(proc, iterCreate(proc, l), chunk).replace(/\0/g, '');
        // map 1 is the 500-byte buffer map itself (max_entries 1)
        const expected = [1, ...sizes].map((s, i) => `seq ${i} max ${s}\n`).join('');
        expect(text).toBe(expected);
      }),
      { numRuns: 25 },
    );
  });
});
