// BPF_ITER_CREATE (kernel/bpf/syscall.c bpf_iter_create → bpf_iter_new_fd) and the iterator part of BPF_PROG_LOAD
// (which target a BPF_TRACE_ITER program is for).
import { BpfError } from '../errno.js';
import { checkAttr, describeValue, fdField, u32, type BpfAttr } from '../attr.js';
import { attachTypeNumber, progTypeNumber } from '../uapi.js';
import type { Process } from '../process.js';
import { isIterLink, openIterSession, BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER } from '../iter/link.js';
import { iterTargetByBtfId, iterTargetByName, type IterTarget } from '../iter/targets.js';
import { setProgIterTarget } from '../iter/prog-target.js';

/**
 * BPF_ITER_CREATE: a new session of the iterator link as a read-only fd (O_RDONLY | O_CLOEXEC). flags must be 0;
 * a link fd of another kind is EINVAL. Each call is an independent session; read it with `proc.read(fd, n)`.
 */
export function iterCreate(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_ITER_CREATE';
  checkAttr(cmd, attr);
  if (u32(attr, 'flags', cmd)) throw new BpfError('EINVAL', `${cmd}: flags must be 0`);
  const link = proc.linkFromFd(fdField(attr, 'link_fd', cmd), cmd);
  if (!isIterLink(link)) throw new BpfError('EINVAL', `${cmd}: link ${link.id} is not an iterator link`);
  proc.fds.ensureFree();
  const session = openIterSession(proc.kernel, link);
  return proc.installObject(
    { kind: 'seq', name: 'bpf_iter', read: (n) => session.read(n), onClose: () => session.close() },
    { read: true, write: false },
  );
}

type Handler = (proc: Process, attr: BpfAttr) => number;

/**
 * The iterator target of a BPF_PROG_LOAD of a BPF_PROG_TYPE_TRACING / BPF_TRACE_ITER program. The kernel takes it
 * from attach_btf_id (the vmlinux BTF id of the FUNC `bpf_iter_<target>`, what libbpf resolves for
 * SEC("iter/<target>")); the simulator accepts either
 *   - attach_btf_id: the id that FUNC has in the reference machine's vmlinux (IterTarget.btfId), or
 *   - iter_target: the target's name, 'bpf_map' (or 'bpf_iter_bpf_map') — a simulator extension of union bpf_attr.
 * No target, or one that is not registered, is EINVAL, as check_attach_btf_id / bpf_iter_prog_supported.
 */
function iterTargetOfLoad(attr: BpfAttr, cmd: string): IterTarget {
  const name = attr.iter_target;
  const btfId = u32(attr, 'attach_btf_id', cmd);
  let byName: IterTarget | undefined;
  if (name !== undefined && name !== null && name !== '') {
    if (typeof name !== 'string') throw new BpfError('EINVAL', `${cmd}: iter_target must be a target name string`);
    byName = iterTargetByName(name.startsWith('bpf_iter_') ? name.slice('bpf_iter_'.length) : name);
    if (!byName) throw new BpfError('EINVAL', `${cmd}: iter_target '${name}' is not a registered iterator target`);
  }
  const byId = btfId ? iterTargetByBtfId(btfId) : undefined;
  if (btfId && !byId) throw new BpfError('EINVAL', `${cmd}: attach_btf_id ${btfId} is not a bpf_iter_* function`);
  if (byName && byId && byName !== byId) throw new BpfError('EINVAL', `${cmd}: iter_target ${describeValue(name)} and attach_btf_id ${btfId} disagree`);
  const t = byName ?? byId;
  if (!t) throw new BpfError('EINVAL', `${cmd}: tracing programs must provide btf_id (attach_btf_id, or iter_target for an iterator)`);
  return t;
}

/** Wraps BPF_PROG_LOAD: iterator programs get their target recorded; iter_target is refused on other programs. */
export function withIterTarget(progLoad: Handler): Handler {
  return (proc, attr) => {
    const cmd = 'BPF_PROG_LOAD';
    const isIter =
      progTypeNumber(attr.prog_type as number | string | undefined) === BPF_PROG_TYPE_TRACING &&
      attachTypeNumber(attr.expected_attach_type as number | string | undefined) === BPF_TRACE_ITER;
    if (!isIter) {
      if (attr.iter_target !== undefined) throw new BpfError('EINVAL', `${cmd}: iter_target is only for BPF_PROG_TYPE_TRACING with BPF_TRACE_ITER`);
      return progLoad(proc, attr);
    }
    if (attr === null || typeof attr !== 'object') return progLoad(proc, attr);
    const target = iterTargetOfLoad(attr, cmd);
    const { iter_target: _ignored, ...rest } = attr;
    let fd: number;
    try {
      fd = progLoad(proc, rest);
    } finally {
      // outputs (log_true_size) go back to the caller's attr
      for (const k of Object.keys(rest)) if (rest[k] !== attr[k]) attr[k] = rest[k];
    }
    setProgIterTarget(proc.progFromFd(fd, cmd), target);
    return fd;
  };
}
