// The common LRU of BPF_MAP_TYPE_LRU_HASH / LRU_PERCPU_HASH without BPF_F_NO_COMMON_LRU, modelled step by step on
// kernel/bpf/bpf_lru_list.c: one global list (active, inactive, free) plus per-cpu local lists (free, pending).
// It is NOT exact least-recently-used: an element taken by bpf_lru_pop_free sits on its cpu's pending list until
// that cpu's local free list runs dry, and eviction (__bpf_lru_list_shrink) looks at reference bits and list
// positions, not at recency. Free nodes carry no state, so free lists are plain counters.
//
// Visible consequence (bpf_lru_pop_free runs BEFORE htab_lru_map_update_elem checks the flags): on a full map an
// update may evict the very key it updates, and then BPF_EXIST fails with ENOENT.

/** Node list types (enum bpf_lru_list_type). */
export const ACTIVE = 0;
export const INACTIVE = 1;
export const FREE = 2;
const PENDING = 4; // BPF_LRU_LOCAL_LIST_T_PENDING

/** LOCAL_FREE_TARGET (the cap of target_free) and LOCAL_NR_SCANS (lru->nr_scans of the common LRU). */
const LOCAL_FREE_TARGET = 128;
const LOCAL_NR_SCANS = LOCAL_FREE_TARGET;

interface Link {
  prev: Link;
  next: Link;
}

/** A bpf_lru_node in use (on an active, inactive or pending list), owned by one map element. */
export interface LruNode<T> extends Link {
  type: number;
  ref: boolean;
  cpu: number;
  /** The element using the node; the caller sets it right after popFree. */
  owner: T | undefined;
}

function newHead(): Link {
  const h = {} as Link;
  h.prev = h;
  h.next = h;
  return h;
}

function listDel(n: Link): void {
  n.prev.next = n.next;
  n.next.prev = n.prev;
  n.prev = n;
  n.next = n;
}

/** list_add: insert right after the head (the head end is the most recent). */
function listAdd(n: Link, head: Link): void {
  n.next = head.next;
  n.prev = head;
  head.next.prev = n;
  head.next = n;
}

function listMove(n: Link, head: Link): void {
  listDel(n);
  listAdd(n, head);
}

/**
 * One struct bpf_lru_list without its free list (free nodes carry no state, so owners keep free counters): the
 * active and inactive lists, their counts and next_inactive_rotation, with the list operations of
 * bpf_lru_list.c that both the common LRU and the per-cpu LRU (BPF_F_NO_COMMON_LRU) use. `nrScans` is
 * lru->nr_scans: LOCAL_NR_SCANS (128) for the common LRU, PERCPU_NR_SCANS (4) per cpu.
 */
export class LruLists<T> {
  private readonly lists: [Link, Link] = [newHead(), newHead()];
  private readonly counts = [0, 0];
  private nextInactiveRotation: Link;

  constructor(private readonly nrScans: number, private readonly evictOwner: (owner: T) => void) {
    this.nextInactiveRotation = this.lists[INACTIVE];
  }

  private evict(owner: T | undefined): void {
    if (owner !== undefined) this.evictOwner(owner);
  }

  /** __bpf_lru_node_move_in: a node from a local list (or a free list) goes to the head of `tgt`, ref cleared. */
  moveIn(node: LruNode<T>, tgt: number): void {
    this.counts[tgt]++;
    node.type = tgt;
    node.ref = false;
    listMove(node, this.lists[tgt]);
  }

  /** __bpf_lru_node_move within / between the active and inactive lists. */
  move(node: LruNode<T>, tgt: number): void {
    if (node.type !== tgt) {
      this.counts[node.type]--;
      this.counts[tgt]++;
      node.type = tgt;
    }
    node.ref = false;
    if (node === this.nextInactiveRotation) this.nextInactiveRotation = node.prev;
    listMove(node, this.lists[tgt]);
  }

  /** __bpf_lru_node_move(…, BPF_LRU_LIST_T_FREE) / __bpf_lru_node_move_to_free: the caller counts the free node. */
  remove(node: LruNode<T>): void {
    if (node === this.nextInactiveRotation) this.nextInactiveRotation = node.prev;
    this.counts[node.type]--;
    listDel(node);
    node.type = FREE;
  }

