// Map helpers beyond core's lookup/update/delete (kernel/bpf/helpers.c): queue/stack push/pop/peek,
// bpf_for_each_map_elem (kernel/bpf/bpf_iter.c) and bpf_map_lookup_percpu_elem.
import type { HelperSpec } from '../helpers.js';
import { mapArg } from '../helpers.js';
import { callbackFn } from './callbacks.js';
import { EINVAL, envOf, helper, ret } from './define.js';

const BPF_F_RDONLY_PROG = 1 << 7;

export function mapHelpers(): HelperSpec[] {
  return [
    helper('map_push_elem', (r1, r2, r3, _4, _5, call) => {
      const map = mapArg(r1, call);
      if (!map.impl.pushFromProgram) return ret(EINVAL);
      return ret(map.impl.pushFromProgram(call.mem.read(r2, map.impl.valueSize), Number(r3 & 0xffffffffn)));
    }),
    helper('map_pop_elem', (r1, r2, _3, _4, _5, call) => {
      const map = mapArg(r1, call);
      if (!map.impl.popFromProgram) return ret(EINVAL);
      const out = new Uint8Array(map.impl.valueSize);
      const rc = map.impl.popFromProgram(out);
      if (rc === 0) call.mem.write(r2, out);
      return ret(rc);
    }),
    helper('map_peek_elem', (r1, r2, _3, _4, _5, call) => {
      const map = mapArg(r1, call);
      if (!map.impl.peekFromProgram) return ret(EINVAL);
      const out = new Uint8Array(map.impl.valueSize);
      const rc = map.impl.peekFromProgram(out);
      if (rc === 0) call.mem.write(r2, out);
      return ret(rc);
    }),
    helper('map_lookup_percpu_elem', (r1, r2, r3, _4, _5, call) => {
      const map = mapArg(r1, call);
      const value = map.impl.lookupPercpuForProgram?.(call.mem.read(r2, map.impl.keySize), Number(r3 & 0xffffffffn));
      if (!value) return 0n;
      return call.mem.map({ kind: 'map_value', name: `map_value(id=${map.id})`, bytes: value, writable: (map.impl.mapFlags & BPF_F_RDONLY_PROG) === 0 });
    }),
    // long bpf_for_each_map_elem(map, callback_fn, callback_ctx, flags); callback(map, key, value, ctx) returns
    // 0 to go on, 1 to stop. Returns the number of elements visited.
    helper('for_each_map_elem', (r1, r2, r3, r4, _5, call) => {
      const map = mapArg(r1, call);
      if (!map.impl.forEachForProgram) return ret(EINVAL);
      const cb = callbackFn(call, r2, 'bpf_for_each_map_elem');
      const writable = (map.impl.mapFlags & BPF_F_RDONLY_PROG) === 0;
      const n = map.impl.forEachForProgram(envOf(call).cpu, Number(r4 & 0xffffffffn), (key, value) => {
        const k = call.mem.map({ kind: 'map_value', name: `map_key(id=${map.id})`, bytes: key.slice(), writable: false });
        const v = call.mem.map({ kind: 'map_value', name: `map_value(id=${map.id})`, bytes: value, writable });
        return cb(r1, k, v, r3);
      });
      return ret(n);
    }),
  ];
}
