// Attaching XDP programs the pre-link way (what `ip link set dev X xdp …` and libbpf's bpf_xdp_attach do over
// netlink: net/core/dev.c dev_change_xdp_fd → dev_xdp_attach). The device holds the program reference itself;
// there is no link. A device whose program came from BPF_LINK_CREATE refuses it (EBUSY: "Can't replace active BPF
// XDP link"), and LINK_CREATE refuses a device with a legacy program (links/xdp.ts). The simulator keeps one
// program per device, so the mode flags are only validated.
import { BpfError } from '../errno.js';
import type { Process } from '../process.js';
import type { ProgObject } from '../prog/program.js';
import { BPF_PROG_TYPE_XDP } from '../uapi.js';

export const XDP_FLAGS_UPDATE_IF_NOEXIST = 1 << 0;
export const XDP_FLAGS_SKB_MODE = 1 << 1;
export const XDP_FLAGS_DRV_MODE = 1 << 2;
export const XDP_FLAGS_HW_MODE = 1 << 3;
export const XDP_FLAGS_REPLACE = 1 << 4;
const XDP_FLAGS_MODES = XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE | XDP_FLAGS_HW_MODE;
const XDP_FLAGS_MASK = XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_MODES | XDP_FLAGS_REPLACE;
/** enum bpf_attach_type BPF_XDP_DEVMAP / BPF_XDP_CPUMAP: programs for maps, not devices. */
const BPF_XDP_DEVMAP = 33;
const BPF_XDP_CPUMAP = 35;

export interface XdpSetOptions {
  /** XDP_FLAGS_* */
  flags?: number;
  /** With XDP_FLAGS_REPLACE: the program expected on the device now (-1: none). */
  expectedFd?: number;
}

/** bpf_prog_get_type_dev(fd, BPF_PROG_TYPE_XDP): EBADF / EINVAL. */
function xdpProg(proc: Process, fd: number, what: string): ProgObject {
  const prog = proc.progFromFd(fd, what);
  if (prog.type !== BPF_PROG_TYPE_XDP) throw new BpfError('EINVAL', `${what}: program ${prog.id} is not an XDP program`);
  return prog;
}

/**
 * dev_change_xdp_fd: put the XDP program `fd` on device `ifindex`, or take the current one off with fd -1. Checks
 * everything before changing anything; the device takes its own program reference and drops the old one.
 */
export function setXdpProgram(proc: Process, ifindex: number, fd: number, opts: XdpSetOptions = {}): void {
  const what = 'XDP attach';
  const flags = opts.flags ?? 0;
  const dev = proc.kernel.netdevs.get(ifindex);
  if (!dev) throw new BpfError('ENODEV', `${what}: no device with ifindex ${ifindex}`);
  if (flags & ~XDP_FLAGS_MASK) throw new BpfError('EINVAL', `${what}: unknown flags 0x${(flags & ~XDP_FLAGS_MASK).toString(16)}`);
  const newProg = fd >= 0 ? xdpProg(proc, fd, what) : undefined;
  const expectedFd = opts.expectedFd ?? -1;
  const oldProg = flags & XDP_FLAGS_REPLACE && expectedFd >= 0 ? xdpProg(proc, expectedFd, what) : undefined;
  const modes = flags & XDP_FLAGS_MODES;
  if (modes & (modes - 1)) throw new BpfError('EINVAL', `${what}: only one XDP mode flag can be set`);
  if (oldProg && !(flags & XDP_FLAGS_REPLACE)) throw new BpfError('EINVAL', `${what}: XDP_FLAGS_REPLACE is not specified`);
  if (dev.xdp?.link) throw new BpfError('EBUSY', `${what}: can't replace active BPF XDP link on ${dev.name}`);
  const cur = dev.xdp?.prog;
  if (flags & XDP_FLAGS_REPLACE && cur !== oldProg) throw new BpfError('EEXIST', `${what}: active program does not match expected`);
  if (newProg) {
    if (flags & XDP_FLAGS_UPDATE_IF_NOEXIST && cur) throw new BpfError('EBUSY', `${what}: XDP program already attached to ${dev.name}`);
    if (newProg.expectedAttachType === BPF_XDP_DEVMAP || newProg.expectedAttachType === BPF_XDP_CPUMAP) {
      throw new BpfError('EINVAL', `${what}: devmap/cpumap programs can not be attached to a device`);
    }
  }
  if (newProg === cur) return;
  newProg?.get();
  dev.xdp = newProg ? { prog: newProg } : undefined;
  cur?.put();
}
