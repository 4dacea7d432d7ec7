// What every map shares: the syscall-side checks of kernel/bpf/syscall.c (map_lookup_elem, map_update_elem, …) in
// the kernel's order, the generic batch ops (generic_map_*_batch), freeze, and spin-lock-aware value copies.
// Type-specific behaviour lives in the subclasses' sys* / *FromProgram methods.
import { BpfError } from '../errno.js';
import {
  BPF_F_LOCK,
  BPF_F_RDONLY_PROG,
  BPF_MAP_TYPE_QUEUE,
  BPF_MAP_TYPE_STACK,
} from './constants.js';
import type {
  BatchAttr,
  BatchResult,
  BpfMap,
  FdAccess,
  InnerMapMeta,
  MapEnv,
  MapMapping,
} from './types.js';
import { userBytes } from './util.js';

/** Attributes after create-time validation (map_flags already without BPF_F_RDONLY/WRONLY, as the kernel keeps). */
export interface MapSpec {
  readonly mapType: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly mapExtra: bigint;
  readonly name: string;
  readonly spinLockOff: number | undefined;
}

export const FULL_ACCESS: FdAccess = Object.freeze({ read: true, write: true });

/** Size of the modelled struct bpf_spin_lock. */
const SPIN_LOCK_SIZE = 4;

type BatchKind = 'generic' | 'htab' | undefined;

export abstract class BaseMap implements BpfMap {
  readonly mapType: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly mapExtra: bigint;
  readonly name: string;
  readonly spinLockOff: number | undefined;
  readonly supportsMetaEqual: boolean = true;
  readonly innerMapMeta?: InnerMapMeta;
  protected readonly env: MapEnv;
  private isFrozen = false;
  /** bpf_map.writecnt: writable mmaps alive. */
  private writeMappings = 0;

  /** Which batch ops the type has (map->ops->map_*_batch); missing → ENOTSUPP from BPF_DO_BATCH. */
  protected batchOps: {
    lookup?: BatchKind;
    lookupAndDelete?: BatchKind;
    update?: BatchKind;
    delete?: BatchKind;
  } = {};

  constructor(spec: MapSpec, env: MapEnv) {
    this.mapType = spec.mapType;
    this.keySize = spec.keySize;
    this.valueSize = spec.valueSize;
    this.maxEntries = spec.maxEntries;
    this.mapFlags = spec.mapFlags;
    this.mapExtra = spec.mapExtra;
    this.name = spec.name;
    this.spinLockOff = spec.spinLockOff;
    this.env = env;
  }

  get frozen(): boolean {
    return this.isFrozen;
  }

  get syscallValueSize(): number {
    return this.valueSize;
  }

  abstract get count(): number;
  abstract memUsage(): number;

  // ------------------------------------------------------------------ bpf(2) side

  /** map_lookup_elem. `value` is only read for bloom filters (the kernel copies it in first). */
  lookup(key: Uint8Array | null, flags = 0, access: FdAccess = FULL_ACCESS, value?: Uint8Array): Uint8Array {
    if (flags & ~BPF_F_LOCK) throw new BpfError('EINVAL', `BPF_MAP_LOOKUP_ELEM: unknown flags 0x${flags.toString(16)}`);
    if (!access.read) throw new BpfError('EPERM', 'BPF_MAP_LOOKUP_ELEM: map fd is not readable');
    this.checkLockFlag(flags, 'BPF_MAP_LOOKUP_ELEM');
    const k = this.copyKey(key, 'BPF_MAP_LOOKUP_ELEM');
    return this.sysLookup(k, flags, value);
  }

  /** map_update_elem (bpf_map_update_value dispatches per type in sysUpdate). */
  update(key: Uint8Array | null, value: Uint8Array, flags = 0, access: FdAccess = FULL_ACCESS, file?: object): void {
    this.checkWritable(access, 'BPF_MAP_UPDATE_ELEM');
    this.checkLockFlag(flags, 'BPF_MAP_UPDATE_ELEM');
    const k = this.copyKey(key, 'BPF_MAP_UPDATE_ELEM');
    const v = userBytes(value, this.syscallValueSize, 'BPF_MAP_UPDATE_ELEM value');
    this.currentFile = file;
    try {
      this.sysUpdate(k, v, flags);
    } finally {
      this.currentFile = undefined;
    }
  }

  /** The map file of the update in progress (bpf_map_update_value's map_file). */
  protected currentFile: object | undefined;

