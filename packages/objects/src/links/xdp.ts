// XDP on a device (net/core/dev.c): the checks of dev_xdp_attach, shared by XDP links (bpf_xdp_link_attach:
// LINK_CREATE with attach_type BPF_XDP and target_ifindex) and legacy attachment (xdp-legacy.ts); the link ops; and
// dev_xdp_uninstall for a device that goes away. Every errno below was checked on Linux 6.18 with a veth pair and lo
// in a private network namespace (test/links/oracle/xdp-netdev.c).
import { BpfError } from '../errno.js';
import { u32 } from '../attr.js';
import type { Kernel } from '../kernel.js';
import type { ProgObject } from '../prog/program.js';
import { BPF_LINK_TYPE_XDP, BPF_PROG_TYPE_XDP } from '../uapi.js';
import type { AttachPoint } from './registry.js';
import type { LinkObject, LinkOps } from './link.js';
import type { NetDevice, NetDevices, XdpMode } from './netdev.js';

export const XDP_FLAGS_UPDATE_IF_NOEXIST = 1 << 0;
export const XDP_FLAGS_SKB_MODE = 1 << 1;
export const XDP_FLAGS_DRV_MODE = 1 << 2;
export const XDP_FLAGS_HW_MODE = 1 << 3;
export const XDP_FLAGS_REPLACE = 1 << 4;
export const XDP_FLAGS_MODES = XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE | XDP_FLAGS_HW_MODE;
export const XDP_FLAGS_MASK = XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_MODES | XDP_FLAGS_REPLACE;
/** enum bpf_attach_type BPF_XDP_DEVMAP / BPF_XDP_CPUMAP: programs for maps, not devices. */
const BPF_XDP_DEVMAP = 33;
const BPF_XDP_CPUMAP = 35;

/** hweight32(flags & XDP_FLAGS_MODES) > 1 */
export const severalModes = (flags: number): boolean => {
  const m = flags & XDP_FLAGS_MODES;
  return (m & (m - 1)) !== 0;
};

/** dev_xdp_mode: the mode flag, else native when the driver has ndo_bpf, else generic. */
function modeOf(dev: NetDevice, flags: number): XdpMode | 'hw' {
  if (flags & XDP_FLAGS_HW_MODE) return 'hw';
  if (flags & XDP_FLAGS_DRV_MODE) return 'drv';
  if (flags & XDP_FLAGS_SKB_MODE) return 'skb';
  return dev.nativeXdp ? 'drv' : 'skb';
}

export interface XdpAttachRequest {
  readonly dev: NetDevice;
  readonly flags: number;
  /** The link being attached (its program is the new one), or undefined for legacy attachment. */
  readonly linkProg?: ProgObject;
  /** Legacy: the program to put on (undefined: take the current one off). */
  readonly newProg?: ProgObject;
  /** Legacy with XDP_FLAGS_REPLACE: the program expected there now (undefined: none). */
  readonly oldProg?: ProgObject;
  readonly what: string;
}

/**
 * dev_xdp_attach's checks, in its order; throws before anything changes. Returns the mode the program goes into and
 * the program there now (which the caller's commit replaces).
 */
export function checkXdpAttach(req: XdpAttachRequest): { mode: XdpMode; cur: ProgObject | undefined } {
  const { dev, flags, what } = req;
  const isLink = req.linkProg !== undefined;
  if (isLink && flags & ~XDP_FLAGS_MODES) throw new BpfError('EINVAL', `${what}: invalid XDP flags 0x${flags.toString(16)} for BPF link attachment`);
  if (severalModes(flags)) throw new BpfError('EINVAL', `${what}: only one XDP mode flag can be set`);
  if (req.oldProg && !(flags & XDP_FLAGS_REPLACE)) throw new BpfError('EINVAL', `${what}: XDP_FLAGS_REPLACE is not specified`);
  const mode = modeOf(dev, flags);
  const slot = dev.xdp && dev.xdp.mode === mode ? dev.xdp : undefined;
  if (slot?.link) throw new BpfError('EBUSY', `${what}: can't replace active BPF XDP link on ${dev.name}`);
  const cur = slot?.prog;
  if (isLink && cur) throw new BpfError('EBUSY', `${what}: can't replace active XDP program on ${dev.name} with a BPF link`);
  if (flags & XDP_FLAGS_REPLACE && cur !== req.oldProg) throw new BpfError('EEXIST', `${what}: active program on ${dev.name} does not match expected`);
  const newProg = req.linkProg ?? req.newProg;
  if (newProg) {
    if (flags & XDP_FLAGS_UPDATE_IF_NOEXIST && cur) throw new BpfError('EBUSY', `${what}: XDP program already attached to ${dev.name}`);
    if (mode !== 'hw' && dev.xdp && dev.xdp.mode !== mode) {
      throw new BpfError('EEXIST', `${what}: native and generic XDP can't be active at the same time on ${dev.name}`);
    }
    if (newProg.expectedAttachType === BPF_XDP_DEVMAP || newProg.expectedAttachType === BPF_XDP_CPUMAP) {
      throw new BpfError('EINVAL', `${what}: BPF_XDP_DEVMAP/CPUMAP programs can not be attached to a device`);
    }
  }
  if (newProg !== cur) {
    // dev_xdp_bpf_op: generic XDP always works; native and offload need the driver's ndo_bpf
    if (mode !== 'skb' && !dev.nativeXdp) throw new BpfError('EOPNOTSUPP', `${what}: ${dev.name}'s driver does not support XDP in native mode`);
    // veth_xdp handles XDP_SETUP_PROG only: offload (XDP_SETUP_PROG_HW) is EINVAL
    if (mode === 'hw') throw new BpfError('EINVAL', `${what}: ${dev.name} cannot offload XDP programs (HW mode)`);
  }
  return { mode: mode as XdpMode, cur };
}

