// BTF on maps: map_check_btf (kernel/bpf/syscall.c) at BPF_MAP_CREATE, the reference the map holds, and the
// bpffs pretty print (kernel/bpf/inode.c map_seq_show + each map type's map_seq_show_elem).
import { BpfError, isBpfError } from '../errno.js';
import { bpfCapable } from '../caps.js';
import { fdField, u32, type BpfAttr } from '../attr.js';
import {
  BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY,
  BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_RINGBUF, BPF_MAP_TYPE_BLOOM_FILTER, BPF_MAP_TYPE_PROG_ARRAY,
  BPF_MAP_TYPE_PERF_EVENT_ARRAY, BPF_MAP_TYPE_STACK_TRACE, BPF_MAP_TYPE_CGROUP_ARRAY, BPF_MAP_TYPE_LPM_TRIE,
} from '../maps/constants.js';
import type { MapCreateAttr } from '../maps/types.js';
import { BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG } from '../uapi.js';
import type { Process } from '../process.js';
import type { MapObject } from '../map-object.js';
import { KIND, isStructOrUnion, type BtfType } from './kinds.js';
import { cstr, typeIdSize } from './lookup.js';
import type { ParsedBtf } from './parse.js';
import { btfShow } from './show.js';
import type { BtfObject } from './object.js';

export interface MapBtf {
  readonly btf: BtfObject;
  readonly keyTypeId: number;
  readonly valueTypeId: number;
}

const CMD = 'BPF_MAP_CREATE';
const BPF_MAP_TYPE_USER_RINGBUF = 31;
const BPF_MAP_TYPE_CGROUP_STORAGE = 19;
const BPF_MAP_TYPE_SK_STORAGE = 24;
const BPF_MAP_TYPE_INODE_STORAGE = 28;
const BPF_MAP_TYPE_TASK_STORAGE = 29;
const BPF_MAP_TYPE_CGRP_STORAGE = 32;

/** map_check_no_btf: these types refuse BTF with ENOTSUPP (checked on 6.18: perf_event_array, cgroup_array). */
const NO_BTF = new Set([
  BPF_MAP_TYPE_PERF_EVENT_ARRAY, BPF_MAP_TYPE_STACK_TRACE, BPF_MAP_TYPE_CGROUP_ARRAY, BPF_MAP_TYPE_RINGBUF,
  BPF_MAP_TYPE_USER_RINGBUF,
]);
/** Map types whose ops have map_check_btf (array_map_check_btf, bloom, trie, local storage, map_check_no_btf). */
const HAS_CHECK_BTF = new Set([
  ...NO_BTF, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_BLOOM_FILTER, BPF_MAP_TYPE_LPM_TRIE,
  BPF_MAP_TYPE_CGROUP_STORAGE, BPF_MAP_TYPE_SK_STORAGE, BPF_MAP_TYPE_INODE_STORAGE, BPF_MAP_TYPE_TASK_STORAGE,
  BPF_MAP_TYPE_CGRP_STORAGE,
]);
/** Types with map_seq_show_elem that this module renders. */
const SEQ_SHOW = new Set([
  BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_PROG_ARRAY, BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_HASH,
  BPF_MAP_TYPE_LRU_PERCPU_HASH,
]);
const PERCPU = new Set([BPF_MAP_TYPE_PERCPU_ARRAY, BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH]);
const SPIN_LOCK_TYPES = new Set([
  BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_CGROUP_STORAGE, BPF_MAP_TYPE_SK_STORAGE,
  BPF_MAP_TYPE_INODE_STORAGE, BPF_MAP_TYPE_TASK_STORAGE, BPF_MAP_TYPE_CGRP_STORAGE,
]);
const TIMER_TYPES = new Set([BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_ARRAY]);

/**
 * map_create's BTF part + map_check_btf, run before the map is allocated so that a bpf_spin_lock found in the value
 * can be passed on as `createAttr.spin_lock_off`. Returns undefined for a map without BTF. Takes no reference: call
 * attachMapBtf once the map exists (nothing can free the BTF in between, the syscall holds the fd).
 */
export function checkMapBtf(proc: Process, attr: BpfAttr, createAttr: MapCreateAttr, mapType: number): MapBtf | undefined {
  checkMapBtfIds(attr);
  const keyTypeId = u32(attr, 'btf_key_type_id', CMD);
  const valueTypeId = u32(attr, 'btf_value_type_id', CMD);
  if (!keyTypeId && !valueTypeId) return undefined;
  const btf = btfFromFd(proc, fdField(attr, 'btf_fd', CMD), CMD);
  if (valueTypeId) checkTypes(btf.btf, mapType, createAttr, keyTypeId, valueTypeId, proc);
  return { btf, keyTypeId, valueTypeId };
}

