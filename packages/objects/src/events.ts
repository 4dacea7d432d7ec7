// The kernel's observable lifecycle: every create and free is logged once, and listeners may watch them.

export type ObjectKind = 'map' | 'prog' | 'link';

export type KernelEvent =
  | { type: 'create'; kind: ObjectKind; id: number }
  | { type: 'free'; kind: ObjectKind; id: number }
  | { type: 'usercnt_zero'; kind: 'map'; id: number };

export type KernelEventType = KernelEvent['type'];
type Listener<T extends KernelEventType> = (ev: Extract<KernelEvent, { type: T }>) => void;

export class EventLog {
  readonly events: KernelEvent[] = [];
  private readonly listeners = new Map<KernelEventType, Set<(ev: KernelEvent) => void>>();

  emit(ev: KernelEvent): void {
    this.events.push(ev);
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
