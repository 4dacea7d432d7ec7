// Perf-event links (kernel/trace/bpf_trace.c bpf_perf_link_attach): LINK_CREATE with attach_type BPF_PERF_EVENT and
// target_fd an fd from kernel.probes.perfEventOpen — a kprobe program on a kernel function, or a tracepoint program
// on a tracepoint. One program per perf event (EEXIST); the link cannot be updated or detached (the kernel's
// bpf_perf_link_lops has neither), only closed.
import { BpfError } from '../errno.js';
import { u32 } from '../attr.js';
import { PROG_TYPE_NAMES } from '../uapi.js';
import type { PerfEvent, ProbeEvent } from '../events-sim.js';
import type { AttachPoint, AttachRegistry } from './registry.js';
import type { LinkObject, LinkOps } from './link.js';

export const BPF_LINK_TYPE_PERF_EVENT = 7;
/** enum bpf_attach_type BPF_PERF_EVENT. */
export const BPF_PERF_EVENT = 41;
/** enum bpf_perf_event_type */
const BPF_PERF_EVENT_KPROBE = 3;
const BPF_PERF_EVENT_TRACEPOINT = 5;
const KPROBE = PROG_TYPE_NAMES.indexOf('KPROBE');
const TRACEPOINT = PROG_TYPE_NAMES.indexOf('TRACEPOINT');

const eventOf = (link: LinkObject): PerfEvent => link.state.event as PerfEvent;
const probeOf = (link: LinkObject): ProbeEvent => link.state.probe as ProbeEvent;

const perfLinkOps: LinkOps = {
  linkType: BPF_LINK_TYPE_PERF_EVENT,
  release(link) {
    // perf_event_free_bpf_prog
    const ev = eventOf(link);
    ev.attached = undefined;
    const list = probeOf(link).perfProgs;
    const i = list.findIndex((p) => p.link === link);
    if (i >= 0) list.splice(i, 1);
  },
  showFdinfo(link) {
    const p = probeOf(link);
    return p.kind === 'kprobe'
      ? `perf_event_type:\tkprobe\nfunc_name:\t${p.name}\noffset:\t0\naddr:\t${p.id.toString(16).padStart(16, '0')}\n`
      : `perf_event_type:\ttracepoint\ntp_name:\t${p.name.split(':')[1]}\n`;
  },
  fillLinkInfo(link, view) {
    const p = probeOf(link);
    const nameLen = new TextEncoder().encode(p.kind === 'kprobe' ? p.name : p.name.split(':')[1]).length + 1;
    view.setUint32(16, p.kind === 'kprobe' ? BPF_PERF_EVENT_KPROBE : BPF_PERF_EVENT_TRACEPOINT, true);
    view.setUint32(32, nameLen, true);
    if (p.kind === 'kprobe') view.setBigUint64(40, BigInt(p.id), true);
  },
  infoFields(link): Record<string, string | number | bigint> {
    const p = probeOf(link);
    return p.kind === 'kprobe'
      ? { perf_event_type: BPF_PERF_EVENT_KPROBE, func_name: p.name, addr: BigInt(p.id) }
      : { perf_event_type: BPF_PERF_EVENT_TRACEPOINT, tp_name: p.name.split(':')[1] };
  },
};

export function perfEventAttachPoint(): AttachPoint {
  return {
    attach({ kernel, proc, prog, attr }) {
      const cmd = 'BPF_LINK_CREATE';
      if (prog.type !== KPROBE && prog.type !== TRACEPOINT && prog.type !== PROG_TYPE_NAMES.indexOf('PERF_EVENT')) {
        throw new BpfError('EINVAL', `${cmd}: BPF_PERF_EVENT takes kprobe, tracepoint or perf_event programs`);
      }
      if (u32(attr, 'flags', cmd)) throw new BpfError('EINVAL', `${cmd}: flags must be 0 for perf event links`);
      const ev = kernel.probes.perfEventFromFd(proc, u32(attr, 'target_fd', cmd), cmd);
      const probe = ev.probe;
      if (!probe) throw new BpfError('EINVAL', `${cmd}: a BPF-output perf event runs no programs`);
      // perf_event_attach_bpf_prog
      const want = probe.kind === 'kprobe' ? KPROBE : TRACEPOINT;
      if (prog.type !== want) throw new BpfError('EINVAL', `${cmd}: a ${probe.kind} event needs a ${probe.kind} program`);
      if (ev.attached) throw new BpfError('EEXIST', `${cmd}: perf event on ${probe.name} already has a program`);
      return {
        ops: perfLinkOps,
        state: { event: ev, probe },
        bind(link) {
          ev.attached = { prog, link };
          probe.perfProgs.push({ prog, link, event: ev });
        },
      };
    },
  };
}

export function registerPerfEventAttachPoint(r: AttachRegistry): void {
  r.register(BPF_PERF_EVENT, perfEventAttachPoint());
}
