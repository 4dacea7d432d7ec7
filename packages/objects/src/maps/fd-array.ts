// Arrays whose values are references to other kernel objects, written as fds from user space
// (kernel/bpf/arraymap.c: prog_array, perf_event_array, array_of_maps). Each stored entry holds one reference
// (EntryRef.retain) that is released exactly once when the entry is deleted, replaced, cleared or the map freed.
import { BpfError } from '../errno.js';
import { arrayIndexMask, arrayNextKey } from './array.js';
import { BaseMap, type MapSpec } from './base.js';
import {
  BPF_ANY,
  BPF_F_CURRENT_CPU,
  BPF_F_INDEX_MASK,
  BPF_F_PRESERVE_ELEMS,
  SIZEOF_BPF_ARRAY,
} from './constants.js';
import { innerMapMetaFromFd, resolveInnerMap } from './map-in-map.js';
import type { BpfMap, EntryRef, InnerMapMeta, MapEnv } from './types.js';
import { u32At, u32Bytes } from './util.js';
import type { NormalizedAttr } from './validate.js';


export abstract class FdArrayMap extends BaseMap {
  readonly indexMask: number;
  /** Stored references by index (sparse: prog arrays can be large and mostly empty). */
  protected readonly slots = new Map<number, EntryRef>();

  constructor(spec: MapSpec, env: MapEnv, a: NormalizedAttr) {
    super(spec, env);
    this.indexMask = arrayIndexMask(a, env).indexMask;
  }

  get count(): number {
    return this.slots.size;
  }

  override get syscallValueSize(): number {
    return 4;
  }

  /** array_map_mem_usage: one pointer-sized (round_up(4, 8)) slot per entry. */
  memUsage(): number {
    return SIZEOF_BPF_ARRAY + this.maxEntries * 8;
  }

  /** map_fd_get_ptr: resolve the fd written as a value (not yet retained); throws EBADF / EINVAL. */
  protected abstract getPtr(fd: number): EntryRef;
  /** Whether syscall lookups return the referenced object's ID (map_fd_sys_lookup_elem exists). */
  protected abstract readonly sysLookupReturnsId: boolean;

  protected sysLookup(key: Uint8Array | null): Uint8Array {
    // bpf_fd_array_map_lookup_elem
    if (!this.sysLookupReturnsId) {
      throw new BpfError('ENOTSUPP', `lookup from bpf(2) is not supported for map type ${this.mapType}`);
    }
    const index = u32At(key!);
    const ref = index < this.maxEntries ? this.slots.get(index) : undefined;
    if (!ref) throw new BpfError('ENOENT', `index ${index} holds no entry`);
    return u32Bytes(ref.id);
  }

  /** bpf_fd_array_map_update_elem: BPF_ANY only, index < max_entries, then swap in the new reference. */
  protected sysUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): void {
    if (flags !== BPF_ANY) throw new BpfError('EINVAL', `fd array update: flags must be BPF_ANY, got ${flags}`);
    const index = u32At(key!);
    if (index >= this.maxEntries) throw new BpfError('E2BIG', `index ${index} >= max_entries ${this.maxEntries}`);
    const ref = this.getPtr(u32At(value) | 0);
    ref.retain();
    const old = this.slots.get(index);
    this.slots.set(index, ref);
    old?.release();
  }

  protected sysDelete(key: Uint8Array | null): void {
    const err = this.deleteIndex(u32At(key!));
    if (err) throw new BpfError(err, `fd array delete of index ${u32At(key!)}`);
  }

  protected sysGetNextKey(key: Uint8Array | null): Uint8Array {
    return arrayNextKey(key, this.maxEntries);
  }

  /** __fd_array_map_delete_elem */
  protected deleteIndex(index: number): 'E2BIG' | 'ENOENT' | undefined {
    if (index >= this.maxEntries) return 'E2BIG';
    const old = this.slots.get(index);
    if (!old) return 'ENOENT';
    this.slots.delete(index);
    old.release();
    return undefined;
  }

  /** bpf_fd_array_map_clear: drop every entry (each reference released once). */
  clear(): void {
    const refs = [...this.slots.values()];
    this.slots.clear();
    for (const r of refs) r.release();
  }

  override free(): void {
    this.clear();
  }
}

