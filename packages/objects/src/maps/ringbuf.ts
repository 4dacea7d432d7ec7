// BPF_MAP_TYPE_RINGBUF (kernel/bpf/ringbuf.c) and a consumer modelled on libbpf's ring_buffer__consume.
//
// Layout: a data area of max_entries bytes (a power of two multiple of the page size). Each record starts with an
// 8-byte header { u32 len; u32 pg_off; } where len carries BPF_RINGBUF_BUSY_BIT while reserved and
// BPF_RINGBUF_DISCARD_BIT once discarded; records are 8-byte aligned. The kernel maps the data pages twice so a
// record that wraps is contiguous; bpfsim allocates 2 × size and copies the wrapped tail back at commit time.
import { BpfError } from '../errno.js';
import { BaseMap, type MapSpec } from './base.js';
import {
  BPF_F_NUMA_NODE,
  BPF_RB_AVAIL_DATA,
  BPF_RB_CONS_POS,
  BPF_RB_FORCE_WAKEUP,
  BPF_RB_NO_WAKEUP,
  BPF_RB_PROD_POS,
  BPF_RB_RING_SIZE,
  BPF_RINGBUF_BUSY_BIT,
  BPF_RINGBUF_DISCARD_BIT,
  BPF_RINGBUF_HDR_SZ,
  PAGE_SIZE,
  SIZEOF_BPF_RINGBUF_MAP,
} from './constants.js';
import type { MapEnv, RingbufReservation } from './types.js';
import { isPowerOf2, roundUp } from './util.js';
import { allocate } from './paged-store.js';
import { bad, checkAllocation, EAGER_MEMORY_LIMIT, type NormalizedAttr } from './validate.js';

/** Pages before the data area: the struct bpf_ringbuf page, the consumer page and the producer page. */
const RINGBUF_PGOFF = 1;
const RINGBUF_POS_PAGES = 2;
const RINGBUF_MAX_RECORD_SZ = Math.floor(0xffffffff / 4);
const RINGBUF_MAX_DATA_SZ = (2 ** 24 - RINGBUF_POS_PAGES - RINGBUF_PGOFF) * PAGE_SIZE;

/** ringbuf_map_alloc's checks */
export function ringbufAllocCheck(a: NormalizedAttr): void {
  if (a.mapFlags & ~BPF_F_NUMA_NODE) bad('EINVAL', `ring buffers accept only BPF_F_NUMA_NODE, got flags 0x${a.mapFlags.toString(16)}`);
  if (a.keySize || a.valueSize || !isPowerOf2(a.maxEntries) || a.maxEntries % PAGE_SIZE) {
    bad(
      'EINVAL',
      `ring buffers need key_size 0, value_size 0 and max_entries a power of 2 multiple of ${PAGE_SIZE} ` +
        `(got ${a.keySize}/${a.valueSize}/${a.maxEntries})`,
    );
  }
  if (a.maxEntries > RINGBUF_MAX_DATA_SZ) bad('E2BIG', `ring buffer size ${a.maxEntries} > ${RINGBUF_MAX_DATA_SZ}`);
}

export class RingbufMap extends BaseMap {
  private readonly mask: number;
  /** 2 × size bytes: [0, size) is the ring, [size, 2·size) mirrors it for records that wrap. */
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private consumerPos = 0;
  private producerPos = 0;
  private pendingPos = 0;
  /** Wakeups the kernel would have sent (irq_work_queue) — for tests of BPF_RB_* flags. */
  wakeups = 0;

  constructor(spec: MapSpec, env: MapEnv) {
    super(spec, env);
    this.mask = spec.maxEntries - 1;
    checkAllocation(spec.maxEntries * 2, 'ring buffer data pages (mapped twice)', EAGER_MEMORY_LIMIT);
    this.buf = allocate(spec.maxEntries * 2);
    this.view = new DataView(this.buf.buffer);
  }

