// Builders for oracle script lines (names follow union bpf_attr). Numbers are uapi values; see FACTS.md.
import { le, type ScriptCommand } from './oracle';

export const MAP = {
  HASH: 1, ARRAY: 2, PROG_ARRAY: 3, PERF_EVENT_ARRAY: 4, PERCPU_HASH: 5, PERCPU_ARRAY: 6, STACK_TRACE: 7,
  LRU_HASH: 9, LRU_PERCPU_HASH: 10, LPM_TRIE: 11, ARRAY_OF_MAPS: 12, HASH_OF_MAPS: 13, QUEUE: 22, STACK: 23,
  RINGBUF: 27, BLOOM_FILTER: 30,
} as const;
export const F = {
  NO_PREALLOC: 1, NO_COMMON_LRU: 2, NUMA_NODE: 4, RDONLY: 8, WRONLY: 16, ZERO_SEED: 64, RDONLY_PROG: 128,
  WRONLY_PROG: 256, MMAPABLE: 1024, PRESERVE_ELEMS: 2048, INNER_MAP: 4096,
} as const;
export const ANY = 0, NOEXIST = 1, EXIST = 2, F_LOCK = 4;
export const PROG = { SOCKET_FILTER: 1, KPROBE: 2, SCHED_CLS: 3, XDP: 6 } as const;

type Extra = Record<string, string | number | boolean | null>;

export const mapCreate = (map_type: number, key_size: number, value_size: number, max_entries: number,
  map_flags = 0, extra: Extra = {}): ScriptCommand =>
  ({ cmd: 'BPF_MAP_CREATE', map_type, key_size, value_size, max_entries, map_flags, ...extra });

const withKey = (c: ScriptCommand, key: string | undefined): ScriptCommand => (key === undefined ? c : { ...c, key });
/** `key`/`value` are hex; undefined key = NULL pointer (keyless maps). */
export const update = (m: string, key: string | undefined, value: string, flags = 0): ScriptCommand =>
  withKey({ cmd: 'BPF_MAP_UPDATE_ELEM', map_fd: `$${m}`, value, flags }, key);
export const lookup = (m: string, key?: string, extra: Extra = {}): ScriptCommand =>
  withKey({ cmd: 'BPF_MAP_LOOKUP_ELEM', map_fd: `$${m}`, ...extra }, key);
export const del = (m: string, key?: string): ScriptCommand => withKey({ cmd: 'BPF_MAP_DELETE_ELEM', map_fd: `$${m}` }, key);
export const nextKey = (m: string, key?: string): ScriptCommand => withKey({ cmd: 'BPF_MAP_GET_NEXT_KEY', map_fd: `$${m}` }, key);
export const lookupAndDelete = (m: string, key?: string, flags = 0): ScriptCommand =>
  withKey({ cmd: 'BPF_MAP_LOOKUP_AND_DELETE_ELEM', map_fd: `$${m}`, flags }, key);
export const freeze = (m: string): ScriptCommand => ({ cmd: 'BPF_MAP_FREEZE', map_fd: `$${m}` });
export const info = (fd: string, extra: Extra = {}): ScriptCommand => ({ cmd: 'BPF_OBJ_GET_INFO_BY_FD', bpf_fd: `$${fd}`, ...extra });
export const fdinfo = (fd: string): ScriptCommand => ({ cmd: 'fdinfo', fd: `$${fd}` });
export const progLoad = (prog_type: number, insns: string, license: string | null = 'GPL', extra: Extra = {}): ScriptCommand =>
  ({ cmd: 'BPF_PROG_LOAD', prog_type, insns, ...(license === null ? {} : { license }), ...extra });
export const testRun = (p: string, data_in: string | undefined, extra: Extra = {}): ScriptCommand =>
  ({ cmd: 'BPF_PROG_TEST_RUN', prog_fd: `$${p}`, ...(data_in === undefined ? {} : { data_in }), ...extra });
export const pin = (fd: string, pathname: string, extra: Extra = {}): ScriptCommand =>
  ({ cmd: 'BPF_OBJ_PIN', bpf_fd: `$${fd}`, pathname, ...extra });
export const get = (pathname: string, extra: Extra = {}): ScriptCommand => ({ cmd: 'BPF_OBJ_GET', pathname, ...extra });
export const as = (c: ScriptCommand, name: string): ScriptCommand => ({ ...c, as: name });

/** 4-byte little-endian key/value helpers. */
export const u32 = (n: number): string => le(n, 4);
export const u64 = (n: number | bigint): string => le(n, 8);

/**
 * A raw BTF blob (struct btf_header + types + strings) as hex. `types` are the encoded btf_type records (hex),
 * `strings` the string section starting with the empty string. Used for maps whose pins `cat` pretty-prints.
 */
export function btfBlob(types: string, strings: string[]): string {
  const str = Buffer.from(['', ...strings].join('\0') + '\0', 'latin1').toString('hex');
  const typeLen = types.length / 2;
  const strLen = str.length / 2;
  const header = le(0xeb9f, 2) + '01' + '00' + le(24) + le(0) + le(typeLen) + le(typeLen) + le(strLen);
  return header + types + str;
}
/** BTF_KIND_INT of `size` bytes and `bits` bits, named by string offset `nameOff`. */
export const btfInt = (nameOff: number, size: number, bits: number): string => le(nameOff) + le(1 << 24) + le(size) + le(bits);
/** BTF_KIND_STRUCT header with `vlen` members of `size` bytes; follow with btfMember() records. */
export const btfStruct = (nameOff: number, vlen: number, size: number): string => le(nameOff) + le((4 << 24) | vlen) + le(size);
export const btfMember = (nameOff: number, type: number, bitOffset: number): string => le(nameOff) + le(type) + le(bitOffset);
