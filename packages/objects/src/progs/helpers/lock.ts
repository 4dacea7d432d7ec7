// bpf_spin_lock / bpf_spin_unlock (kernel/bpf/helpers.c) on the 4-byte struct bpf_spin_lock inside a map value.
// Programs run one at a time here, so a lock is never contended; what the verifier would have rejected — taking a
// lock already held (a deadlock in the kernel), releasing one not held, a lock outside a map value — faults the run.
import type { HelperCall } from '@bpfsim/vm';
import type { HelperSpec } from '../helpers.js';
import { helper } from './define.js';

function lockWord(call: HelperCall, addr: bigint, name: string): { view: DataView; offset: number } {
  const at = call.mem.resolve(addr);
  if (!at || at.region.kind !== 'map_value' || at.offset % 4 !== 0 || at.offset + 4 > at.region.bytes.length) {
    throw new Error(`${name}: 0x${addr.toString(16)} is not an aligned bpf_spin_lock inside a map value`);
  }
  const b = at.region.bytes;
  return { view: new DataView(b.buffer, b.byteOffset, b.byteLength), offset: at.offset };
}

export function lockHelpers(): HelperSpec[] {
  return [
    helper('spin_lock', (r1, _2, _3, _4, _5, call) => {
      const { view, offset } = lockWord(call, r1, 'bpf_spin_lock');
      if (view.getUint32(offset, true) !== 0) throw new Error('bpf_spin_lock: lock already held (deadlock)');
      view.setUint32(offset, 1, true);
      return 0n;
    }),
    helper('spin_unlock', (r1, _2, _3, _4, _5, call) => {
      const { view, offset } = lockWord(call, r1, 'bpf_spin_unlock');
      if (view.getUint32(offset, true) === 0) throw new Error('bpf_spin_unlock: lock not held');
      view.setUint32(offset, 0, true);
      return 0n;
    }),
  ];
}
