// Raw tracepoint links (kernel/bpf/syscall.c bpf_raw_tracepoint_open → bpf_raw_tp_link_attach): a raw_tracepoint
// program attached by tracepoint name ("sched_switch"); firing the tracepoint (kernel.probes.fire) runs it with
// the u64 argument array. Detaching (or the link's last reference) unregisters it.
import { BpfError } from '../errno.js';
import { cString, fdField, type BpfAttr } from '../attr.js';
import type { Process } from '../process.js';
import { PROG_TYPE_NAMES } from '../uapi.js';
import type { ProbeEvent } from '../events-sim.js';
import { LinkObject, type LinkOps } from './link.js';
import { convertedProgram } from '../progs/types/runnable.js';

export const BPF_LINK_TYPE_RAW_TRACEPOINT = 1;
/** enum bpf_attach_type BPF_TRACE_RAW_TP: what a raw tracepoint link reports as its attach type. */
export const BPF_TRACE_RAW_TP = 23;
const RAW_TP = PROG_TYPE_NAMES.indexOf('RAW_TRACEPOINT');
const RAW_TP_WRITABLE = PROG_TYPE_NAMES.indexOf('RAW_TRACEPOINT_WRITABLE');
/** Raw tracepoint arguments are read-only here: a writable program may access no bytes (btp->writable_size 0). */
const WRITABLE_SIZE = 0;

const eventOf = (link: LinkObject): ProbeEvent | undefined => link.state.event as ProbeEvent | undefined;
const tpName = (link: LinkObject): string => link.state.tpName as string;

function unregister(link: LinkObject): void {
  const ev = eventOf(link);
  if (!ev) return;
  const i = ev.rawLinks.indexOf(link);
  if (i >= 0) ev.rawLinks.splice(i, 1);
  link.state.event = undefined;
}

const rawTpLinkOps: LinkOps = {
  linkType: BPF_LINK_TYPE_RAW_TRACEPOINT,
  release: unregister,
  detach: unregister,
  showFdinfo: (link) => `tp_name:\t${tpName(link)}\n`,
  fillLinkInfo(link, view) {
    // raw_tracepoint.tp_name is a user pointer the caller supplies; bpfsim reports only tp_name_len.
    view.setUint32(24, new TextEncoder().encode(tpName(link)).length + 1, true);
  },
  infoFields: (link) => ({ tp_name: tpName(link), tp_name_len: new TextEncoder().encode(tpName(link)).length + 1 }),
};

/** BPF_RAW_TRACEPOINT_OPEN: attr.name (the tracepoint) and attr.prog_fd → a link fd. */
export function rawTracepointOpen(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_RAW_TRACEPOINT_OPEN';
  for (const [k, v] of Object.entries(attr)) {
    if (!['name', 'prog_fd', 'cookie'].includes(k) && v !== undefined && v !== 0 && v !== null) {
      throw new BpfError('EINVAL', `${cmd}: attr field '${k}' is not read by this command and must be zero (CHECK_ATTR)`);
    }
  }
  const prog = proc.progFromFd(fdField(attr, 'prog_fd', cmd), cmd);
  if (prog.type !== RAW_TP && prog.type !== RAW_TP_WRITABLE) {
    throw new BpfError('EINVAL', `${cmd}: program ${prog.id} is not a raw_tracepoint program (tracing/ext/lsm programs attach by BTF id, not simulated)`);
  }
  const name = cString(attr, 'name', cmd);
  if (name === undefined) throw new BpfError('EFAULT', `${cmd}: name is NULL`);
  const ev = proc.kernel.probes.rawTracepoint(name.slice(0, 127));
  if (!ev) throw new BpfError('ENOENT', `${cmd}: no tracepoint ${name}`);
  if (prog.type === RAW_TP_WRITABLE && convertedProgram(prog).maxCtxOffset > WRITABLE_SIZE) {
    throw new BpfError('EINVAL', `${cmd}: tracepoint ${name} has no writable buffer for this program`);
  }
  proc.fds.ensureFree();
  prog.get(); // the link's reference
  const link = new LinkObject(proc.kernel, rawTpLinkOps, prog, BPF_TRACE_RAW_TP);
  link.state = { event: ev, tpName: name };
  ev.rawLinks.push(link);
  return proc.installObject({ kind: 'link', obj: link }, { read: true, write: true });
}
