// The `memlock` fdinfo line: the kernel's bpf_map_memory_usage() estimate (map->ops->map_mem_usage).
// Arrays (array_map_mem_usage) and hash tables (htab_map_mem_usage) follow the kernel's formulas with the struct
// sizes of x86-64 6.18, which reproduce FACTS.md: hash 4/8/4 → 1360, 4/8/3 → 1296, 4/8/16 → 2320, lru 4/4/4 → 1216,
// hash_of_maps 4/4/2 → 1072, array 4/8/16 → 440, array 4/4/1 → 320, prog_array 4 → 344; and (checked directly on
// 6.18) percpu_array 4/4/4 → 408, percpu_hash 4/8/4 → 1280, hash NO_PREALLOC 4/8/4 → 960 (+72 per element),
// array MMAPABLE 4/4/4 → 8192, queue 0/4/4 → 332, stack 0/8/16 → 448, bloom 0/4/16 → 328, ringbuf 4096 → 16728,
// an empty lpm_trie → 0. A map may report its own figure through an optional `memoryUsage()`; other types get an
// approximation (header + elements).
import type { BpfMap } from './maps/types.js';

const BPF_ARRAY_SIZE = 312; // sizeof(struct bpf_array)
const BPF_HTAB_SIZE = 832; // sizeof(struct bpf_htab)
const BUCKET_SIZE = 16; // sizeof(struct bucket)
const HTAB_ELEM_SIZE = 48; // sizeof(struct htab_elem)
const HASHTAB_MAP_LOCK_COUNT = 8;
const LLIST_NODE_SZ = 8;
const PAGE = 4096;
const BPF_QUEUE_STACK_SIZE = 312; // sizeof(struct bpf_queue_stack)
const LPM_TRIE_NODE_SIZE = 40; // sizeof(struct lpm_trie_node)
const BPF_BLOOM_FILTER_SIZE = 312; // sizeof(struct bpf_bloom_filter)
const BPF_RINGBUF_MAP_SIZE = 304; // sizeof(struct bpf_ringbuf_map)
const RINGBUF_NR_META_PAGES = 3;
const BPF_F_NO_PREALLOC = 1;
const BPF_F_MMAPABLE = 1 << 10;

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;
const pow2 = (n: number): number => (n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n)));

export function memlockOf(map: BpfMap, ncpus = 2): number {
  const own = (map as { memoryUsage?: () => number }).memoryUsage;
  if (typeof own === 'function') return own.call(map);
  const t = map.mapType;
  const entries = map.maxEntries;
  const valueSize = roundUp(map.valueSize, 8);
  switch (t) {
    case 2: // array
      if (map.mapFlags & BPF_F_MMAPABLE) return roundUp(BPF_ARRAY_SIZE, PAGE) + roundUp(entries * valueSize, PAGE);
      return BPF_ARRAY_SIZE + entries * valueSize;
    case 6: // percpu_array
      return BPF_ARRAY_SIZE + entries * 8 + entries * valueSize * ncpus;
    case 3: // prog_array
    case 4: // perf_event_array
    case 8: // cgroup_array
    case 12: // array_of_maps
      return BPF_ARRAY_SIZE + entries * 8;
    case 1: // hash
    case 5: // percpu_hash
    case 9: // lru_hash
    case 10: // lru_percpu_hash
    case 13: // hash_of_maps
      return htabUsage(map, ncpus);
    case 22: // queue
    case 23: // stack: queue_stack_map_mem_usage
      return BPF_QUEUE_STACK_SIZE + (entries + 1) * map.valueSize;
    case 11: // lpm_trie: trie_mem_usage counts the stored entries only
      return (LPM_TRIE_NODE_SIZE + (map.keySize - 4) + map.valueSize) * map.count;
    case 30: // bloom_filter
      return BPF_BLOOM_FILTER_SIZE + bloomBitsetBytes(entries, Number(map.mapExtra & 0xfn) || 5);
    case 27: { // ringbuf: data pages are mapped twice
      const dataPages = Math.floor(entries / PAGE);
      return BPF_RINGBUF_MAP_SIZE + (RINGBUF_NR_META_PAGES + dataPages) * PAGE + (RINGBUF_NR_META_PAGES + 2 * dataPages) * 8;
    }
    default:
      return 1024 + entries * roundUp(HTAB_ELEM_SIZE + roundUp(map.keySize, 8) + valueSize, 8);
  }
}

/** htab_map_mem_usage for a map as created (non-preallocated maps count their current elements). */
function htabUsage(map: BpfMap, ncpus: number): number {
  const t = map.mapType;
  const percpu = t === 5 || t === 10;
  const lru = t === 9 || t === 10;
  const fd = t === 13;
  const prealloc = !(map.mapFlags & BPF_F_NO_PREALLOC);
  const valueSize = roundUp(map.valueSize, 8);
  const elemSize = HTAB_ELEM_SIZE + roundUp(map.keySize, 8) + (percpu || fd ? 8 : valueSize);
  let usage = BPF_HTAB_SIZE + BUCKET_SIZE * pow2(map.maxEntries) + 4 * ncpus * HASHTAB_MAP_LOCK_COUNT;
  if (prealloc) {
    let n = map.maxEntries;
    if (!percpu && !lru && !fd) n += ncpus; // htab_has_extra_elems
    usage += elemSize * n;
    if (percpu) usage += valueSize * ncpus * n;
    else if (!lru) usage += 8 * ncpus;
  } else {
    const n = map.count;
    usage += (elemSize + LLIST_NODE_SZ) * n;
    if (percpu) usage += valueSize * ncpus * n;
  }
  return usage;
}

/** bloom_map_alloc's bitset: max_entries × hashes × 7/5 bits, a power of two of at least 64 bits, in longs. */
function bloomBitsetBytes(entries: number, hashes: number): number {
  let bits = Math.floor((entries * hashes) / 5) * 7;
  if (bits > 2 ** 31) return 2 ** 28;
  bits = bits <= 64 ? 64 : pow2(bits);
  return roundUp(Math.ceil(bits / 8), 8);
}
