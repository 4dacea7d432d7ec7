// Iterator links (kernel/bpf/bpf_iter.c bpf_iter_link_attach, bpf_iter_link_lops): LINK_CREATE with attach_type
// BPF_TRACE_ITER turns an iterator program plus its target parameters (iter_info) into a link. The link attaches to
// nothing; it is the template sessions are made from: BPF_ITER_CREATE on it, or open() of its bpffs pin.
import { BpfError, isBpfError } from '../errno.js';
import { buffer, u32 } from '../attr.js';
import type { BpfAttr } from '../attr.js';
import type { Kernel } from '../kernel.js';
import type { LinkObject, LinkOps } from '../links/link.js';
import type { AttachPoint } from '../links/registry.js';
import { IterSession } from './session.js';
import { ITER_LINK_INFO_SIZE, releaseAux, type IterAux, type IterTarget } from './targets.js';
import { progIterTarget } from './prog-target.js';

export const BPF_TRACE_ITER = 28;
export const BPF_LINK_TYPE_ITER = 4;
export const BPF_PROG_TYPE_TRACING = 26;
const BPF_F_SLEEPABLE = 1 << 4;

interface IterLinkState {
  target: IterTarget;
  aux: IterAux;
  /** The kernel the link lives in (sessions run the program there). */
  kernel: Kernel;
}

const stateOf = (link: LinkObject): IterLinkState => link.state as unknown as IterLinkState;

/** bpf_iter_link_lops: no detach (LINK_DETACH is EOPNOTSUPP), program replacement for new sessions only. */
export const iterLinkOps: LinkOps = {
  linkType: BPF_LINK_TYPE_ITER,
  /** bpf_iter_link_release → detach_target (bpf_iter_detach_map drops the map's user reference). */
  release(link) {
    releaseAux(stateOf(link).aux);
  },
  /** bpf_iter_link_replace: the new program must be for the same target (attach_btf_id), else EINVAL. */
  updateProg(link, newProg) {
    if (progIterTarget(newProg) !== stateOf(link).target) {
      throw new BpfError('EINVAL', `BPF_LINK_UPDATE: the new program is not an iterator of target ${stateOf(link).target.name}`);
    }
  },
  /** bpf_iter_link_show_fdinfo. */
  showFdinfo(link) {
    const { target, aux } = stateOf(link);
    return `target_name:\t${target.name}\n` + (target.showFdinfo?.(aux) ?? '');
  },
  /**
   * bpf_iter_link_fill_link_info: iter.target_name_len (offset 24) is strlen + 1; the simulator has no user pointer
   * for iter.target_name (offset 16), so the name itself is only in the typed view (infoFields.target_name).
   */
  fillLinkInfo(link, view) {
    const { target, aux } = stateOf(link);
    view.setUint32(24, target.name.length + 1, true);
    target.fillLinkInfo?.(aux, view);
  },
  infoFields(link) {
    const { target, aux } = stateOf(link);
    return { target_name: target.name, target_name_len: target.name.length + 1, ...(target.infoFields?.(aux) ?? {}) };
  },
  /** bpffs opens a pinned iterator link as a new session (bpf_iter_fops → prepare_seq_file). */
  openSession(link) {
    return openIterSession(stateOf(link).kernel, link);
  },
};

export function isIterLink(link: LinkObject): boolean {
  return link.ops === iterLinkOps;
}

/** A new session of an iterator link (prepare_seq_file): holds the link's CURRENT program and the target's refs. */
export function openIterSession(kernel: Kernel, link: LinkObject): IterSession {
  if (!isIterLink(link)) throw new BpfError('EINVAL', `link ${link.id} is not an iterator link`);
  const { target, aux } = stateOf(link);
  return new IterSession(kernel, link.prog, target, aux);
}

/**
 * union bpf_iter_link_info from LINK_CREATE's iter_info / iter_info_len. iter_info is the union's bytes
 * (Uint8Array) or, as a convenience, an object `{ map: { map_fd } }` / `{ task: { tid?, pid?, pid_fd? } }`.
 * A NULL pointer with a length (or the reverse) is EINVAL; bytes past the 16 the kernel knows must be zero (E2BIG).
 */
