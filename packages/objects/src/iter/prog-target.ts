// Which iterator target a BPF_TRACE_ITER program is for (the kernel's prog->aux->attach_btf_id, checked by
// bpf_iter_prog_supported at load time). BPF_PROG_LOAD records it on the program (ProgObject.iterTarget and
// attachBtfId); this module resolves it from the load attributes and reads it back.
import { BpfError } from '../errno.js';
import { describeValue, u32, type BpfAttr } from '../attr.js';
import type { ProgObject } from '../prog/program.js';
import type { ProgAttach } from './layout.js';
import { iterTargetByBtfId, iterTargetByName, type IterTarget } from './targets.js';

/**
 * The iterator target of a BPF_PROG_LOAD of a BPF_PROG_TYPE_TRACING / BPF_TRACE_ITER program. The kernel takes it
 * from attach_btf_id (the vmlinux BTF id of the FUNC `bpf_iter_<target>`, what libbpf resolves for
 * SEC("iter/<target>")); the simulator accepts either
 *   - attach_btf_id: the id that FUNC has in the reference machine's vmlinux (IterTarget.btfId), or
 *   - iter_target: the target's name, 'bpf_map' (or 'bpf_iter_bpf_map') — a simulator extension of union bpf_attr.
 * No target, or one that is not registered, is EINVAL, as check_attach_btf_id / bpf_iter_prog_supported.
 */
export function iterTargetForLoad(attr: BpfAttr, cmd: string): IterTarget {
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

/** The target the program was loaded for, or undefined (not an iterator program). */
export function progIterTarget(prog: ProgObject): IterTarget | undefined {
  return prog.iterTarget;
}

/** prog->aux->attach_btf_id as the simulated vmlinux BTF numbers it (0 for a program without one). */
export function progAttachBtfId(prog: ProgObject): number {
  return prog.attachBtfId;
}

/**
 * prog->aux->attach_btf_id and attach_func_name: check_attach_btf_id sets the name to the target's BTF name
 * (`bpf_iter_<target>` for an iterator). Other tracing programs give only a numeric attach_btf_id, and the
 * simulator has no vmlinux BTF to name it, so their name stays NULL.
 */
export function progAttach(prog: ProgObject): ProgAttach {
  const target = prog.iterTarget;
  return target ? { btfId: prog.attachBtfId, funcName: `bpf_iter_${target.name}` } : { btfId: prog.attachBtfId };
}
