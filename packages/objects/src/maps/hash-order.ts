// The order in which a hash map's elements are walked (get_next_key, batch ops, for_each).
//
// BucketOrder is the kernel's: elements live in bucket `htab_map_hash(key) & (n_buckets - 1)`, newest first, and
// walks go bucket by bucket. It is only reproducible when the hash seed is known, i.e. for BPF_F_ZERO_SEED maps.
// InsertionOrder is bpfsim's choice for every other map (the kernel's seed is random): oldest first, and every
// element is a "bucket" of its own for batch tokens.
import { jhash, jhash2 } from './jhash.js';

export interface OrderedElem {
  readonly key: Uint8Array;
  /** Insertion sequence number (InsertionOrder's batch token). */
  readonly seq: number;
  prev: OrderedElem | null;
  next: OrderedElem | null;
  /** BucketOrder: the element's bucket. */
  bucket: number;
}

export interface BatchSlice<E> {
  readonly elems: E[];
  /** out_batch (undefined when the kernel does not write it: in_batch already past the end). */
  readonly outToken: number | undefined;
  readonly err?: 'ENOENT' | 'ENOSPC';
}

export interface ElemOrder<E extends OrderedElem> {
  add(e: E): void;
  remove(e: E): void;
  /** An update that the kernel performs by inserting a new element at the head of the bucket. */
  reinserted(e: E): void;
  first(): E | null;
  /** The element get_next_key returns after `e` (which is in the map). */
  after(e: E): E | null;
  /** All elements in walk order. */
  all(): E[];
  /** __htab_map_lookup_and_delete_batch's selection: whole buckets from `token` while they fit in `max`. */
  batch(token: number | null, max: number): BatchSlice<E>;
}

export class InsertionOrder<E extends OrderedElem> implements ElemOrder<E> {
  private head: E | null = null;
  private tail: E | null = null;
  /** One past the largest seq handed out (the "n_buckets" of this order). */
  end = 0;

  add(e: E): void {
    e.prev = this.tail;
    e.next = null;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
    this.end = Math.max(this.end, e.seq + 1);
  }

  remove(e: E): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next as E | null;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev as E | null;
  }

  reinserted(): void {
    // bpfsim keeps an updated element where it was.
  }

  first(): E | null {
    return this.head;
  }

  after(e: E): E | null {
    return e.next as E | null;
  }

  all(): E[] {
    const out: E[] = [];
    for (let e = this.head; e; e = e.next as E | null) out.push(e);
    return out;
  }

  batch(token: number | null, max: number): BatchSlice<E> {
    const t = token ?? 0;
    if (t >= this.end) return { elems: [], outToken: undefined, err: 'ENOENT' };
    let e = this.head;
    while (e && e.seq < t) e = e.next as E | null;
    const elems: E[] = [];
    while (e && elems.length < max) {
      elems.push(e);
      e = e.next as E | null;
    }
    return e ? { elems, outToken: e.seq } : { elems, outToken: this.end, err: 'ENOENT' };
  }
}

/** htab_map_hash: jhash2 over u32 words when the key size is a multiple of 4, else jhash. */
export function htabMapHash(key: Uint8Array, hashrnd: number): number {
  return key.length % 4 === 0 ? jhash2(key, hashrnd) : jhash(key, hashrnd);
}

export class BucketOrder<E extends OrderedElem> implements ElemOrder<E> {
  private readonly buckets = new Map<number, E[]>();
  /** Indices of non-empty buckets, ascending. */
  private readonly nonEmpty: number[] = [];

  constructor(
    readonly nBuckets: number,
    readonly hashrnd = 0,
  ) {}

  private bucketOf(key: Uint8Array): number {
    return (htabMapHash(key, this.hashrnd) & (this.nBuckets - 1)) >>> 0;
  }

  /** Position of the first non-empty bucket index ≥ b in nonEmpty. */
  private lowerBound(b: number): number {
    let lo = 0;
    let hi = this.nonEmpty.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.nonEmpty[mid] < b) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(e: E): void {
    e.bucket = this.bucketOf(e.key);
    let list = this.buckets.get(e.bucket);
    if (!list) {
      this.buckets.set(e.bucket, (list = []));
      this.nonEmpty.splice(this.lowerBound(e.bucket), 0, e.bucket);
    }
    list.unshift(e); // hlist_nulls_add_head_rcu
  }

  remove(e: E): void {
    const list = this.buckets.get(e.bucket);
    if (!list) return;
    const i = list.indexOf(e);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) {
      this.buckets.delete(e.bucket);
      this.nonEmpty.splice(this.lowerBound(e.bucket), 1);
    }
  }

  reinserted(e: E): void {
    const list = this.buckets.get(e.bucket)!;
    list.splice(list.indexOf(e), 1);
    list.unshift(e);
  }

  private headFrom(b: number): E | null {
    const i = this.lowerBound(b);
    return i < this.nonEmpty.length ? this.buckets.get(this.nonEmpty[i])![0] : null;
  }

  first(): E | null {
    return this.headFrom(0);
  }

  after(e: E): E | null {
    const list = this.buckets.get(e.bucket)!;
    const i = list.indexOf(e);
    if (i + 1 < list.length) return list[i + 1];
    return this.headFrom(e.bucket + 1);
  }

  all(): E[] {
    return this.nonEmpty.flatMap((b) => this.buckets.get(b)!);
  }

  batch(token: number | null, max: number): BatchSlice<E> {
    const t = token ?? 0;
    if (t >= this.nBuckets) return { elems: [], outToken: undefined, err: 'ENOENT' };
    const elems: E[] = [];
    for (let i = this.lowerBound(t); i < this.nonEmpty.length; i++) {
      const b = this.nonEmpty[i];
      const list = this.buckets.get(b)!;
      if (list.length > max - elems.length) {
        return elems.length ? { elems, outToken: b } : { elems, outToken: b, err: 'ENOSPC' };
      }
      elems.push(...list);
    }
    return { elems, outToken: this.nBuckets, err: 'ENOENT' };
  }
}