export function iterLinkInfo(attr: BpfAttr, cmd: string): DataView {
  const out = new Uint8Array(ITER_LINK_INFO_SIZE);
  const view = new DataView(out.buffer);
  const raw = attr.iter_info;
  if (raw !== undefined && raw !== null && !(raw instanceof Uint8Array) && typeof raw === 'object') {
    const o = raw as { map?: { map_fd?: number }; task?: { tid?: number; pid?: number; pid_fd?: number } };
    const field = (v: unknown, name: string): number => u32({ [name]: v }, name, cmd);
    if (o.map) view.setUint32(0, field(o.map.map_fd, 'iter_info.map.map_fd'), true);
    if (o.task) {
      view.setUint32(0, field(o.task.tid, 'iter_info.task.tid'), true);
      view.setUint32(4, field(o.task.pid, 'iter_info.task.pid'), true);
      view.setUint32(8, field(o.task.pid_fd, 'iter_info.task.pid_fd'), true);
    }
    const len = attr.iter_info_len === undefined ? ITER_LINK_INFO_SIZE : u32(attr, 'iter_info_len', cmd);
    if (len === 0) throw new BpfError('EINVAL', `${cmd}: iter_info given with iter_info_len 0`);
    return view;
  }
  const bytes = buffer(attr, 'iter_info', cmd);
  const len = attr.iter_info_len === undefined ? bytes?.length ?? 0 : u32(attr, 'iter_info_len', cmd);
  if (!bytes !== !len) throw new BpfError('EINVAL', `${cmd}: iter_info and iter_info_len must be given together`);
  if (!bytes) return view;
  if (bytes.length < len) throw new BpfError('EFAULT', `${cmd}: iter_info holds ${bytes.length} bytes, iter_info_len says ${len}`);
  // bpf_check_uarg_tail_zero: a longer struct is fine only if the extra bytes are zero (and at most a page).
  if (len > 4096) throw new BpfError('E2BIG', `${cmd}: iter_info_len ${len} is larger than a page`);
  if (bytes.subarray(ITER_LINK_INFO_SIZE, len).some((b) => b !== 0)) {
    throw new BpfError('E2BIG', `${cmd}: iter_info has non-zero bytes past the ${ITER_LINK_INFO_SIZE} the kernel knows`);
  }
  out.set(bytes.subarray(0, Math.min(len, ITER_LINK_INFO_SIZE)));
  return view;
}

/**
 * bpf_iter_link_attach primes the link (bpf_link_prime allocates its ID) before attach_target runs, so a target
 * that refuses its iter_info (EBADF map_fd…) still uses up a link ID: the next link's ID skips it (checked on 6.18).
 */
function burnLinkId(kernel: Kernel): void {
  try {
    kernel.linkIds.remove(kernel.linkIds.alloc(undefined as unknown as LinkObject));
  } catch (e) {
    // idr full: the kernel would have failed with ENOSPC before attach_target; the caller's error stands
    if (!isBpfError(e, 'ENOSPC')) throw e;
  }
}

/** The AttachPoint of BPF_TRACE_ITER (link_create → bpf_iter_link_attach). */
export function iterAttachPoint(): AttachPoint {
  return {
    attach({ kernel, proc, prog, attachType, attr }) {
      const cmd = 'BPF_LINK_CREATE';
      if (prog.type !== BPF_PROG_TYPE_TRACING || prog.expectedAttachType !== attachType) {
        throw new BpfError('EINVAL', `${cmd}: attach_type BPF_TRACE_ITER needs a tracing program loaded with expected_attach_type BPF_TRACE_ITER`);
      }
      if (u32(attr, 'target_fd', cmd) || u32(attr, 'flags', cmd)) throw new BpfError('EINVAL', `${cmd}: target_fd and flags must be 0 for iterators`);
      const linfo = iterLinkInfo(attr, cmd);
      const target = progIterTarget(prog);
      if (!target) throw new BpfError('ENOENT', `${cmd}: program ${prog.id} names no registered iterator target`);
      if (prog.progFlags & BPF_F_SLEEPABLE && !target.resched) {
        throw new BpfError('EINVAL', `${cmd}: sleepable programs can only iterate targets that reschedule (task, task_file), not ${target.name}`);
      }
      let aux: IterAux;
      try {
        aux = target.attach(linfo, proc);
      } catch (e) {
        burnLinkId(kernel);
        throw e;
      }
      const state: IterLinkState = { target, aux, kernel };
      return {
        ops: iterLinkOps,
        state: state as unknown as Record<string, unknown>,
        bind() {},
      };
    },
  };
}
