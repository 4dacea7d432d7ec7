// BPF_OBJ_PIN / BPF_OBJ_GET: objects/ finds the object and the fd; the installed filesystem (vfs.ts) owns paths.
import { BpfError, isBpfError } from '../errno.js';
import { checkAttr, cString, fdField, u32, type BpfAttr } from '../attr.js';
import { BPF_F_RDONLY, BPF_F_WRONLY } from '../uapi.js';
import type { PinnableObject } from '../vfs.js';
import type { Process } from '../process.js';
import { fileModeFromFlags } from './map.js';
import { LINK_FILE_MODE } from './link.js';
import { MapObject } from '../map-object.js';
import { ProgObject } from '../prog/program.js';
import { LinkObject } from '../links/link.js';

const BPF_F_PATH_FD = 1 << 14;

function pathname(attr: BpfAttr, cmd: string): string {
  const p = cString(attr, 'pathname', cmd);
  if (p === undefined) throw new BpfError('EFAULT', `${cmd}: pathname is NULL`);
  if (p === '') throw new BpfError('ENOENT', `${cmd}: empty pathname`);
  return p;
}

/** bpf_obj_pin_user: the fd must be a map, program or link (anything else, or no fd: EINVAL — bpf_fd_probe_obj). */
export function objPin(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_OBJ_PIN';
  checkAttr(cmd, attr);
  const fileFlags = u32(attr, 'file_flags', cmd);
  if (fileFlags & ~BPF_F_PATH_FD) throw new BpfError('EINVAL', `${cmd}: bad file_flags 0x${fileFlags.toString(16)}`);
  if (fileFlags & BPF_F_PATH_FD) throw new BpfError('EINVAL', `${cmd}: BPF_F_PATH_FD (dirfd-relative paths) is not simulated`);
  const fd = fdField(attr, 'bpf_fd', cmd);
  const path = pathname(attr, cmd);
  // bpf_fd_probe_obj tries the fd as a map, a program and a link, and answers EINVAL (not EBADF) when none fits,
  // a closed fd included.
  let obj: PinnableObject | undefined;
  try {
    const t = proc.entry(fd).file.target;
    if (t.kind === 'map' || t.kind === 'prog' || t.kind === 'link') obj = t.obj;
  } catch (e) {
    if (!isBpfError(e, 'EBADF')) throw e;
  }
  if (!obj) throw new BpfError('EINVAL', `${cmd}: fd ${fd} is not a BPF map, program or link`);
  const vfs = proc.kernel.vfs;
  if (!vfs) throw new BpfError('ENOENT', `${cmd}: ${path}: no such file or directory (no bpffs installed)`);
  vfs.pin(proc, path, obj);
  proc.kernel.events.emit({ type: 'pin', kind: obj.kind, id: obj.id, path });
  return 0;
}

/** bpf_obj_get_user: opens a pin; maps honour BPF_F_RDONLY/WRONLY, links only open read-write. */
export function objGet(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_OBJ_GET';
  checkAttr(cmd, attr);
  const fileFlags = u32(attr, 'file_flags', cmd);
  if (fdField(attr, 'bpf_fd', cmd) !== 0) throw new BpfError('EINVAL', `${cmd}: bpf_fd must be 0`);
  if (fileFlags & ~(BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_PATH_FD)) throw new BpfError('EINVAL', `${cmd}: bad file_flags 0x${fileFlags.toString(16)}`);
  if (fileFlags & BPF_F_PATH_FD) throw new BpfError('EINVAL', `${cmd}: BPF_F_PATH_FD (dirfd-relative paths) is not simulated`);
  const mode = fileModeFromFlags(fileFlags, cmd);
  const path = pathname(attr, cmd);
  const vfs = proc.kernel.vfs;
  if (!vfs) throw new BpfError('ENOENT', `${cmd}: ${path}: no such file or directory (no bpffs installed)`);
  proc.fds.ensureFree();
  const obj = vfs.get(proc, path, mode); // one reference retained for us
  if (obj instanceof MapObject) return proc.installObject({ kind: 'map', obj }, mode);
  if (obj instanceof ProgObject) return proc.installObject({ kind: 'prog', obj }, { read: true, write: true });
  if (obj instanceof LinkObject) {
    if (!mode.read || !mode.write) {
      obj.release();
      throw new BpfError('EINVAL', `${cmd}: links can only be opened read-write`);
    }
    return proc.installObject({ kind: 'link', obj }, { ...LINK_FILE_MODE });
  }
  obj.release();
  throw new BpfError('EINVAL', `${cmd}: ${path} does not hold an object of this kernel`);
}
