// BPF_ITER_CREATE (kernel/bpf/syscall.c bpf_iter_create → bpf_iter_new_fd). Which target a BPF_TRACE_ITER program
// is for is recorded by BPF_PROG_LOAD (prog/load.ts, iter/prog-target.ts).
import { BpfError } from '../errno.js';
import { checkAttr, fdField, u32, type BpfAttr } from '../attr.js';
import type { Process } from '../process.js';
import { isIterLink, openIterSession } from '../iter/link.js';

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
  // f_pos of a seq_file is the number of bytes read so far (fdinfo's pos: line).
  let pos = 0;
  return proc.installObject(
    {
      kind: 'seq',
      name: 'bpf_iter',
      read: (n) => {
        const out = session.read(n);
        pos += out.length;
        return out;
      },
      pos: () => pos,
      onClose: () => session.close(),
    },
    { read: true, write: false },
  );
}