  get count(): number {
    return 0;
  }

  /** ringbuf_map_mem_usage: the map, meta and data pages, and the page array (data pages mapped twice). */
  memUsage(): number {
    const dataPages = this.maxEntries / PAGE_SIZE;
    const metaPages = RINGBUF_PGOFF + RINGBUF_POS_PAGES;
    return SIZEOF_BPF_RINGBUF_MAP + metaPages * PAGE_SIZE + (metaPages + 2 * dataPages) * 8 + dataPages * PAGE_SIZE;
  }

  /** bpf_ringbuf_query */
  query(flags: number | bigint): number {
    switch (Number(flags)) {
      case BPF_RB_AVAIL_DATA:
        return this.producerPos - this.consumerPos;
      case BPF_RB_RING_SIZE:
        return this.mask + 1;
      case BPF_RB_CONS_POS:
        return this.consumerPos;
      case BPF_RB_PROD_POS:
        return this.producerPos;
      default:
        return 0;
    }
  }

  private hdrLen(off: number): number {
    return this.view.getUint32(off, true);
  }

  /** __bpf_ringbuf_reserve: null when too big or out of space. */
  private reserveRaw(size: number): RingbufReservation | null {
    if (size > RINGBUF_MAX_RECORD_SZ) return null;
    const len = roundUp(size + BPF_RINGBUF_HDR_SZ, 8);
    if (len > this.mask + 1) return null;
    const prodPos = this.producerPos;
    const newProdPos = prodPos + len;
    // Skip past records committed since the last reservation (rb->pending_pos).
    let pend = this.pendingPos;
    while (pend < prodPos) {
      const l = this.hdrLen(pend & this.mask);
      if (l & BPF_RINGBUF_BUSY_BIT) break;
      pend += roundUp((l & ~BPF_RINGBUF_DISCARD_BIT) + BPF_RINGBUF_HDR_SZ, 8);
    }
    this.pendingPos = pend;
    if (newProdPos - this.consumerPos > this.mask || newProdPos - pend > this.mask) return null;
    const off = prodPos & this.mask;
    const pgOff = RINGBUF_PGOFF + RINGBUF_POS_PAGES + Math.floor(off / PAGE_SIZE);
    this.view.setUint32(off, (size | BPF_RINGBUF_BUSY_BIT) >>> 0, true);
    this.view.setUint32(off + 4, pgOff, true);
    this.producerPos = newProdPos;
    return { offset: off, data: this.buf.subarray(off + BPF_RINGBUF_HDR_SZ, off + BPF_RINGBUF_HDR_SZ + size) };
  }

  /** bpf_ringbuf_reserve: any flag makes it return NULL. */
  reserve(size: number, flags: number | bigint = 0): RingbufReservation | null {
    if (Number(flags) !== 0) return null;
    return this.reserveRaw(size);
  }

  /** bpf_ringbuf_commit: clear BUSY (set DISCARD when discarding), then the kernel's wakeup rule. */
  private commit(rec: RingbufReservation, flags: number, discard: boolean): void {
    const off = rec.offset;
    const len = this.hdrLen(off);
    if (!(len & BPF_RINGBUF_BUSY_BIT)) throw new BpfError('EINVAL', `ring buffer record at ${off} is not reserved`);
    const size = len & ~BPF_RINGBUF_BUSY_BIT & ~BPF_RINGBUF_DISCARD_BIT;
    const end = off + BPF_RINGBUF_HDR_SZ + size;
    if (end > this.mask + 1) {
      // The record's tail lives in the mirror: copy it to the start of the ring (the kernel's double mapping).
      const ringSize = this.mask + 1;
      this.buf.copyWithin(0, ringSize, end);
    }
    const newLen = ((len ^ BPF_RINGBUF_BUSY_BIT) | (discard ? BPF_RINGBUF_DISCARD_BIT : 0)) >>> 0;
    this.view.setUint32(off, newLen, true);
    const consPos = this.consumerPos & this.mask;
    if (flags & BPF_RB_FORCE_WAKEUP) this.wakeups++;
    else if (consPos === off && !(flags & BPF_RB_NO_WAKEUP)) this.wakeups++;
  }

