// The map factory: BPF_MAP_CREATE's map-specific part, in the order kernel/bpf/syscall.c map_create() runs it.
//
//   normalise attr → generic checks → type lookup → ops->map_alloc_check → [core: capability checks]
//   → ops->map_alloc → map name → BTF record (spin lock) checks
//
// Core calls checkMapCreate() (everything before the capability checks), does its capability checks using
// mapCreateCapability(), then createMap().
import { BpfError } from '../errno.js';
import { ArrayMap, arrayAllocCheck, fdArrayAllocCheck } from './array.js';
import type { MapSpec } from './base.js';
import { BloomFilterMap, bloomAllocCheck, bloomAllocChecks2 } from './bloom.js';
import {
  BPF_F_RDONLY,
  BPF_F_RDONLY_PROG,
  BPF_F_WRONLY,
  BPF_F_WRONLY_PROG,
  BPF_MAP_TYPE_ARRAY,
  BPF_MAP_TYPE_ARRAY_OF_MAPS,
  BPF_MAP_TYPE_BLOOM_FILTER,
  BPF_MAP_TYPE_HASH,
  BPF_MAP_TYPE_HASH_OF_MAPS,
  BPF_MAP_TYPE_LPM_TRIE,
  BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
  BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH,
  BPF_MAP_TYPE_PERF_EVENT_ARRAY,
  BPF_MAP_TYPE_PROG_ARRAY,
  BPF_MAP_TYPE_QUEUE,
  BPF_MAP_TYPE_RINGBUF,
  BPF_MAP_TYPE_STACK,
  mapTypeUapiName,
} from './constants.js';
import { ArrayOfMapsMap, PerfEventArrayMap, ProgArrayMap } from './fd-array.js';
import { fdHtabAllocCheck, HashMap, HashOfMapsMap, htabAllocCheck, htabMaxEntries } from './hash.js';
import { LpmTrieMap, lpmAllocCheck } from './lpm-trie.js';
import { QueueStackMap, queueStackAllocCheck } from './queue-stack.js';
import { RingbufMap, ringbufAllocCheck } from './ringbuf.js';
import type { BpfMap, MapCreateAttr, MapEnv } from './types.js';
import { capable, checkObjName, genericCreateChecks, normalizeAttr, typeVisibleFlags, type NormalizedAttr } from './validate.js';

interface TypeOps {
  /** ops->map_alloc_check (runs before the capability checks). */
  allocCheck?(a: NormalizedAttr, env: MapEnv): void;
  /** ops->map_alloc */
  alloc(spec: MapSpec, env: MapEnv, a: NormalizedAttr): BpfMap;
  /** Capability map_create requires for the type. */
  cap: 'CAP_BPF' | 'CAP_NET_ADMIN' | null;
  /** Value may carry a bpf_spin_lock (map_check_btf allows BPF_SPIN_LOCK). */
  spinLockOk: boolean;
  /** maxEntries the map really gets (hash: rounding for BPF_F_NO_COMMON_LRU). */
  maxEntries?(a: NormalizedAttr, env: MapEnv): number;
}

const hashOps = (cap: 'CAP_BPF' | null, spinLockOk = false): TypeOps => ({
  allocCheck: htabAllocCheck,
  alloc: (spec, env) => new HashMap(spec, env),
  cap,
  spinLockOk,
  maxEntries: htabMaxEntries,
});

const TYPES = new Map<number, TypeOps>([
  [BPF_MAP_TYPE_HASH, hashOps(null, true)],
  [BPF_MAP_TYPE_PERCPU_HASH, hashOps(null)],
  [BPF_MAP_TYPE_LRU_HASH, hashOps('CAP_BPF')],
  [BPF_MAP_TYPE_LRU_PERCPU_HASH, hashOps('CAP_BPF')],
  [
    BPF_MAP_TYPE_HASH_OF_MAPS,
    { allocCheck: fdHtabAllocCheck, alloc: (s, e, a) => new HashOfMapsMap(s, e, a), cap: null, spinLockOk: false, maxEntries: htabMaxEntries },
  ],
  [BPF_MAP_TYPE_ARRAY, { allocCheck: arrayAllocCheck, alloc: (s, e, a) => new ArrayMap(s, e, a), cap: null, spinLockOk: true }],
  [BPF_MAP_TYPE_PERCPU_ARRAY, { allocCheck: arrayAllocCheck, alloc: (s, e, a) => new ArrayMap(s, e, a), cap: null, spinLockOk: false }],
  [BPF_MAP_TYPE_PROG_ARRAY, { allocCheck: fdArrayAllocCheck, alloc: (s, e, a) => new ProgArrayMap(s, e, a), cap: null, spinLockOk: false }],
  [
    BPF_MAP_TYPE_PERF_EVENT_ARRAY,
    { allocCheck: fdArrayAllocCheck, alloc: (s, e, a) => new PerfEventArrayMap(s, e, a), cap: null, spinLockOk: false },
  ],
  [
    BPF_MAP_TYPE_ARRAY_OF_MAPS,
    { allocCheck: fdArrayAllocCheck, alloc: (s, e, a) => new ArrayOfMapsMap(s, e, a), cap: null, spinLockOk: false },
  ],
  [
    BPF_MAP_TYPE_LPM_TRIE,
    {
      alloc: (s, e, a) => {
        lpmAllocCheck(a);
        return new LpmTrieMap(s, e);
      },
      cap: 'CAP_BPF',
      spinLockOk: false,
    },
  ],
  [BPF_MAP_TYPE_QUEUE, { allocCheck: queueStackAllocCheck, alloc: (s, e) => new QueueStackMap(s, e), cap: 'CAP_BPF', spinLockOk: false }],
  [BPF_MAP_TYPE_STACK, { allocCheck: queueStackAllocCheck, alloc: (s, e) => new QueueStackMap(s, e), cap: 'CAP_BPF', spinLockOk: false }],
  [
    BPF_MAP_TYPE_RINGBUF,
    {
      alloc: (s, e, a) => {
        ringbufAllocCheck(a);
        return new RingbufMap(s, e);
      },
      cap: null,
      spinLockOk: false,
    },
  ],
  [
    BPF_MAP_TYPE_BLOOM_FILTER,
    {
      allocCheck: bloomAllocCheck,
      alloc: (s, e, a) => {
        bloomAllocChecks2(a);
        return new BloomFilterMap(s, e);
      },
      cap: 'CAP_BPF',
      spinLockOk: false,
    },
  ],
]);

