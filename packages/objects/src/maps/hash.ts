// BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH and HASH_OF_MAPS (kernel/bpf/hashtab.c).
//
// Iteration order (hash-order.ts): the kernel walks buckets chosen by jhash with a random seed, which user space
// cannot predict. With BPF_F_ZERO_SEED the seed is 0 and bpfsim reproduces the kernel's buckets exactly (walk order,
// batch tokens = bucket indices, ENOSPC for a bucket larger than count). Otherwise bpfsim iterates in INSERTION
// order (an update keeps the element's place) and every element is its own "bucket": the batch token is the u32
// insertion sequence number of the next element, so ENOSPC never happens. Either way get_next_key keeps the
// kernel's restart rule (a key that is not in the map restarts from the first element) and batches end in ENOENT.
//
// LRU (common list, the default): lru-list.ts follows kernel/bpf/bpf_lru_list.c step by step (per-cpu local free
// and pending lists, active/inactive lists with reference bits, lru->target_free), so evictions match the kernel's,
// which are NOT exact least-recently-used. An update pops its node BEFORE checking the flags, like
// htab_lru_map_update_elem: on a full map it may evict the very key it updates. Program lookups and replacing
// updates set the ref bit (bpf_lru_node_set_ref); bpf(2) lookups don't (htab_lru_map_lookup_elem_sys).
// With BPF_F_NO_COMMON_LRU, lru-percpu.ts follows bpf_percpu_lru_pop_free / _push_free: every cpu owns
// max_entries / ncpus nodes on its own lists, so an insert on a cpu whose share is used up evicts (up to
// PERCPU_FREE_TARGET elements at once) even if other cpus have room; the node is taken before the flags are checked
// here too. bpf(2) calls run on cpu 0.
import { BpfError, type Errno } from '../errno.js';
import { BaseMap, concat, type MapSpec } from './base.js';
import { type BpfLru, CommonLru, type LruNode } from './lru-list.js';
import { PercpuLru } from './lru-percpu.js';
import {
  BPF_EXIST,
  BPF_F_ACCESS_MASK,
  BPF_F_LOCK,
  BPF_F_NO_COMMON_LRU,
  BPF_F_NO_PREALLOC,
  BPF_F_NUMA_NODE,
  BPF_F_RDONLY_PROG,
  BPF_F_ZERO_SEED,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_NOEXIST,
  HTAB_ELEM_SIZE,
  KMALLOC_MAX_SIZE,
  PCPU_MIN_UNIT_SIZE,
  SIZEOF_BPF_HTAB,
  SIZEOF_HTAB_BUCKET,
  SIZEOF_LLIST_NODE,
} from './constants.js';
import { BucketOrder, InsertionOrder, type ElemOrder } from './hash-order.js';
import { innerMapMetaFromFd, resolveInnerMap } from './map-in-map.js';
import type { BatchAttr, BatchResult, BpfMap, EntryRef, InnerMapMeta, MapEnv } from './types.js';
import { bytesKey, roundUp, u32At, u32Bytes, userBytes } from './util.js';
import { bad, capable, checkAllocation, flagsAccessOk, NUMA_NO_NODE, type NormalizedAttr } from './validate.js';

const HTAB_CREATE_FLAG_MASK = BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK | BPF_F_ZERO_SEED;

const ERRNO: Record<string, number> = { EINVAL: 22, E2BIG: 7, EEXIST: 17, ENOENT: 2, ENOMEM: 12, EPERM: 1 };

