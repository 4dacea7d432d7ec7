// union bpf_attr as a plain object: which fields each command reads (the kernel's CHECK_ATTR), and typed readers
// that reject bad values with EINVAL/EFAULT naming the field.
import { BpfError } from './errno.js';

/** A bpf(2) attribute object: union bpf_attr's field names; output scalars are written back into it. */
export type BpfAttr = Record<string, unknown>;

/** map_fd, key, value/next_key (one union slot), flags — each command's CHECK_ATTR stops at its last field. */
const MAP_ELEM = ['map_fd', 'key', 'value', 'flags'];
const BATCH = ['in_batch', 'out_batch', 'keys', 'values', 'count', 'map_fd', 'elem_flags', 'flags'];
/** BPF_OBJ_GET_NEXT_ID_LAST_FIELD is next_id: open_flags must be zero. */
const GET_ID = ['start_id', 'next_id'];

/** Fields each command reads; anything else non-zero is what CHECK_ATTR rejects (EINVAL). */
export const COMMAND_FIELDS: Readonly<Record<string, readonly string[]>> = {
  BPF_MAP_CREATE: [
    'map_type', 'key_size', 'value_size', 'max_entries', 'map_flags', 'inner_map_fd', 'numa_node', 'map_name',
    'map_ifindex', 'btf_fd', 'btf_key_type_id', 'btf_value_type_id', 'btf_vmlinux_value_type_id', 'map_extra',
    'value_type_btf_obj_fd', 'map_token_fd', 'excl_prog_hash', 'excl_prog_hash_size',
  ],
  BPF_MAP_LOOKUP_ELEM: MAP_ELEM,
  BPF_MAP_UPDATE_ELEM: MAP_ELEM,
  // DELETE_ELEM's last field is key and GET_NEXT_KEY's next_key (checked on 6.18: a value with delete, or flags with
  // get_next_key, is EINVAL).
  BPF_MAP_DELETE_ELEM: ['map_fd', 'key'],
  BPF_MAP_GET_NEXT_KEY: ['map_fd', 'key', 'next_key'],
  BPF_MAP_LOOKUP_AND_DELETE_ELEM: MAP_ELEM,
  BPF_MAP_FREEZE: ['map_fd'],
  BPF_MAP_LOOKUP_BATCH: BATCH,
  BPF_MAP_LOOKUP_AND_DELETE_BATCH: BATCH,
  BPF_MAP_UPDATE_BATCH: BATCH,
  BPF_MAP_DELETE_BATCH: BATCH,
  BPF_PROG_LOAD: [
    'prog_type', 'insn_cnt', 'insns', 'license', 'log_level', 'log_size', 'log_buf', 'kern_version', 'prog_flags',
    'prog_name', 'prog_ifindex', 'expected_attach_type', 'prog_btf_fd', 'func_info_rec_size', 'func_info',
    'func_info_cnt', 'line_info_rec_size', 'line_info', 'line_info_cnt', 'attach_btf_id', 'attach_prog_fd',
    'attach_btf_obj_fd', 'core_relo_cnt', 'fd_array', 'core_relos', 'core_relo_rec_size', 'log_true_size',
    'prog_token_fd', 'fd_array_cnt', 'signature', 'signature_size', 'keyring_id',
    // simulator extension: an iterator program's target by name (instead of its vmlinux attach_btf_id)
    'iter_target',
  ],
  BPF_OBJ_PIN: ['pathname', 'bpf_fd', 'file_flags', 'path_fd'],
  BPF_OBJ_GET: ['pathname', 'bpf_fd', 'file_flags', 'path_fd'],
  BPF_PROG_ATTACH: ['target_fd', 'attach_bpf_fd', 'attach_type', 'attach_flags', 'replace_bpf_fd', 'relative_fd', 'relative_id', 'expected_revision'],
  BPF_PROG_DETACH: ['target_fd', 'attach_bpf_fd', 'attach_type', 'attach_flags', 'replace_bpf_fd', 'relative_fd', 'relative_id', 'expected_revision'],
  BPF_PROG_TEST_RUN: [
    'prog_fd', 'retval', 'data_size_in', 'data_size_out', 'data_in', 'data_out', 'repeat', 'duration', 'ctx_size_in',
    'ctx_size_out', 'ctx_in', 'ctx_out', 'flags', 'cpu', 'batch_size',
  ],
  BPF_PROG_GET_NEXT_ID: GET_ID,
  BPF_MAP_GET_NEXT_ID: GET_ID,
  BPF_LINK_GET_NEXT_ID: GET_ID,
  BPF_BTF_GET_NEXT_ID: GET_ID,
  // BPF_PROG/LINK_GET_FD_BY_ID_LAST_FIELD is the id itself; maps also read open_flags (and pass over next_id).
  BPF_PROG_GET_FD_BY_ID: ['prog_id'],
  BPF_MAP_GET_FD_BY_ID: ['map_id', 'next_id', 'open_flags'],
  BPF_LINK_GET_FD_BY_ID: ['link_id'],
  BPF_OBJ_GET_INFO_BY_FD: ['bpf_fd', 'info_len', 'info'],
  BPF_PROG_QUERY: ['target_fd', 'target_ifindex', 'attach_type', 'query_flags', 'attach_flags', 'prog_ids', 'prog_cnt', 'count', 'prog_attach_flags', 'link_ids', 'link_attach_flags', 'revision'],
  // link_create's union, flattened: iter, perf_event (bpf_cookie), kprobe_multi / uprobe_multi, tracing (cookie),
  // netfilter, tcx / netkit.
  BPF_LINK_CREATE: [
    'prog_fd', 'map_fd', 'target_fd', 'target_ifindex', 'attach_type', 'flags', 'target_btf_id', 'iter_info',
    'iter_info_len', 'bpf_cookie', 'cnt', 'syms', 'addrs', 'cookies', 'cookie', 'path', 'offsets', 'ref_ctr_offsets',
    'pid', 'pf', 'hooknum', 'priority', 'relative_fd', 'relative_id', 'expected_revision',
  ],
  BPF_LINK_UPDATE: ['link_fd', 'new_prog_fd', 'new_map_fd', 'flags', 'old_prog_fd', 'old_map_fd'],
  BPF_LINK_DETACH: ['link_fd'],
  BPF_ENABLE_STATS: ['type'],
  BPF_ITER_CREATE: ['link_fd', 'flags'],
  BPF_PROG_BIND_MAP: ['prog_fd', 'map_fd', 'flags'],
};

