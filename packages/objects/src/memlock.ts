// The `memlock` fdinfo line: bpf_map_memory_usage(), i.e. the type's ops->map_mem_usage. Every map implementation
// in maps/ computes its own figure (BpfMap.memUsage) with the struct sizes of x86-64 Linux 6.18, checked against the
// running kernel there (maps/kernel-oracle.test.ts, maps/oracle/memlock.txt): e.g. hash 4/8/4 → 1360,
// array 4/4/1 → 320, ringbuf 4096 → 16728 (data pages counted once, their page pointers twice).
import type { BpfMap } from './maps/types.js';

export function memlockOf(map: BpfMap): number {
  return map.memUsage();
}
