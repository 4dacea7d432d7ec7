// BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY (kernel/bpf/arraymap.c): pre-allocated, zero-filled slots indexed
// by a u32 key; elements can't be deleted.
import { BpfError } from '../errno.js';
import { BaseMap, type MapSpec } from './base.js';
import {
  BPF_EXIST,
  BPF_F_ACCESS_MASK,
  BPF_F_INNER_MAP,
  BPF_F_LOCK,
  BPF_F_MMAPABLE,
  BPF_F_NUMA_NODE,
  BPF_F_PRESERVE_ELEMS,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY_PROG,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERF_EVENT_ARRAY,
  BPF_NOEXIST,
  INT_MAX,
  PAGE_SIZE,
  PCPU_MIN_UNIT_SIZE,
  SIZEOF_BPF_ARRAY,
  U32_MAX,
} from './constants.js';
import type { MapEnv } from './types.js';
import { PagedStore } from './paged-store.js';
import { bad, checkAllocation, EAGER_MEMORY_LIMIT, flagsAccessOk, NUMA_NO_NODE, type NormalizedAttr } from './validate.js';
import { roundUp, u32At, u32Bytes } from './util.js';

const ARRAY_CREATE_FLAG_MASK =
  BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_ACCESS_MASK | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;


/** array_map_alloc_check (shared by every array-backed type). */
export function arrayAllocCheck(a: NormalizedAttr): void {
  const percpu = a.mapType === BPF_MAP_TYPE_PERCPU_ARRAY;
  if (a.maxEntries === 0) bad('EINVAL', 'max_entries must not be 0');
  if (a.keySize !== 4) bad('EINVAL', `array maps need key_size 4 (u32 index), got ${a.keySize}`);
  if (a.valueSize === 0) bad('EINVAL', 'value_size must not be 0');
  if (a.mapFlags & ~ARRAY_CREATE_FLAG_MASK) {
    bad('EINVAL', `map_flags 0x${a.mapFlags.toString(16)} has flags array maps don't accept`);
  }
  if (!flagsAccessOk(a.mapFlags)) bad('EINVAL', 'BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG are mutually exclusive');
  if (percpu && a.numaNode !== NUMA_NO_NODE) bad('EINVAL', 'per-cpu arrays cannot be bound to a NUMA node');
  if (a.mapType !== BPF_MAP_TYPE_ARRAY && a.mapFlags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)) {
    bad('EINVAL', 'BPF_F_MMAPABLE and BPF_F_INNER_MAP are only valid for BPF_MAP_TYPE_ARRAY');
  }
  if (a.mapType !== BPF_MAP_TYPE_PERF_EVENT_ARRAY && a.mapFlags & BPF_F_PRESERVE_ELEMS) {
    bad('EINVAL', 'BPF_F_PRESERVE_ELEMS is only valid for BPF_MAP_TYPE_PERF_EVENT_ARRAY');
  }
  if (a.valueSize > INT_MAX) bad('E2BIG', `value_size ${a.valueSize} > INT_MAX`);
  if (percpu && a.valueSize > PCPU_MIN_UNIT_SIZE) {
    bad('E2BIG', `per-cpu value_size ${a.valueSize} > PCPU_MIN_UNIT_SIZE (${PCPU_MIN_UNIT_SIZE})`);
  }
}

/** fd_array_map_alloc_check: prog_array, perf_event_array, array_of_maps store u32 fds. */
export function fdArrayAllocCheck(a: NormalizedAttr): void {
  if (a.valueSize !== 4) bad('EINVAL', `fd arrays need value_size 4 (a u32 fd), got ${a.valueSize}`);
  if (a.mapFlags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) {
    bad('EINVAL', 'BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG are not supported for fd arrays');
  }
  arrayAllocCheck(a);
}

/**
 * The index mask array_map_alloc computes: max_entries rounded up to a power of two, minus one. Without
 * bpf_bypass_spec_v1 the array really is that large (Spectre v1 hardening) and overflowing u32 is E2BIG.
 */
