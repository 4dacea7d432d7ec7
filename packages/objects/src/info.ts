// struct bpf_map_info / bpf_prog_info / bpf_link_info: the typed view and the uapi byte layout (Linux 6.18,
// sizes 104 / 232 / 64 as the running kernel's BTF has them).
import type { MapObject } from './map-object.js';
import type { ProgObject } from './prog/program.js';
import type { LinkObject } from './links/link.js';

export const MAP_INFO_SIZE = 104;
export const PROG_INFO_SIZE = 232;
export const LINK_INFO_SIZE = 64;

export interface MapInfo {
  type: number;
  id: number;
  key_size: number;
  value_size: number;
  max_entries: number;
  map_flags: number;
  name: string;
  ifindex: number;
  btf_vmlinux_value_type_id: number;
  netns_dev: bigint;
  netns_ino: bigint;
  btf_id: number;
  btf_key_type_id: number;
  btf_value_type_id: number;
  btf_vmlinux_id: number;
  map_extra: bigint;
  hash: bigint;
  hash_size: number;
}

export interface ProgInfo {
  type: number;
  id: number;
  /** 8 bytes. */
  tag: Uint8Array;
  jited_prog_len: number;
  xlated_prog_len: number;
  /** Nanoseconds since boot when the program was loaded. */
  load_time: bigint;
  created_by_uid: number;
  nr_map_ids: number;
  /** The IDs themselves (the kernel copies min(nr_map_ids asked, used) into the user's map_ids array). */
  map_ids: number[];
  name: string;
  ifindex: number;
  gpl_compatible: number;
  netns_dev: bigint;
  netns_ino: bigint;
  nr_jited_ksyms: number;
  nr_jited_func_lens: number;
  btf_id: number;
  func_info_rec_size: number;
  nr_func_info: number;
  nr_line_info: number;
  nr_jited_line_info: number;
  line_info_rec_size: number;
  jited_line_info_rec_size: number;
  nr_prog_tags: number;
  run_time_ns: bigint;
  run_cnt: bigint;
  recursion_misses: bigint;
  verified_insns: number;
  attach_btf_obj_id: number;
  attach_btf_id: number;
  /** The translated instructions (only for callers with CAP_BPF, as bpf_prog_get_info_by_fd). */
  xlated_prog_insns?: Uint8Array;
}

export interface LinkInfo {
  type: number;
  id: number;
  prog_id: number;
  /** Type-specific union members (e.g. { ifindex } for XDP). */
  [field: string]: number | bigint | string | undefined;
}

export function mapInfo(m: MapObject): MapInfo {
  const i = m.impl;
  return {
    type: i.mapType,
    id: m.id,
    key_size: i.keySize,
    value_size: i.valueSize,
    max_entries: i.maxEntries,
    map_flags: i.mapFlags,
    name: i.name,
    ifindex: 0,
    btf_vmlinux_value_type_id: 0,
    netns_dev: 0n,
    netns_ino: 0n,
    btf_id: 0,
    btf_key_type_id: 0,
    btf_value_type_id: 0,
    btf_vmlinux_id: 0,
    map_extra: i.mapExtra,
    hash: 0n,
    hash_size: 0,
  };
}

/** bpf_prog_get_info_by_fd: unprivileged callers get no instruction sizes (the kernel zeroes them). */
export function progInfo(p: ProgObject, privileged: boolean): ProgInfo {
  const xlatedLen = p.xlatedSlots * 8;
  return {
    type: p.type,
    id: p.id,
    tag: p.tag.slice(),
    jited_prog_len: privileged && p.jited ? xlatedLen : 0,
    xlated_prog_len: privileged ? xlatedLen : 0,
    load_time: p.loadTimeNs,
    created_by_uid: p.createdByUid,
    nr_map_ids: p.usedMaps.length,
    map_ids: p.usedMaps.map((m) => m.id),
    name: p.name,
    ifindex: 0,
    gpl_compatible: p.gplCompatible ? 1 : 0,
    netns_dev: 0n,
    netns_ino: 0n,
    nr_jited_ksyms: privileged && p.jited ? 1 : 0,
    nr_jited_func_lens: privileged && p.jited ? 1 : 0,
    btf_id: 0,
    func_info_rec_size: 0,
    nr_func_info: 0,
    nr_line_info: 0,
    nr_jited_line_info: 0,
    line_info_rec_size: 0,
    jited_line_info_rec_size: 0,
    nr_prog_tags: 0,
    run_time_ns: p.stats.runTimeNs,
    run_cnt: p.stats.runCnt,
    recursion_misses: p.stats.recursionMisses,
    verified_insns: p.verifiedInsns,
    attach_btf_obj_id: 0,
    attach_btf_id: p.attachBtfId,
    xlated_prog_insns: privileged ? p.xlated.slice() : undefined,
  };
}

