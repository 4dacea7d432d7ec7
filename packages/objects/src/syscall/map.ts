// BPF_MAP_* commands: the syscall-level part (fd → map, access mode, user buffers, flags) of kernel/bpf/syscall.c's
// map_create / map_lookup_elem / map_update_elem / … ; everything type-specific is the map implementation's.
import { BpfError } from '../errno.js';
import { buffer, checkAttr, describeValue, fdField, objName, sizedBuffer, u32, u64, type BpfAttr } from '../attr.js';
import { resolveMapType, BPF_MAP_TYPE_ARRAY_OF_MAPS, BPF_MAP_TYPE_HASH_OF_MAPS } from '../maps/constants.js';
import { checkMapCreate, mapCreateCapability } from '../maps/create.js';
import type { BatchAttr, BatchResult, BpfMap, MapCreateAttr } from '../maps/types.js';
import { BPF_F_RDONLY, BPF_F_WRONLY } from '../uapi.js';
import { bpfCapable, netCapable } from '../caps.js';
import { MapObject } from '../map-object.js';
import type { Process } from '../process.js';
import { attachMapBtf, checkMapBtf, checkMapBtfIds } from '../btf/map-btf.js';

/** bpf_get_file_flag: the fd access a map_flags / file_flags / open_flags value asks for. */
export function fileModeFromFlags(flags: number, cmd: string): { read: boolean; write: boolean } {
  if ((flags & BPF_F_RDONLY) && (flags & BPF_F_WRONLY)) {
    throw new BpfError('EINVAL', `${cmd}: BPF_F_RDONLY and BPF_F_WRONLY together`);
  }
  if (flags & BPF_F_RDONLY) return { read: true, write: false };
  if (flags & BPF_F_WRONLY) return { read: false, write: true };
  return { read: true, write: true };
}

export function mapCreate(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_MAP_CREATE';
  checkAttr(cmd, attr);
  const mapFlags = u32(attr, 'map_flags', cmd);
  const mode = fileModeFromFlags(mapFlags, cmd);
  const rawType = attr.map_type;
  const mapType = typeof rawType === 'string' || typeof rawType === 'number' ? resolveMapType(rawType) : undefined;
  if (mapType === undefined) throw new BpfError('EINVAL', `${cmd}: unknown map_type ${describeValue(rawType)}`);
  const createAttr: MapCreateAttr = {
    map_type: mapType,
    key_size: u32(attr, 'key_size', cmd),
    value_size: u32(attr, 'value_size', cmd),
    max_entries: u32(attr, 'max_entries', cmd),
    map_flags: mapFlags,
    numa_node: u32(attr, 'numa_node', cmd),
    map_ifindex: u32(attr, 'map_ifindex', cmd),
    map_extra: u64(attr, 'map_extra', cmd),
  };
  if (mapType === BPF_MAP_TYPE_ARRAY_OF_MAPS || mapType === BPF_MAP_TYPE_HASH_OF_MAPS) {
    createAttr.inner_map_fd = fdField(attr, 'inner_map_fd', cmd);
  }
  const kernel = proc.kernel;
  checkMapBtfIds(attr); // btf/: map_create's first BTF attribute checks
  // map_create: the type's map_alloc_check runs first, then the privilege checks, then map_alloc.
  kernel.withCurrent(proc, () => checkMapCreate(createAttr, kernel.mapEnv));
  const { unprivileged_bpf_disabled } = kernel.sysctl;
  if (unprivileged_bpf_disabled && !bpfCapable(proc.creds)) {
    throw new BpfError('EPERM', `${cmd}: needs CAP_BPF (kernel.unprivileged_bpf_disabled=${unprivileged_bpf_disabled})`);
  }
  const cap = mapCreateCapability(mapType);
  if (cap === 'CAP_BPF' && !bpfCapable(proc.creds)) throw new BpfError('EPERM', `${cmd}: map type ${mapType} needs CAP_BPF`);
  if (cap === 'CAP_NET_ADMIN' && !netCapable(proc.creds)) throw new BpfError('EPERM', `${cmd}: map type ${mapType} needs CAP_NET_ADMIN`);
  // bpf_obj_name_cpy runs after map_alloc: a bad name is EINVAL only for a caller allowed to create the map.
  createAttr.map_name = objName(attr, 'map_name', cmd);
  proc.fds.ensureFree();
  const mapBtf = checkMapBtf(proc, attr, createAttr, mapType); // btf/: map_check_btf (may set spin_lock_off)
  const impl = kernel.withCurrent(proc, () => kernel.createMapImpl(createAttr));
  const map = new MapObject(kernel, impl, proc.creds.uid, mapFlags);
  attachMapBtf(map, mapBtf); // btf/: the map holds a BTF reference; readText exists with BTF
  kernel.mapsByImpl.set(impl, map);
  return proc.installObject({ kind: 'map', obj: map }, mode);
}