/**
 * A LINK_CREATE that fails after bpf_link_prime (which allocates the link's ID) frees that ID again in
 * bpf_link_cleanup: the ID is used up all the same, so the next link's ID skips it (observed on 6.18).
 */
export function linkPrimeFailed(kernel: Kernel): void {
  kernel.linkIds.remove(kernel.linkIds.alloc(undefined as unknown as LinkObject));
}

const devOf = (link: LinkObject): NetDevice | undefined => link.state.dev as NetDevice | undefined;

/** bpf_xdp_link_release: off the device unless the device already let go of it. */
function release(link: LinkObject): void {
  const d = devOf(link);
  if (d && d.xdp?.link === link) d.xdp = undefined;
  link.state.dev = undefined;
}

const xdpLinkOps: LinkOps = {
  linkType: BPF_LINK_TYPE_XDP,
  release,
  // bpf_xdp_link_detach: release, return 0 — also when the device is already gone
  detach: release,
  updateProg(link, newProg) {
    // bpf_xdp_link_update: "link might have been auto-released already"
    const d = devOf(link);
    if (!d || d.xdp?.link !== link) throw new BpfError('ENOLINK', 'BPF_LINK_UPDATE: the XDP link is detached');
    if (newProg.type !== BPF_PROG_TYPE_XDP) throw new BpfError('EINVAL', 'BPF_LINK_UPDATE: new program is not an XDP program');
    d.xdp.prog = newProg;
  },
  showFdinfo(link) {
    return `ifindex:\t${devOf(link)?.ifindex ?? 0}\n`;
  },
  fillLinkInfo(link, view) {
    view.setUint32(16, devOf(link)?.ifindex ?? 0, true);
  },
  infoFields(link) {
    return { ifindex: devOf(link)?.ifindex ?? 0 };
  },
};

export function xdpAttachPoint(netdevs: NetDevices): AttachPoint {
  return {
    attach({ kernel, prog, attr }) {
      const what = 'BPF_LINK_CREATE';
      if (prog.type !== BPF_PROG_TYPE_XDP) throw new BpfError('EINVAL', `${what}: attach_type BPF_XDP needs an XDP program (got type ${prog.type})`);
      const flags = u32(attr, 'flags', what);
      if (flags & ~XDP_FLAGS_MODES) throw new BpfError('EINVAL', `${what}: invalid XDP flags 0x${flags.toString(16)} for BPF link attachment`);
      const ifindex = u32(attr, 'target_ifindex', what);
      const dev = netdevs.get(ifindex);
      // bpf_xdp_link_attach: dev_get_by_index failing is EINVAL (6.18)
      if (!dev) throw new BpfError('EINVAL', `${what}: no device with ifindex ${ifindex}`);
      let mode: XdpMode;
      try {
        ({ mode } = checkXdpAttach({ dev, flags, linkProg: prog, what }));
      } catch (e) {
        linkPrimeFailed(kernel);
        throw e;
      }
      return {
        ops: xdpLinkOps,
        state: { dev, flags },
        bind(link) {
          dev.xdp = { prog: link.prog, link, mode };
        },
      };
    },
  };
}

/**
 * dev_xdp_uninstall, for a device being unregistered: a link is auto-detached (it keeps its fd and program, its
 * fdinfo and info show ifindex 0, LINK_DETACH is then a no-op returning 0 and LINK_UPDATE is ENOLINK); a legacy
 * program loses the device's reference, which frees it if nothing else holds it.
 */
export function xdpDeviceGone(dev: NetDevice): void {
  const slot = dev.xdp;
  if (!slot) return;
  dev.xdp = undefined;
  if (slot.link) {
    slot.link.state.dev = undefined;
    slot.link.detached = true;
  } else {
    slot.prog.put();
  }
}
