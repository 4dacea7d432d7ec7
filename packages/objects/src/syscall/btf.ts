// BPF_BTF_LOAD, BPF_BTF_GET_FD_BY_ID, BPF_BTF_GET_NEXT_ID and BPF_OBJ_GET_INFO_BY_FD for BTF fds
// (kernel/bpf/syscall.c bpf_btf_load / bpf_btf_get_fd_by_id, kernel/bpf/btf.c btf_new_fd / btf_get_info_by_fd).
import { BpfError, isBpfError } from '../errno.js';
import { buffer, checkAttr, fdField, u32, type BpfAttr } from '../attr.js';
import { bpfCapable } from '../caps.js';
import { VerifierLog } from '../prog/log.js';
import { BPF_F_TOKEN_FD } from '../uapi.js';
import type { Process } from '../process.js';
import { BTF_MAX_SIZE } from '../btf/kinds.js';
import { parseBtf } from '../btf/parse.js';
import { BTF_INFO_SIZE, BtfObject, btfIdr } from '../btf/object.js';
import { mapBtfOf } from '../btf/map-btf.js';

type Handler = (proc: Process, attr: BpfAttr) => number;

const LOAD_FIELDS = ['btf', 'btf_size', 'btf_log_buf', 'btf_log_size', 'btf_log_level', 'btf_log_true_size', 'btf_flags', 'btf_token_fd'];
const GET_FD_FIELDS = ['btf_id', 'open_flags', 'fd_by_id_token_fd'];
const NEXT_ID_FIELDS = ['start_id', 'next_id', 'open_flags'];

function checkFields(cmd: string, attr: BpfAttr, known: string[]): void {
  for (const [k, v] of Object.entries(attr)) {
    if (!known.includes(k) && v !== undefined && v !== null && v !== 0 && v !== 0n) {
      throw new BpfError('EINVAL', `${cmd}: attr field '${k}' is not read by this command and must be zero (CHECK_ATTR)`);
    }
  }
}

/** bpf_btf_load → btf_new_fd → btf_parse: a new read-only, close-on-exec fd for the validated BTF. */
export function btfLoad(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_BTF_LOAD';
  checkFields(cmd, attr, LOAD_FIELDS);
  const flags = u32(attr, 'btf_flags', cmd);
  if (flags & ~BPF_F_TOKEN_FD) throw new BpfError('EINVAL', `${cmd}: unknown btf_flags 0x${flags.toString(16)}`);
  if (flags & BPF_F_TOKEN_FD) throw new BpfError('EINVAL', `${cmd}: BPF tokens are not simulated`);
  if (!bpfCapable(proc.creds)) throw new BpfError('EPERM', `${cmd}: needs CAP_BPF`);
  const size = u32(attr, 'btf_size', cmd);
  if (size > BTF_MAX_SIZE) throw new BpfError('E2BIG', `${cmd}: btf_size ${size} exceeds BTF_MAX_SIZE (${BTF_MAX_SIZE})`);
  let log: VerifierLog;
  try {
    log = new VerifierLog(u32(attr, 'btf_log_level', cmd), buffer(attr, 'btf_log_buf', cmd), u32(attr, 'btf_log_size', cmd));
  } catch (e) {
    if (isBpfError(e)) throw new BpfError(e.errno, e.message.replace(/^\w+: BPF_PROG_LOAD: /, `${cmd}: `));
    throw e;
  }
  const blob = buffer(attr, 'btf', cmd);
  if (!blob || blob.length < size) throw new BpfError('EFAULT', `${cmd}: attr.btf must hold btf_size (${size}) bytes`);
  const data = blob.slice(0, size);
  let parsed;
  let error: unknown;
  try {
    parsed = parseBtf(data, log);
  } catch (e) {
    error = e;
  }
  // finalize_log: the true size is written back, and a truncated log turns any result into ENOSPC.
  // A simulator bug (not a BpfError) surfaces as itself, not as the ENOSPC of a truncated log.
  if (error !== undefined && !isBpfError(error)) throw error;
  const { truncated, trueSize } = log.finalize();
  attr.btf_log_true_size = trueSize;
  if (truncated) throw new BpfError('ENOSPC', `${cmd}: the log needs ${trueSize} bytes, btf_log_size is ${log.size}`);
  if (error !== undefined) throw error;
  proc.fds.ensureFree();
  const obj = new BtfObject(btfIdr(proc.kernel), parsed!);
  return proc.installObject({ kind: 'btf', obj }, { read: true, write: false });
}