/**
 * A user-supplied value for an error message. Never throws: String() of an object without a prototype, of an object
 * whose toString throws, or a template literal of a Symbol would otherwise raise a TypeError instead of the BpfError.
 */
export function describeValue(v: unknown): string {
  try {
    if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Uint8Array) return `a ${v.length}-byte buffer`;
    if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'an array' : 'an object';
    return String(v);
  } catch {
    return 'an unprintable value';
  }
}

const isZero = (v: unknown): boolean =>
  v === undefined || v === null || v === 0 || v === 0n || v === '' || v === false ||
  (v instanceof Uint8Array && v.length === 0);

/** CHECK_ATTR: a field the command does not read must be zero. */
export function checkAttr(cmd: string, attr: BpfAttr): void {
  const known = COMMAND_FIELDS[cmd];
  if (!known) return;
  for (const [k, v] of Object.entries(attr)) {
    if (!known.includes(k) && !isZero(v)) {
      throw new BpfError('EINVAL', `${cmd}: attr field '${k}' is not read by this command and must be zero (CHECK_ATTR)`);
    }
  }
}

/** An unsigned 32-bit scalar field (missing → 0). */
export function u32(attr: BpfAttr, field: string, cmd: string): number {
  const v = attr[field];
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new BpfError('EINVAL', `${cmd}: attr.${field} must be a u32, got ${describeValue(v)}`);
  }
  return n;
}

