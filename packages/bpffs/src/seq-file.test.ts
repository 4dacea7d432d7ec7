// seq_file and bpf_iter's bpf_seq_read against synthetic object sequences.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BpfError, isBpfError } from './errors.js';
import { PAGE_SIZE, SEQ_SKIP, SeqFile, type SeqMode } from './seq-file.js';

interface Rec {
  text: string;
  skip?: boolean;
}

/** A seq_file over records; counts show() calls per index. */
function seqOf(records: Rec[], mode: SeqMode, end?: string) {
  const shows = new Map<number, number>();
  const seq = new SeqFile<number>(
    {
      start: (i) => (i < records.length ? i : undefined),
      next: (_v, i) => (i < records.length ? i : undefined),
      show: (m, i) => {
        shows.set(i, (shows.get(i) ?? 0) + 1);
        m.puts(records[i].text);
        return records[i].skip ? SEQ_SKIP : 0;
      },
      showEnd: end === undefined ? undefined : (m) => m.puts(end),
    },
    { mode },
  );
  return { seq, shows };
}

const expected = (records: Rec[]) => records.filter((r) => !r.skip).map((r) => r.text).join('');
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function readInChunks(seq: SeqFile<number>, chunks: number[]): string {
  let out = '';
  for (let i = 0; ; i++) {
    const part = seq.read(chunks[i % chunks.length]);
    if (part.length === 0) return out;
    out += dec(part);
  }
}

describe('seq_read (fs/seq_file.c)', () => {
  it('an object larger than a page is shown again into a doubled buffer', () => {
    const big = 'x'.repeat(3 * PAGE_SIZE);
    const { seq, shows } = seqOf([{ text: 'a\n' }, { text: big }, { text: 'b\n' }], 'seq_read');
    expect(dec(seq.readAll())).toBe('a\n' + big + 'b\n');
    // shown into 4096 (overflow), 8192 (overflow), 16384 (fits) after the batch with object 0 stopped before it
    expect(shows.get(1)).toBeGreaterThanOrEqual(3);
  });

  it('a write reaching the exact end of the buffer counts as overflow (count + len < size)', () => {
    const { seq, shows } = seqOf([{ text: 'y'.repeat(PAGE_SIZE) }], 'seq_read');
    expect(seq.read(1 << 20).length).toBe(PAGE_SIZE);
    expect(shows.get(0)).toBe(2);
  });

  it('SEQ_SKIP drops the object output', () => {
    const { seq } = seqOf([{ text: 'keep\n' }, { text: 'drop\n', skip: true }, { text: 'end\n' }], 'seq_read');
    expect(dec(seq.readAll())).toBe('keep\nend\n');
  });

  it('an error after some output returns the output first, then fails at the same object', () => {
    let fail = true;
    const seq = new SeqFile<number>({
      start: (i) => (i < 3 ? i : undefined),
      next: (_v, i) => (i < 3 ? i : undefined),
      show: (m, i) => {
        if (i === 2 && fail) throw new BpfError('EAGAIN', 'the iterator program asked for a retry');
        m.puts(`${i}\n`);
        return 0;
      },
    });
    expect(dec(seq.read(100))).toBe('0\n1\n');
    let err: unknown;
    try {
      seq.read(100);
    } catch (e) {
      err = e;
    }
    expect(isBpfError(err, 'EAGAIN')).toBe(true);
    fail = false;
    expect(dec(seq.read(100))).toBe('2\n');
    expect(seq.read(100).length).toBe(0);
  });
});

describe('bpf_seq_read (kernel/bpf/bpf_iter.c)', () => {
  it('E2BIG when the first object of a read does not fit in 8 pages; 8 pages minus one byte fits', () => {
    expect(() => seqOf([{ text: 'z'.repeat(8 * PAGE_SIZE) }], 'bpf_iter').seq.read(1 << 20)).toThrow(/E2BIG/);
    expect(seqOf([{ text: 'z'.repeat(8 * PAGE_SIZE - 1) }], 'bpf_iter').seq.read(1 << 20).length).toBe(8 * PAGE_SIZE - 1);
  });

  it('a later object that overflows is retried by the next read, which then fails if it still does not fit', () => {
    const { seq, shows } = seqOf([{ text: 'ok\n' }, { text: 'w'.repeat(40000) }], 'bpf_iter');
    expect(dec(seq.read(1 << 20))).toBe('ok\n');
    expect(() => seq.read(1 << 20)).toThrow(/E2BIG/);
    expect(shows.get(1)).toBe(2);
  });

  it('a read with leftover bytes returns only those; the end callback runs once', () => {
    const { seq } = seqOf([{ text: 'a'.repeat(100) }, { text: 'b'.repeat(10) }], 'bpf_iter', 'END\n');
    expect(seq.read(30).length).toBe(30);
    expect(dec(seq.read(1000))).toBe('a'.repeat(70)); // only the leftover, no new objects
    expect(dec(seq.read(1000))).toBe('b'.repeat(10) + 'END\n');
    expect(seq.read(1000).length).toBe(0);
    expect(seq.read(1000).length).toBe(0);
  });
});

describe('property: chunked reads equal one big read', () => {
  const recordArb = (max: number) =>
    fc.record({ text: fc.string({ unit: fc.constantFrom('a', 'b', '\n'), maxLength: max }), skip: fc.boolean() }, { requiredKeys: ['text'] });
  const sizeArb = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 2 * PAGE_SIZE }));
  const bigSizes = fc.array(
    fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 300 }) }, { weight: 1, arbitrary: fc.integer({ min: 3000, max: 12000 }) }),
    { maxLength: 25 },
  );

  it('seq_read, objects of any size', () => {
    fc.assert(
      fc.property(bigSizes, fc.array(fc.boolean(), { maxLength: 25 }), fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 8 }), (sizes, skips, chunks) => {
        const records = sizes.map((n, i) => ({ text: String.fromCharCode(97 + (i % 26)).repeat(n), skip: skips[i] ?? false }));
        const whole = dec(seqOf(records, 'seq_read').seq.readAll(1 << 22));
        expect(whole).toBe(expected(records));
        expect(readInChunks(seqOf(records, 'seq_read').seq, chunks)).toBe(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('bpf_iter, objects that fit in the buffer', () => {
    fc.assert(
      fc.property(fc.array(recordArb(300), { maxLength: 40 }), fc.array(sizeArb.filter((n) => n > 0), { minLength: 1, maxLength: 8 }), (records, chunks) => {
        const whole = dec(seqOf(records, 'bpf_iter', '#end\n').seq.readAll(1 << 22));
        expect(whole).toBe(expected(records) + '#end\n');
        expect(readInChunks(seqOf(records, 'bpf_iter', '#end\n').seq, chunks)).toBe(whole);
      }),
      { numRuns: 150 },
    );
  });
});