export function linkInfo(l: LinkObject): LinkInfo {
  return { type: l.linkType, id: l.id, prog_id: l.prog.id, ...(l.ops.infoFields?.(l) ?? {}) };
}

/**
 * Where each typed field ends in the uapi struct (offset + size). The kernel copies only the first info_len bytes
 * back (bpf_*_get_info_by_fd: copy_to_user(uinfo, &info, info_len)), so a field ending past info_len stays as the
 * caller had it.
 */
export const MAP_INFO_FIELD_END: Readonly<Record<string, number>> = {
  type: 4, id: 8, key_size: 12, value_size: 16, max_entries: 20, map_flags: 24, name: 40, ifindex: 44,
  btf_vmlinux_value_type_id: 48, netns_dev: 56, netns_ino: 64, btf_id: 68, btf_key_type_id: 72,
  btf_value_type_id: 76, btf_vmlinux_id: 80, map_extra: 88, hash: 96, hash_size: 100,
};
export const PROG_INFO_FIELD_END: Readonly<Record<string, number>> = {
  type: 4, id: 8, tag: 16, jited_prog_len: 20, xlated_prog_len: 24, xlated_prog_insns: 40, load_time: 48,
  created_by_uid: 52, nr_map_ids: 56, map_ids: 64, name: 80, ifindex: 84, gpl_compatible: 88, netns_dev: 96,
  netns_ino: 104, nr_jited_ksyms: 108, nr_jited_func_lens: 112, btf_id: 132, func_info_rec_size: 136,
  nr_func_info: 148, nr_line_info: 152, nr_jited_line_info: 172, line_info_rec_size: 176,
  jited_line_info_rec_size: 180, nr_prog_tags: 184, run_time_ns: 200, run_cnt: 208, recursion_misses: 216,
  verified_insns: 220, attach_btf_obj_id: 224, attach_btf_id: 228,
};
/** bpf_link_info: type, id, prog_id, then the per-type union from offset 16. */
export const LINK_INFO_FIELD_END: Readonly<Record<string, number>> = { type: 4, id: 8, prog_id: 12 };