export function arrayIndexMask(a: NormalizedAttr, env: MapEnv): { indexMask: number; allocEntries: number } {
  const bits = a.maxEntries <= 1 ? 0 : Math.ceil(Math.log2(a.maxEntries));
  const indexMask = (2 ** bits - 1) >>> 0;
  let allocEntries = a.maxEntries;
  if (env.bypassSpecV1 === false) {
    allocEntries = indexMask + 1;
    if (allocEntries > U32_MAX) bad('E2BIG', `max_entries ${a.maxEntries} overflows when rounded up to a power of 2`);
  }
  return { indexMask, allocEntries };
}

export class ArrayMap extends BaseMap {
  readonly indexMask: number;
  /** round_up(value_size, 8): the stride of one slot. */
  readonly elemSize: number;
  private readonly percpu: boolean;
  private readonly ncpus: number;
  /** Slot s = index (or index × ncpus + cpu for per-cpu arrays), each elem_size bytes. */
  private readonly store: PagedStore;
  /** Cached live views handed to programs (one per slot actually looked up; lookups are the hot path). */
  private readonly views: Uint8Array[] = [];

  constructor(spec: MapSpec, env: MapEnv, a: NormalizedAttr) {
    super(spec, env);
    this.percpu = spec.mapType === BPF_MAP_TYPE_PERCPU_ARRAY;
    this.ncpus = env.ncpus;
    this.elemSize = roundUp(spec.valueSize, 8);
    const { indexMask, allocEntries } = arrayIndexMask(a, env);
    this.indexMask = indexMask;
    const slots = this.percpu ? allocEntries * this.ncpus : allocEntries;
    const mmapable = (spec.mapFlags & BPF_F_MMAPABLE) !== 0;
    const bytes = mmapable ? roundUp(slots * this.elemSize, PAGE_SIZE) : slots * this.elemSize;
    checkAllocation(bytes, 'array', mmapable ? EAGER_MEMORY_LIMIT : undefined);
    this.store = new PagedStore(this.elemSize, mmapable ? bytes / this.elemSize : slots, mmapable);
    this.batchOps = { lookup: 'generic', update: 'generic' };
  }

  get count(): number {
    return this.maxEntries;
  }

  override get syscallValueSize(): number {
    return this.percpu ? this.elemSize * this.ncpus : this.valueSize;
  }

  /** array_map_mem_usage */
  memUsage(): number {
    const entries = this.maxEntries;
    if (this.percpu) return SIZEOF_BPF_ARRAY + entries * 8 + entries * this.elemSize * this.ncpus;
    if (this.mapFlags & BPF_F_MMAPABLE) return roundUp(SIZEOF_BPF_ARRAY, PAGE_SIZE) + roundUp(entries * this.elemSize, PAGE_SIZE);
    return SIZEOF_BPF_ARRAY + entries * this.elemSize;
  }

  /** array_map_mmap: EINVAL without BPF_F_MMAPABLE (checked when mapping). */
  protected override mmapData(): () => Uint8Array {
    return () => {
      const r = this.mmapRegion();
      if (!r) throw new BpfError('EINVAL', 'mmap: array was not created with BPF_F_MMAPABLE');
      return r;
    };
  }

  /** For BPF_F_MMAPABLE arrays: the value area a user mmap() sees (page-aligned, shared with programs). */
  mmapRegion(): Uint8Array | null {
    return this.mapFlags & BPF_F_MMAPABLE ? this.store.region() : null;
  }

  private slotOf(index: number, cpu: number): number {
    const i = index & this.indexMask;
    return this.percpu ? i * this.ncpus + cpu : i;
  }

  /** Live view of the first value_size bytes of a slot (allocates its storage). */
  private slotView(index: number, cpu: number): Uint8Array {
    const slot = this.slotOf(index, cpu);
    return (this.views[slot] ??= this.store.view(slot).subarray(0, this.valueSize));
  }

  protected sysLookup(key: Uint8Array | null): Uint8Array {
    const index = u32At(key!);
    if (index >= this.maxEntries) throw new BpfError('ENOENT', `array index ${index} >= max_entries ${this.maxEntries}`);
    if (!this.percpu) {
      const v = this.store.peek(this.slotOf(index, 0));
      return v ? this.copyValueOut(v) : new Uint8Array(this.valueSize);
    }
    // bpf_percpu_array_copy: round_up(value_size, 8) bytes per possible cpu.
    const out = new Uint8Array(this.syscallValueSize);
    for (let cpu = 0; cpu < this.ncpus; cpu++) {
      const v = this.store.peek(this.slotOf(index, cpu));
      if (v) out.set(v, cpu * this.elemSize);
    }
    return out;
  }