  /** __bpf_lru_list_rotate: rotate active when inactive is smaller, then always rotate inactive. */
  rotate(): void {
    if (this.counts[INACTIVE] < this.counts[ACTIVE]) this.rotateActive();
    this.rotateInactive();
  }

  /** __bpf_lru_list_rotate_active: from the tail, referenced nodes go back to active's head, others to inactive. */
  private rotateActive(): void {
    const head = this.lists[ACTIVE];
    const first = head.next;
    let i = 0;
    for (let n = head.prev; n !== head; ) {
      const prev = n.prev;
      const node = n as LruNode<T>;
      this.move(node, node.ref ? ACTIVE : INACTIVE);
      if (++i === this.nrScans || n === first) break;
      n = prev;
    }
  }

  /** __bpf_lru_list_rotate_inactive: from next_inactive_rotation backwards, referenced nodes go to active. */
  private rotateInactive(): void {
    const head = this.lists[INACTIVE];
    if (head.next === head) return;
    let last = this.nextInactiveRotation.next;
    if (last === head) last = last.next;
    let cur = this.nextInactiveRotation;
    let next = cur;
    let i = 0;
    while (i < this.nrScans) {
      if (cur === head) {
        cur = cur.prev;
        continue;
      }
      const node = cur as LruNode<T>;
      next = cur.prev;
      if (node.ref) this.move(node, ACTIVE);
      if (cur === last) break;
      cur = next;
      i++;
    }
    this.nextInactiveRotation = next;
  }

  /**
   * __bpf_lru_list_shrink: evict unreferenced inactive nodes from the tail, else force one out (inactive's tail,
   * or active's when inactive is empty). Returns the number of nodes freed; the caller adds them to its free list.
   */
  shrink(target: number): number {
    const shrunk = this.shrinkInactive(target);
    if (shrunk) return shrunk;
    const inactive = this.lists[INACTIVE];
    const list = inactive.next !== inactive ? inactive : this.lists[ACTIVE];
    const tail = list.prev;
    if (tail === list) return 0;
    const node = tail as LruNode<T>;
    this.evict(node.owner);
    this.remove(node);
    return 1;
  }

  /** __bpf_lru_list_shrink_inactive */
  private shrinkInactive(target: number): number {
    const head = this.lists[INACTIVE];
    let shrunk = 0;
    let i = 0;
    for (let n = head.prev; n !== head; ) {
      const prev = n.prev;
      const node = n as LruNode<T>;
      if (node.ref) {
        this.move(node, ACTIVE);
      } else {
        this.evict(node.owner);
        this.remove(node);
        if (++shrunk === target) break;
      }
      if (++i === this.nrScans) break;
      n = prev;
    }
    return shrunk;
  }
}

/** The interface hash.ts uses for both LRU flavours (bpf_lru_pop_free / bpf_lru_push_free / bpf_lru_node_set_ref). */
export interface BpfLru<T> {
  popFree(cpu: number): LruNode<T> | undefined;
  pushFree(node: LruNode<T>): void;
  setRef(node: LruNode<T>): void;
}

/** A fresh bpf_lru_node taken off a free list by `cpu`, not yet on any list. */
export function newNode<T>(type: number, cpu: number): LruNode<T> {
  const node = { type, ref: false, cpu, owner: undefined } as unknown as LruNode<T>;
  node.prev = node;
  node.next = node;
  return node;
}

export class CommonLru<T> implements BpfLru<T> {
  private readonly global: LruLists<T>;
  private globalFree: number;
  private readonly localFree: number[];
  private readonly pending: Link[];
  private readonly nextSteal: number[];
  /**
   * bpf_common_lru_populate: lru->target_free = clamp((nr_elems / num_possible_cpus()) / 2, 1, LOCAL_FREE_TARGET),
   * the number of nodes a cpu takes (or evicts) at once when its local free list is empty (Linux 6.16+; before,
   * always LOCAL_FREE_TARGET — which emptied a small map on its first eviction).
   */
  private readonly targetFree: number;

