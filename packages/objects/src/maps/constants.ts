// uapi numbers for map types and flags (include/uapi/linux/bpf.h), and the names bpftool prints.

/** enum bpf_map_type, in uapi order. Index = number. */
const UAPI_MAP_TYPES = [
  'UNSPEC',
  'HASH',
  'ARRAY',
  'PROG_ARRAY',
  'PERF_EVENT_ARRAY',
  'PERCPU_HASH',
  'PERCPU_ARRAY',
  'STACK_TRACE',
  'CGROUP_ARRAY',
  'LRU_HASH',
  'LRU_PERCPU_HASH',
  'LPM_TRIE',
  'ARRAY_OF_MAPS',
  'HASH_OF_MAPS',
  'DEVMAP',
  'SOCKMAP',
  'CPUMAP',
  'XSKMAP',
  'SOCKHASH',
  'CGROUP_STORAGE',
  'REUSEPORT_SOCKARRAY',
  'PERCPU_CGROUP_STORAGE',
  'QUEUE',
  'STACK',
  'SK_STORAGE',
  'DEVMAP_HASH',
  'STRUCT_OPS',
  'RINGBUF',
  'INODE_STORAGE',
  'TASK_STORAGE',
  'BLOOM_FILTER',
  'USER_RINGBUF',
  'CGRP_STORAGE',
  'ARENA',
] as const;

export const BPF_MAP_TYPE_UNSPEC = 0;
export const BPF_MAP_TYPE_HASH = 1;
export const BPF_MAP_TYPE_ARRAY = 2;
export const BPF_MAP_TYPE_PROG_ARRAY = 3;
export const BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4;
export const BPF_MAP_TYPE_PERCPU_HASH = 5;
export const BPF_MAP_TYPE_PERCPU_ARRAY = 6;
export const BPF_MAP_TYPE_STACK_TRACE = 7;
export const BPF_MAP_TYPE_CGROUP_ARRAY = 8;
export const BPF_MAP_TYPE_LRU_HASH = 9;
export const BPF_MAP_TYPE_LRU_PERCPU_HASH = 10;
export const BPF_MAP_TYPE_LPM_TRIE = 11;
export const BPF_MAP_TYPE_ARRAY_OF_MAPS = 12;
export const BPF_MAP_TYPE_HASH_OF_MAPS = 13;
export const BPF_MAP_TYPE_QUEUE = 22;
export const BPF_MAP_TYPE_STACK = 23;
export const BPF_MAP_TYPE_STRUCT_OPS = 26;
export const BPF_MAP_TYPE_RINGBUF = 27;
export const BPF_MAP_TYPE_BLOOM_FILTER = 30;
export const BPF_MAP_TYPE_ARENA = 33;

/** uapi map type name ('BPF_MAP_TYPE_HASH') → number. */
export const MAP_TYPE_BY_NAME: ReadonlyMap<string, number> = new Map(
  UAPI_MAP_TYPES.map((n, i) => [`BPF_MAP_TYPE_${n}`, i] as [string, number]),
);

/** number → uapi name ('BPF_MAP_TYPE_HASH'), or undefined for numbers past the enum. */
export function mapTypeUapiName(type: number): string | undefined {
  const n = UAPI_MAP_TYPES[type];
  return n === undefined ? undefined : `BPF_MAP_TYPE_${n}`;
}

/** The names bpftool prints and accepts (tools/bpf/bpftool/map.c, libbpf_bpf_map_type_str): lower-case uapi suffix. */
export function mapTypeBpftoolName(type: number): string | undefined {
  const n = UAPI_MAP_TYPES[type];
  return n === undefined ? undefined : n.toLowerCase();
}

/** bpftool name ('hash', 'lru_percpu_hash', …) → number. */
export const MAP_TYPE_BY_BPFTOOL_NAME: ReadonlyMap<string, number> = new Map(
  UAPI_MAP_TYPES.map((n, i) => [n.toLowerCase(), i] as [string, number]),
);

/**
 * Resolve `map_type` given as a number, a uapi name ('BPF_MAP_TYPE_HASH') or a bpftool name ('hash').
 * Returns undefined when unknown (callers turn that into EINVAL).
 */