/**
 * map_create's first checks, before the map type's own (so they win over E2BIG/EPERM from allocation): a vmlinux
 * value type is struct_ops-only, and a key type needs a value type.
 */
export function checkMapBtfIds(attr: BpfAttr): void {
  const keyTypeId = u32(attr, 'btf_key_type_id', CMD);
  const valueTypeId = u32(attr, 'btf_value_type_id', CMD);
  if (u32(attr, 'btf_vmlinux_value_type_id', CMD)) throw new BpfError('EINVAL', `${CMD}: btf_vmlinux_value_type_id is only for struct_ops maps (not simulated)`);
  if (keyTypeId && !valueTypeId) throw new BpfError('EINVAL', `${CMD}: btf_key_type_id without btf_value_type_id`);
}

/** btf_get_by_fd: EBADF for a closed fd, EINVAL for an fd that is not a BTF object. */
export function btfFromFd(proc: Process, fd: number, cmd: string): BtfObject {
  const { file } = proc.entry(fd);
  const t = file.target;
  if (t.kind !== 'btf') throw new BpfError('EINVAL', `${cmd}: fd ${fd} is not a BTF object`);
  return t.obj;
}

function checkTypes(btf: ParsedBtf, mapType: number, a: MapCreateAttr, keyId: number, valueId: number, proc: Process): void {
  let keyType: BtfType = btf.types[0];
  if (keyId) {
    const k = typeIdSize(btf, keyId);
    if (!k || k.size !== a.key_size) {
      throw new BpfError('EINVAL', `${CMD}: btf_key_type_id ${keyId} ${k ? `has size ${k.size}, key_size is ${a.key_size}` : 'is not a sized type'}`);
    }
    keyType = k.type;
  } else if (!HAS_CHECK_BTF.has(mapType)) {
    throw new BpfError('EINVAL', `${CMD}: btf_key_type_id is 0 but map type ${mapType} needs a key type`);
  }
  const v = typeIdSize(btf, valueId);
  if (!v || v.size !== a.value_size) {
    throw new BpfError('EINVAL', `${CMD}: btf_value_type_id ${valueId} ${v ? `has size ${v.size}, value_size is ${a.value_size}` : 'is not a sized type'}`);
  }
  // btf_parse_fields: special fields of the value (bpf_spin_lock, bpf_timer).
  const fields = specialFields(btf, v.type, 0);
  if (fields.length) {
    if (!bpfCapable(proc.creds)) throw new BpfError('EPERM', `${CMD}: a value with ${fields[0].name} needs CAP_BPF`);
    if ((a.map_flags ?? 0) & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) throw new BpfError('EACCES', `${CMD}: ${fields[0].name} in a map with BPF_F_RDONLY_PROG/BPF_F_WRONLY_PROG`);
    for (const f of fields) {
      if (fields.filter((g) => g.name === f.name).length > 1) throw new BpfError('E2BIG', `${CMD}: more than one ${f.name} in the value`);
      const ok = f.name === 'bpf_spin_lock' ? SPIN_LOCK_TYPES.has(mapType) : TIMER_TYPES.has(mapType);
      if (!ok) throw new BpfError('EOPNOTSUPP', `${CMD}: map type ${mapType} cannot hold a ${f.name}`);
    }
    const lock = fields.find((f) => f.name === 'bpf_spin_lock');
    if (lock) a.spin_lock_off = lock.offset;
  }
  if (NO_BTF.has(mapType)) throw new BpfError('ENOTSUPP', `${CMD}: map type ${mapType} does not support BTF (map_check_no_btf)`);
  // trie_check_btf: the key must be a struct (bpf_lpm_trie_key_u8 layout); bloom_map_check_btf: no key type.
  if (mapType === BPF_MAP_TYPE_LPM_TRIE && keyType.kind !== KIND.STRUCT) throw new BpfError('EINVAL', `${CMD}: an LPM trie's key type must be a struct`);
  if (mapType === BPF_MAP_TYPE_BLOOM_FILTER && keyType.kind !== KIND.UNKN) throw new BpfError('EINVAL', `${CMD}: a bloom filter has no key type`);
  if (mapType === BPF_MAP_TYPE_ARRAY || mapType === BPF_MAP_TYPE_PERCPU_ARRAY) {
    // array_map_check_btf: keyless only for a one-entry ARRAY of a DATASEC (.bss/.data/.rodata); else a u32 key.
    if (keyType.kind === KIND.UNKN) {
      if (mapType !== BPF_MAP_TYPE_ARRAY || a.max_entries !== 1 || v.type.kind !== KIND.DATASEC) {
        throw new BpfError('EINVAL', `${CMD}: a keyless array map needs max_entries 1 and a DATASEC value`);
      }
    } else if (keyType.kind !== KIND.INT || keyType.int!.bits !== 32 || keyType.int!.offset) {
      throw new BpfError('EINVAL', `${CMD}: an array map's key type must be a 32-bit int`);
    }
  }
}

