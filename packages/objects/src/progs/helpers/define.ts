// Building HelperSpecs from the uapi helper table (@bpfsim/isa HELPERS: id, name, gpl_only) so every helper
// objects-progs registers carries the kernel's id and licence rule.
import { helperId, helperInfo } from '@bpfsim/isa';
import type { HelperCall, HelperFn } from '@bpfsim/vm';
import type { HelperSpec } from '../helpers.js';
import type { RunEnv } from '../run.js';
import { PROG_TYPE_NAMES } from '../../uapi.js';

export type { HelperCall, HelperFn };

/** A HelperSpec for `bpf_<name>`; `progTypes` lists uapi type names (undefined = every type, bpf_base_func_proto). */
export function helper(name: string, fn: HelperFn, progTypes?: readonly string[]): HelperSpec {
  const id = helperId(name);
  const info = id === undefined ? undefined : helperInfo(id);
  if (!info) throw new Error(`unknown helper ${name}`);
  return {
    id: info.id,
    name: `bpf_${info.name}`,
    gplOnly: info.gplOnly,
    progTypes: progTypes?.map((t) => {
      const n = PROG_TYPE_NAMES.indexOf(t as (typeof PROG_TYPE_NAMES)[number]);
      if (n < 0) throw new Error(`unknown program type ${t}`);
      return n;
    }),
    fn,
  };
}

export const envOf = (call: HelperCall): RunEnv => call.env as RunEnv;

/** A helper's return value for a (negative) errno or count. */
export const ret = (n: number | bigint): bigint => BigInt.asUintN(64, BigInt(n));

export const EINVAL = -22;
export const E2BIG = -7;
export const ENOENT = -2;
export const EFAULT = -14;
export const ENOSPC = -28;
export const EBUSY = -16;

/** Program types with the tracing helpers (bpf_tracing_func_proto). */
export const TRACING_TYPES = ['KPROBE', 'TRACEPOINT', 'PERF_EVENT', 'RAW_TRACEPOINT', 'RAW_TRACEPOINT_WRITABLE', 'TRACING', 'LSM', 'SYSCALL'];
/** Program types that see the current task through cgroup_current_func_proto. */
export const CGROUP_TYPES = ['CGROUP_SKB', 'CGROUP_SOCK', 'CGROUP_SOCK_ADDR', 'CGROUP_SOCKOPT', 'CGROUP_SYSCTL', 'CGROUP_DEVICE'];
/** Program types running on an skb or an xdp_buff. */
export const NET_TYPES = ['SOCKET_FILTER', 'SCHED_CLS', 'SCHED_ACT', 'CGROUP_SKB', 'LWT_IN', 'LWT_OUT', 'LWT_XMIT', 'LWT_SEG6LOCAL', 'XDP', 'SK_SKB'];