export function resolveMapType(t: number | string): number | undefined {
  if (typeof t === 'number') return Number.isInteger(t) && t >= 0 ? t : undefined;
  return MAP_TYPE_BY_NAME.get(t) ?? MAP_TYPE_BY_BPFTOOL_NAME.get(t);
}

// ---- map_flags (BPF_MAP_CREATE) ----
export const BPF_F_NO_PREALLOC = 1 << 0;
export const BPF_F_NO_COMMON_LRU = 1 << 1;
export const BPF_F_NUMA_NODE = 1 << 2;
export const BPF_F_RDONLY = 1 << 3;
export const BPF_F_WRONLY = 1 << 4;
export const BPF_F_STACK_BUILD_ID = 1 << 5;
export const BPF_F_ZERO_SEED = 1 << 6;
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;
export const BPF_F_CLONE = 1 << 9;
export const BPF_F_MMAPABLE = 1 << 10;
export const BPF_F_PRESERVE_ELEMS = 1 << 11;
export const BPF_F_INNER_MAP = 1 << 12;
export const BPF_F_LINK = 1 << 13;
export const BPF_F_PATH_FD = 1 << 14;
export const BPF_F_VTYPE_BTF_OBJ_FD = 1 << 15;
export const BPF_F_TOKEN_FD = 1 << 16;
export const BPF_F_SEGV_ON_FAULT = 1 << 17;
export const BPF_F_NO_USER_CONV = 1 << 18;

/** BPF_F_ACCESS_MASK (include/linux/bpf.h). */
export const BPF_F_ACCESS_MASK = BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG;

// ---- element update flags ----
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;
export const BPF_F_LOCK = 4;

// ---- ring buffer ----
export const BPF_RINGBUF_BUSY_BIT = 0x80000000;
export const BPF_RINGBUF_DISCARD_BIT = 0x40000000;
export const BPF_RINGBUF_HDR_SZ = 8;
export const BPF_RB_NO_WAKEUP = 1;
export const BPF_RB_FORCE_WAKEUP = 2;
export const BPF_RB_AVAIL_DATA = 0;
export const BPF_RB_RING_SIZE = 1;
export const BPF_RB_CONS_POS = 2;
export const BPF_RB_PROD_POS = 3;

// ---- perf event output ----
export const BPF_F_INDEX_MASK = 0xffffffff;
export const BPF_F_CURRENT_CPU = 0xffffffff;

// ---- kernel limits used by create-time checks (x86-64, 4 KiB pages, SLUB) ----
export const PAGE_SIZE = 4096;
/** KMALLOC_MAX_SIZE = 1 << (MAX_PAGE_ORDER + PAGE_SHIFT) = 4 MiB. */
export const KMALLOC_MAX_SIZE = 1 << 22;
/** PCPU_MIN_UNIT_SIZE = 32 KiB: the largest per-cpu value. */
export const PCPU_MIN_UNIT_SIZE = 32 << 10;
/** sizeof(struct htab_elem) on x86-64. */
export const HTAB_ELEM_SIZE = 48;

// Structure sizes behind map_mem_usage (fdinfo "memlock", bpftool's memlock), measured on Linux 6.18 x86-64 by
// reading /proc/self/fdinfo of maps created with known sizes (see kernel-oracle.test.ts, "memlock").
/** sizeof(struct bpf_array), sizeof(struct bpf_queue_stack), sizeof(struct bpf_bloom_filter) */
export const SIZEOF_BPF_ARRAY = 312;
export const SIZEOF_BPF_QUEUE_STACK = 312;
export const SIZEOF_BPF_BLOOM_FILTER = 312;
/** sizeof(struct bpf_htab), sizeof(struct bucket), sizeof(struct llist_node) */
export const SIZEOF_BPF_HTAB = 896;
export const SIZEOF_HTAB_BUCKET = 16;
export const SIZEOF_LLIST_NODE = 8;
/** sizeof(struct bpf_ringbuf_map) */
export const SIZEOF_BPF_RINGBUF_MAP = 304;
export const INT_MAX = 0x7fffffff;
export const U32_MAX = 0xffffffff;
/** BPF_OBJ_NAME_LEN */
export const BPF_OBJ_NAME_LEN = 16;