/** Top-level and nested-struct members that are struct bpf_spin_lock / struct bpf_timer, with byte offsets. */
function specialFields(btf: ParsedBtf, t: BtfType, base: number, depth = 0): { name: string; offset: number }[] {
  if (!isStructOrUnion(t) || depth > 8) return [];
  const out: { name: string; offset: number }[] = [];
  for (const m of t.members ?? []) {
    const r = typeIdSize(btf, m.type);
    if (!r || !isStructOrUnion(r.type)) continue;
    const off = base + ((t.kflag ? m.bitOffset : m.offset) >> 3);
    const name = cstr(btf.strings, r.type.nameOff);
    // btf_get_field_type: the name and the uapi size must both match (a 8-byte "bpf_timer" is no timer).
    if ((name === 'bpf_spin_lock' && r.size === 4) || (name === 'bpf_timer' && r.size === 16)) out.push({ name, offset: off });
    else out.push(...specialFields(btf, r.type, off, depth + 1));
  }
  return out;
}

const attached = new WeakMap<MapObject, MapBtf>();

/** The map takes its reference on the BTF (map->btf = btf) and gets a bpffs text when it can show elements. */
export function attachMapBtf(map: MapObject, mb: MapBtf | undefined): void {
  if (!mb) return;
  mb.btf.get();
  attached.set(map, mb);
  // bpf_map_support_seq_show: a value type id and a map_seq_show_elem.
  if (mb.valueTypeId && SEQ_SHOW.has(map.impl.mapType)) map.readText = () => mapSeqShow(map, mb);
}

export function mapBtfOf(map: MapObject): MapBtf | undefined {
  return attached.get(map);
}

/** bpf_map_free_deferred → btf_put(map->btf). */
export function releaseMapBtf(map: MapObject): void {
  const mb = attached.get(map);
  if (!mb) return;
  attached.delete(map);
  mb.btf.put();
}

/** map_seq_show: the two warning lines, then one element per map_get_next_key step. */
export function mapSeqShow(map: MapObject, mb: MapBtf): string {
  const impl = map.impl;
  const btf = mb.btf.btf;
  let out = '# WARNING!! The output is for debug purpose only\n# WARNING!! The output format will change\n';
  const percpu = PERCPU.has(impl.mapType);
  const stride = (impl.valueSize + 7) & ~7;
  let key: Uint8Array | null = null;
  for (let n = 0; n <= impl.maxEntries; n++) {
    let next: Uint8Array;
    try {
      next = impl.getNextKey(key);
    } catch (e) {
      if (isBpfError(e, 'ENOENT')) break; // the last key
      throw e;
    }
    key = next.slice(0, impl.keySize);
    let value: Uint8Array;
    try {
      value = impl.lookup(key);
    } catch (e) {
      // no element (an empty prog_array slot, or deleted meanwhile): map_seq_show_elem prints nothing
      if (isBpfError(e, 'ENOENT')) continue;
      throw e;
    }
    // array_map_seq_show_elem / percpu_array_map_seq_show_elem print the index with "%u" (nothing for a keyless
    // .data/.bss array); the hash types print the key through BTF.
    const isArray = impl.mapType === BPF_MAP_TYPE_ARRAY || impl.mapType === BPF_MAP_TYPE_PERCPU_ARRAY || impl.mapType === BPF_MAP_TYPE_PROG_ARRAY;
    const index = new DataView(key.buffer, key.byteOffset, key.byteLength);
    if (!isArray) out += `${btfShow(btf, mb.keyTypeId, key)}: `;
    else if (mb.keyTypeId || percpu) out += `${index.getUint32(0, true)}: `;
    if (!percpu) {
      out += `${btfShow(btf, mb.valueTypeId, value.subarray(0, impl.valueSize))}\n`;
      continue;
    }
    out += '{\n';
    const ncpus = Math.floor(value.length / stride);
    for (let cpu = 0; cpu < ncpus; cpu++) {
      out += `\tcpu${cpu}: ${btfShow(btf, mb.valueTypeId, value.subarray(cpu * stride, cpu * stride + impl.valueSize))}\n`;
    }
    out += '}\n';
  }
  return out;
}
