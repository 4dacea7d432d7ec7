// Time, randomness and "where am I" helpers (kernel/bpf/helpers.c), deterministic by default: the same seed and the
// same inputs give the same values, run after run.
//
// Clocks read the kernel's virtual clock (virtualClock(kernel)): it starts at 0 when the kernel boots and every
// clock helper call advances it by a fixed step (1 µs) before reading it, so time is strictly increasing and
// reproducible, independent of the host. ktime_get_ns / ktime_get_boot_ns return it (the simulator never
// suspends, so boot time is monotonic time), ktime_get_tai_ns adds the 37 s TAI-UTC offset, ktime_get_coarse_ns
// rounds it down to the last tick and jiffies64 counts ticks from INITIAL_JIFFIES, with HZ = 250 (a 4 ms tick)
// like the reference kernel's config. The trace pipe stamps lines with it too (without advancing it). Durations
// of BPF_PROG_TEST_RUN and load times use the Kernel's `clock` option instead (real time unless a test fakes it).
import type { HelperSpec } from '../helpers.js';
import { envOf, helper } from './define.js';

export const HZ = 250;
const TICK_NS = 1_000_000_000n / BigInt(HZ);
/** INITIAL_JIFFIES: jiffies start 5 minutes before wrapping a 32-bit counter, as on 64-bit kernels. */
export const INITIAL_JIFFIES = BigInt.asUintN(64, BigInt((-300 * HZ) >>> 0));
const TAI_OFFSET_NS = 37_000_000_000n;

/** The step a clock helper call advances the virtual clock by. */
export const VIRTUAL_CLOCK_STEP_NS = 1000n;

/** A kernel's virtual clock: ns since boot. */
export class VirtualClock {
  private ns = 0n;

  /** The current time, without advancing. */
  now(): bigint {
    return this.ns;
  }

  /** One clock read by a program: advance by the step, then read. */
  tick(): bigint {
    this.ns += VIRTUAL_CLOCK_STEP_NS;
    return this.ns;
  }

  /** Moves the clock (tests); time never goes backwards. */
  set(ns: bigint): void {
    if (ns < this.ns) throw new RangeError(`the virtual clock cannot go back from ${this.ns} to ${ns}`);
    this.ns = ns;
  }
}

const clocks = new WeakMap<object, VirtualClock>();

/** The virtual clock of a kernel (created at 0 on first use). */
export function virtualClock(kernel: object): VirtualClock {
  let c = clocks.get(kernel);
  if (!c) clocks.set(kernel, (c = new VirtualClock()));
  return c;
}

const tick = (call: Parameters<typeof envOf>[0]): bigint => virtualClock(envOf(call).kernel).tick();

export function timeHelpers(): HelperSpec[] {
  return [
    helper('ktime_get_ns', (_1, _2, _3, _4, _5, call) => tick(call)),
    helper('ktime_get_boot_ns', (_1, _2, _3, _4, _5, call) => tick(call)),
    helper('ktime_get_tai_ns', (_1, _2, _3, _4, _5, call) => tick(call) + TAI_OFFSET_NS),
    helper('ktime_get_coarse_ns', (_1, _2, _3, _4, _5, call) => {
      const ns = tick(call);
      return ns - (ns % TICK_NS);
    }),
    helper('jiffies64', (_1, _2, _3, _4, _5, call) => BigInt.asUintN(64, INITIAL_JIFFIES + tick(call) / TICK_NS)),
    helper('get_prandom_u32', (_1, _2, _3, _4, _5, call) => BigInt(envOf(call).kernel.random32())),
    helper('get_smp_processor_id', (_1, _2, _3, _4, _5, call) => BigInt(envOf(call).cpu)),
    // One NUMA node: every cpu is on node 0.
    helper('get_numa_node_id', () => 0n),
  ];
}
