// Time, randomness and "where am I" helpers (kernel/bpf/helpers.c): all read the simulated kernel, so a kernel built
// with a fake clock and a seed gives the same values run after run.
//
// Clocks: ktime_get_ns / ktime_get_boot_ns / ktime_get_tai_ns read kernel.nowNs() (CLOCK_MONOTONIC since the
// kernel was created; the simulator does not suspend, so boot time equals monotonic time and TAI adds the 37 s
// TAI-UTC offset to it); ktime_get_coarse_ns is that value rounded down to the last tick and jiffies64 counts ticks
// from INITIAL_JIFFIES, with HZ = 250 (a 4 ms tick) like the reference kernel's config.
import type { HelperSpec } from '../helpers.js';
import { envOf, helper } from './define.js';

export const HZ = 250;
const TICK_NS = 1_000_000_000n / BigInt(HZ);
/** INITIAL_JIFFIES: jiffies start 5 minutes before wrapping a 32-bit counter, as on 64-bit kernels. */
export const INITIAL_JIFFIES = BigInt.asUintN(64, BigInt((-300 * HZ) >>> 0));
const TAI_OFFSET_NS = 37_000_000_000n;

export function timeHelpers(): HelperSpec[] {
  return [
    helper('ktime_get_ns', (_1, _2, _3, _4, _5, call) => envOf(call).kernel.nowNs()),
    helper('ktime_get_boot_ns', (_1, _2, _3, _4, _5, call) => envOf(call).kernel.nowNs()),
    helper('ktime_get_tai_ns', (_1, _2, _3, _4, _5, call) => envOf(call).kernel.nowNs() + TAI_OFFSET_NS),
    helper('ktime_get_coarse_ns', (_1, _2, _3, _4, _5, call) => {
      const ns = envOf(call).kernel.nowNs();
      return ns - (ns % TICK_NS);
    }),
    helper('jiffies64', (_1, _2, _3, _4, _5, call) => BigInt.asUintN(64, INITIAL_JIFFIES + envOf(call).kernel.nowNs() / TICK_NS)),
    helper('get_prandom_u32', (_1, _2, _3, _4, _5, call) => BigInt(envOf(call).kernel.random32())),
    helper('get_smp_processor_id', (_1, _2, _3, _4, _5, call) => BigInt(envOf(call).cpu)),
    // One NUMA node: every cpu is on node 0.
    helper('get_numa_node_id', () => 0n),
  ];
}