  /** map_delete_elem */
  delete(key: Uint8Array | null, access: FdAccess = FULL_ACCESS): void {
    this.checkWritable(access, 'BPF_MAP_DELETE_ELEM');
    const k = this.copyKey(key, 'BPF_MAP_DELETE_ELEM');
    this.sysDelete(k);
  }

  /** map_get_next_key */
  getNextKey(key: Uint8Array | null, access: FdAccess = FULL_ACCESS): Uint8Array {
    if (!access.read) throw new BpfError('EPERM', 'BPF_MAP_GET_NEXT_KEY: map fd is not readable');
    const k = key ? this.copyKey(key, 'BPF_MAP_GET_NEXT_KEY') : null;
    return this.sysGetNextKey(k);
  }

  /** map_lookup_and_delete_elem */
  lookupAndDelete(key: Uint8Array | null, flags = 0, access: FdAccess = FULL_ACCESS): Uint8Array {
    if (flags & ~BPF_F_LOCK) {
      throw new BpfError('EINVAL', `BPF_MAP_LOOKUP_AND_DELETE_ELEM: unknown flags 0x${flags.toString(16)}`);
    }
    if (!access.read || !access.write || this.frozen) {
      throw new BpfError('EPERM', 'BPF_MAP_LOOKUP_AND_DELETE_ELEM: needs a readable and writable, unfrozen map');
    }
    if (flags && (this.mapType === BPF_MAP_TYPE_QUEUE || this.mapType === BPF_MAP_TYPE_STACK)) {
      throw new BpfError('EINVAL', 'BPF_MAP_LOOKUP_AND_DELETE_ELEM: queue/stack take no flags');
    }
    this.checkLockFlag(flags, 'BPF_MAP_LOOKUP_AND_DELETE_ELEM');
    const k = this.copyKey(key, 'BPF_MAP_LOOKUP_AND_DELETE_ELEM');
    return this.sysLookupAndDelete(k, flags);
  }

  /** map_freeze: ENOTSUPP with a BTF record (spin lock), EPERM without write access (a frozen map has none). */
  freeze(access: FdAccess = FULL_ACCESS): void {
    if (this.spinLockOff !== undefined) {
      throw new BpfError('ENOTSUPP', 'BPF_MAP_FREEZE: maps with special BTF fields (spin lock) cannot be frozen');
    }
    // map_get_sys_perms() drops FMODE_CAN_WRITE once frozen, so a second freeze fails here with EPERM.
    this.checkWritable(access, 'BPF_MAP_FREEZE');
    if (this.writeMappings > 0) throw new BpfError('EBUSY', 'BPF_MAP_FREEZE: the map is mapped writable');
    this.isFrozen = true;
  }

  /** bpf_map_mmap */
  mmap(writable: boolean): MapMapping {
    const region = this.mmapData();
    if (!region || this.spinLockOff !== undefined) {
      throw new BpfError('ENOTSUPP', `mmap: map type ${this.mapType} cannot be memory-mapped`);
    }
    if (writable) {
      if (this.isFrozen) throw new BpfError('EPERM', 'mmap: a frozen map cannot be mapped writable');
      if (this.mapFlags & BPF_F_RDONLY_PROG) throw new BpfError('EACCES', 'mmap: BPF_F_RDONLY_PROG maps cannot be mapped writable');
    }
    const data = region();
    if (writable) this.writeMappings++;
    let mapped = true;
    return {
      data,
      writable,
      unmap: () => {
        if (mapped && writable) this.writeMappings--;
        mapped = false;
      },
    };
  }

  /** ops->map_mmap: the mappable region (array_map_mmap throws EINVAL without BPF_F_MMAPABLE), or null. */
  protected mmapData(): (() => Uint8Array) | null {
    return null;
  }

  lookupBatch(attr: BatchAttr, access: FdAccess = FULL_ACCESS): BatchResult {
    if (!access.read) throw new BpfError('EPERM', 'BPF_MAP_LOOKUP_BATCH: map fd is not readable');
    const kind = this.batchOps.lookup;
    if (kind === 'generic') return this.genericLookupBatch(attr);
    if (kind === 'htab') return this.htabLookupBatch(attr, false);
    throw new BpfError('ENOTSUPP', `BPF_MAP_LOOKUP_BATCH: not supported by map type ${this.mapType}`);
  }

