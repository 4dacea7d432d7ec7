// What objects-progs adds to @bpfsim/objects' public API: cgroups, simulated trace events, the trace pipe, XDP
// receive on a device, context layouts, and the helper families.
export {
  CgroupHierarchy, Cgroup, BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI, BPF_F_REPLACE, BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ,
  BPF_DEVCG_ACC_WRITE, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR,
} from '../cgroups.js';
export { ProbeEvents, type ProbeEvent, type ProbeKind, type FireOptions, type FireResult, PT_REGS_SIZE, PT_REGS_PARM_OFFSETS } from '../events-sim.js';
export { TracePipe } from '../trace-pipe.js';
export { xdpReceive, type XdpVerdict, XDP_MD, XDP_MD_SIZE, XDP_PACKET_HEADROOM, XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT } from './types/xdp.js';
export { SKB, SK_BUFF_SIZE as SK_BUFF_UAPI_SIZE } from './types/sk-buff.js';
export { registerStandardHelpers, BPF_MAX_LOOPS, HZ, INITIAL_JIFFIES, VirtualClock, virtualClock, VIRTUAL_CLOCK_STEP_NS } from './helpers/index.js';
export { registerProgTypes } from './types/index.js';
export { setXdpProgram, type XdpSetOptions, XDP_FLAGS_UPDATE_IF_NOEXIST, XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE, XDP_FLAGS_HW_MODE, XDP_FLAGS_REPLACE } from '../links/xdp-legacy.js';
export { tcxRun, type TcxVerdict, BPF_TCX_INGRESS, BPF_TCX_EGRESS, TCX_NEXT, TCX_PASS, TCX_DROP, TCX_REDIRECT } from '../links/tcx.js';
