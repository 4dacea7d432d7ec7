// The kernel-wide state every object and syscall needs, as one interface so modules do not import kernel.ts
// (and so tests can build objects against a small core).
import type { Memory } from '@bpfsim/vm';
import type { CyclicIdr } from './ids.js';
import type { EventLog } from './events.js';
import type { MapObject } from './map-object.js';
import type { ProgObject } from './prog/program.js';
import type { LinkObject } from './links/link.js';

export interface KernelCore {
  readonly ncpus: number;
  readonly events: EventLog;
  readonly mapIds: CyclicIdr<MapObject>;
  readonly progIds: CyclicIdr<ProgObject>;
  readonly linkIds: CyclicIdr<LinkObject>;
  /** The kernel's address space as programs see it: map handles and direct map values live here for good. */
  readonly memory: Memory;
  readonly mapsByHandle: WeakMap<Uint8Array, MapObject>;
  /** Monotonic clock in ns (ktime_get_ns). */
  nowNs(): bigint;
  /** The clock reading at boot (nowNs() counts from it). */
  bootTimeNs(): bigint;
  /** Number of BPF_ENABLE_STATS(RUN_TIME) fds open (bpf_stats_enabled_key). */
  statsEnabled(): boolean;
  random32(): number;
}
