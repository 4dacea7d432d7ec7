// Simulated network devices: what XDP and tcx attach to. The loopback device (ifindex 1) always exists; tests and
// tools add more with `kernel.netdevs.add(name)` (a veth end by default) or `addVethPair(a, b)`, and delete them
// with `remove(ifindex)`, which tears down what is attached the way unregister_netdevice does.
import { BpfError } from '../errno.js';
import type { ProgObject } from '../prog/program.js';
import type { LinkObject } from './link.js';
import { tcxDeviceGone } from './tcx.js';
import { xdpDeviceGone } from './xdp.js';

/** enum bpf_xdp_mode without XDP_MODE_HW: no simulated device offloads programs. */
export type XdpMode = 'skb' | 'drv';

/**
 * What kind of device it is, which decides its XDP support: `veth` has native XDP (ndo_bpf = veth_xdp, which
 * refuses offload with EINVAL); `loopback` and `dummy` have no ndo_bpf (generic XDP only). Loopback cannot be deleted.
 */
export type NetDeviceKind = 'veth' | 'loopback' | 'dummy';

export interface NetDeviceOptions {
  /** Default `veth`. */
  readonly kind?: NetDeviceKind;
}

/** An XDP program on a device (dev->xdp_state[mode]): put there by a link, or the legacy way (no link). */
export interface XdpSlot {
  prog: ProgObject;
  readonly link?: LinkObject;
  readonly mode: XdpMode;
}

export class NetDevice {
  /**
   * The XDP program on this device. Generic (skb) and native (drv) XDP can't be active at the same time
   * (dev_xdp_attach: EEXIST), and offload is not simulated, so a device has at most one.
   */
  xdp: XdpSlot | undefined;
  /** False once the device was removed (unregister_netdevice). */
  registered = true;
  /** The other end of a veth pair: deleting either end deletes both (veth_dellink). */
  peer: NetDevice | undefined;

  constructor(
    readonly ifindex: number,
    readonly name: string,
    readonly kind: NetDeviceKind,
  ) {}

  /** Whether the driver has ndo_bpf (native XDP); without it DRV and HW modes are EOPNOTSUPP. */
  get nativeXdp(): boolean {
    return this.kind === 'veth';
  }
}

export class NetDevices {
  private readonly devs = new Map<number, NetDevice>();
  /** Like dev_index_reserve's cyclic allocation: a removed device's ifindex is not handed out again. */
  private nextIfindex = 1;

  constructor() {
    this.add('lo', { kind: 'loopback' });
  }

  add(name: string, opts: NetDeviceOptions = {}): NetDevice {
    this.checkName(name);
    const d = new NetDevice(this.nextIfindex++, name, opts.kind ?? 'veth');
    this.devs.set(d.ifindex, d);
    return d;
  }

  /** `ip link add <a> type veth peer name <b>`: the peer is created first (it gets the lower ifindex, as on Linux). */
  addVethPair(name: string, peerName: string): [NetDevice, NetDevice] {
    this.checkName(name);
    this.checkName(peerName);
    if (name === peerName) throw new BpfError('EEXIST', `device ${name} exists`);
    const peer = this.add(peerName);
    const dev = this.add(name);
    dev.peer = peer;
    peer.peer = dev;
    return [dev, peer];
  }

  /**
   * `ip link del`: rtnl_dellink → unregister_netdevice_many. Per device (a veth's peer goes too, after it): its tcx
   * links are detached (tcx_uninstall), then its XDP program (dev_xdp_uninstall: a link is auto-detached and keeps
   * its fd, a legacy program's reference is dropped). ENODEV for no such device, EOPNOTSUPP for loopback (it has no
   * rtnl_link_ops->dellink).
   */
  remove(ifindex: number): void {
    const dev = this.devs.get(ifindex);
    if (!dev) throw new BpfError('ENODEV', `ip link del: no device with ifindex ${ifindex}`);
    if (dev.kind === 'loopback') throw new BpfError('EOPNOTSUPP', `ip link del: ${dev.name} (loopback) cannot be deleted`);
    const going = dev.peer?.registered ? [dev, dev.peer] : [dev];
    for (const d of going) {
      this.devs.delete(d.ifindex);
      d.registered = false;
    }
    for (const d of going) {
      tcxDeviceGone(d);
      xdpDeviceGone(d);
    }
  }

  get(ifindex: number): NetDevice | undefined {
    return this.devs.get(ifindex);
  }

  byName(name: string): NetDevice | undefined {
    for (const d of this.devs.values()) if (d.name === name) return d;
    return undefined;
  }

  list(): NetDevice[] {
    return [...this.devs.values()];
  }

  private checkName(name: string): void {
    // dev_valid_name: 1..15 bytes (IFNAMSIZ - 1), not "." or "..", no '/', ':' or whitespace.
    if (!name || name.length > 15 || name === '.' || name === '..' || /[/:\s]/.test(name)) {
      throw new BpfError('EINVAL', `device name ${JSON.stringify(name)} is not valid (1-15 characters, no '/', ':' or spaces)`);
    }
    if (this.byName(name)) throw new BpfError('EEXIST', `device ${name} exists`);
  }
}
