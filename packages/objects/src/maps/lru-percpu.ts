// The per-cpu LRU of BPF_MAP_TYPE_LRU_HASH / LRU_PERCPU_HASH created with BPF_F_NO_COMMON_LRU, modelled on
// kernel/bpf/bpf_lru_list.c (bpf_percpu_lru_*): every possible cpu owns a complete bpf_lru_list (active, inactive,
// free) with a fixed share of the nodes, and a node never changes cpu. Each pop first rotates the cpu's lists
// (always, unlike the common LRU), then — only when that cpu's free list is empty — shrinks its inactive list by
// PERCPU_FREE_TARGET (4) nodes, scanning at most PERCPU_NR_SCANS (4). So an insert on a cpu whose share is used up
// evicts even if other cpus have free nodes, and one eviction can free up to 4 elements at once.
import { type BpfLru, FREE, INACTIVE, LruLists, type LruNode, newNode } from './lru-list.js';

/** PERCPU_FREE_TARGET, also PERCPU_NR_SCANS. */
const PERCPU_FREE_TARGET = 4;
const PERCPU_NR_SCANS = PERCPU_FREE_TARGET;

export class PercpuLru<T> implements BpfLru<T> {
  private readonly lists: LruLists<T>[];
  /** The length of each cpu's free list (free nodes carry no state). */
  private readonly free: number[];

  /**
   * bpf_percpu_lru_populate: with pcpu_entries = nr_elems / num_possible_cpus(), cpu 0 gets the first
   * pcpu_entries nodes, cpu 1 the next, …; htab_map_alloc rounded max_entries (= nr_elems) up to a multiple of the
   * cpu count, so every cpu gets exactly pcpu_entries. `evictOwner` is htab_lru_map_delete_node.
   */
  constructor(nrElems: number, ncpus: number, evictOwner: (owner: T) => void) {
    this.lists = Array.from({ length: ncpus }, () => new LruLists<T>(PERCPU_NR_SCANS, evictOwner));
    this.free = Array.from({ length: ncpus }, () => 0);
    const pcpuEntries = Math.floor(nrElems / ncpus);
    let i = 0;
    for (let cpu = 0; cpu < ncpus && i < nrElems; cpu++) {
      // The kernel's `goto again` loop: add a node, stop at nr_elems, move on when i is a multiple of pcpu_entries.
      do {
        this.free[cpu]++;
        i++;
      } while (i < nrElems && pcpuEntries > 0 && i % pcpuEntries !== 0);
    }
  }

  /** bpf_lru_node_set_ref */
  setRef(node: LruNode<T>): void {
    node.ref = true;
  }

  /**
   * bpf_percpu_lru_pop_free: rotate `cpu`'s lists, refill an empty free list by __bpf_lru_list_shrink (which may
   * evict, even the element the caller is about to replace), and put the node at the head of the inactive list.
   * undefined = no node (ENOMEM).
   */
  popFree(cpu: number): LruNode<T> | undefined {
    const l = this.lists[cpu];
    l.rotate();
    if (this.free[cpu] === 0) this.free[cpu] += l.shrink(PERCPU_FREE_TARGET);
    if (this.free[cpu] === 0) return undefined;
    this.free[cpu]--;
    const node = newNode<T>(FREE, cpu);
    l.moveIn(node, INACTIVE); // __bpf_lru_node_move(l, node, BPF_LRU_LIST_T_INACTIVE) from the free list
    return node;
  }

  /** bpf_percpu_lru_push_free: back onto the free list of the node's own cpu. */
  pushFree(node: LruNode<T>): void {
    this.lists[node.cpu].remove(node);
    this.free[node.cpu]++;
  }
}
