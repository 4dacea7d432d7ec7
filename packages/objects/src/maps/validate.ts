// Create-time attribute handling shared by all types: normalising bpf_attr numbers, the generic checks map_create()
// does before calling the type's map_alloc_check, and bpf_map_flags_access_ok.
import { BpfError } from '../errno.js';
import {
  BPF_F_NUMA_NODE,
  BPF_F_RDONLY,
  BPF_F_RDONLY_PROG,
  BPF_F_TOKEN_FD,
  BPF_F_WRONLY,
  BPF_F_WRONLY_PROG,
  BPF_MAP_TYPE_ARENA,
  BPF_MAP_TYPE_BLOOM_FILTER,
  BPF_OBJ_NAME_LEN,
  resolveMapType,
} from './constants.js';
import type { MapCreateAttr, MapEnv } from './types.js';

export const NUMA_NO_NODE = -1;

/** BPF_MAP_CREATE attributes as the kernel sees them: u32 fields, u64 map_extra. */
export interface NormalizedAttr {
  readonly mapType: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** Full map_flags as passed (including BPF_F_RDONLY / BPF_F_WRONLY, which only shape the fd). */
  readonly mapFlags: number;
  readonly mapExtra: bigint;
  /** bpf_map_attr_numa_node(): numa_node when BPF_F_NUMA_NODE is set, else NUMA_NO_NODE. */
  readonly numaNode: number;
  readonly name: string;
  readonly innerMapFd: number | undefined;
  readonly spinLockOff: number | undefined;
  readonly mapIfindex: number;
}

function u32(v: number | undefined, field: string): number {
  if (v === undefined) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
    throw new BpfError('EINVAL', `BPF_MAP_CREATE: ${field} must be a 32-bit integer, got ${String(v)}`);
  }
  return v >>> 0;
}

export function normalizeAttr(attr: MapCreateAttr): NormalizedAttr {
  if (attr === null || typeof attr !== 'object') throw new BpfError('EINVAL', 'BPF_MAP_CREATE: attr must be an object');
  const mapType = resolveMapType(attr.map_type);
  if (mapType === undefined) {
    throw new BpfError('EINVAL', `BPF_MAP_CREATE: unknown map_type ${JSON.stringify(attr.map_type)}`);
  }
  let mapExtra: bigint;
  try {
    mapExtra = BigInt.asUintN(64, BigInt(attr.map_extra ?? 0));
  } catch {
    throw new BpfError('EINVAL', `BPF_MAP_CREATE: map_extra must be an integer, got ${String(attr.map_extra)}`);
  }
  const mapFlags = u32(attr.map_flags, 'map_flags');
  const numaNode = mapFlags & BPF_F_NUMA_NODE ? u32(attr.numa_node, 'numa_node') | 0 : NUMA_NO_NODE;
  const name = attr.map_name ?? '';
  if (typeof name !== 'string') throw new BpfError('EINVAL', 'BPF_MAP_CREATE: map_name must be a string');
  let spinLockOff: number | undefined;
  if (attr.spin_lock_off !== undefined) {
    spinLockOff = attr.spin_lock_off;
    if (!Number.isInteger(spinLockOff) || spinLockOff < 0) {
      throw new BpfError('EINVAL', `BPF_MAP_CREATE: spin_lock_off must be a non-negative integer`);
    }
  }
  return {
    mapType,
    keySize: u32(attr.key_size, 'key_size'),
    valueSize: u32(attr.value_size, 'value_size'),
    maxEntries: u32(attr.max_entries, 'max_entries'),
    mapFlags,
    mapExtra,
    numaNode,
    name,
    innerMapFd: attr.inner_map_fd,
    spinLockOff,
    mapIfindex: u32(attr.map_ifindex, 'map_ifindex'),
  };
}

/** The checks map_create() makes before looking up the type's ops (kernel/bpf/syscall.c). */
export function genericCreateChecks(a: NormalizedAttr): void {
  if (a.mapType !== BPF_MAP_TYPE_BLOOM_FILTER && a.mapType !== BPF_MAP_TYPE_ARENA && a.mapExtra !== 0n) {
    throw new BpfError('EINVAL', 'BPF_MAP_CREATE: map_extra is only valid for bloom filter (and arena) maps');
  }
  // bpf_get_file_flag()
  if (a.mapFlags & BPF_F_RDONLY && a.mapFlags & BPF_F_WRONLY) {
    throw new BpfError('EINVAL', 'BPF_MAP_CREATE: BPF_F_RDONLY and BPF_F_WRONLY are mutually exclusive');
  }
  // A simulated machine with one NUMA node: only node 0 is online.
  if (a.numaNode !== NUMA_NO_NODE && a.numaNode !== 0) {
    throw new BpfError('EINVAL', `BPF_MAP_CREATE: numa_node ${a.numaNode} is not online (only node 0 exists)`);
  }
}

/** Strip what map_create strips before the type checks (BPF_F_TOKEN_FD is consumed by the syscall). */
export function typeVisibleFlags(flags: number): number {
  return flags & ~BPF_F_TOKEN_FD;
}

/** bpf_map_flags_access_ok: BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together make no sense. */
export function flagsAccessOk(flags: number): boolean {
  return (flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) !== (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
}

/** bpf_obj_name_cpy: at most 15 chars of [A-Za-z0-9_.]; anything else is EINVAL. */
export function checkObjName(name: string): void {
  if (name.length >= BPF_OBJ_NAME_LEN) {
    throw new BpfError('EINVAL', `BPF_MAP_CREATE: map_name "${name}" longer than ${BPF_OBJ_NAME_LEN - 1} characters`);
  }
  if (!/^[A-Za-z0-9_.]*$/.test(name)) {
    throw new BpfError('EINVAL', `BPF_MAP_CREATE: map_name "${name}" may only contain letters, digits, '_' and '.'`);
  }
}

/**
 * Simulated memory per map: a map whose kernel allocation (what bpf_map_area_alloc would be asked for) exceeds it
 * fails with ENOMEM. Most storage is allocated lazily, so this is about the declared size, not memory in use.
 * (The kernel's real limit depends on the machine; Linux 6.18 with 23 GiB RAM allocates a 1 GiB array value.)
 */
export const MAP_MEMORY_LIMIT = 4 * 1024 * 1024 * 1024;

/** Storage that must really be allocated up front (mmap-able arrays, ring buffers) is capped lower. */
export const EAGER_MEMORY_LIMIT = 512 * 1024 * 1024;

export function checkAllocation(bytes: number, what: string, limit = MAP_MEMORY_LIMIT): void {
  if (!(bytes <= limit)) {
    throw new BpfError('ENOMEM', `BPF_MAP_CREATE: ${what} needs ${bytes} bytes, over bpfsim's limit of ${limit}`);
  }
}

export function capable(env: MapEnv, cap: 'CAP_SYS_ADMIN' | 'CAP_BPF' | 'CAP_PERFMON' | 'CAP_NET_ADMIN'): boolean {
  return env.capable ? env.capable(cap) : true;
}

export function bad(errno: 'EINVAL' | 'E2BIG' | 'ENOTSUPP' | 'EPERM' | 'ENOMEM', why: string): never {
  throw new BpfError(errno, `BPF_MAP_CREATE: ${why}`);
}
