// Attach points for BPF_LINK_CREATE: each attach type maps to something that can create a link for a program.
// objects-progs adds cgroups, tracepoints, kprobes, tcx… by registering an AttachPoint for their attach types.
import type { BpfAttr } from '../attr.js';
import type { Kernel } from '../kernel.js';
import type { Process } from '../process.js';
import type { ProgObject } from '../prog/program.js';
import type { LinkOps } from './link.js';
import type { NetDevices } from './netdev.js';
import { xdpAttachPoint } from './xdp.js';
import { registerCgroupAttachPoints } from './cgroup.js';
import { registerPerfEventAttachPoint } from './perf-event.js';
import { registerTcxAttachPoints } from './tcx.js';
import { iterAttachPoint, BPF_TRACE_ITER } from '../iter/link.js';
import { BPF_ATTACH_TYPE_XDP } from '../uapi.js';

export interface AttachRequest {
  readonly kernel: Kernel;
  readonly proc: Process;
  readonly prog: ProgObject;
  readonly attachType: number;
  readonly attr: BpfAttr;
}

/** What LINK_CREATE needs from an attach kind: validate, attach, and return the ops and state of the new link. */
export interface AttachPoint {
  /** Checks everything and attaches; must throw BpfError BEFORE changing anything. */
  attach(req: AttachRequest): { ops: LinkOps; state: Record<string, unknown>; bind(link: import('./link.js').LinkObject): void };
}

export class AttachRegistry {
  private readonly byType = new Map<number, AttachPoint>();

  register(attachType: number, point: AttachPoint): void {
    this.byType.set(attachType, point);
  }

  get(attachType: number): AttachPoint | undefined {
    return this.byType.get(attachType);
  }
}

export function defaultAttachPoints(netdevs: NetDevices): AttachRegistry {
  const r = new AttachRegistry();
  r.register(BPF_ATTACH_TYPE_XDP, xdpAttachPoint(netdevs));
  registerCgroupAttachPoints(r);
  registerPerfEventAttachPoint(r);
  registerTcxAttachPoints(r);
  r.register(BPF_TRACE_ITER, iterAttachPoint());
  return r;
}
