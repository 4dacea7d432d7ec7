// XDP links (net/core/dev.c: bpf_xdp_link_attach): one program per device; LINK_CREATE with attach_type BPF_XDP
// and target_ifindex. Detach (or the link's last reference) takes the program off the device.
import { BpfError } from '../errno.js';
import { u32 } from '../attr.js';
import { BPF_LINK_TYPE_XDP, BPF_PROG_TYPE_XDP } from '../uapi.js';
import type { AttachPoint } from './registry.js';
import type { LinkObject, LinkOps } from './link.js';
import type { NetDevice, NetDevices } from './netdev.js';

/** XDP_FLAGS_MODES: SKB_MODE | DRV_MODE | HW_MODE. */
const XDP_FLAGS_MODES = (1 << 1) | (1 << 2) | (1 << 3);

const dev = (link: LinkObject): NetDevice | undefined => link.state.dev as NetDevice | undefined;

const xdpLinkOps: LinkOps = {
  linkType: BPF_LINK_TYPE_XDP,
  release(link) {
    const d = dev(link);
    if (d && d.xdp?.link === link) d.xdp = undefined;
  },
  detach(link) {
    // bpf_xdp_link_detach: off the device; the link stays (defunct) until its last fd goes.
    xdpLinkOps.release(link);
    link.state.dev = undefined;
  },
  updateProg(link, newProg) {
    if (newProg.type !== BPF_PROG_TYPE_XDP) throw new BpfError('EINVAL', 'BPF_LINK_UPDATE: new program is not an XDP program');
    const d = dev(link);
    if (!d) throw new BpfError('ENOLINK', 'BPF_LINK_UPDATE: link is detached');
    d.xdp = { prog: newProg, link };
  },
  showFdinfo(link) {
    return `ifindex:\t${dev(link)?.ifindex ?? 0}\n`;
  },
  fillLinkInfo(link, view) {
    view.setUint32(16, dev(link)?.ifindex ?? 0, true);
  },
  infoFields(link) {
    return { ifindex: dev(link)?.ifindex ?? 0 };
  },
};

export function xdpAttachPoint(netdevs: NetDevices): AttachPoint {
  return {
    attach({ prog, attr }) {
      const cmd = 'BPF_LINK_CREATE';
      if (prog.type !== BPF_PROG_TYPE_XDP) throw new BpfError('EINVAL', `${cmd}: attach_type BPF_XDP needs an XDP program (got type ${prog.type})`);
      const flags = u32(attr, 'flags', cmd);
      if (flags & ~XDP_FLAGS_MODES) throw new BpfError('EINVAL', `${cmd}: unknown XDP flags 0x${flags.toString(16)}`);
      const ifindex = u32(attr, 'target_ifindex', cmd);
      const d = netdevs.get(ifindex);
      // bpf_xdp_link_attach: dev_get_by_index failing is EINVAL (checked on 6.18 with a veth in a private netns).
      if (!d) throw new BpfError('EINVAL', `${cmd}: no device with ifindex ${ifindex}`);
      if (d.xdp) throw new BpfError('EBUSY', `${cmd}: device ${d.name} already has an XDP program`);
      return {
        ops: xdpLinkOps,
        state: { dev: d },
        bind(link) {
          d.xdp = { prog, link };
        },
      };
    },
  };
}