/** BPF_MAP_TYPE_PROG_ARRAY: tail call targets. Entries are cleared when the last user reference goes away. */
export class ProgArrayMap extends FdArrayMap {
  override readonly supportsMetaEqual = false;
  protected readonly sysLookupReturnsId = true;
  private ownerInfo: { type: number; jited: boolean; xdpHasFrags: boolean } | undefined;

  constructor(spec: MapSpec, env: MapEnv, a: NormalizedAttr) {
    super(spec, env, a);
  }

  get owner(): { type: number; jited: boolean } | undefined {
    return this.ownerInfo ? { type: this.ownerInfo.type, jited: this.ownerInfo.jited } : undefined;
  }

  /** __bpf_prog_map_compatible: the first program fixes type/jited/xdp_has_frags; later ones must match. */
  progCompatible(prog: { type: number; jited?: boolean; xdpHasFrags?: boolean }): boolean {
    const jited = !!prog.jited;
    const frags = !!prog.xdpHasFrags;
    if (!this.ownerInfo) {
      this.ownerInfo = { type: prog.type, jited, xdpHasFrags: frags };
      return true;
    }
    const o = this.ownerInfo;
    return o.type === prog.type && o.jited === jited && o.xdpHasFrags === frags;
  }

  protected getPtr(fd: number): EntryRef {
    const ref = this.env.resolveFd(fd, 'prog');
    if (ref.prog && !this.progCompatible(ref.prog)) {
      throw new BpfError('EINVAL', `prog_array update: program id ${ref.id} (type ${ref.prog.type}) is not compatible with the array's owner`);
    }
    return ref;
  }

  tailCallTarget(index: number): EntryRef | null {
    return (index >>> 0) < this.maxEntries ? this.slots.get(index >>> 0) ?? null : null;
  }

  /** prog_array_map_clear via bpf_map_put_uref: with no user references left, nobody could clear the loop. */
  override onLastUserRefGone(): void {
    this.clear();
  }
}

/** BPF_MAP_TYPE_ARRAY_OF_MAPS: entries are inner maps matching the template given by inner_map_fd. */
export class ArrayOfMapsMap extends FdArrayMap {
  override readonly supportsMetaEqual = false;
  override readonly innerMapMeta: InnerMapMeta;
  protected readonly sysLookupReturnsId = true;

  constructor(spec: MapSpec, env: MapEnv, a: NormalizedAttr) {
    const meta = innerMapMetaFromFd(env, a.innerMapFd);
    super(spec, env, a);
    this.innerMapMeta = meta;
    this.batchOps = { lookup: 'generic', update: 'generic' };
  }

  protected getPtr(fd: number): EntryRef {
    return resolveInnerMap(this.env, this.innerMapMeta, fd);
  }

  lookupInnerMap(key: Uint8Array): BpfMap | null {
    const index = u32At(key);
    if (index >= this.maxEntries) return null;
    return (this.slots.get(index)?.target as BpfMap | undefined) ?? null;
  }
}

/** What a perf event stored in a perf_event_array may tell the map (all optional). */
export interface PerfEventTarget {
  /** The cpu the event is bound to (event->oncpu); output from another cpu is EOPNOTSUPP. */
  readonly cpu?: number;
  /** false when the event is not a PERF_COUNT_SW_BPF_OUTPUT software event (output → EINVAL). */
  readonly isBpfOutput?: boolean;
}

export interface PerfSample {
  readonly index: number;
  readonly data: Uint8Array;
}

/**
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: bpf_perf_event_output writes samples to the perf event at an index (usually the
 * current cpu). bpfsim keeps each slot's samples in the map, in order, with a per-slot byte budget: samples that
 * don't fit are counted as lost, as a full perf ring would.
 */
