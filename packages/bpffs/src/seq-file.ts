// The kernel's seq_file (fs/seq_file.c seq_read_iter) and its bpf_iter variant (kernel/bpf/bpf_iter.c
// bpf_seq_read): objects are shown one at a time into a buffer, read(2) copies out of it in chunks of any size.
//
// Differences that matter, reproduced here:
// - seq_read starts with a PAGE_SIZE buffer; an object whose output does not fit is shown again into a buffer of
//   twice the size (as often as needed). A read returns leftover bytes and keeps filling with more objects.
// - bpf_seq_read uses a fixed buffer of 8 pages. An object that overflows it: if it is the first object of this
//   read, read fails with E2BIG; otherwise its partial output is dropped and it is retried, into a fresh buffer, by
//   the next read. A read that finds leftover bytes returns only those.
// - show() returning SEQ_SKIP (1) drops that object's output (for bpf_iter also its seq_num). A bpf_iter program
//   returning 1 ("retry") makes show fail with EAGAIN (bpf_iter_run_prog): model that by throwing from show.
// - A write into the buffer that would reach its end marks it overflowed (seq_write uses `count + len < size`).

import { concatBytes } from './bytes.js';
import { BpfError, fail } from './errors.js';

export const PAGE_SIZE = 4096;
export const SEQ_SKIP = 1;
/** bpf_iter.c: a single read() shows at most this many objects. */
export const MAX_ITER_OBJECTS = 1_000_000;

const encoder = new TextEncoder();

/** The buffer as show() sees it (struct seq_file's buf/count/size). */
export class SeqWriter {
  buf: Uint8Array;
  count = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }
  get size(): number {
    return this.buf.length;
  }
  /** seq_has_overflowed */
  get overflowed(): boolean {
    return this.count === this.buf.length;
  }
  /** seq_write: all or nothing; a write that does not fit strictly below the end overflows the buffer. */
  write(bytes: Uint8Array): void {
    if (this.count + bytes.length < this.buf.length) {
      this.buf.set(bytes, this.count);
      this.count += bytes.length;
    } else {
      this.count = this.buf.length;
    }
  }
  /** seq_puts / seq_printf of already formatted text. */
  puts(text: string): void {
    this.write(encoder.encode(text));
  }
}

/** struct seq_operations, with the position handled by the seq_file. */
export interface SeqOperations<T> {
  /** The object at position `index`, or undefined past the end. May throw BpfError. */
  start(index: number): T | undefined;
  /** The object after `v`, which is at position `index` (already advanced). */
  next(v: T, index: number): T | undefined;
  /** Show one object: 0, or SEQ_SKIP to drop its output. Throw BpfError to fail the read. */
  show(m: SeqWriter, v: T): number;
  /** End of a batch (`v` is undefined when the sequence ended). */
  stop?(v: T | undefined): void;
  /** bpf_iter only: the program's final invocation after the last object (in_stop), run until it fits once. */
  showEnd?(m: SeqWriter): void;
}

export type SeqMode = 'seq_read' | 'bpf_iter';

export interface SeqFileOptions {
  mode?: SeqMode;
  /** seq_read: the largest buffer doubling may reach before read fails with ENOMEM (kvmalloc failing). */
  maxBuffer?: number;
}

/** One open seq_file: position, buffer and leftovers persist between reads. */
export class SeqFile<T> {
  private m: SeqWriter;
  private from = 0;
  private index = 0;
  private doneStop = false;
  readonly mode: SeqMode;
  private readonly maxBuffer: number;

  constructor(
    private readonly ops: SeqOperations<T>,
    options: SeqFileOptions = {},
  ) {
    this.mode = options.mode ?? 'seq_read';
    this.maxBuffer = options.maxBuffer ?? 1 << 26;
    this.m = new SeqWriter(this.mode === 'bpf_iter' ? PAGE_SIZE << 3 : PAGE_SIZE);
  }

