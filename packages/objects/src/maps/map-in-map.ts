// Inner map templates for ARRAY_OF_MAPS / HASH_OF_MAPS (kernel/bpf/map_in_map.c).
import { BpfError } from '../errno.js';
import { BPF_F_INNER_MAP, BPF_MAP_TYPE_ARRAY } from './constants.js';
import type { BpfMap, EntryRef, InnerMapMeta, MapEnv } from './types.js';

function asMap(ref: EntryRef, what: string): BpfMap {
  const m = ref.target as BpfMap | null;
  if (!m || typeof m !== 'object' || typeof (m as BpfMap).mapType !== 'number') {
    throw new BpfError('EINVAL', `${what}: fd ${ref.id} does not refer to a BPF map`);
  }
  return m;
}

/** bpf_map_meta_alloc: snapshot the template; nesting (>1 level) is EINVAL, types without meta_equal ENOTSUPP. */
export function innerMapMetaFromFd(env: MapEnv, fd: number | undefined): InnerMapMeta {
  if (fd === undefined) throw new BpfError('EBADF', 'BPF_MAP_CREATE: map-in-map needs inner_map_fd');
  const ref = env.resolveFd(fd, 'map');
  const inner = asMap(ref, 'BPF_MAP_CREATE inner_map_fd');
  if (inner.innerMapMeta) throw new BpfError('EINVAL', 'BPF_MAP_CREATE: inner map is itself a map-in-map (only one level is supported)');
  if (!inner.supportsMetaEqual) {
    throw new BpfError('ENOTSUPP', `BPF_MAP_CREATE: map type ${inner.mapType} cannot be an inner map`);
  }
  return {
    mapType: inner.mapType,
    keySize: inner.keySize,
    valueSize: inner.valueSize,
    maxEntries: inner.maxEntries,
    mapFlags: inner.mapFlags,
    spinLockOff: inner.spinLockOff,
  };
}

/**
 * The template's map_meta_equal: bpf_map_meta_equal compares type, key/value size, flags and BTF record;
 * BPF_MAP_TYPE_ARRAY templates (array_map_meta_equal) also compare max_entries unless the template has
 * BPF_F_INNER_MAP.
 */
export function innerMapCompatible(meta: InnerMapMeta, m: BpfMap): boolean {
  const base =
    meta.mapType === m.mapType &&
    meta.keySize === m.keySize &&
    meta.valueSize === m.valueSize &&
    meta.mapFlags === m.mapFlags &&
    meta.spinLockOff === m.spinLockOff;
  if (!base) return false;
  if (meta.mapType === BPF_MAP_TYPE_ARRAY && !(meta.mapFlags & BPF_F_INNER_MAP)) return meta.maxEntries === m.maxEntries;
  return true;
}

/** bpf_map_fd_get_ptr: resolve an inner map fd and check it against the template; EINVAL when incompatible. */
export function resolveInnerMap(env: MapEnv, meta: InnerMapMeta, fd: number): EntryRef {
  const ref = env.resolveFd(fd, 'map');
  const m = asMap(ref, 'map-in-map update');
  if (!innerMapCompatible(meta, m)) {
    throw new BpfError(
      'EINVAL',
      `map-in-map update: map id ${ref.id} (type ${m.mapType}, key ${m.keySize}, value ${m.valueSize}, ` +
        `max_entries ${m.maxEntries}, flags 0x${m.mapFlags.toString(16)}) does not match the inner map template`,
    );
  }
  return ref;
}
