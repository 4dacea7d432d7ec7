// BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID (bpf_obj_get_next_id, bpf_map_get_fd_by_id, …).
import { BpfError } from '../errno.js';
import { checkAttr, u32, type BpfAttr } from '../attr.js';
import type { Process } from '../process.js';
import { fileModeFromFlags } from './map.js';
import { LINK_FILE_MODE } from './link.js';
import { BPF_F_RDONLY, BPF_F_WRONLY } from '../uapi.js';

type Kind = 'map' | 'prog' | 'link' | 'btf';
const ID_LIMIT = 0x7fffffff; // INT_MAX

/** bpf_obj_get_next_id: CAP_SYS_ADMIN; the smallest live ID above start_id, written to attr.next_id; ENOENT at end. */
export function getNextId(kind: Kind, proc: Process, attr: BpfAttr): number {
  const cmd = `BPF_${kind.toUpperCase()}_GET_NEXT_ID`;
  checkAttr(cmd, attr);
  const start = u32(attr, 'start_id', cmd);
  if (start >= ID_LIMIT) throw new BpfError('EINVAL', `${cmd}: start_id ${start} >= INT_MAX`);
  if (!proc.hasCap('CAP_SYS_ADMIN')) throw new BpfError('EPERM', `${cmd}: needs CAP_SYS_ADMIN`);
  if (kind === 'btf') throw new BpfError('ENOENT', `${cmd}: no BTF objects in the simulator`);
  const idr = kind === 'map' ? proc.kernel.mapIds : kind === 'prog' ? proc.kernel.progIds : proc.kernel.linkIds;
  const next = idr.nextAfter(start);
  if (next === undefined) throw new BpfError('ENOENT', `${cmd}: no ${kind} with id > ${start}`);
  attr.next_id = next;
  return 0;
}

/** BPF_OBJ_FLAG_MASK: what open_flags may hold. */
const OBJ_FLAG_MASK = BPF_F_RDONLY | BPF_F_WRONLY;

/** bpf_{map,prog,link}_get_fd_by_id: CAP_SYS_ADMIN; a new fd holding a new reference; ENOENT for a dead id. */
export function getFdById(kind: 'map' | 'prog' | 'link', proc: Process, attr: BpfAttr): number {
  const cmd = `BPF_${kind.toUpperCase()}_GET_FD_BY_ID`;
  checkAttr(cmd, attr);
  const openFlags = u32(attr, 'open_flags', cmd);
  if (kind === 'map' ? openFlags & ~OBJ_FLAG_MASK : openFlags) {
    throw new BpfError('EINVAL', `${cmd}: bad open_flags 0x${openFlags.toString(16)}`);
  }
  if (!proc.hasCap('CAP_SYS_ADMIN')) throw new BpfError('EPERM', `${cmd}: needs CAP_SYS_ADMIN`);
  const id = u32(attr, `${kind}_id`, cmd);
  const k = proc.kernel;
  proc.fds.ensureFree();
  if (kind === 'map') {
    const mode = fileModeFromFlags(openFlags, cmd);
    const m = k.mapIds.get(id);
    if (!m) throw new BpfError('ENOENT', `${cmd}: no map with id ${id}`);
    m.getUser();
    return proc.installObject({ kind: 'map', obj: m }, mode);
  }
  if (kind === 'prog') {
    const p = k.progIds.get(id);
    if (!p) throw new BpfError('ENOENT', `${cmd}: no program with id ${id}`);
    p.get();
    return proc.installObject({ kind: 'prog', obj: p }, { read: true, write: true });
  }
  const l = k.linkIds.get(id);
  if (!l) throw new BpfError('ENOENT', `${cmd}: no link with id ${id}`);
  l.get();
  return proc.installObject({ kind: 'link', obj: l }, { ...LINK_FILE_MODE });
}