  /**
   * `nrElems` pre-allocated nodes start on the global free list (bpf_lru_populate). `evictOwner` removes an element
   * from the hash table (htab_lru_map_delete_node); it always succeeds in a single-threaded simulation.
   */
  constructor(nrElems: number, private readonly ncpus: number, private readonly evictOwner: (owner: T) => void) {
    this.global = new LruLists<T>(LOCAL_NR_SCANS, evictOwner);
    this.globalFree = nrElems;
    this.targetFree = Math.min(Math.max(Math.floor(Math.floor(nrElems / ncpus) / 2), 1), LOCAL_FREE_TARGET);
    this.localFree = Array.from({ length: ncpus }, () => 0);
    this.pending = Array.from({ length: ncpus }, () => newHead());
    this.nextSteal = Array.from({ length: ncpus }, (_, cpu) => cpu); // bpf_lru_locallist_init
  }

  /** bpf_lru_node_set_ref: a program looked the element up (or an update replaced it). */
  setRef(node: LruNode<T>): void {
    node.ref = true;
  }

  /**
   * bpf_lru_pop_free: a node for a new element inserted on `cpu`, placed on that cpu's pending list; may evict
   * elements (through `evictOwner`), even the one the caller is about to replace. undefined = no node (ENOMEM).
   */
  popFree(cpu: number): LruNode<T> | undefined {
    if (this.localFree[cpu] === 0) this.popFreeToLocal(cpu);
    if (this.localFree[cpu] > 0) {
      this.localFree[cpu]--;
      return this.addPending(cpu);
    }
    // Steal from the local free / pending lists of every cpu in turn, starting at next_steal.
    const first = this.nextSteal[cpu];
    let steal = first;
    let found = false;
    do {
      if (this.localFree[steal] > 0) {
        this.localFree[steal]--;
        found = true;
      } else {
        found = this.popPending(steal);
      }
      steal = (steal + 1) % this.ncpus;
    } while (!found && steal !== first);
    this.nextSteal[cpu] = steal;
    return found ? this.addPending(cpu) : undefined;
  }

  /** bpf_lru_push_free: the element of `node` left the hash table. */
  pushFree(node: LruNode<T>): void {
    if (node.type === PENDING) {
      listDel(node);
      this.localFree[node.cpu]++;
      return;
    }
    // bpf_lru_list_push_free → __bpf_lru_node_move(l, node, BPF_LRU_LIST_T_FREE)
    this.global.remove(node);
    this.globalFree++;
  }

  private addPending(cpu: number): LruNode<T> {
    const node = newNode<T>(PENDING, cpu);
    listAdd(node, this.pending[cpu]);
    return node;
  }

  /** __local_list_pop_pending: take the oldest pending node of `cpu`, preferring nodes without the ref bit. */
  private popPending(cpu: number): boolean {
    const head = this.pending[cpu];
    for (const force of [false, true]) {
      for (let n = head.prev; n !== head; n = n.prev) {
        const node = n as LruNode<T>;
        if (!node.ref || force) {
          if (node.owner !== undefined) this.evictOwner(node.owner);
          listDel(node);
          return true;
        }
      }
    }
    return false;
  }

  /** bpf_lru_list_pop_free_to_local */
  private popFreeToLocal(cpu: number): void {
    this.flushPending(cpu);
    this.global.rotate();
    const nfree = Math.min(this.globalFree, this.targetFree);
    this.globalFree -= nfree;
    this.localFree[cpu] += nfree;
    if (nfree < this.targetFree) this.localFree[cpu] += this.global.shrink(this.targetFree - nfree);
  }

  /** __local_list_flush: pending nodes, oldest first, go to the head of active (ref set) or inactive. */
  private flushPending(cpu: number): void {
    const head = this.pending[cpu];
    for (let n = head.prev; n !== head; ) {
      const prev = n.prev;
      const node = n as LruNode<T>;
      this.global.moveIn(node, node.ref ? ACTIVE : INACTIVE);
      n = prev;
    }
  }
}