/** bpf_btf_get_fd_by_id: CAP_SYS_ADMIN; ENOENT for an id that is not live. */
export function btfGetFdById(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_BTF_GET_FD_BY_ID';
  checkFields(cmd, attr, GET_FD_FIELDS);
  const openFlags = u32(attr, 'open_flags', cmd);
  if (openFlags & ~BPF_F_TOKEN_FD) throw new BpfError('EINVAL', `${cmd}: bad open_flags 0x${openFlags.toString(16)}`);
  if (!proc.hasCap('CAP_SYS_ADMIN')) throw new BpfError('EPERM', `${cmd}: needs CAP_SYS_ADMIN`);
  const id = u32(attr, 'btf_id', cmd);
  const obj = btfIdr(proc.kernel).get(id);
  if (!obj) throw new BpfError('ENOENT', `${cmd}: no BTF object with id ${id}`);
  proc.fds.ensureFree();
  obj.get();
  return proc.installObject({ kind: 'btf', obj }, { read: true, write: false });
}

/** bpf_obj_get_next_id over btf_idr. */
export function btfGetNextId(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_BTF_GET_NEXT_ID';
  checkFields(cmd, attr, NEXT_ID_FIELDS);
  const start = u32(attr, 'start_id', cmd);
  if (start >= 0x7fffffff) throw new BpfError('EINVAL', `${cmd}: start_id ${start} >= INT_MAX`);
  if (!proc.hasCap('CAP_SYS_ADMIN')) throw new BpfError('EPERM', `${cmd}: needs CAP_SYS_ADMIN`);
  const next = btfIdr(proc.kernel).nextAfter(start);
  if (next === undefined) throw new BpfError('ENOENT', `${cmd}: no BTF object with id > ${start}`);
  attr.next_id = next;
  return 0;
}

/** bpf_map_info offsets of btf_id, btf_key_type_id, btf_value_type_id. */
const MAP_INFO_BTF_ID = 64;

/**
 * BPF_OBJ_GET_INFO_BY_FD: BTF fds are answered here (btf_get_info_by_fd); for map fds the wrapped handler runs and
 * the BTF fields of bpf_map_info are filled in from the map's BTF.
 */
export function withBtfInfo(inner: Handler): Handler {
  return (proc, attr) => {
    const cmd = 'BPF_OBJ_GET_INFO_BY_FD';
    checkAttr(cmd, attr);
    const fd = fdField(attr, 'bpf_fd', cmd);
    const target = proc.fds.has(fd) ? proc.entry(fd).file.target : undefined;
    if (target?.kind === 'btf') return btfInfo(target.obj, attr, cmd);
    const r = inner(proc, attr);
    const mb = target?.kind === 'map' ? mapBtfOf(target.obj) : undefined;
    if (mb) {
      const ids = [mb.btf.id, mb.keyTypeId, mb.valueTypeId];
      const info = attr.info;
      const len = typeof attr.info_len === 'number' ? attr.info_len : 0;
      if (info instanceof Uint8Array) {
        const dv = new DataView(info.buffer, info.byteOffset, info.byteLength);
        ids.forEach((v, i) => {
          const off = MAP_INFO_BTF_ID + 4 * i;
          if (off + 4 <= len) dv.setUint32(off, v, true);
        });
      } else if (info !== null && typeof info === 'object') {
        Object.assign(info, { btf_id: ids[0], btf_key_type_id: ids[1], btf_value_type_id: ids[2] });
      }
    }
    return r;
  };
}

function btfInfo(obj: BtfObject, attr: BpfAttr, cmd: string): number {
  const info = attr.info;
  const infoLen = u32(attr, 'info_len', cmd);
  if (info instanceof Uint8Array) {
    if (info.length < infoLen) throw new BpfError('EFAULT', `${cmd}: info buffer holds ${info.length} bytes, info_len says ${infoLen}`);
    for (let i = BTF_INFO_SIZE; i < infoLen; i++) {
      if (info[i] !== 0) throw new BpfError('E2BIG', `${cmd}: info byte ${i} is non-zero but struct bpf_btf_info has ${BTF_INFO_SIZE} bytes`);
    }
    const n = Math.min(BTF_INFO_SIZE, infoLen);
    info.set(obj.infoBytes().subarray(0, n));
    attr.info_len = n;
    return 0;
  }
  if (info !== null && typeof info === 'object') {
    const user = info as Record<string, unknown>;
    // The raw BTF is copied to info.btf, at most info.btf_size bytes; btf_size then says the real size.
    if (user.btf instanceof Uint8Array) {
      const want = typeof user.btf_size === 'number' ? user.btf_size : 0;
      const n = Math.min(want, obj.data.length);
      if (user.btf.length < n) throw new BpfError('EFAULT', `${cmd}: info.btf holds ${user.btf.length} bytes, btf_size says ${want}`);
      user.btf.set(obj.data.subarray(0, n));
    }
    Object.assign(user, obj.info());
    attr.info_len = infoLen ? Math.min(BTF_INFO_SIZE, infoLen) : BTF_INFO_SIZE;
    return 0;
  }
  throw new BpfError('EFAULT', `${cmd}: attr.info must be a Uint8Array or an object to fill`);
}
