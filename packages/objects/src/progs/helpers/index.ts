// objects-progs' helpers, one file per family, registered into core's HelperRegistry by registerStandardHelpers
// (one call at the end of defaultHelpers, so these implementations replace core's simpler ones where both exist).
import type { HelperRegistry } from '../helpers.js';
import { xdpAdjustHead, xdpAdjustMeta, xdpAdjustTail } from '../types/xdp.js';
import { cgroupHelpers } from './cgroup.js';
import { currentTaskHelpers } from './current.js';
import { helper } from './define.js';
import { lockHelpers } from './lock.js';
import { loopHelpers } from './loop.js';
import { mapHelpers } from './maps.js';
import { outputHelpers } from './output.js';
import { packetHelpers } from './packet.js';
import { probeHelpers } from './probe.js';
import { timeHelpers } from './time.js';
import { traceHelpers } from './trace.js';

export function registerStandardHelpers(r: HelperRegistry): void {
  const specs = [
    ...timeHelpers(),
    ...currentTaskHelpers(),
    ...traceHelpers(),
    ...mapHelpers(),
    ...loopHelpers(),
    ...outputHelpers(),
    ...lockHelpers(),
    ...probeHelpers(),
    ...packetHelpers(),
    ...cgroupHelpers(),
    helper('xdp_adjust_head', (r1, r2, _3, _4, _5, call) => xdpAdjustHead(r1, r2, call), ['XDP']),
    helper('xdp_adjust_tail', (r1, r2, _3, _4, _5, call) => xdpAdjustTail(r1, r2, call), ['XDP']),
    helper('xdp_adjust_meta', (r1, r2, _3, _4, _5, call) => xdpAdjustMeta(r1, r2, call), ['XDP']),
  ];
  for (const s of specs) r.register(s);
}

export { BPF_MAX_LOOPS } from './loop.js';
export { HZ, INITIAL_JIFFIES, VirtualClock, virtualClock, VIRTUAL_CLOCK_STEP_NS } from './time.js';
