// BPF_PROG_ATTACH / BPF_PROG_DETACH / BPF_PROG_QUERY (kernel/bpf/syscall.c bpf_prog_attach, bpf_prog_detach,
// bpf_prog_query) for the attach types the simulator has hooks for: the cgroup ones (kernel/bpf/cgroup.c
// cgroup_bpf_prog_attach / _detach / _query). Other attach types the kernel takes here (sockmap, flow dissector,
// lirc, tcx, netkit) are EINVAL "not simulated".
import { BpfError } from '../errno.js';
import { checkAttr, describeValue, fdField, u32, u64, type BpfAttr } from '../attr.js';
import { attachTypeNumber, PROG_TYPE_NAMES } from '../uapi.js';
import type { Process } from '../process.js';
import type { ProgObject } from '../prog/program.js';
import { BPF_F_ALLOW_MULTI, BPF_F_ALLOW_OVERRIDE, BPF_F_REPLACE, entryProg, type Cgroup } from '../cgroups.js';

const BPF_F_BEFORE = 1 << 3;
const BPF_F_AFTER = 1 << 4;
const BPF_F_ID = 1 << 5;
const BPF_F_LINK = 1 << 13;
const BPF_F_PREORDER = 1 << 6;
/** BPF_F_ATTACH_MASK_BASE | BPF_F_ATTACH_MASK_MPROG: what a cgroup attach may carry. */
const CGROUP_ATTACH_FLAGS = BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI | BPF_F_REPLACE | BPF_F_PREORDER | BPF_F_BEFORE | BPF_F_AFTER | BPF_F_ID | BPF_F_LINK;
const BPF_F_QUERY_EFFECTIVE = 1 << 0;

const progType = (name: (typeof PROG_TYPE_NAMES)[number]): number => PROG_TYPE_NAMES.indexOf(name);

/** attach_type_to_prog_type for the cgroup attach types (enum bpf_attach_type → program type). */
const CGROUP_ATTACH: ReadonlyMap<number, number> = new Map([
  [0, progType('CGROUP_SKB')], [1, progType('CGROUP_SKB')],
  [2, progType('CGROUP_SOCK')], [12, progType('CGROUP_SOCK')], [13, progType('CGROUP_SOCK')], [34, progType('CGROUP_SOCK')],
  [3, progType('SOCK_OPS')],
  [6, progType('CGROUP_DEVICE')],
  [18, progType('CGROUP_SYSCTL')],
  [21, progType('CGROUP_SOCKOPT')], [22, progType('CGROUP_SOCKOPT')],
  ...[8, 9, 10, 11, 14, 15, 19, 20, 29, 30, 31, 32, 49, 50, 51, 52, 53].map((t) => [t, progType('CGROUP_SOCK_ADDR')] as [number, number]),
]);

/** The program type a cgroup attach type takes, or undefined for a non-cgroup attach type. */
export function cgroupProgType(attachType: number): number | undefined {
  return CGROUP_ATTACH.get(attachType);
}

/**
 * bpf_prog_attach_check_attach_type: sock, sock_addr and sockopt programs attach only where they were loaded for;
 * cgroup_skb programs loaded with a non-zero expected_attach_type only there.
 */
export function checkProgAttachType(prog: ProgObject, attachType: number, cmd: string): void {
  const strict = [progType('CGROUP_SOCK'), progType('CGROUP_SOCK_ADDR'), progType('CGROUP_SOCKOPT')].includes(prog.type);
  const eat = prog.expectedAttachType;
  if ((strict && eat !== attachType) || (prog.type === progType('CGROUP_SKB') && eat !== 0 && eat !== attachType)) {
    throw new BpfError('EINVAL', `${cmd}: program ${prog.id} was loaded for attach type ${eat}, not ${attachType}`);
  }
}

function attachTypeOf(attr: BpfAttr, cmd: string): { type: number; ptype: number } {
  const type = attachTypeNumber(attr.attach_type as number | string | undefined);
  if (type === undefined) throw new BpfError('EINVAL', `${cmd}: unknown attach_type ${describeValue(attr.attach_type)}`);
  const ptype = CGROUP_ATTACH.get(type);
  if (ptype === undefined) throw new BpfError('EINVAL', `${cmd}: attach_type ${type} is not a cgroup attach type (others are not simulated)`);
  return { type, ptype };
}

/** bpf_prog_get_type: EBADF for a bad fd, EINVAL for a program of another type. */
function progOfType(proc: Process, fd: number, ptype: number, cmd: string): ProgObject {
  const prog = proc.progFromFd(fd, cmd);
  if (prog.type !== ptype) throw new BpfError('EINVAL', `${cmd}: program ${prog.id} has type ${prog.type}, attach type needs ${ptype}`);
  return prog;
}