  protected sysUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): void {
    const err = this.percpu ? this.updatePercpuAll(u32At(key!), value, flags) : this.updateSlot(u32At(key!), value, flags, 0);
    if (err) throw new BpfError(err, `array update of index ${u32At(key!)} (flags ${flags})`);
  }

  protected sysDelete(): void {
    throw new BpfError('EINVAL', 'array elements cannot be deleted');
  }

  protected sysGetNextKey(key: Uint8Array | null): Uint8Array {
    return arrayNextKey(key, this.maxEntries);
  }

  /** bpf_percpu_array_update: flags > BPF_EXIST is EINVAL (so BPF_F_LOCK too). */
  private updatePercpuAll(index: number, value: Uint8Array, flags: number): ArrayUpdateErr {
    if (flags > BPF_EXIST) return 'EINVAL';
    if (index >= this.maxEntries) return 'E2BIG';
    if (flags === BPF_NOEXIST) return 'EEXIST';
    for (let cpu = 0; cpu < this.ncpus; cpu++) {
      this.store.view(this.slotOf(index, cpu)).set(value.subarray(cpu * this.elemSize, (cpu + 1) * this.elemSize));
    }
    return undefined;
  }

  /** array_map_update_elem (program side, and syscall side of plain arrays). */
  private updateSlot(index: number, value: Uint8Array, flags: number, cpu: number): ArrayUpdateErr {
    if ((flags & ~BPF_F_LOCK) > BPF_EXIST) return 'EINVAL';
    if (index >= this.maxEntries) return 'E2BIG';
    if (flags & BPF_NOEXIST) return 'EEXIST';
    if (flags & BPF_F_LOCK && this.spinLockOff === undefined) return 'EINVAL';
    this.copyValueIn(this.slotView(index, cpu), value);
    return undefined;
  }

  override lookupForProgram(key: Uint8Array, cpu: number): Uint8Array | null {
    const index = u32At(key);
    if (index >= this.maxEntries) return null;
    return this.slotView(index, this.percpu ? cpu : 0);
  }

  /** bpf_for_each_array_elem: every index 0..max_entries-1; callback 0 = continue, 1 = stop. */
  forEachForProgram(cpu: number, flags: number, cb: (key: Uint8Array, value: Uint8Array) => number | bigint): number {
    if (flags !== 0) return -22;
    let n = 0;
    for (let i = 0; i < this.maxEntries; i++) {
      n++;
      if (cb(u32Bytes(i), this.slotView(i, this.percpu ? cpu : 0))) break;
    }
    return n;
  }

  /** bpf_map_lookup_percpu_elem (percpu_array_map_lookup_percpu_elem). */
  lookupPercpuForProgram(key: Uint8Array, cpu: number): Uint8Array | null {
    if (!this.percpu || cpu >= this.ncpus) return null;
    return this.lookupForProgram(key, cpu);
  }

  override updateFromProgram(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): number {
    if (this.mapFlags & BPF_F_RDONLY_PROG) return -1; // the verifier rejects such programs; -EPERM as a safety net
    const err = this.updateSlot(u32At(key), value, flags, this.percpu ? cpu : 0);
    return err ? -ERRNO[err] : 0;
  }

  override deleteFromProgram(): number {
    return -22; // array_map_delete_elem: -EINVAL
  }
}

type ArrayUpdateErr = 'EINVAL' | 'E2BIG' | 'EEXIST' | undefined;
const ERRNO = { EINVAL: 22, E2BIG: 7, EEXIST: 17 } as const;

/** array_map_get_next_key: a missing or out-of-range key restarts at 0; the last index ends with ENOENT. */
export function arrayNextKey(key: Uint8Array | null, maxEntries: number): Uint8Array {
  const index = key ? u32At(key) : U32_MAX;
  if (index >= maxEntries) return u32Bytes(0);
  if (index === maxEntries - 1) throw new BpfError('ENOENT', `index ${index} is the last of the array`);
  return u32Bytes(index + 1);
}