/** A signed fd field: the kernel reads it as u32 and then as int; negative fds are EBADF at fdget. */
export function fdField(attr: BpfAttr, field: string, cmd: string): number {
  const v = attr[field];
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'bigint' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new BpfError('EINVAL', `${cmd}: attr.${field} must be an integer fd, got ${describeValue(v)}`);
  return n | 0;
}

export function u64(attr: BpfAttr, field: string, cmd: string): bigint {
  const v = attr[field];
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'bigint') {
    if (v < 0n || v >= 1n << 64n) throw new BpfError('EINVAL', `${cmd}: attr.${field} must be a u64`);
    return v;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** 64) throw new BpfError('EINVAL', `${cmd}: attr.${field} must be a u64, got ${describeValue(v)}`);
  return BigInt(v);
}

/** A user buffer (pointer field): Uint8Array, or undefined/null (NULL). Anything else is a bad address (EFAULT). */
export function buffer(attr: BpfAttr, field: string, cmd: string): Uint8Array | undefined {
  const v = attr[field];
  if (v === undefined || v === null || v === 0 || v === 0n) return undefined;
  if (v instanceof Uint8Array) return v;
  throw new BpfError('EFAULT', `${cmd}: attr.${field} must be a Uint8Array (user buffer)`);
}

/** A user buffer that must hold at least `size` bytes (copy_from_user/copy_to_user would fault otherwise). */
export function sizedBuffer(attr: BpfAttr, field: string, size: number, cmd: string): Uint8Array {
  const b = buffer(attr, field, cmd);
  if (!b) throw new BpfError('EFAULT', `${cmd}: attr.${field} is NULL but ${size} bytes are needed`);
  if (b.length < size) throw new BpfError('EFAULT', `${cmd}: attr.${field} holds ${b.length} bytes, ${size} needed`);
  return b;
}

/** A C string field (license, pathname): string or NUL-terminated bytes. */
export function cString(attr: BpfAttr, field: string, cmd: string): string | undefined {
  const v = attr[field];
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v === 'string') {
    const nul = v.indexOf('\0');
    return nul < 0 ? v : v.slice(0, nul);
  }
  if (v instanceof Uint8Array) {
    const nul = v.indexOf(0);
    return new TextDecoder().decode(nul < 0 ? v : v.subarray(0, nul));
  }
  throw new BpfError('EFAULT', `${cmd}: attr.${field} must be a string`);
}

/**
 * bpf_obj_name_cpy: object names are at most BPF_OBJ_NAME_LEN - 1 = 15 bytes of [A-Za-z0-9_.], NUL-terminated
 * inside the 16-byte field; anything else is EINVAL.
 */
export function objName(attr: BpfAttr, field: string, cmd: string): string {
  const raw = attr[field];
  if (raw === undefined || raw === null || raw === '' || raw === 0) return '';
  let bytes: Uint8Array;
  if (typeof raw === 'string') bytes = new TextEncoder().encode(raw);
  else if (raw instanceof Uint8Array) {
    const nul = raw.indexOf(0);
    if (nul < 0 && raw.length >= 16) throw new BpfError('EINVAL', `${cmd}: ${field} is not NUL-terminated within 16 bytes`);
    bytes = nul < 0 ? raw : raw.subarray(0, nul);
  } else throw new BpfError('EINVAL', `${cmd}: ${field} must be a string`);
  if (bytes.length > 15) throw new BpfError('EINVAL', `${cmd}: ${field} is ${bytes.length} bytes long, at most 15 allowed`);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x2e;
    if (!ok) throw new BpfError('EINVAL', `${cmd}: ${field} has invalid character ${JSON.stringify(String.fromCharCode(c))} at ${i} (only [A-Za-z0-9_.])`);
  }
  return new TextDecoder().decode(bytes);
}
