// The kernel's observable lifecycle: every create and free is logged once, and listeners may watch them.
// `kernel.events` is the log itself (an array of events, oldest first) with `on(type, fn)` to subscribe.

export type ObjectKind = 'map' | 'prog' | 'link';

export type KernelEvent =
  | { type: 'create'; kind: ObjectKind; id: number }
  | { type: 'free'; kind: ObjectKind; id: number }
  | { type: 'usercnt_zero'; kind: 'map'; id: number }
  /** BPF_OBJ_PIN succeeded (unpinning is the filesystem's business: the object sees it as a release). */
  | { type: 'pin'; kind: ObjectKind; id: number; path: string };

export type KernelEventType = KernelEvent['type'];
type Listener<T extends KernelEventType> = (ev: Extract<KernelEvent, { type: T }>) => void;

export class EventLog extends Array<KernelEvent> {
  /** Array methods (filter, map, slice…) return plain arrays, not logs. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  private readonly listeners = new Map<KernelEventType, Set<(ev: KernelEvent) => void>>();

  /** The log as an array (the log itself; kept for readability: `kernel.events.events`). */
  get events(): readonly KernelEvent[] {
    return this;
  }

  emit(ev: KernelEvent): void {
    this.push(ev);
    for (const fn of this.listeners.get(ev.type) ?? []) fn(ev);
  }

  /** Subscribes to one event type; returns the unsubscribe function. */
  on<T extends KernelEventType>(type: T, fn: Listener<T>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    const wrapped = fn as (ev: KernelEvent) => void;
    set.add(wrapped);
    return () => set.delete(wrapped);
  }
}
