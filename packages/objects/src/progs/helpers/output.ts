// Getting data out of a program: the BPF ring buffer (kernel/bpf/ringbuf.c: bpf_ringbuf_output, _reserve, _submit,
// _discard, _query) and perf event arrays (bpf_perf_event_output, kernel/trace/bpf_trace.c). Records are read with
// the maps' consumer APIs (RingbufMap.consume, PerfEventArrayMap.consume).
import type { HelperCall } from '@bpfsim/vm';
import type { HelperSpec } from '../helpers.js';
import { mapArg } from '../helpers.js';
import { RingbufMap } from '../../maps/ringbuf.js';
import { PerfEventArrayMap } from '../../maps/fd-array.js';
import type { RingbufReservation } from '../../maps/types.js';
import { EINVAL, envOf, helper, ret, NET_TYPES, TRACING_TYPES } from './define.js';

interface Reserved {
  readonly map: RingbufMap;
  readonly rec: RingbufReservation;
}

/** Outstanding reservations by the address the program got (per kernel: addresses are per address space). */
const reservations = new WeakMap<object, Map<bigint, Reserved>>();

function reservedAt(call: HelperCall, addr: bigint, name: string): Reserved {
  const kernel = envOf(call).kernel;
  const r = reservations.get(kernel)?.get(addr);
  if (!r) throw new Error(`${name}: 0x${addr.toString(16)} is not a ring buffer reservation (or was already released)`);
  reservations.get(kernel)!.delete(addr);
  return r;
}

function ringbufArg(r1: bigint, call: HelperCall): RingbufMap | undefined {
  const impl = mapArg(r1, call).impl;
  return impl instanceof RingbufMap ? impl : undefined;
}

export function outputHelpers(): HelperSpec[] {
  return [
    helper('ringbuf_output', (r1, r2, r3, r4, _5, call) => {
      const rb = ringbufArg(r1, call);
      if (!rb) return ret(EINVAL);
      const size = Number(r3 & 0xffffffffn);
      return ret(rb.output(size ? call.mem.read(r2, size) : new Uint8Array(0), r4));
    }),
    // Returns a pointer to `size` writable bytes inside the ring (a map_value region), or NULL.
    helper('ringbuf_reserve', (r1, r2, r3, _4, _5, call) => {
      const rb = ringbufArg(r1, call);
      if (!rb) return 0n;
      const rec = rb.reserve(Number(r2 & 0xffffffffn), r3);
      if (!rec) return 0n;
      const addr = call.mem.map({ kind: 'map_value', name: `ringbuf_record(id=${mapArg(r1, call).id})`, bytes: rec.data, writable: true });
      const kernel = envOf(call).kernel;
      let m = reservations.get(kernel);
      if (!m) reservations.set(kernel, (m = new Map()));
      m.set(addr, { map: rb, rec });
      return addr;
    }),
    helper('ringbuf_submit', (r1, r2, _3, _4, _5, call) => {
      const { map, rec } = reservedAt(call, r1, 'bpf_ringbuf_submit');
      map.submit(rec, r2);
      return 0n;
    }),
    helper('ringbuf_discard', (r1, r2, _3, _4, _5, call) => {
      const { map, rec } = reservedAt(call, r1, 'bpf_ringbuf_discard');
      map.discard(rec, r2);
      return 0n;
    }),
    helper('ringbuf_query', (r1, r2, _3, _4, _5, call) => {
      const rb = ringbufArg(r1, call);
      return rb ? ret(rb.query(r2)) : 0n;
    }),
    // long bpf_perf_event_output(ctx, map, flags, data, size): the sample goes to the perf event at index
    // flags & BPF_F_INDEX_MASK (BPF_F_CURRENT_CPU: this cpu's). Packet-appending (BPF_F_CTXLEN_MASK) is refused
    // with -EINVAL by the map (not simulated).
    helper('perf_event_output', (_r1, r2, r3, r4, r5, call) => {
      const impl = mapArg(r2, call).impl;
      if (!(impl instanceof PerfEventArrayMap)) return ret(EINVAL);
      const size = Number(r5 & 0xffffffffn);
      return ret(impl.perfEventOutput(envOf(call).cpu, r3, size ? call.mem.read(r4, size) : new Uint8Array(0)));
    }, [...TRACING_TYPES, ...NET_TYPES]),
  ];
}