export function progAttach(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_PROG_ATTACH';
  checkAttr(cmd, attr);
  const { type, ptype } = attachTypeOf(attr, cmd);
  const flags = u32(attr, 'attach_flags', cmd);
  if (flags & ~CGROUP_ATTACH_FLAGS) throw new BpfError('EINVAL', `${cmd}: unknown attach_flags 0x${(flags & ~CGROUP_ATTACH_FLAGS).toString(16)}`);
  if (flags & (BPF_F_BEFORE | BPF_F_AFTER | BPF_F_ID | BPF_F_LINK | BPF_F_PREORDER) || u32(attr, 'relative_fd', cmd) || u32(attr, 'relative_id', cmd)) {
    throw new BpfError('EINVAL', `${cmd}: relative placement (BPF_F_BEFORE/AFTER/ID/LINK/PREORDER) is not simulated`);
  }
  const prog = progOfType(proc, fdField(attr, 'attach_bpf_fd', cmd), ptype, cmd);
  checkProgAttachType(prog, type, cmd);
  const cg = proc.kernel.cgroups.fromFd(proc, fdField(attr, 'target_fd', cmd), cmd);
  let replace: ProgObject | undefined;
  if (flags & BPF_F_ALLOW_MULTI && flags & BPF_F_REPLACE) replace = progOfType(proc, fdField(attr, 'replace_bpf_fd', cmd), ptype, cmd);
  const commit = proc.kernel.cgroups.prepareAttach(cg, type, { prog, replace, flags, expectedRevision: Number(u64(attr, 'expected_revision', cmd)) });
  prog.get(); // the attachment's reference (bpf_prog_get's, kept on success)
  commit();
  return 0;
}

export function progDetach(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_PROG_DETACH';
  checkAttr(cmd, attr);
  const { type, ptype } = attachTypeOf(attr, cmd);
  if (u32(attr, 'attach_flags', cmd) || u32(attr, 'relative_fd', cmd)) throw new BpfError('EINVAL', `${cmd}: attach_flags and relative_fd must be 0`);
  const cg = proc.kernel.cgroups.fromFd(proc, fdField(attr, 'target_fd', cmd), cmd);
  // A bad attach_bpf_fd is not an error: NONE / OVERRIDE cgroups detach their only program without one.
  let prog: ProgObject | undefined;
  try {
    prog = progOfType(proc, fdField(attr, 'attach_bpf_fd', cmd), ptype, cmd);
  } catch (e) {
    if (!(e instanceof BpfError)) throw e;
  }
  proc.kernel.cgroups.detach(cg, type, prog, undefined, Number(u64(attr, 'expected_revision', cmd)));
  return 0;
}

const writeU32s = (buf: Uint8Array, values: readonly number[]): void => {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  values.forEach((x, i) => v.setUint32(i * 4, x >>> 0, true));
};

/** Where the query's output arrays go: Uint8Array of u32s (or number[] filled in place). */
function outArray(attr: BpfAttr, field: string, cmd: string): { write(values: readonly number[]): void } | undefined {
  const v = attr[field];
  if (v === undefined || v === null || v === 0) return undefined;
  if (v instanceof Uint8Array) {
    return {
      write(values) {
        if (v.length < values.length * 4) throw new BpfError('EFAULT', `${cmd}: attr.${field} holds ${v.length / 4} u32s, ${values.length} to write`);
        writeU32s(v, values);
      },
    };
  }
  if (Array.isArray(v)) return { write: (values) => values.forEach((x, i) => (v[i] = x)) };
  throw new BpfError('EFAULT', `${cmd}: attr.${field} must be a Uint8Array or an array`);
}

/** bpf_prog_query → __cgroup_bpf_query. */
export function progQuery(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_PROG_QUERY';
  if (!proc.hasCap('CAP_NET_ADMIN') && !proc.hasCap('CAP_SYS_ADMIN')) throw new BpfError('EPERM', `${cmd}: needs CAP_NET_ADMIN`);
  checkAttr(cmd, { ...attr, attach_flags: 0, revision: 0 });
  const queryFlags = u32(attr, 'query_flags', cmd);
  if (queryFlags & ~BPF_F_QUERY_EFFECTIVE) throw new BpfError('EINVAL', `${cmd}: unknown query_flags 0x${queryFlags.toString(16)}`);
  const { type } = attachTypeOf(attr, cmd);
  const cg: Cgroup = proc.kernel.cgroups.fromFd(proc, fdField(attr, 'target_fd', cmd), cmd);
  const effective = (queryFlags & BPF_F_QUERY_EFFECTIVE) !== 0;
  const progIds = outArray(attr, 'prog_ids', cmd);
  const progAttachFlags = outArray(attr, 'prog_attach_flags', cmd);
  if (effective && progAttachFlags) throw new BpfError('EINVAL', `${cmd}: prog_attach_flags cannot be asked for with BPF_F_QUERY_EFFECTIVE`);
  const list = effective ? cg.effective.get(type) ?? [] : cg.progs.get(type) ?? [];
  const ids = list.map((e) => entryProg(e)?.id ?? 0);
  const flags = cg.flags.get(type) ?? 0;
  const capacity = u32(attr, 'prog_cnt', cmd);
  attr.attach_flags = effective ? 0 : flags;
  attr.prog_cnt = ids.length;
  attr.revision = effective ? 0 : cg.revisions.get(type) ?? 0;
  if (capacity === 0 || !progIds || ids.length === 0) return 0;
  const n = Math.min(capacity, ids.length);
  progIds.write(ids.slice(0, n));
  progAttachFlags?.write(new Array<number>(n).fill(flags));
  if (capacity < ids.length) throw new BpfError('ENOSPC', `${cmd}: prog_cnt ${capacity} < ${ids.length} attached programs (first ${n} written)`);
  return 0;
}