  lookupAndDeleteBatch(attr: BatchAttr, access: FdAccess = FULL_ACCESS): BatchResult {
    if (!access.read || !access.write || this.frozen) {
      throw new BpfError('EPERM', 'BPF_MAP_LOOKUP_AND_DELETE_BATCH: needs a readable and writable, unfrozen map');
    }
    if (this.batchOps.lookupAndDelete === 'htab') return this.htabLookupBatch(attr, true);
    throw new BpfError('ENOTSUPP', `BPF_MAP_LOOKUP_AND_DELETE_BATCH: not supported by map type ${this.mapType}`);
  }

  updateBatch(attr: BatchAttr, access: FdAccess = FULL_ACCESS): BatchResult {
    this.checkWritable(access, 'BPF_MAP_UPDATE_BATCH');
    if (this.batchOps.update === 'generic') return this.genericUpdateBatch(attr);
    throw new BpfError('ENOTSUPP', `BPF_MAP_UPDATE_BATCH: not supported by map type ${this.mapType}`);
  }

  deleteBatch(attr: BatchAttr, access: FdAccess = FULL_ACCESS): BatchResult {
    this.checkWritable(access, 'BPF_MAP_DELETE_BATCH');
    if (this.batchOps.delete === 'generic') return this.genericDeleteBatch(attr);
    throw new BpfError('ENOTSUPP', `BPF_MAP_DELETE_BATCH: not supported by map type ${this.mapType}`);
  }

  // ------------------------------------------------------------------ per-type hooks (syscall side)