/** The map types bpfsim implements. */
export const SUPPORTED_MAP_TYPES: readonly number[] = [...TYPES.keys()].sort((a, b) => a - b);

function typeOps(a: NormalizedAttr): TypeOps {
  const ops = TYPES.get(a.mapType);
  if (!ops) {
    const name = mapTypeUapiName(a.mapType);
    throw new BpfError(
      'EINVAL',
      name
        ? `BPF_MAP_CREATE: ${name} is not implemented by bpfsim`
        : `BPF_MAP_CREATE: unknown map_type ${a.mapType}`,
    );
  }
  return ops;
}

/**
 * Everything map_create() checks before its capability checks: attr sanity, map_extra, RDONLY|WRONLY, NUMA node,
 * map type, and the type's map_alloc_check. Throws BpfError; returns the normalised attributes.
 */
export function checkMapCreate(attr: MapCreateAttr, env: MapEnv): NormalizedAttr {
  const raw = normalizeAttr(attr);
  const a: NormalizedAttr = { ...raw, mapFlags: typeVisibleFlags(raw.mapFlags) };
  genericCreateChecks(a);
  const ops = typeOps(a);
  ops.allocCheck?.(a, env);
  if (a.mapIfindex) throw new BpfError('EINVAL', 'BPF_MAP_CREATE: map offload (map_ifindex) is not supported by bpfsim');
  return a;
}

/** The capability map_create demands for a type (after map_alloc_check): null = unprivileged types. */
export function mapCreateCapability(mapType: number): 'CAP_BPF' | 'CAP_NET_ADMIN' | null {
  const ops = TYPES.get(mapType);
  return ops ? ops.cap : 'CAP_BPF';
}

/** BPF_MAP_CREATE (map part): validate and allocate a map. Throws BpfError with the kernel's errno. */
export function createMap(attr: MapCreateAttr, env: MapEnv): BpfMap {
  const a = checkMapCreate(attr, env);
  const ops = typeOps(a);
  const spec: MapSpec = {
    mapType: a.mapType,
    keySize: a.keySize,
    valueSize: a.valueSize,
    maxEntries: ops.maxEntries ? ops.maxEntries(a, env) : a.maxEntries,
    // bpf_map_flags_retain_permanent: RDONLY/WRONLY describe the fd, not the map.
    mapFlags: a.mapFlags & ~(BPF_F_RDONLY | BPF_F_WRONLY),
    mapExtra: a.mapExtra,
    name: a.name,
    spinLockOff: a.spinLockOff,
  };
  const map = ops.alloc(spec, env, a);
  try {
    checkObjName(a.name);
    checkSpinLock(a, ops, env);
  } catch (e) {
    map.free();
    throw e;
  }
  return map;
}

/** map_check_btf for the one BTF field bpfsim models, struct bpf_spin_lock. */
function checkSpinLock(a: NormalizedAttr, ops: TypeOps, env: MapEnv): void {
  const off = a.spinLockOff;
  if (off === undefined) return;
  if (off % 4 !== 0 || off + 4 > a.valueSize) {
    throw new BpfError('EINVAL', `BPF_MAP_CREATE: bpf_spin_lock at offset ${off} does not fit a ${a.valueSize}-byte value`);
  }
  if (!capable(env, 'CAP_BPF')) throw new BpfError('EPERM', 'BPF_MAP_CREATE: values with a bpf_spin_lock need CAP_BPF');
  if (a.mapFlags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) {
    throw new BpfError('EACCES', 'BPF_MAP_CREATE: maps with a bpf_spin_lock cannot be BPF_F_RDONLY_PROG/WRONLY_PROG');
  }
  if (!ops.spinLockOk) {
    throw new BpfError('EOPNOTSUPP', `BPF_MAP_CREATE: ${mapTypeUapiName(a.mapType)} values cannot contain a bpf_spin_lock`);
  }
}