  /** bpf_ringbuf_submit */
  submit(rec: RingbufReservation, flags: number | bigint = 0): void {
    this.commit(rec, Number(flags), false);
  }

  /** bpf_ringbuf_discard */
  discard(rec: RingbufReservation, flags: number | bigint = 0): void {
    this.commit(rec, Number(flags), true);
  }

  /** bpf_ringbuf_output: 0, -EINVAL for unknown flags, -EAGAIN when there is no room. */
  output(data: Uint8Array, flags: number | bigint = 0): number {
    const f = Number(flags);
    if (f & ~(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP) || !Number.isSafeInteger(f)) return -22;
    const rec = this.reserveRaw(data.length);
    if (!rec) return -11;
    rec.data.set(data);
    this.commit(rec, f, false);
    return 0;
  }

  private readRecord(pos: number, size: number): Uint8Array {
    const ringSize = this.mask + 1;
    const start = (pos & this.mask) + BPF_RINGBUF_HDR_SZ;
    if (start >= ringSize) return this.buf.slice(start - ringSize, start - ringSize + size);
    if (start + size <= ringSize) return this.buf.slice(start, start + size);
    const first = ringSize - start;
    const out = new Uint8Array(size);
    out.set(this.buf.subarray(start, ringSize));
    out.set(this.buf.subarray(0, size - first), first);
    return out;
  }

  /**
   * ringbuf_process_ring (libbpf): deliver committed records in order, skip discarded ones, stop at a record that
   * is still reserved. A callback returning a negative number stops consumption and is returned. Returns the
   * number of records delivered (at most maxRecords).
   */
  consume(cb: (sample: Uint8Array) => number | void, maxRecords = Infinity): number {
    let cnt = 0;
    let consPos = this.consumerPos;
    for (;;) {
      let gotNew = false;
      const prodPos = this.producerPos;
      while (consPos < prodPos) {
        const len = this.hdrLen(consPos & this.mask);
        if (len & BPF_RINGBUF_BUSY_BIT) return cnt;
        gotNew = true;
        const size = len & ~BPF_RINGBUF_DISCARD_BIT;
        const recPos = consPos;
        consPos += roundUp(size + BPF_RINGBUF_HDR_SZ, 8);
        if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
          const r = cb(this.readRecord(recPos, size));
          if (typeof r === 'number' && r < 0) {
            this.consumerPos = consPos;
            return r;
          }
          cnt++;
        }
        this.consumerPos = consPos;
        if (cnt >= maxRecords) return cnt;
      }
      if (!gotNew) return cnt;
    }
  }

  /** ring_buffer__poll without waiting: same as consume (bpfsim has no blocking). */
  poll(cb: (sample: Uint8Array) => number | void): number {
    return this.consume(cb);
  }

  /** Raw data area as an mmap'ed consumer sees it (read-only use), plus positions. */
  snapshot(): { data: Uint8Array; consumerPos: number; producerPos: number } {
    return { data: this.buf.slice(0, this.mask + 1), consumerPos: this.consumerPos, producerPos: this.producerPos };
  }

  protected sysLookup(): Uint8Array {
    throw new BpfError('ENOTSUPP', 'ring buffers have no elements to look up');
  }
  protected sysUpdate(): void {
    throw new BpfError('ENOTSUPP', 'ring buffers have no elements to update');
  }
  protected sysDelete(): void {
    throw new BpfError('ENOTSUPP', 'ring buffers have no elements to delete');
  }
  protected sysGetNextKey(): Uint8Array {
    throw new BpfError('ENOTSUPP', 'ring buffers have no keys');
  }
}