function isPercpuType(t: number): boolean {
  return t === BPF_MAP_TYPE_PERCPU_HASH || t === BPF_MAP_TYPE_LRU_PERCPU_HASH;
}
function isLruType(t: number): boolean {
  return t === BPF_MAP_TYPE_LRU_HASH || t === BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/** htab_map_alloc_check */
export function htabAllocCheck(a: NormalizedAttr, env: MapEnv): void {
  const percpu = isPercpuType(a.mapType);
  const lru = isLruType(a.mapType);
  const percpuLru = (a.mapFlags & BPF_F_NO_COMMON_LRU) !== 0;
  const prealloc = (a.mapFlags & BPF_F_NO_PREALLOC) === 0;
  if (a.mapFlags & BPF_F_ZERO_SEED && !capable(env, 'CAP_SYS_ADMIN')) bad('EPERM', 'BPF_F_ZERO_SEED needs CAP_SYS_ADMIN');
  if (a.mapFlags & ~HTAB_CREATE_FLAG_MASK) bad('EINVAL', `map_flags 0x${a.mapFlags.toString(16)} has flags hash maps don't accept`);
  if (!flagsAccessOk(a.mapFlags)) bad('EINVAL', 'BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG are mutually exclusive');
  if (!lru && percpuLru) bad('EINVAL', 'BPF_F_NO_COMMON_LRU is only valid for LRU hash maps');
  if (lru && !prealloc) bad('ENOTSUPP', 'LRU hash maps are always pre-allocated (BPF_F_NO_PREALLOC not supported)');
  if (a.numaNode !== NUMA_NO_NODE && (percpu || percpuLru)) bad('EINVAL', 'per-cpu hash maps cannot be bound to a NUMA node');
  if (a.maxEntries === 0 || a.keySize === 0 || a.valueSize === 0) {
    bad('EINVAL', `max_entries (${a.maxEntries}), key_size (${a.keySize}) and value_size (${a.valueSize}) must be non-zero`);
  }
  if (a.keySize + a.valueSize >= KMALLOC_MAX_SIZE - HTAB_ELEM_SIZE) {
    bad('E2BIG', `key_size + value_size = ${a.keySize + a.valueSize} too large for one element`);
  }
  if (percpu && roundUp(a.valueSize, 8) > PCPU_MIN_UNIT_SIZE) {
    bad('E2BIG', `per-cpu value_size ${a.valueSize} > PCPU_MIN_UNIT_SIZE (${PCPU_MIN_UNIT_SIZE})`);
  }
}

/** fd_htab_map_alloc_check */
export function fdHtabAllocCheck(a: NormalizedAttr, env: MapEnv): void {
  if (a.valueSize !== 4) bad('EINVAL', `hash of maps needs value_size 4 (a u32 fd), got ${a.valueSize}`);
  htabAllocCheck(a, env);
}

/** max_entries as htab_map_alloc stores it: BPF_F_NO_COMMON_LRU rounds to a multiple of the cpu count. */
export function htabMaxEntries(a: NormalizedAttr, env: MapEnv): number {
  let max = a.maxEntries;
  if (a.mapFlags & BPF_F_NO_COMMON_LRU) {
    const n = env.ncpus;
    max = Math.ceil(a.maxEntries / n) * n;
    if (max > 0xffffffff) max = Math.floor(a.maxEntries / n) * n;
  }
  if (max > 2 ** 31) bad('E2BIG', `max_entries ${max} > 2^31 (hash table size must be a power of 2)`);
  return max;
}

interface Elem {
  readonly key: Uint8Array;
  readonly k: string;
  /** value_size bytes (rounded to 8), or ncpus × round_up(value_size, 8) for per-cpu maps. */
  readonly value: Uint8Array;
  /** Insertion sequence number: iteration order and batch token. */
  readonly seq: number;
  prev: Elem | null;
  next: Elem | null;
  bucket: number;
  /** LRU maps: the element's bpf_lru_node (its cpu is the list it was taken from). */
  node?: LruNode<Elem>;
  /** HASH_OF_MAPS: the inner map reference this element holds. */
  ref?: EntryRef;
  /** Cached live views for programs, per cpu (index 0 for non-per-cpu maps). */
  views?: Uint8Array[];
}

export class HashMap extends BaseMap {
  protected readonly percpu: boolean;
  protected readonly lru: boolean;
  protected readonly prealloc: boolean;
  readonly elemSize: number;
  protected readonly ncpus: number;
  private readonly byKey = new Map<string, Elem>();
  private readonly order: ElemOrder<Elem>;
  private nextSeq = 0;
  /** LRU maps: the kernel's common bpf_lru list, or the per-cpu lists with BPF_F_NO_COMMON_LRU. */
  private readonly lruList: BpfLru<Elem> | undefined;

  constructor(spec: MapSpec, env: MapEnv) {
    super(spec, env);
    this.percpu = isPercpuType(spec.mapType);
    this.lru = isLruType(spec.mapType);
    this.prealloc = (spec.mapFlags & BPF_F_NO_PREALLOC) === 0;
    this.ncpus = env.ncpus;
    this.elemSize = roundUp(spec.valueSize, 8);
    if (this.prealloc) {
      const per = HTAB_ELEM_SIZE + roundUp(spec.keySize, 8) + (this.percpu ? 8 + this.elemSize * this.ncpus : this.elemSize);
      checkAllocation(per * spec.maxEntries, 'pre-allocated hash elements');
    }
    this.batchOps = { lookup: 'htab', lookupAndDelete: 'htab', update: 'generic', delete: 'generic' };
    if (this.lru) {
      // htab_map_alloc → bpf_lru_init(percpu_lru) + prealloc_init's bpf_lru_populate of max_entries nodes.
      const evict = (e: Elem): void => this.unlink(e, true);
      this.lruList =
        spec.mapFlags & BPF_F_NO_COMMON_LRU
          ? new PercpuLru<Elem>(spec.maxEntries, this.ncpus, evict)
          : new CommonLru<Elem>(spec.maxEntries, this.ncpus, evict);
    }
    this.order =
      spec.mapFlags & BPF_F_ZERO_SEED
        ? new BucketOrder<Elem>(2 ** Math.ceil(Math.log2(Math.max(1, spec.maxEntries))), 0)
        : new InsertionOrder<Elem>();
  }

  get count(): number {
    return this.byKey.size;
  }

  override get syscallValueSize(): number {
    return this.percpu ? this.elemSize * this.ncpus : this.valueSize;
  }

  /** Pre-allocated plain hash maps keep num_possible_cpus() spare elements for replacing (htab_has_extra_elems). */
  protected get hasExtraElems(): boolean {
    return !this.percpu && !this.lru;
  }

  /** htab_map_mem_usage */
  memUsage(): number {
    const ncpus = this.ncpus;
    const nBuckets = 2 ** Math.ceil(Math.log2(Math.max(1, this.maxEntries)));
    const elemSize = HTAB_ELEM_SIZE + roundUp(this.keySize, 8) + (this.percpu ? 8 : this.elemSize);
    let usage = SIZEOF_BPF_HTAB + SIZEOF_HTAB_BUCKET * nBuckets;
    if (this.prealloc) {
      const n = this.maxEntries + (this.hasExtraElems ? ncpus : 0);
      usage += elemSize * n;
      if (this.percpu) usage += this.elemSize * ncpus * n;
      else if (!this.lru) usage += 8 * ncpus;
    } else {
      const n = this.count;
      usage += (elemSize + SIZEOF_LLIST_NODE) * n;
      if (this.percpu) usage += (SIZEOF_LLIST_NODE + 8) * n + this.elemSize * ncpus * n;
    }
    return usage;
  }

  /** The keys in iteration order (for tests and dumps). */
  keys(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const e of this.order.all()) out.push(e.key.slice());
    return out;
  }

  // ---------------------------------------------------------------- element store

  protected find(key: Uint8Array): Elem | undefined {
    return this.byKey.get(bytesKey(key.length === this.keySize ? key : key.subarray(0, this.keySize)));
  }

  private insert(fullKey: Uint8Array): Elem {
    const key = fullKey.subarray(0, this.keySize);
    const k = bytesKey(key);
    const e: Elem = {
      key: key.slice(),
      k,
      value: new Uint8Array(this.percpu ? this.elemSize * this.ncpus : this.elemSize),
      seq: this.nextSeq++,
      prev: null,
      next: null,
      bucket: 0,
    };
    this.order.add(e);
    this.byKey.set(k, e);
    return e;
  }

  /** Remove `e` from the table; its LRU node goes back to a free list unless the LRU itself evicted it. */
  protected unlink(e: Elem, evictedByLru = false): void {
    if (e.node && !evictedByLru) this.lruList?.pushFree(e.node);
    e.node = undefined;
    this.order.remove(e);
    this.byKey.delete(e.k);
    const ref = e.ref;
    e.ref = undefined;
    ref?.release();
  }

  /** bpf_lru_node_set_ref */
  private touch(e: Elem): void {
    if (e.node) this.lruList?.setRef(e.node);
  }

  /**
   * htab_map_update_elem / htab_lru_map_update_elem / __htab_percpu_map_update_elem.
   * `cpu` < 0 means "all cpus from a syscall value" (onallcpus).
   */
  protected updateElem(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): Errno | undefined {
    // Plain hash maps accept BPF_F_LOCK; LRU and per-cpu hash maps reject any flag above BPF_EXIST.
    const plain = !this.lru && !this.percpu;
    const base = plain ? flags & ~BPF_F_LOCK : flags;
    if (base > BPF_EXIST) return 'EINVAL';
    if (flags & BPF_F_LOCK && this.spinLockOff === undefined) return 'EINVAL';
    if (this.lruList) return this.lruUpdate(this.lruList, key, value, base, cpu);
    let e = this.find(key);
    if (e && base === BPF_NOEXIST) return 'EEXIST';
    if (!e && base === BPF_EXIST) return 'ENOENT';
    if (!e) {
      if (this.byKey.size >= this.maxEntries) return 'E2BIG';
      e = this.insert(key);
    } else {
      this.touch(e);
      // htab_map_update_elem / htab_lru_map_update_elem link a fresh element at the bucket head; per-cpu maps and
      // BPF_F_LOCK updates write in place.
      if (!this.percpu && !(flags & BPF_F_LOCK)) this.order.reinserted(e);
    }
    this.writeValue(e, value, cpu);
    return undefined;
  }

  /**
   * htab_lru_map_update_elem / __htab_lru_percpu_map_update_elem: the node is popped (bpf_lru_pop_free, which may
   * evict — even `key` itself) BEFORE the flags are checked; a node that ends up unused is pushed back free.
   * A replaced element's node is freed and the new node gets its ref bit; per-cpu maps update in place, mark the
   * old node referenced, and do not pop a node at all for BPF_EXIST.
   */
  private lruUpdate(lru: BpfLru<Elem>, key: Uint8Array, value: Uint8Array, base: number, cpu: number): Errno | undefined {
    const onCpu = cpu < 0 ? 0 : cpu;
    const inPlace = this.percpu && base === BPF_EXIST;
    const node = inPlace ? undefined : lru.popFree(onCpu);
    if (!inPlace && !node) return 'ENOMEM';
    let e = this.find(key);
    const err = e && base === BPF_NOEXIST ? 'EEXIST' : !e && base === BPF_EXIST ? 'ENOENT' : undefined;
    if (err) {
      if (node) lru.pushFree(node);
      return err;
    }
    if (e && this.percpu) {
      if (e.node) lru.setRef(e.node);
      if (node) lru.pushFree(node);
    } else if (node) {
      if (e) {
        lru.setRef(node);
        if (e.node) lru.pushFree(e.node);
        this.order.reinserted(e);
      } else {
        e = this.insert(key);
      }
      e.node = node;
      node.owner = e;
    }
    if (e) this.writeValue(e, value, cpu);
    return undefined;
  }

  private writeValue(e: Elem, value: Uint8Array, cpu: number): void {
    if (!this.percpu) {
      this.copyValueIn(e.value, value);
      return;
    }
    const es = this.elemSize;
    if (cpu < 0) {
      e.value.set(value.subarray(0, es * this.ncpus));
    } else {
      // pcpu_init_value / pcpu_copy_value from a program: only this cpu's copy changes.
      e.value.set(value.subarray(0, this.valueSize), cpu * es);
    }
  }

  private readValue(e: Elem): Uint8Array {
    if (this.percpu) return e.value.slice(0, this.elemSize * this.ncpus);
    return this.copyValueOut(e.value);
  }

  // ---------------------------------------------------------------- bpf(2) side

  protected sysLookup(key: Uint8Array | null): Uint8Array {
    const e = this.find(key!);
    if (!e) throw new BpfError('ENOENT', 'no element with this key');
    return this.readValue(e);
  }

  protected sysUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): void {
    const err = this.updateElem(key!, value, flags, -1);
    if (err) throw new BpfError(err, updateWhy(err, flags));
  }

  protected sysDelete(key: Uint8Array | null): void {
    const e = this.find(key!);
    if (!e) throw new BpfError('ENOENT', 'no element with this key');
    this.unlink(e);
  }

  /** htab_map_get_next_key: null or a missing key → the first element; the last element → ENOENT. */
  protected sysGetNextKey(key: Uint8Array | null): Uint8Array {
    const e = key ? this.find(key) : undefined;
    const next = e ? this.order.after(e) : this.order.first();
    if (!next) throw new BpfError('ENOENT', e ? 'no element after this key' : 'the map is empty');
    return next.key.slice();
  }

  protected override sysLookupAndDelete(key: Uint8Array | null): Uint8Array {
    const e = this.find(key!);
    if (!e) throw new BpfError('ENOENT', 'no element with this key');
    const v = this.readValue(e);
    this.unlink(e);
    return v;
  }

  /** Value as bpf(2) batch ops return it (hash of maps: the inner map's ID). */
  protected batchValue(e: Elem): Uint8Array {
    return this.readValue(e);
  }

  /** __htab_map_lookup_and_delete_batch with one element per bucket (see the header comment). */
  protected override htabLookupBatch(attr: BatchAttr, del: boolean): BatchResult {
    const cmd = del ? 'BPF_MAP_LOOKUP_AND_DELETE_BATCH' : 'BPF_MAP_LOOKUP_BATCH';
    const elemFlags = attr.elem_flags ?? 0;
    if (elemFlags & ~BPF_F_LOCK || (elemFlags & BPF_F_LOCK && this.spinLockOff === undefined)) {
      throw new BpfError('EINVAL', `${cmd}: bad elem_flags 0x${elemFlags.toString(16)}`);
    }
    if (attr.flags) throw new BpfError('EINVAL', `${cmd}: flags must be 0`);
    const max = attr.count >>> 0;
    if (!max) return { count: 0 };
    const token = attr.inBatch ? u32At(userBytes(attr.inBatch, 4, `${cmd} in_batch`)) : null;
    const slice = this.order.batch(token, max);
    const keys = slice.elems.map((e) => e.key.slice());
    const values = slice.elems.map((e) => this.batchValue(e));
    if (del) for (const t of slice.elems) this.unlink(t);
    const why = slice.err === 'ENOSPC' ? `${cmd}: count ${max} is smaller than the next bucket` : `${cmd}: reached the end of the map`;
    return {
      count: keys.length,
      keys: concat(keys, this.keySize),
      values: concat(values, this.syscallValueSize),
      outBatch: slice.outToken === undefined ? undefined : u32Bytes(slice.outToken),
      error: slice.err ? new BpfError(slice.err, why) : undefined,
    };
  }

  // ---------------------------------------------------------------- program side

  override lookupForProgram(key: Uint8Array, cpu: number): Uint8Array | null {
    const e = this.find(key);
    if (!e) return null;
    this.touch(e); // bpf_lru_node_set_ref
    return this.liveView(e, this.percpu ? cpu : 0);
  }

  private liveView(e: Elem, cpu: number): Uint8Array {
    const views = (e.views ??= []);
    return (views[cpu] ??= e.value.subarray(cpu * this.elemSize, cpu * this.elemSize + this.valueSize));
  }

  /**
   * bpf_each_hash_elem: visits the elements present when the walk starts, in iteration order; elements deleted
   * by the callback before their turn are skipped.
   */
  forEachForProgram(cpu: number, flags: number, cb: (key: Uint8Array, value: Uint8Array) => number | bigint): number {
    if (flags !== 0) return -22;
    let n = 0;
    for (const e of this.order.all()) {
      if (this.byKey.get(e.k) !== e) continue; // deleted by an earlier callback
      n++;
      const v = this.percpu ? e.value.subarray(cpu * this.elemSize, cpu * this.elemSize + this.valueSize) : e.value.subarray(0, this.valueSize);
      if (cb(e.key.slice(), v)) break;
    }
    return n;
  }

  /** bpf_map_lookup_percpu_elem */
  lookupPercpuForProgram(key: Uint8Array, cpu: number): Uint8Array | null {
    if (!this.percpu || cpu >= this.ncpus) return null;
    const e = this.find(key);
    if (!e) return null;
    this.touch(e); // htab_lru_percpu_map_lookup_percpu_elem: bpf_lru_node_set_ref
    return this.liveView(e, cpu);
  }

  override updateFromProgram(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): number {
    if (this.mapFlags & BPF_F_RDONLY_PROG) return -1; // rejected by the verifier; -EPERM as a safety net
    const err = this.updateElem(key, value, flags, cpu);
    return err ? -ERRNO[err] : 0;
  }

  override deleteFromProgram(key: Uint8Array, _cpu = 0): number {
    if (this.mapFlags & BPF_F_RDONLY_PROG) return -1;
    const e = this.find(key);
    if (!e) return -2;
    this.unlink(e);
    return 0;
  }

  override free(): void {
    for (const e of this.order.all()) this.unlink(e);
  }

  /** HASH_OF_MAPS support: store a reference in an element (used by the subclass). */
  protected storeRef(key: Uint8Array, ref: EntryRef, flags: number): Errno | undefined {
    const err = this.updateElem(key, u32Bytes(ref.id), flags, 0);
    if (err) return err;
    const e = this.find(key)!;
    const old = e.ref;
    e.ref = ref;
    old?.release();
    return undefined;
  }

  protected refOf(key: Uint8Array): EntryRef | undefined {
    return this.find(key)?.ref;
  }
}

