// BPF_OBJ_GET_INFO_BY_FD (bpf_obj_get_info_by_fd): info_len in, min(info_len, sizeof) bytes out, info_len written
// back; bytes the caller passed beyond what this kernel knows must be zero (bpf_check_uarg_tail_zero → E2BIG).
import { BpfError } from '../errno.js';
import { checkAttr, fdField, u32, type BpfAttr } from '../attr.js';
import { bpfCapable } from '../caps.js';
import type { Process } from '../process.js';
import {
  LINK_INFO_FIELD_END,
  LINK_INFO_SIZE,
  MAP_INFO_FIELD_END,
  PROG_INFO_FIELD_END,
  fieldsWithin,
  MAP_INFO_SIZE,
  PROG_INFO_SIZE,
  linkInfo,
  linkInfoBytes,
  mapInfo,
  mapInfoBytes,
  progInfo,
  progInfoBytes,
} from '../info.js';

export function objGetInfoByFd(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_OBJ_GET_INFO_BY_FD';
  checkAttr(cmd, attr);
  const fd = fdField(attr, 'bpf_fd', cmd);
  // CLASS(fd, f)(ufd); if (fd_empty(f)) return -EBADFD — not EBADF (FACTS.md).
  if (!proc.fds.has(fd)) throw new BpfError('EBADFD', `${cmd}: fd ${fd} is not open`);
  const t = proc.entry(fd).file.target;
  const info = attr.info;
  const infoLen = u32(attr, 'info_len', cmd);

  let size: number;
  let typed: object;
  let fieldEnds: Readonly<Record<string, number>>;
  let bytesFor: (user: Uint8Array) => Uint8Array;
  if (t.kind === 'map') {
    size = MAP_INFO_SIZE;
    fieldEnds = MAP_INFO_FIELD_END;
    const mi = mapInfo(t.obj);
    typed = mi;
    bytesFor = () => mapInfoBytes(mi);
  } else if (t.kind === 'prog') {
    size = PROG_INFO_SIZE;
    fieldEnds = PROG_INFO_FIELD_END;
    const pi = progInfo(t.obj, bpfCapable(proc.creds));
    typed = pi;
    bytesFor = (user) => progInfoBytes(pi, user);
  } else if (t.kind === 'link') {
    size = LINK_INFO_SIZE;
    fieldEnds = LINK_INFO_FIELD_END;
    typed = linkInfo(t.obj);
    const obj = t.obj;
    bytesFor = () => linkInfoBytes(obj);
  } else {
    throw new BpfError('EINVAL', `${cmd}: fd ${fd} is not a BPF map, program, link or BTF object`);
  }

  if (info instanceof Uint8Array) {
    if (info.length < infoLen) throw new BpfError('EFAULT', `${cmd}: info buffer holds ${info.length} bytes, info_len says ${infoLen}`);
    for (let i = size; i < infoLen; i++) {
      if (info[i] !== 0) throw new BpfError('E2BIG', `${cmd}: info byte ${i} is non-zero but this kernel's struct has ${size} bytes`);
    }
    const n = Math.min(size, infoLen);
    info.set(bytesFor(info.subarray(0, n)).subarray(0, n));
    attr.info_len = n;
    return 0;
  }
  if (info !== null && typeof info === 'object') {
    // The typed form: info_len 0 (or absent) means "the whole struct"; a smaller info_len fills only the fields that
    // lie entirely inside it, as the kernel's copy of info_len bytes would.
    const n = infoLen ? Math.min(size, infoLen) : size;
    Object.assign(info, n < size ? fieldsWithin(typed, fieldEnds, n) : typed);
    attr.info_len = n;
    return 0;
  }
  throw new BpfError('EFAULT', `${cmd}: attr.info must be a Uint8Array or an object to fill`);
}
