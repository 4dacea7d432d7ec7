// Simulated network devices: enough for XDP attachment (one program per device and mode). The loopback device
// (ifindex 1) always exists; tests add more with `kernel.netdevs.add(name)`.
import { BpfError } from '../errno.js';
import type { ProgObject } from '../prog/program.js';
import type { LinkObject } from './link.js';

export class NetDevice {
  /** The XDP program running on this device, and the link that put it there (if it came from BPF_LINK_CREATE). */
  xdp: { prog: ProgObject; link?: LinkObject } | undefined;
  constructor(
    readonly ifindex: number,
    readonly name: string,
  ) {}
}

export class NetDevices {
  private readonly devs = new Map<number, NetDevice>();
  private nextIfindex = 1;

  constructor() {
    this.add('lo');
  }

  add(name: string): NetDevice {
    for (const d of this.devs.values()) if (d.name === name) throw new BpfError('EEXIST', `device ${name} exists`);
    const d = new NetDevice(this.nextIfindex++, name);
    this.devs.set(d.ifindex, d);
    return d;
  }

  get(ifindex: number): NetDevice | undefined {
    return this.devs.get(ifindex);
  }

  list(): NetDevice[] {
    return [...this.devs.values()];
  }
}