/** The fields of a typed info that fit in `infoLen` bytes (unknown fields — union members — need the full struct). */
export function fieldsWithin<T extends object>(info: T, ends: Readonly<Record<string, number>>, infoLen: number): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(info)) {
    const end = ends[k] ?? Infinity;
    if (end <= infoLen) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

const putName = (b: Uint8Array, off: number, name: string): void => {
  const enc = new TextEncoder().encode(name).subarray(0, 15);
  b.set(enc, off);
};

export function mapInfoBytes(info: MapInfo): Uint8Array {
  const b = new Uint8Array(MAP_INFO_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, info.type, true);
  v.setUint32(4, info.id, true);
  v.setUint32(8, info.key_size, true);
  v.setUint32(12, info.value_size, true);
  v.setUint32(16, info.max_entries, true);
  v.setUint32(20, info.map_flags, true);
  putName(b, 24, info.name);
  v.setUint32(40, info.ifindex, true);
  v.setUint32(44, info.btf_vmlinux_value_type_id, true);
  v.setBigUint64(48, info.netns_dev, true);
  v.setBigUint64(56, info.netns_ino, true);
  v.setUint32(64, info.btf_id, true);
  v.setUint32(68, info.btf_key_type_id, true);
  v.setUint32(72, info.btf_value_type_id, true);
  v.setUint32(76, info.btf_vmlinux_id, true);
  v.setBigUint64(80, info.map_extra, true);
  v.setBigUint64(88, info.hash, true);
  v.setUint32(96, info.hash_size, true);
  return b;
}

/** The scalar part of bpf_prog_info; pointer fields (map_ids, xlated_prog_insns, …) are left as the caller had them. */
export function progInfoBytes(info: ProgInfo, user: Uint8Array): Uint8Array {
  const b = new Uint8Array(PROG_INFO_SIZE);
  b.set(user.subarray(0, Math.min(user.length, PROG_INFO_SIZE)));
  const v = new DataView(b.buffer);
  v.setUint32(0, info.type, true);
  v.setUint32(4, info.id, true);
  b.set(info.tag, 8);
  v.setUint32(16, info.jited_prog_len, true);
  v.setUint32(20, info.xlated_prog_len, true);
  v.setBigUint64(40, info.load_time, true);
  v.setUint32(48, info.created_by_uid, true);
  v.setUint32(52, info.nr_map_ids, true);
  b.fill(0, 64, 80);
  putName(b, 64, info.name);
  v.setUint32(80, info.ifindex, true);
  v.setUint32(84, info.gpl_compatible & 1, true);
  v.setBigUint64(88, info.netns_dev, true);
  v.setBigUint64(96, info.netns_ino, true);
  v.setUint32(104, info.nr_jited_ksyms, true);
  v.setUint32(108, info.nr_jited_func_lens, true);
  v.setUint32(128, info.btf_id, true);
  v.setUint32(132, info.func_info_rec_size, true);
  v.setUint32(144, info.nr_func_info, true);
  v.setUint32(148, info.nr_line_info, true);
  v.setUint32(168, info.nr_jited_line_info, true);
  v.setUint32(172, info.line_info_rec_size, true);
  v.setUint32(176, info.jited_line_info_rec_size, true);
  v.setUint32(180, info.nr_prog_tags, true);
  v.setBigUint64(192, info.run_time_ns, true);
  v.setBigUint64(200, info.run_cnt, true);
  v.setBigUint64(208, info.recursion_misses, true);
  v.setUint32(216, info.verified_insns, true);
  v.setUint32(220, info.attach_btf_obj_id, true);
  v.setUint32(224, info.attach_btf_id, true);
  return b;
}

export function linkInfoBytes(l: LinkObject): Uint8Array {
  const b = new Uint8Array(LINK_INFO_SIZE);
  const v = new DataView(b.buffer);
  v.setUint32(0, l.linkType, true);
  v.setUint32(4, l.id, true);
  v.setUint32(8, l.prog.id, true);
  l.ops.fillLinkInfo?.(l, v);
  return b;
}

/** Decodes a bpf_prog_info byte image (e.g. for tests and the CLI). */
export function decodeProgInfo(b: Uint8Array): Pick<ProgInfo, 'type' | 'id' | 'tag' | 'xlated_prog_len' | 'created_by_uid' | 'nr_map_ids' | 'name' | 'gpl_compatible' | 'run_time_ns' | 'run_cnt' | 'verified_insns'> {
  const full = new Uint8Array(PROG_INFO_SIZE);
  full.set(b.subarray(0, PROG_INFO_SIZE));
  const v = new DataView(full.buffer);
  const nameBytes = full.subarray(64, 80);
  const nul = nameBytes.indexOf(0);
  return {
    type: v.getUint32(0, true),
    id: v.getUint32(4, true),
    tag: full.slice(8, 16),
    xlated_prog_len: v.getUint32(20, true),
    created_by_uid: v.getUint32(48, true),
    nr_map_ids: v.getUint32(52, true),
    name: new TextDecoder().decode(nul < 0 ? nameBytes : nameBytes.subarray(0, nul)),
    gpl_compatible: v.getUint32(84, true) & 1,
    run_time_ns: v.getBigUint64(192, true),
    run_cnt: v.getBigUint64(200, true),
    verified_insns: v.getUint32(216, true),
  };
}