/** __bpf_copy_key: a NULL key for key_size 0, else key_size bytes from the user buffer. */
function userKey(map: BpfMap, attr: BpfAttr, field: string, cmd: string): Uint8Array | null {
  const b = buffer(attr, field, cmd);
  if (map.keySize === 0) {
    if (b) throw new BpfError('EINVAL', `${cmd}: map has key_size 0, attr.${field} must be NULL`);
    return null;
  }
  if (!b) throw new BpfError('EFAULT', `${cmd}: attr.${field} is NULL but key_size is ${map.keySize}`);
  if (b.length < map.keySize) throw new BpfError('EFAULT', `${cmd}: attr.${field} holds ${b.length} bytes, key_size is ${map.keySize}`);
  return b.slice(0, map.keySize);
}

export function mapLookupElem(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_MAP_LOOKUP_ELEM';
  checkAttr(cmd, attr);
  const flags = u32(attr, 'flags', cmd);
  const { file, obj } = proc.mapFile(fdField(attr, 'map_fd', cmd), cmd);
  const key = userKey(obj.impl, attr, 'key', cmd);
  const out = sizedBuffer(attr, 'value', obj.impl.syscallValueSize, cmd);
  // bloom filter "peek" reads the value to test from the value buffer (map_lookup_elem passes it in).
  const v = obj.impl.lookup(key, flags, file.mode, out.slice(0, obj.impl.syscallValueSize));
  out.set(v.subarray(0, obj.impl.syscallValueSize));
  return 0;
}

export function mapUpdateElem(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_MAP_UPDATE_ELEM';
  checkAttr(cmd, attr);
  const flags = u32(attr, 'flags', cmd);
  const { file, obj } = proc.mapFile(fdField(attr, 'map_fd', cmd), cmd);
  const key = userKey(obj.impl, attr, 'key', cmd);
  const value = sizedBuffer(attr, 'value', obj.impl.syscallValueSize, cmd).slice(0, obj.impl.syscallValueSize);
  // The open map file goes along: perf_event_array remembers which file added an entry (ee->map_file) and drops
  // those entries when that file is released (perf_event_fd_array_release).
  proc.kernel.withCurrent(proc, () => obj.impl.update(key, value, flags, file.mode, file));
  return 0;
}

export function mapDeleteElem(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_MAP_DELETE_ELEM';
  checkAttr(cmd, attr);
  const { file, obj } = proc.mapFile(fdField(attr, 'map_fd', cmd), cmd);
  const key = userKey(obj.impl, attr, 'key', cmd);
  obj.impl.delete(key, file.mode);
  return 0;
}

export function mapGetNextKey(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_MAP_GET_NEXT_KEY';
  checkAttr(cmd, attr);
  const { file, obj } = proc.mapFile(fdField(attr, 'map_fd', cmd), cmd);
  // map_get_next_key: a NULL key asks for the first key.
  const b = buffer(attr, 'key', cmd);
  const key = b ? userKey(obj.impl, attr, 'key', cmd) : null;
  const out = sizedBuffer(attr, 'next_key', obj.impl.keySize, cmd);
  const next = obj.impl.getNextKey(key, file.mode);
  out.set(next.subarray(0, obj.impl.keySize));
  return 0;
}

