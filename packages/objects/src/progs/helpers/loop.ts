// bpf_loop (kernel/bpf/bpf_iter.c): calls callback(i, ctx) for i = 0 .. nr_loops-1 until it returns non-zero.
import type { HelperSpec } from '../helpers.js';
import { callbackFn } from './callbacks.js';
import { E2BIG, EINVAL, helper, ret } from './define.js';

/** BPF_MAX_LOOPS: nr_loops above 8M is -E2BIG. */
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;

export function loopHelpers(): HelperSpec[] {
  return [
    helper('loop', (r1, r2, r3, r4, _5, call) => {
      if (r4 !== 0n) return ret(EINVAL);
      const n = Number(r1 & 0xffffffffn);
      if (n > BPF_MAX_LOOPS) return ret(E2BIG);
      if (n === 0) return 0n;
      const cb = callbackFn(call, r2, 'bpf_loop');
      for (let i = 0; i < n; i++) {
        // 0: continue, 1: stop; the return value counts the calls made.
        if (cb(BigInt(i), r3, 0n, 0n, 0n) !== 0n) return BigInt(i + 1);
      }
      return BigInt(n);
    }),
  ];
}