function updateWhy(err: Errno, flags: number): string {
  switch (err) {
    case 'EEXIST':
      return 'BPF_NOEXIST: an element with this key exists';
    case 'ENOENT':
      return 'BPF_EXIST: no element with this key';
    case 'E2BIG':
      return 'the map is full (max_entries reached)';
    case 'EINVAL':
      return `unsupported update flags 0x${flags.toString(16)}`;
    default:
      return 'update failed';
  }
}

/** BPF_MAP_TYPE_HASH_OF_MAPS: values are inner maps; syscall lookups return the inner map's ID. */
export class HashOfMapsMap extends HashMap {
  override readonly supportsMetaEqual = false;
  override readonly innerMapMeta: InnerMapMeta;

  constructor(spec: MapSpec, env: MapEnv, a: NormalizedAttr) {
    const meta = innerMapMetaFromFd(env, a.innerMapFd);
    super(spec, env);
    this.innerMapMeta = meta;
  }

  override get syscallValueSize(): number {
    return 4;
  }

  protected override get hasExtraElems(): boolean {
    return false;
  }

  protected override sysLookup(key: Uint8Array | null): Uint8Array {
    const ref = this.refOf(key!);
    if (!ref) throw new BpfError('ENOENT', 'no element with this key');
    return u32Bytes(ref.id);
  }

  /** bpf_fd_htab_map_update_elem: resolve (and retain) the map first, drop it again if the insert fails. */
  protected override sysUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): void {
    const ref = resolveInnerMap(this.env, this.innerMapMeta, u32At(value) | 0);
    ref.retain();
    const err = this.storeRef(key!, ref, flags);
    if (err) {
      ref.release();
      throw new BpfError(err, updateWhy(err, flags));
    }
  }

  protected override sysLookupAndDelete(): Uint8Array {
    throw new BpfError('ENOTSUPP', 'BPF_MAP_LOOKUP_AND_DELETE_ELEM is not supported for hash of maps');
  }

  protected override batchValue(e: { ref?: EntryRef }): Uint8Array {
    return u32Bytes(e.ref?.id ?? 0);
  }

  /** htab_of_maps has no map_for_each_callback (the verifier refuses the helper); -EINVAL if reached anyway. */
  override forEachForProgram(): number {
    return -22;
  }

  lookupInnerMap(key: Uint8Array): BpfMap | null {
    return (this.refOf(key)?.target as BpfMap | undefined) ?? null;
  }

  override lookupForProgram(): Uint8Array | null {
    return null;
  }

  override updateFromProgram(): number {
    return -22;
  }
}