  /** bpf_map_copy_value: the syscall value (syscallValueSize bytes) or throw (ENOENT when absent). */
  protected abstract sysLookup(key: Uint8Array | null, flags: number, value?: Uint8Array): Uint8Array;
  protected abstract sysUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): void;
  protected abstract sysDelete(key: Uint8Array | null): void;
  protected abstract sysGetNextKey(key: Uint8Array | null): Uint8Array;

  /** Only queue/stack and the hash types implement it; the kernel answers ENOTSUPP for everything else. */
  protected sysLookupAndDelete(_key: Uint8Array | null, _flags: number): Uint8Array {
    throw new BpfError('ENOTSUPP', `BPF_MAP_LOOKUP_AND_DELETE_ELEM: not supported by map type ${this.mapType}`);
  }

  /** __htab_map_lookup_and_delete_batch; only hash maps override. */
  protected htabLookupBatch(_attr: BatchAttr, _del: boolean): BatchResult {
    throw new BpfError('ENOTSUPP', 'batch not supported');
  }

  // ------------------------------------------------------------------ program side defaults

  lookupForProgram(_key: Uint8Array, _cpu: number): Uint8Array | null {
    return null;
  }

  updateFromProgram(_key: Uint8Array, _value: Uint8Array, _flags: number, _cpu: number): number {
    return -22; // -EINVAL
  }

  deleteFromProgram(_key: Uint8Array, _cpu: number): number {
    return -22;
  }

  // ------------------------------------------------------------------ lifecycle

  onLastUserRefGone(): void {}

  free(): void {}

  // ------------------------------------------------------------------ helpers

  protected checkWritable(access: FdAccess, cmd: string): void {
    if (!access.write) throw new BpfError('EPERM', `${cmd}: map fd is not writable`);
    if (this.isFrozen) throw new BpfError('EPERM', `${cmd}: map is frozen (writes from bpf(2) are refused)`);
  }

  protected checkLockFlag(flags: number, cmd: string): void {
    if (flags & BPF_F_LOCK && this.spinLockOff === undefined) {
      throw new BpfError('EINVAL', `${cmd}: BPF_F_LOCK on a map whose value has no bpf_spin_lock`);
    }
  }

  /** __bpf_copy_key: key_size bytes, or for keyless maps no key at all (a key pointer there is EINVAL). */
  protected copyKey(key: Uint8Array | null | undefined, cmd: string): Uint8Array | null {
    if (this.keySize === 0) {
      if (key && key.length > 0) throw new BpfError('EINVAL', `${cmd}: this map type has no key (key_size 0)`);
      return null;
    }
    return userBytes(key, this.keySize, `${cmd} key`);
  }

  /** copy_map_value: write a value, leaving the spin lock word alone. */
  protected copyValueIn(dst: Uint8Array, src: Uint8Array): void {
    const off = this.spinLockOff;
    if (off === undefined) {
      dst.set(src.subarray(0, this.valueSize));
      return;
    }
    dst.set(src.subarray(0, off));
    dst.set(src.subarray(off + SPIN_LOCK_SIZE, this.valueSize), off + SPIN_LOCK_SIZE);
  }

  /** copy_map_value + check_and_init_map_value: read a value with the spin lock word zeroed. */
  protected copyValueOut(src: Uint8Array, out = new Uint8Array(this.valueSize), at = 0): Uint8Array {
    out.set(src.subarray(0, this.valueSize), at);
    const off = this.spinLockOff;
    if (off !== undefined) out.fill(0, at + off, at + off + SPIN_LOCK_SIZE);
    return out;
  }

  private checkElemFlags(elemFlags: number, cmd: string): void {
    if (elemFlags & ~BPF_F_LOCK) throw new BpfError('EINVAL', `${cmd}: unknown elem_flags 0x${elemFlags.toString(16)}`);
    this.checkLockFlag(elemFlags, cmd);
  }

  /** generic_map_lookup_batch: walk with get_next_key from in_batch; out_batch is the last key visited. */
  private genericLookupBatch(attr: BatchAttr): BatchResult {
    const cmd = 'BPF_MAP_LOOKUP_BATCH';
    const elemFlags = attr.elem_flags ?? 0;
    this.checkElemFlags(elemFlags, cmd);
    const max = attr.count >>> 0;
    if (!max) return { count: 0 };
    const vs = this.syscallValueSize;
    let prev: Uint8Array | null = attr.inBatch ? userBytes(attr.inBatch, this.keySize, `${cmd} in_batch`) : null;
    const keys: Uint8Array[] = [];
    const values: Uint8Array[] = [];
    let error: BpfError | undefined;
    while (keys.length < max) {
      let next: Uint8Array;
      try {
        next = this.sysGetNextKey(prev);
      } catch (e) {
        if (!(e instanceof BpfError)) throw e;
        error = e;
        break;
      }
      try {
        values.push(this.sysLookup(next, elemFlags));
        keys.push(next);
      } catch (e) {
        if (!(e instanceof BpfError) || e.errno !== 'ENOENT') {
          // The kernel bails out before writing count back: userspace sees count 0.
          if (e instanceof BpfError) return { count: 0, error: e };
          throw e;
        }
      }
      prev = next;
    }
    return {
      count: keys.length,
      keys: concat(keys, this.keySize),
      values: concat(values, vs),
      outBatch: keys.length && prev ? prev : undefined,
      error,
    };
  }

  /** generic_map_update_batch: stops at the first failing element; count = elements applied. */
  private genericUpdateBatch(attr: BatchAttr): BatchResult {
    const cmd = 'BPF_MAP_UPDATE_BATCH';
    const elemFlags = attr.elem_flags ?? 0;
    this.checkElemFlags(elemFlags, cmd);
    const max = attr.count >>> 0;
    if (!max) return { count: 0 };
    const vs = this.syscallValueSize;
    let cp = 0;
    let error: BpfError | undefined;
    for (; cp < max; cp++) {
      try {
        const k = this.keySize ? userBytes(attr.keys?.subarray(cp * this.keySize), this.keySize, `${cmd} keys[${cp}]`) : null;
        const v = userBytes(attr.values?.subarray(cp * vs), vs, `${cmd} values[${cp}]`);
        this.sysUpdate(k, v, elemFlags);
      } catch (e) {
        if (!(e instanceof BpfError)) throw e;
        error = e;
        break;
      }
    }
    return { count: cp, error };
  }

  /** generic_map_delete_batch */
  private genericDeleteBatch(attr: BatchAttr): BatchResult {
    const cmd = 'BPF_MAP_DELETE_BATCH';
    const elemFlags = attr.elem_flags ?? 0;
    this.checkElemFlags(elemFlags, cmd);
    const max = attr.count >>> 0;
    if (!max) return { count: 0 };
    let cp = 0;
    let error: BpfError | undefined;
    for (; cp < max; cp++) {
      try {
        const k = userBytes(attr.keys?.subarray(cp * this.keySize), this.keySize, `${cmd} keys[${cp}]`);
        this.sysDelete(k);
      } catch (e) {
        if (!(e instanceof BpfError)) throw e;
        error = e;
        break;
      }
    }
    return { count: cp, error };
  }
}

export function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(parts.length * size);
  parts.forEach((p, i) => out.set(p.subarray(0, size), i * size));
  return out;
}