  /** read(2) of up to `n` bytes; empty at end of file. */
  read(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0) fail('EINVAL', 'seq_file read', `bad count ${n}`);
    if (n === 0) return new Uint8Array(0);
    return this.mode === 'bpf_iter' ? this.bpfSeqRead(n) : this.seqRead(n);
  }

  /** Read to the end in reads of `chunk` bytes. */
  readAll(chunk = 1 << 16): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let part = this.read(chunk); part.length > 0; part = this.read(chunk)) parts.push(part);
    return concatBytes(parts);
  }

  private take(n: number): Uint8Array {
    const k = Math.min(this.m.count, n);
    const out = this.m.buf.slice(this.from, this.from + k);
    this.m.count -= k;
    this.from += k;
    return out;
  }

  private show(v: T): number {
    return this.ops.show(this.m, v);
  }

  /** fs/seq_file.c seq_read_iter. */
  private seqRead(n: number): Uint8Array {
    const parts: Uint8Array[] = [];
    let copied = 0;
    const finish = (err?: unknown): Uint8Array => {
      if (copied === 0 && err) throw err;
      return concatBytes(parts.length ? parts : [new Uint8Array(0)]);
    };
    if (this.m.count > 0) {
      const out = this.take(n);
      parts.push(out);
      copied += out.length;
      if (this.m.count > 0) return finish();
    }
    this.from = 0;
    const start = (): T | undefined => this.ops.start(this.index);
    let p: T | undefined;
    try {
      p = start();
    } catch (e) {
      this.ops.stop?.(undefined);
      return finish(e);
    }
    for (;;) {
      const m = this.m;
      if (p === undefined) {
        this.ops.stop?.(p);
        m.count = 0;
        return finish();
      }
      let err: number;
      try {
        err = this.show(p);
      } catch (e) {
        this.ops.stop?.(p);
        m.count = 0;
        return finish(e);
      }
      if (err > 0) m.count = 0;
      if (m.count === 0) {
        p = this.ops.next(p, ++this.index);
        continue;
      }
      if (!m.overflowed) break;
      // The object did not fit: show it again, from start(index), into a buffer twice as large.
      this.ops.stop?.(p);
      m.count = 0;
      if (m.size * 2 > this.maxBuffer) {
        return finish(new BpfError('ENOMEM', `seq_file: one object needs more than ${this.maxBuffer} bytes`));
      }
      this.m = new SeqWriter(m.size * 2);
      try {
        p = start();
      } catch (e) {
        this.ops.stop?.(undefined);
        return finish(e);
      }
    }
    return this.fill(p, n, parts, copied);
  }

  /** The "Fill" part of seq_read_iter: add more objects while they fit and the reader wants more. */
  private fill(first: T, n: number, parts: Uint8Array[], copied: number): Uint8Array {
    const m = this.m;
    let p: T | undefined = first;
    for (;;) {
      const offs = m.count;
      p = this.ops.next(p, ++this.index);
      if (p === undefined) break;
      if (m.count >= n - copied) break;
      let err: number;
      try {
        err = this.show(p);
      } catch {
        m.count = offs; // the error shows up again when a later read starts at this object
        break;
      }
      if (err > 0) m.count = offs;
      else if (m.overflowed) {
        m.count = offs;
        break;
      }
    }
    this.ops.stop?.(p);
    this.from = 0;
    parts.push(this.take(n - copied));
    return concatBytes(parts);
  }

  /** kernel/bpf/bpf_iter.c bpf_seq_read. */
  private bpfSeqRead(n: number): Uint8Array {
    const m = this.m;
    if (m.count > 0) return this.take(n);
    this.from = 0;
    let p: T | undefined;
    try {
      p = this.ops.start(this.index);
    } catch (e) {
      this.ops.stop?.(undefined);
      m.count = 0;
      throw e;
    }
    if (p !== undefined) {
      let err: number;
      try {
        err = this.show(p);
      } catch (e) {
        this.ops.stop?.(p);
        m.count = 0;
        throw e;
      }
      if (err > 0) m.count = 0;
      else if (m.overflowed) {
        this.ops.stop?.(p);
        m.count = 0;
        fail('E2BIG', 'bpf_seq_read', `one object's output does not fit in ${m.size} bytes`);
      }
      let numObjs = 0;
      for (;;) {
        numObjs++;
        const offs = m.count;
        p = this.ops.next(p, ++this.index);
        if (p === undefined) break;
        if (m.count >= n) break;
        if (numObjs >= MAX_ITER_OBJECTS) {
          if (offs === 0) {
            this.ops.stop?.(p);
            fail('EAGAIN', 'bpf_seq_read', `more than ${MAX_ITER_OBJECTS} objects in one read`);
          }
          break;
        }
        let e2: number;
        try {
          e2 = this.show(p);
        } catch (e) {
          m.count = offs;
          if (offs === 0) {
            this.ops.stop?.(p);
            throw e;
          }
          break;
        }
        if (e2 > 0) m.count = offs;
        else if (m.overflowed) {
          m.count = offs; // retried into a fresh buffer by the next read
          if (offs === 0) {
            this.ops.stop?.(p);
            fail('E2BIG', 'bpf_seq_read', `one object's output does not fit in ${m.size} bytes`);
          }
          break;
        }
      }
    }
    const offs = m.count;
    this.ops.stop?.(p);
    if (p === undefined && !this.doneStop) {
      this.ops.showEnd?.(m);
      if (!m.overflowed) this.doneStop = true;
      else {
        m.count = offs;
        if (offs === 0) fail('E2BIG', 'bpf_seq_read', 'the final output does not fit');
      }
    }
    return this.take(n);
  }
}

/** A seq_file over a fixed list of text records (one show per record), e.g. a map's pretty-printed elements. */
export function textRecords(records: readonly string[], options?: SeqFileOptions): SeqFile<string> {
  return new SeqFile<string>(
    {
      start: (i) => records[i],
      next: (_v, i) => records[i],
      show: (m, v) => {
        m.puts(v);
        return 0;
      },
    },
    options,
  );
}

/** A seq_file over a fixed list of byte records (one show per record), e.g. a map's pretty-printed elements. */
export function byteRecords(records: readonly Uint8Array[], options?: SeqFileOptions): SeqFile<Uint8Array> {
  return new SeqFile<Uint8Array>(
    {
      start: (i) => records[i],
      next: (_v, i) => records[i],
      show: (m, v) => {
        m.write(v);
        return 0;
      },
    },
    options,
  );
}
