// bpf_seq_printf / bpf_seq_write return values as programs see them.
import { describe, expect, it } from 'vitest';
import { Kernel } from '@bpfsim/objects';
import { catLink, iterCreate, iterLink, loadIter, seqPrintf, stackBytes } from './support.js';
import { KERNEL_FORMATS } from './kernel-expected.js';
import { errnoOf } from '../support.js';

/** bpf_seq_printf(meta->seq, <fmt at r10-200>, fmtSize, <2 u64 at r10-16>, dataLen) → r0 stored at r10-offset. */
const call126 = (fmt: string, fmtSize: number, dataLen: number, save: number) =>
  [
    ...stackBytes(new TextEncoder().encode(fmt + '\0'), -200),
    'r1 = *(u64 *)(r9 + 0)',
    'r2 = r10',
    'r2 += -200',
    `r3 = ${fmtSize}`,
    'r4 = r10',
    'r4 += -16',
    `r5 = ${dataLen}`,
    'call 126',
    `*(u64 *)(r10 - ${save}) = r0`,
  ].join('\n');

describe('seq helpers', () => {
  it('bpf_seq_printf refuses bad data_len and unterminated formats with -EINVAL (formats.bpf.c "rets" line)', () => {
    const kernel = new Kernel();
    const proc = kernel.spawn();
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    const asm = [
      'r6 = r1',
      'r9 = *(u64 *)(r6 + 0)',
      'r8 = *(u64 *)(r6 + 8)',
      'if r8 == 0 goto done',
      'r1 = 1',
      '*(u64 *)(r10 - 16) = r1',
      '*(u64 *)(r10 - 8) = r1',
      call126('%.2d\n', 6, 8, 24),
      call126('%o\n', 4, 8, 32),
      call126('%hd\n', 5, 8, 40),
      call126('%d %d\n', 7, 8, 48),
      call126('%sx\n', 5, 8, 56),
      call126('%pZ\n', 5, 8, 64),
      call126('%ld\n', 5, 12, 72), // data_len not a multiple of 8
      call126('%ld\n', 3, 8, 80), // no NUL within fmt_size
      'r1 = *(u64 *)(r10 - 24)',
      'r2 = *(u64 *)(r10 - 32)',
      'r3 = *(u64 *)(r10 - 40)',
      'r4 = *(u64 *)(r10 - 48)',
      'r5 = *(u64 *)(r10 - 56)',
      'r6 = *(u64 *)(r10 - 64)',
      'r7 = *(u64 *)(r10 - 72)',
      'r8 = *(u64 *)(r10 - 80)',
      seqPrintf('rets %ld %ld %ld %ld %ld %ld %ld %ld\n', ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']),
      'done:',
      'r0 = 0',
      'exit',
    ].join('\n');
    expect(catLink(proc, iterLink(proc, loadIter(proc, 'bpf_map', asm)))).toBe(KERNEL_FORMATS[5]);
  });

  it('writes that do not fit return -EOVERFLOW (and so does every later call for that object); the object is E2BIG', () => {
    const kernel = new Kernel();
    const proc = kernel.spawn();
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    const out = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 16, max_entries: 1 });
    // 64 writes of 512 bytes: write number 64 would make count == 32768 (not < size) → overflow
    const asm = [
      'r6 = r1',
      'r9 = *(u64 *)(r6 + 0)',
      'r8 = *(u64 *)(r6 + 8)',
      'if r8 == 0 goto done',
      'r7 = 0',
      'r8 = 0',
      'loop:',
      'r1 = *(u64 *)(r9 + 0)',
      'r2 = r10',
      'r2 += -512',
      'r3 = 512',
      'call 127',
      'r7 += 1',
      'if r0 != 0 goto failed',
      'if r7 < 100 goto loop',
      'failed:',
      'r8 = r0',
      seqPrintf('x'),
      'r6 = r0',
      '*(u32 *)(r10 - 4) = 0',
      `r1 = map_fd(${out})`,
      'r2 = r10',
      'r2 += -4',
      'call 1',
      'if r0 == 0 goto done',
      '*(u32 *)(r0 + 0) = r7',
      '*(u32 *)(r0 + 4) = r8',
      '*(u32 *)(r0 + 8) = r6',
      'done:',
      'r0 = 0',
      'exit',
    ].join('\n');
    const l = iterLink(proc, loadIter(proc, 'bpf_map', asm));
    const fd = iterCreate(proc, l);
    expect(errnoOf(() => proc.read(fd, 4096))).toBe('E2BIG');
    const value = new Uint8Array(16);
    proc.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: out, key: new Uint8Array(4), value });
    const dv = new DataView(value.buffer);
    // the 64th write failed with -EOVERFLOW; the bpf_seq_printf after it too
    expect([dv.getUint32(0, true), dv.getInt32(4, true), dv.getInt32(8, true)]).toEqual([64, -75, -75]);
  });
});
