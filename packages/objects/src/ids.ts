// Per-kind object IDs, allocated like the kernel's idr_alloc_cyclic(&map_idr, map, 1, INT_MAX, GFP_ATOMIC):
// IDs start at 1 and keep increasing; a freed ID is not handed out again until the counter wraps past INT_MAX.
import { BpfError } from './errno.js';

export const ID_MAX = 0x7fffffff; // INT_MAX: idr_alloc_cyclic's end is exclusive of INT_MAX+1

export class CyclicIdr<T> {
  private readonly live = new Map<number, T>();
  /** The next ID to try (idr's "next" cursor). */
  private next = 1;

  constructor(private readonly start = 1, private readonly max = ID_MAX) {
    this.next = start;
  }

  /** Allocates the lowest free ID >= the cursor, wrapping to `start` after `max` (ENOSPC when every ID is taken). */
  alloc(obj: T): number {
    const span = this.max - this.start + 1;
    if (this.live.size >= span) throw new BpfError('ENOSPC', 'no free object id (idr full)');
    let id = this.next;
    while (this.live.has(id)) id = id >= this.max ? this.start : id + 1;
    this.live.set(id, obj);
    this.next = id >= this.max ? this.start : id + 1;
    return id;
  }

  remove(id: number): void {
    this.live.delete(id);
  }

  get(id: number): T | undefined {
    return this.live.get(id);
  }

  /** The smallest live ID strictly greater than `id` (idr_get_next(&idr, &(id + 1))), or undefined. */
  nextAfter(id: number): number | undefined {
    let best: number | undefined;
    for (const k of this.live.keys()) if (k > id && (best === undefined || k < best)) best = k;
    return best;
  }

  get size(): number {
    return this.live.size;
  }

  ids(): number[] {
    return [...this.live.keys()].sort((a, b) => a - b);
  }

  /** For tests: move the cursor (e.g. near INT_MAX to exercise wrap-around). */
  setCursor(id: number): void {
    this.next = id;
  }
}
