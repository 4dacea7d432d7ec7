import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BPF_RB_AVAIL_DATA,
  BPF_RB_CONS_POS,
  BPF_RB_FORCE_WAKEUP,
  BPF_RB_NO_WAKEUP,
  BPF_RB_PROD_POS,
  BPF_RB_RING_SIZE,
  BPF_RINGBUF_BUSY_BIT,
  BPF_RINGBUF_DISCARD_BIT,
} from './constants.js';
import { createMap } from './create.js';
import type { RingbufMap } from './ringbuf.js';
import { FakeEnv, readU32 } from './test-support.js';

const env = new FakeEnv(2);
const ringbuf = (size = 4096) => createMap({ map_type: 'ringbuf', key_size: 0, value_size: 0, max_entries: size }, env) as RingbufMap;

describe('ring buffer', () => {
  it('record header: len with busy bit while reserved, pg_off, 8-byte aligned records', () => {
    const rb = ringbuf();
    const r = rb.reserve(5)!;
    expect(r.offset).toBe(0);
    let snap = rb.snapshot();
    expect(readU32(snap.data, 0)).toBe((5 | BPF_RINGBUF_BUSY_BIT) >>> 0);
    expect(readU32(snap.data, 4)).toBe(3); // data area starts after 3 pages (rb struct, consumer, producer)
    expect(rb.query(BPF_RB_PROD_POS)).toBe(16); // round_up(5 + 8, 8)
    r.data.set([1, 2, 3, 4, 5]);
    rb.submit(r);
    snap = rb.snapshot();
    expect(readU32(snap.data, 0)).toBe(5);
    const d = rb.reserve(1)!;
    expect(d.offset).toBe(16);
    rb.discard(d);
    expect(readU32(rb.snapshot().data, 16)).toBe((1 | BPF_RINGBUF_DISCARD_BIT) >>> 0);
    const got: number[][] = [];
    expect(rb.consume((s) => void got.push([...s]))).toBe(1);
    expect(got).toEqual([[1, 2, 3, 4, 5]]);
    expect(rb.query(BPF_RB_CONS_POS)).toBe(32);
    expect(rb.query(BPF_RB_AVAIL_DATA)).toBe(0);
    expect(rb.query(BPF_RB_RING_SIZE)).toBe(4096);
    expect(rb.query(99)).toBe(0);
  });

  it('a reserved record blocks the consumer until committed; flags on reserve give NULL', () => {
    const rb = ringbuf();
    const a = rb.reserve(8)!;
    expect(rb.output(Uint8Array.of(7), 0)).toBe(0);
    expect(rb.consume(() => {})).toBe(0);
    rb.submit(a);
    expect(rb.consume(() => {})).toBe(2);
    expect(rb.reserve(8, 1)).toBeNull();
    expect(rb.output(Uint8Array.of(1), 4)).toBe(-22);
  });

  it('full: reserve returns NULL and output -EAGAIN; consuming frees space; oversized records never fit', () => {
    const rb = ringbuf();
    expect(rb.reserve(4096 - 8)).toBeNull(); // would make producer - consumer == size
    expect(rb.reserve(4096)).toBeNull();
    for (let i = 0; i < 3; i++) expect(rb.output(new Uint8Array(1016), 0)).toBe(0); // 1024 bytes each
    expect(rb.output(new Uint8Array(1016), 0)).toBe(-11);
    expect(rb.output(new Uint8Array(1000), 0)).toBe(0);
    expect(rb.consume(() => {}, 2)).toBe(2);
    expect(rb.output(new Uint8Array(1016), 0)).toBe(0);
  });

  it('records wrapping the end of the ring read back contiguously', () => {
    const rb = ringbuf();
    expect(rb.output(new Uint8Array(4072), 0)).toBe(0); // 4080 bytes: producer at 4080
    rb.consume(() => {});
    const r = rb.reserve(40)!; // header at 4080, data 4088..4128 wraps
    expect(r.offset).toBe(4080);
    r.data.set(Array.from({ length: 40 }, (_, i) => i + 1));
    rb.submit(r);
    const got: number[][] = [];
    rb.consume((s) => void got.push([...s]));
    expect(got).toEqual([Array.from({ length: 40 }, (_, i) => i + 1)]);
    // 4088..4096 holds record bytes 1..8; bytes 9.. continue at the start of the ring
    expect(readU32(rb.snapshot().data, 0)).toBe(0x0c0b0a09);
  });

  it('wakeups follow BPF_RB_NO_WAKEUP / BPF_RB_FORCE_WAKEUP', () => {
    const rb = ringbuf();
    rb.output(Uint8Array.of(1), BPF_RB_NO_WAKEUP);
    expect(rb.wakeups).toBe(0);
    rb.output(Uint8Array.of(1), 0); // consumer is not at this record: no wakeup
    expect(rb.wakeups).toBe(0);
    rb.output(Uint8Array.of(1), BPF_RB_FORCE_WAKEUP);
    expect(rb.wakeups).toBe(1);
    rb.consume(() => {});
    rb.output(Uint8Array.of(1), 0); // consumer caught up: wake it
    expect(rb.wakeups).toBe(2);
  });

  it('a negative callback result stops consumption after that record', () => {
    const rb = ringbuf();
    for (let i = 0; i < 3; i++) rb.output(Uint8Array.of(i), 0);
    expect(rb.consume(() => -5)).toBe(-5);
    const rest: number[] = [];
    rb.consume((s) => void rest.push(s[0]));
    expect(rest).toEqual([1, 2]);
  });

  it('produce/consume preserves order and content, discarded records skipped (property)', () => {
    const rec = fc.record({ data: fc.uint8Array({ maxLength: 300 }), discard: fc.boolean(), consume: fc.boolean() });
    fc.assert(
      fc.property(fc.array(rec, { maxLength: 60 }), (recs) => {
        const rb = ringbuf(4096);
        const expected: number[][] = [];
        const got: number[][] = [];
        for (const r of recs) {
          const res = rb.reserve(r.data.length);
          if (!res) {
            rb.consume((s) => void got.push([...s]));
            continue;
          }
          res.data.set(r.data);
          if (r.discard) rb.discard(res);
          else {
            rb.submit(res);
            expected.push([...r.data]);
          }
          if (r.consume) rb.consume((s) => void got.push([...s]));
        }
        rb.consume((s) => void got.push([...s]));
        expect(got).toEqual(expected);
        expect(rb.query(BPF_RB_AVAIL_DATA)).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});
