// BPF_LINK_CREATE / BPF_LINK_UPDATE / BPF_LINK_DETACH (kernel/bpf/syscall.c link_create, link_update, link_detach).
import { BpfError } from '../errno.js';
import { checkAttr, describeValue, fdField, u32, type BpfAttr } from '../attr.js';
import { attachTypeNumber } from '../uapi.js';
import type { Process } from '../process.js';
import { LinkObject } from '../links/link.js';

const BPF_F_REPLACE = 1 << 2;

/** bpf_link_new_fd opens links O_RDONLY|O_CLOEXEC: their fdinfo says `flags:\t02000000` (checked on 6.18). */
export const LINK_FILE_MODE = { read: true, write: false } as const;

export function linkCreate(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_LINK_CREATE';
  checkAttr(cmd, attr);
  const prog = proc.progFromFd(fdField(attr, 'prog_fd', cmd), cmd);
  const attachType = attachTypeNumber(attr.attach_type as number | string | undefined);
  if (attachType === undefined) throw new BpfError('EINVAL', `${cmd}: unknown attach_type ${describeValue(attr.attach_type)}`);
  const point = proc.kernel.attachPoints.get(attachType);
  if (!point) throw new BpfError('EINVAL', `${cmd}: attach_type ${attachType} is not supported for links here`);
  proc.fds.ensureFree();
  const { ops, state, bind } = point.attach({ kernel: proc.kernel, proc, prog, attachType, attr });
  prog.get(); // the link's reference
  const link = new LinkObject(proc.kernel, ops, prog, attachType);
  link.state = state;
  bind(link);
  return proc.installObject({ kind: 'link', obj: link }, LINK_FILE_MODE);
}

export function linkUpdate(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_LINK_UPDATE';
  checkAttr(cmd, attr);
  const flags = u32(attr, 'flags', cmd);
  if (flags & ~BPF_F_REPLACE) throw new BpfError('EINVAL', `${cmd}: bad flags 0x${flags.toString(16)}`);
  const link = proc.linkFromFd(fdField(attr, 'link_fd', cmd), cmd);
  const newProg = proc.progFromFd(fdField(attr, 'new_prog_fd', cmd), cmd);
  let oldProg;
  if (flags & BPF_F_REPLACE) oldProg = proc.progFromFd(fdField(attr, 'old_prog_fd', cmd), cmd);
  else if (fdField(attr, 'old_prog_fd', cmd)) throw new BpfError('EINVAL', `${cmd}: old_prog_fd without BPF_F_REPLACE`);
  if (!link.ops.updateProg) throw new BpfError('EINVAL', `${cmd}: this link type cannot change its program`);
  if (link.detached) throw new BpfError('ENOLINK', `${cmd}: link ${link.id} is detached from its hook`); // ops->update_prog's first check (xdp, tcx, cgroup; 6.18)
  if (oldProg && link.prog !== oldProg) throw new BpfError('EPERM', `${cmd}: link runs program ${link.prog.id}, not ${oldProg.id}`);
  if (link.prog.type !== newProg.type || link.prog.expectedAttachType !== newProg.expectedAttachType) {
    throw new BpfError('EINVAL', `${cmd}: new program's type/expected_attach_type differ from the link's program`);
  }
  if (link.prog === newProg) return 0;
  link.ops.updateProg(link, newProg, oldProg);
  newProg.get();
  const old = link.prog;
  link.prog = newProg;
  old.put();
  return 0;
}

export function linkDetach(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_LINK_DETACH';
  checkAttr(cmd, attr);
  const link = proc.linkFromFd(fdField(attr, 'link_fd', cmd), cmd);
  if (!link.ops.detach) throw new BpfError('EOPNOTSUPP', `${cmd}: this link type cannot be detached`);
  if (!link.detached) {
    link.ops.detach(link);
    link.detached = true;
  }
  return 0;
}