export function mapLookupAndDeleteElem(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_MAP_LOOKUP_AND_DELETE_ELEM';
  checkAttr(cmd, attr);
  const flags = u32(attr, 'flags', cmd);
  const { file, obj } = proc.mapFile(fdField(attr, 'map_fd', cmd), cmd);
  const key = userKey(obj.impl, attr, 'key', cmd);
  const out = sizedBuffer(attr, 'value', obj.impl.syscallValueSize, cmd);
  const v = obj.impl.lookupAndDelete(key, flags, file.mode);
  out.set(v.subarray(0, obj.impl.syscallValueSize));
  return 0;
}

export function mapFreeze(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_MAP_FREEZE';
  checkAttr(cmd, attr);
  const { file, obj } = proc.mapFile(fdField(attr, 'map_fd', cmd), cmd);
  // map_freeze: the map decides, in the kernel's order — ENOTSUPP for a map with special BTF fields (spin lock)
  // before EPERM for an fd without FMODE_CAN_WRITE (map_get_sys_perms; a frozen map has none, so freezing twice is
  // EPERM), then EBUSY while a writable mmap exists. map_freeze has no capability check of its own.
  obj.impl.freeze(file.mode);
  return 0;
}

type BatchOp = 'lookupBatch' | 'lookupAndDeleteBatch' | 'updateBatch' | 'deleteBatch';

/** bpf_map_do_batch: the attr.batch fields in and out; count and out_batch are written back even on error. */
function mapBatch(proc: Process, attr: BpfAttr, cmd: string, op: BatchOp): number {
  checkAttr(cmd, attr);
  const { file, obj } = proc.mapFile(fdField(attr, 'map_fd', cmd), cmd);
  const count = u32(attr, 'count', cmd);
  const keys = buffer(attr, 'keys', cmd);
  const values = buffer(attr, 'values', cmd);
  const inBatch = buffer(attr, 'in_batch', cmd) ?? null;
  const outBatch = buffer(attr, 'out_batch', cmd);
  const batch: BatchAttr = {
    inBatch,
    count,
    keys,
    values,
    elem_flags: u32(attr, 'elem_flags', cmd),
    flags: u32(attr, 'flags', cmd),
  };
  const isLookup = op === 'lookupBatch' || op === 'lookupAndDeleteBatch';
  if (isLookup && count > 0) {
    if (!keys || keys.length < count * obj.impl.keySize) throw new BpfError('EFAULT', `${cmd}: attr.keys must hold count × key_size bytes`);
    if (!values || values.length < count * obj.impl.syscallValueSize) throw new BpfError('EFAULT', `${cmd}: attr.values must hold count × value_size bytes`);
  }
  const res: BatchResult = proc.kernel.withCurrent(proc, () => obj.impl[op](batch, file.mode));
  if (res.keys && keys) keys.set(res.keys.subarray(0, Math.min(res.keys.length, keys.length)));
  if (res.values && values) values.set(res.values.subarray(0, Math.min(res.values.length, values.length)));
  if (res.outBatch && outBatch) outBatch.set(res.outBatch.subarray(0, Math.min(res.outBatch.length, outBatch.length)));
  attr.count = res.count;
  if (res.error) throw res.error;
  return 0;
}

export const mapLookupBatch = (p: Process, a: BpfAttr) => mapBatch(p, a, 'BPF_MAP_LOOKUP_BATCH', 'lookupBatch');
export const mapLookupAndDeleteBatch = (p: Process, a: BpfAttr) =>
  mapBatch(p, a, 'BPF_MAP_LOOKUP_AND_DELETE_BATCH', 'lookupAndDeleteBatch');
export const mapUpdateBatch = (p: Process, a: BpfAttr) => mapBatch(p, a, 'BPF_MAP_UPDATE_BATCH', 'updateBatch');
export const mapDeleteBatch = (p: Process, a: BpfAttr) => mapBatch(p, a, 'BPF_MAP_DELETE_BATCH', 'deleteBatch');