export class PerfEventArrayMap extends FdArrayMap {
  protected readonly sysLookupReturnsId = false;
  /** Bytes of samples a slot can hold before further samples are lost (perf buffer of 64 pages by default). */
  perSlotCapacity = 64 * 4096;
  private readonly samples = new Map<number, { queue: Uint8Array[]; bytes: number; lost: number }>();
  /** ee->map_file: the map file each entry was added through (undefined when core passed none). */
  private readonly addedBy = new Map<number, object | undefined>();

  constructor(spec: MapSpec, env: MapEnv, a: NormalizedAttr) {
    super(spec, env, a);
  }

  protected getPtr(fd: number): EntryRef {
    return this.env.resolveFd(fd, 'perf_event');
  }

  protected override sysUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): void {
    super.sysUpdate(key, value, flags);
    this.addedBy.set(u32At(key!), this.currentFile);
  }

  /** perf_event_fd_array_release: closing a map file removes the entries added through it. */
  onFileReleased(file: object): void {
    if (this.mapFlags & BPF_F_PRESERVE_ELEMS) return;
    for (const [index, f] of [...this.addedBy]) {
      if (f === file && this.slots.has(index)) {
        this.addedBy.delete(index);
        this.deleteIndex(index);
      }
    }
  }

  /** __bpf_perf_event_output; returns 0 or -errno like the helper. */
  perfEventOutput(cpu: number, flags: bigint | number, data: Uint8Array): number {
    const f = BigInt(flags);
    if (f & ~BigInt(BPF_F_INDEX_MASK)) return -22;
    let index = Number(f & BigInt(BPF_F_INDEX_MASK));
    if (index === BPF_F_CURRENT_CPU) index = cpu;
    if (index >= this.maxEntries) return -7; // -E2BIG
    const ref = this.slots.get(index);
    if (!ref) return -2; // -ENOENT
    const ev = (ref.target ?? {}) as PerfEventTarget;
    if (ev.isBpfOutput === false) return -22;
    if (ev.cpu !== undefined && ev.cpu !== cpu) return -95; // -EOPNOTSUPP: event->oncpu != smp_processor_id()
    let slot = this.samples.get(index);
    if (!slot) this.samples.set(index, (slot = { queue: [], bytes: 0, lost: 0 }));
    // perf record: header (8) + u32 size + data, padded to 8
    const recBytes = Math.ceil((data.length + 12) / 8) * 8;
    if (slot.bytes + recBytes > this.perSlotCapacity) {
      slot.lost++;
      return 0; // perf_event_output drops silently and counts a lost sample
    }
    slot.queue.push(data.slice());
    slot.bytes += recBytes;
    return 0;
  }

  /** Drain samples like perf_buffer__consume: every slot in index order, samples in order. Returns samples read. */
  consume(onSample: (s: PerfSample) => void, onLost?: (index: number, lost: number) => void): number {
    let n = 0;
    for (const index of [...this.samples.keys()].sort((x, y) => x - y)) {
      const slot = this.samples.get(index)!;
      if (slot.lost && onLost) onLost(index, slot.lost);
      slot.lost = 0;
      const q = slot.queue.splice(0);
      slot.bytes = 0;
      for (const data of q) {
        onSample({ index, data });
        n++;
      }
    }
    return n;
  }

  /**
   * Without BPF_F_PRESERVE_ELEMS no entry outlives the files that added it (core reports closes through
   * onFileReleased). Entries added without a file (core passed none) are dropped here, when no user reference is
   * left, which is when the kernel would at the latest have dropped them.
   */
  override onLastUserRefGone(): void {
    if (this.mapFlags & BPF_F_PRESERVE_ELEMS) return;
    for (const [index, f] of [...this.addedBy]) {
      if (f === undefined && this.slots.has(index)) {
        this.addedBy.delete(index);
        this.deleteIndex(index);
      }
    }
  }
}
