// tcx links (kernel/bpf/tcx.c, include/net/tcx.h): sched_cls programs on a device's ingress or egress path, attached
// with LINK_CREATE (attach_type BPF_TCX_INGRESS / BPF_TCX_EGRESS, target_ifindex), run in attach order by
// tcxRun until one returns something other than TCX_NEXT. The same program twice on one hook is EEXIST
// (bpf_mprog_exists), more than 64 is ERANGE; relative placement (BPF_F_BEFORE / AFTER / ID / LINK) and
// expected_revision are not simulated (EINVAL). Legacy tc (cls_bpf via netlink) is not simulated either.
import { BpfError } from '../errno.js';
import { u32 } from '../attr.js';
import type { Kernel } from '../kernel.js';
import type { ProgObject } from '../prog/program.js';
import { PROG_TYPE_NAMES } from '../uapi.js';
import { buildSkb, runOnSkb } from '../progs/types/sk-buff.js';
import type { NetDevice } from './netdev.js';
import { linkPrimeFailed } from './xdp.js';
import type { AttachPoint, AttachRegistry } from './registry.js';
import type { LinkObject, LinkOps } from './link.js';

export const BPF_TCX_INGRESS = 46;
export const BPF_TCX_EGRESS = 47;
export const BPF_LINK_TYPE_TCX = 11;
/** enum tcx_action_base */
export const TCX_NEXT = -1;
export const TCX_PASS = 0;
export const TCX_DROP = 2;
export const TCX_REDIRECT = 7;
/** bpf_mprog_max(): programs per hook. */
const MPROG_MAX = 64;
const SCHED_CLS = PROG_TYPE_NAMES.indexOf('SCHED_CLS');

type Direction = 'ingress' | 'egress';
const hooks = new WeakMap<NetDevice, Record<Direction, LinkObject[]>>();

function hookOf(dev: NetDevice, dir: Direction): LinkObject[] {
  let h = hooks.get(dev);
  if (!h) hooks.set(dev, (h = { ingress: [], egress: [] }));
  return h[dir];
}

const dirOf = (attachType: number): Direction => (attachType === BPF_TCX_INGRESS ? 'ingress' : 'egress');
const devOf = (link: LinkObject): NetDevice | undefined => link.state.dev as NetDevice | undefined;

function unhook(link: LinkObject): void {
  const dev = devOf(link);
  if (!dev) return;
  const list = hookOf(dev, dirOf(link.attachType));
  const i = list.indexOf(link);
  if (i >= 0) list.splice(i, 1);
  link.state.dev = undefined;
}

const tcxLinkOps: LinkOps = {
  linkType: BPF_LINK_TYPE_TCX,
  release: unhook,
  detach: unhook,
  updateProg(link, newProg) {
    const dev = devOf(link);
    if (!dev) throw new BpfError('ENOLINK', 'BPF_LINK_UPDATE: the tcx link is detached');
    if (newProg.type !== SCHED_CLS) throw new BpfError('EINVAL', 'BPF_LINK_UPDATE: tcx runs sched_cls programs');
    if (newProg !== link.prog && hookOf(dev, dirOf(link.attachType)).some((l) => l.prog === newProg)) {
      throw new BpfError('EEXIST', `BPF_LINK_UPDATE: program ${newProg.id} is already on this hook`);
    }
  },
  showFdinfo: (link) => `ifindex:\t${devOf(link)?.ifindex ?? 0}\nattach_type:\t${link.attachType}\n`,
  fillLinkInfo(link, view) {
    view.setUint32(16, devOf(link)?.ifindex ?? 0, true);
    view.setUint32(20, link.attachType, true);
  },
  infoFields: (link) => ({ ifindex: devOf(link)?.ifindex ?? 0, attach_type: link.attachType }),
};

