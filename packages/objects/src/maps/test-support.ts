// A fake MapEnv for tests: a table of fds → objects with retain/release counters.
import { BpfError } from '../errno.js';
import type { BpfMap, EntryRef, MapEnv } from './types.js';

export interface FakeObject {
  kind: 'map' | 'prog' | 'perf_event';
  id: number;
  target: unknown;
  prog?: { type: number; jited?: boolean; xdpHasFrags?: boolean };
  retains: number;
  releases: number;
}

export class FakeEnv implements MapEnv {
  readonly objects = new Map<number, FakeObject>();
  private nextFd = 3;
  private nextId = 100;
  constructor(
    readonly ncpus = 2,
    readonly caps: Partial<Record<'CAP_SYS_ADMIN' | 'CAP_BPF' | 'CAP_PERFMON' | 'CAP_NET_ADMIN', boolean>> = {},
    readonly bypassSpecV1 = true,
  ) {}

  capable(cap: 'CAP_SYS_ADMIN' | 'CAP_BPF' | 'CAP_PERFMON' | 'CAP_NET_ADMIN'): boolean {
    return this.caps[cap] ?? true;
  }

  add(kind: FakeObject['kind'], target: unknown = {}, prog?: FakeObject['prog']): { fd: number; obj: FakeObject } {
    const fd = this.nextFd++;
    const obj: FakeObject = { kind, id: this.nextId++, target, prog, retains: 0, releases: 0 };
    this.objects.set(fd, obj);
    return { fd, obj };
  }

  addMap(map: BpfMap): { fd: number; obj: FakeObject } {
    return this.add('map', map);
  }

  resolveFd(fd: number, want: 'map' | 'prog' | 'perf_event'): EntryRef {
    const o = this.objects.get(fd);
    if (!o) throw new BpfError('EBADF', `fd ${fd} is not open`);
    if (o.kind !== want) throw new BpfError(want === 'perf_event' ? 'EBADF' : 'EINVAL', `fd ${fd} is a ${o.kind}, not a ${want}`);
    return {
      id: o.id,
      target: o.target,
      prog: o.prog,
      retain: () => {
        o.retains++;
      },
      release: () => {
        o.releases++;
        if (o.releases > o.retains) throw new Error(`object ${o.id} released more often than retained`);
      },
    };
  }

  /** References currently held on the object behind fd. */
  held(fd: number): number {
    const o = this.objects.get(fd)!;
    return o.retains - o.releases;
  }

  totalHeld(): number {
    let n = 0;
    for (const o of this.objects.values()) n += o.retains - o.releases;
    return n;
  }
}

export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

export function readU32(b: Uint8Array, off = 0): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true);
}

export function u64(v: bigint | number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
}

export function readU64(b: Uint8Array, off = 0): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(off, true);
}

/** Run fn and return the BpfError errno it throws (or 'ok'). */
export function errnoOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof BpfError) return e.errno;
    throw e;
  }
}
