// BPF_MAP_CREATE cases with the kernel's answer, hand-derived from kernel/bpf/*.c alloc checks; create.test.ts checks
// bpfsim against them and kernel-oracle.test.ts checks them against the running kernel.
import * as C from './constants.js';
import type { MapCreateAttr } from './types.js';

export const CREATE_CASES: Array<[string, MapCreateAttr, string]> = [
  // array
  ['array ok', { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 16 }, 'ok'],
  ['array key 8', { map_type: 2, key_size: 8, value_size: 8, max_entries: 16 }, 'EINVAL'],
  ['array max 0', { map_type: 2, key_size: 4, value_size: 8, max_entries: 0 }, 'EINVAL'],
  ['array value 0', { map_type: 2, key_size: 4, value_size: 0, max_entries: 1 }, 'EINVAL'],
  ['array no_prealloc', { map_type: 2, key_size: 4, value_size: 8, max_entries: 1, map_flags: C.BPF_F_NO_PREALLOC }, 'EINVAL'],
  ['array mmapable', { map_type: 2, key_size: 4, value_size: 8, max_entries: 1, map_flags: C.BPF_F_MMAPABLE }, 'ok'],
  ['percpu_array mmapable', { map_type: 6, key_size: 4, value_size: 8, max_entries: 1, map_flags: C.BPF_F_MMAPABLE }, 'EINVAL'],
  ['array value > INT_MAX', { map_type: 2, key_size: 4, value_size: 0x80000000, max_entries: 1 }, 'E2BIG'],
  ['percpu_array value 32768', { map_type: 6, key_size: 4, value_size: 32768, max_entries: 1 }, 'ok'],
  ['percpu_array value 32769', { map_type: 6, key_size: 4, value_size: 32769, max_entries: 1 }, 'E2BIG'],
  ['array rdonly_prog|wronly_prog', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_flags: C.BPF_F_RDONLY_PROG | C.BPF_F_WRONLY_PROG }, 'EINVAL'],
  ['array rdonly|wronly', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_flags: C.BPF_F_RDONLY | C.BPF_F_WRONLY }, 'EINVAL'],
  // Linux 6.18 on a 23 GiB machine allocates a 1 GiB value (testing/kernel-oracle/FACTS.md); bpfsim stores lazily.
  ['array 1 GiB value', { map_type: 2, key_size: 4, value_size: 1 << 30, max_entries: 1 }, 'ok'],
  ['array 16 GiB', { map_type: 2, key_size: 4, value_size: 4096, max_entries: 1 << 22 }, 'ENOMEM'],
  ['array value 0xffffffff', { map_type: 2, key_size: 4, value_size: 0xffffffff, max_entries: 1 }, 'E2BIG'],
  ['array preserve_elems', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_flags: C.BPF_F_PRESERVE_ELEMS }, 'EINVAL'],
  ['array map_extra', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_extra: 1 }, 'EINVAL'],
  ['array numa node 1', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_flags: C.BPF_F_NUMA_NODE, numa_node: 1 }, 'EINVAL'],
  ['array numa node 0', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_flags: C.BPF_F_NUMA_NODE, numa_node: 0 }, 'ok'],
  ['percpu_array numa node 0', { map_type: 6, key_size: 4, value_size: 4, max_entries: 1, map_flags: C.BPF_F_NUMA_NODE, numa_node: 0 }, 'EINVAL'],
  ['array bad name', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_name: 'a-b' }, 'EINVAL'],
  ['array name 16 chars', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_name: 'abcdefghijklmnop' }, 'EINVAL'],
  ['array name 15 chars', { map_type: 2, key_size: 4, value_size: 4, max_entries: 1, map_name: 'abcdefghijklmn.' }, 'ok'],
  // prog_array / perf_event_array
  ['prog_array ok', { map_type: 3, key_size: 4, value_size: 4, max_entries: 4 }, 'ok'],
  ['prog_array value 8', { map_type: 3, key_size: 4, value_size: 8, max_entries: 4 }, 'EINVAL'],
  ['prog_array rdonly_prog', { map_type: 3, key_size: 4, value_size: 4, max_entries: 4, map_flags: C.BPF_F_RDONLY_PROG }, 'EINVAL'],
  ['perf_event_array preserve', { map_type: 4, key_size: 4, value_size: 4, max_entries: 4, map_flags: C.BPF_F_PRESERVE_ELEMS }, 'ok'],
  // hash family
  ['hash ok', { map_type: 'hash', key_size: 4, value_size: 8, max_entries: 16 }, 'ok'],
  ['hash key 0', { map_type: 1, key_size: 0, value_size: 8, max_entries: 16 }, 'EINVAL'],
  ['hash value 0', { map_type: 1, key_size: 4, value_size: 0, max_entries: 16 }, 'EINVAL'],
  ['hash max 0', { map_type: 1, key_size: 4, value_size: 8, max_entries: 0 }, 'EINVAL'],
  ['hash huge kv', { map_type: 1, key_size: 4, value_size: (1 << 22) - 52, max_entries: 1, map_flags: C.BPF_F_NO_PREALLOC }, 'E2BIG'],
  ['hash kv just fits', { map_type: 1, key_size: 4, value_size: (1 << 22) - 53, max_entries: 1, map_flags: C.BPF_F_NO_PREALLOC }, 'ok'],
  ['hash mmapable', { map_type: 1, key_size: 4, value_size: 8, max_entries: 1, map_flags: C.BPF_F_MMAPABLE }, 'EINVAL'],
  ['hash no_common_lru', { map_type: 1, key_size: 4, value_size: 8, max_entries: 1, map_flags: C.BPF_F_NO_COMMON_LRU }, 'EINVAL'],
  ['lru no_prealloc', { map_type: 9, key_size: 4, value_size: 8, max_entries: 1, map_flags: C.BPF_F_NO_PREALLOC }, 'ENOTSUPP'],
  ['lru no_common_lru', { map_type: 9, key_size: 4, value_size: 8, max_entries: 1, map_flags: C.BPF_F_NO_COMMON_LRU }, 'ok'],
  ['percpu_hash value 32768', { map_type: 5, key_size: 4, value_size: 32768, max_entries: 1 }, 'ok'],
  ['percpu_hash value 32761', { map_type: 5, key_size: 4, value_size: 32761, max_entries: 1 }, 'ok'],
  ['percpu_hash value 32769', { map_type: 5, key_size: 4, value_size: 32769, max_entries: 1 }, 'E2BIG'],
  ['hash max > 2^31', { map_type: 1, key_size: 4, value_size: 4, max_entries: 2 ** 31 + 1, map_flags: C.BPF_F_NO_PREALLOC }, 'E2BIG'],
  ['hash max 2^31 prealloc', { map_type: 1, key_size: 4, value_size: 4, max_entries: 2 ** 31 }, 'ENOMEM'],
  ['hash_of_maps value 8', { map_type: 13, key_size: 4, value_size: 8, max_entries: 4, inner_map_fd: 3 }, 'EINVAL'],
  ['array_of_maps bad inner fd', { map_type: 12, key_size: 4, value_size: 4, max_entries: 4, inner_map_fd: 999 }, 'EBADF'],
  // queue / stack
  ['queue ok', { map_type: 'BPF_MAP_TYPE_QUEUE', key_size: 0, value_size: 8, max_entries: 4 }, 'ok'],
  ['queue key 4', { map_type: 22, key_size: 4, value_size: 8, max_entries: 4 }, 'EINVAL'],
  ['stack value 0', { map_type: 23, key_size: 0, value_size: 0, max_entries: 4 }, 'EINVAL'],
  ['stack no_prealloc', { map_type: 23, key_size: 0, value_size: 4, max_entries: 4, map_flags: C.BPF_F_NO_PREALLOC }, 'EINVAL'],
  ['queue value > KMALLOC_MAX', { map_type: 22, key_size: 0, value_size: (1 << 22) + 1, max_entries: 1 }, 'E2BIG'],
  // bloom
  ['bloom ok', { map_type: 30, key_size: 0, value_size: 4, max_entries: 100, map_extra: 3 }, 'ok'],
  ['bloom key 4', { map_type: 30, key_size: 4, value_size: 4, max_entries: 100 }, 'EINVAL'],
  ['bloom 16 hashes', { map_type: 30, key_size: 0, value_size: 4, max_entries: 100, map_extra: 16 }, 'EINVAL'],
  ['bloom 15 hashes', { map_type: 30, key_size: 0, value_size: 4, max_entries: 100, map_extra: 15 }, 'ok'],
  ['bloom value > KMALLOC_MAX', { map_type: 30, key_size: 4, value_size: (1 << 22) + 1, max_entries: 1 }, 'E2BIG'],
  // ringbuf
  ['ringbuf ok', { map_type: 27, key_size: 0, value_size: 0, max_entries: 4096 }, 'ok'],
  ['ringbuf not pow2', { map_type: 27, key_size: 0, value_size: 0, max_entries: 3 * 4096 }, 'EINVAL'],
  ['ringbuf not page aligned', { map_type: 27, key_size: 0, value_size: 0, max_entries: 1024 }, 'EINVAL'],
  ['ringbuf key 4', { map_type: 27, key_size: 4, value_size: 0, max_entries: 4096 }, 'EINVAL'],
  ['ringbuf rdonly_prog', { map_type: 27, key_size: 0, value_size: 0, max_entries: 4096, map_flags: C.BPF_F_RDONLY_PROG }, 'EINVAL'],
  ['ringbuf 2^31', { map_type: 27, key_size: 0, value_size: 0, max_entries: 2 ** 31 }, 'ENOMEM'],
  // lpm
  ['lpm ok', { map_type: 11, key_size: 8, value_size: 4, max_entries: 16, map_flags: C.BPF_F_NO_PREALLOC }, 'ok'],
  ['lpm prealloc', { map_type: 11, key_size: 8, value_size: 4, max_entries: 16 }, 'EINVAL'],
  ['lpm key 4', { map_type: 11, key_size: 4, value_size: 4, max_entries: 16, map_flags: C.BPF_F_NO_PREALLOC }, 'EINVAL'],
  ['lpm key 260', { map_type: 11, key_size: 260, value_size: 4, max_entries: 16, map_flags: C.BPF_F_NO_PREALLOC }, 'ok'],
  ['lpm key 261', { map_type: 11, key_size: 261, value_size: 4, max_entries: 16, map_flags: C.BPF_F_NO_PREALLOC }, 'EINVAL'],
  // unknown / unimplemented
  ['type 999', { map_type: 999, key_size: 4, value_size: 4, max_entries: 1 }, 'EINVAL'],
  ['type name typo', { map_type: 'BPF_MAP_TYPE_HASSH', key_size: 4, value_size: 4, max_entries: 1 }, 'EINVAL'],
  ['unknown flag bit 30', { map_type: 1, key_size: 4, value_size: 4, max_entries: 1, map_flags: 1 << 30 }, 'EINVAL'],
];