export function tcxAttachPoint(): AttachPoint {
  return {
    attach({ kernel, prog, attachType, attr }) {
      const cmd = 'BPF_LINK_CREATE';
      if (prog.type !== SCHED_CLS) throw new BpfError('EINVAL', `${cmd}: tcx takes sched_cls programs (got type ${prog.type})`);
      if (u32(attr, 'flags', cmd) || u32(attr, 'relative_fd', cmd) || u32(attr, 'relative_id', cmd) || u32(attr, 'expected_revision', cmd)) {
        throw new BpfError('EINVAL', `${cmd}: tcx relative placement and expected_revision are not simulated`);
      }
      const ifindex = u32(attr, 'target_ifindex', cmd);
      const dev = kernel.netdevs.get(ifindex);
      if (!dev) throw new BpfError('ENODEV', `${cmd}: no device with ifindex ${ifindex}`);
      const list = hookOf(dev, dirOf(attachType));
      // tcx_link_attach primes the link (allocating its ID) before bpf_mprog_attach's checks
      const refuse = (errno: 'EEXIST' | 'ERANGE', why: string): never => {
        linkPrimeFailed(kernel);
        throw new BpfError(errno, `${cmd}: ${why}`);
      };
      if (list.some((l) => l.prog === prog)) refuse('EEXIST', `program ${prog.id} is already on ${dev.name} ${dirOf(attachType)}`);
      if (list.length >= MPROG_MAX) refuse('ERANGE', `${MPROG_MAX} programs already on ${dev.name} ${dirOf(attachType)}`);
      return { ops: tcxLinkOps, state: { dev }, bind: (link) => void list.push(link) };
    },
  };
}

/**
 * The device is going away (unregister_netdevice → tcx_uninstall): every tcx link on it is detached — its fd stays
 * valid, its info shows ifindex 0, LINK_DETACH returns 0 and LINK_UPDATE ENOLINK (6.18). Called by NetDevices.remove.
 */
export function tcxDeviceGone(dev: NetDevice): void {
  for (const dir of ['ingress', 'egress'] as const) {
    for (const link of [...hookOf(dev, dir)]) {
      unhook(link);
      link.detached = true;
    }
  }
}

export function registerTcxAttachPoints(r: AttachRegistry): void {
  const point = tcxAttachPoint();
  r.register(BPF_TCX_INGRESS, point);
  r.register(BPF_TCX_EGRESS, point);
}

export interface TcxVerdict {
  /** TCX_PASS / TCX_DROP / TCX_REDIRECT, or TCX_NEXT when no program decided (the packet goes on). */
  readonly action: number;
  /** The programs that ran, in order. */
  readonly ran: readonly ProgObject[];
  /** The frame after the programs (they may rewrite it). */
  readonly frame: Uint8Array;
}

/**
 * A frame passing device `ifindex` in `direction` (sch_handle_ingress / sch_handle_egress → tcx_run): every tcx
 * program runs on the skb (data at the MAC header) until one returns something other than TCX_NEXT;
 * tcx_action_code then keeps PASS / DROP / REDIRECT and turns anything else into TCX_NEXT.
 */
export function tcxRun(kernel: Kernel, ifindex: number, frame: Uint8Array, direction: Direction): TcxVerdict {
  const dev = kernel.netdevs.get(ifindex);
  if (!dev) throw new BpfError('ENODEV', `no device with ifindex ${ifindex}`);
  const flavour = { l2: true, writablePacket: true };
  const skb = buildSkb(frame.slice(), flavour, ifindex);
  const ran: ProgObject[] = [];
  let ret = TCX_NEXT;
  for (const link of [...hookOf(dev, direction)]) {
    ran.push(link.prog);
    ret = runOnSkb(kernel, link.prog, skb, flavour) | 0;
    if (ret !== TCX_NEXT) break;
  }
  const action = ret === TCX_PASS || ret === TCX_DROP || ret === TCX_REDIRECT ? ret : TCX_NEXT;
  return { action, ran, frame: skb.frame };
}
