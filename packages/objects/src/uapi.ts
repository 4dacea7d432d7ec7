// uapi enum values of include/uapi/linux/bpf.h: commands, program types, attach types, link types, flags.
// Index in each array = the enum's number; names are the uapi names without their prefix.

export const BPF_CMD_NAMES = [
  'MAP_CREATE', 'MAP_LOOKUP_ELEM', 'MAP_UPDATE_ELEM', 'MAP_DELETE_ELEM', 'MAP_GET_NEXT_KEY', 'PROG_LOAD', 'OBJ_PIN',
  'OBJ_GET', 'PROG_ATTACH', 'PROG_DETACH', 'PROG_TEST_RUN', 'PROG_GET_NEXT_ID', 'MAP_GET_NEXT_ID', 'PROG_GET_FD_BY_ID',
  'MAP_GET_FD_BY_ID', 'OBJ_GET_INFO_BY_FD', 'PROG_QUERY', 'RAW_TRACEPOINT_OPEN', 'BTF_LOAD', 'BTF_GET_FD_BY_ID',
  'TASK_FD_QUERY', 'MAP_LOOKUP_AND_DELETE_ELEM', 'MAP_FREEZE', 'BTF_GET_NEXT_ID', 'MAP_LOOKUP_BATCH',
  'MAP_LOOKUP_AND_DELETE_BATCH', 'MAP_UPDATE_BATCH', 'MAP_DELETE_BATCH', 'LINK_CREATE', 'LINK_UPDATE',
  'LINK_GET_FD_BY_ID', 'LINK_GET_NEXT_ID', 'ENABLE_STATS', 'ITER_CREATE', 'LINK_DETACH', 'PROG_BIND_MAP',
  'TOKEN_CREATE', 'PROG_STREAM_READ_BY_FD',
] as const;
export type BpfCmdName = `BPF_${(typeof BPF_CMD_NAMES)[number]}`;

export const PROG_TYPE_NAMES = [
  'UNSPEC', 'SOCKET_FILTER', 'KPROBE', 'SCHED_CLS', 'SCHED_ACT', 'TRACEPOINT', 'XDP', 'PERF_EVENT', 'CGROUP_SKB',
  'CGROUP_SOCK', 'LWT_IN', 'LWT_OUT', 'LWT_XMIT', 'SOCK_OPS', 'SK_SKB', 'CGROUP_DEVICE', 'SK_MSG', 'RAW_TRACEPOINT',
  'CGROUP_SOCK_ADDR', 'LWT_SEG6LOCAL', 'LIRC_MODE2', 'SK_REUSEPORT', 'FLOW_DISSECTOR', 'CGROUP_SYSCTL',
  'RAW_TRACEPOINT_WRITABLE', 'CGROUP_SOCKOPT', 'TRACING', 'STRUCT_OPS', 'EXT', 'LSM', 'SK_LOOKUP', 'SYSCALL',
  'NETFILTER',
] as const;

/** bpftool's names for program types (libbpf prog_type_name). */
export const PROG_TYPE_BPFTOOL = [
  'unspec', 'socket_filter', 'kprobe', 'sched_cls', 'sched_act', 'tracepoint', 'xdp', 'perf_event', 'cgroup_skb',
  'cgroup_sock', 'lwt_in', 'lwt_out', 'lwt_xmit', 'sock_ops', 'sk_skb', 'cgroup_device', 'sk_msg', 'raw_tracepoint',
  'cgroup_sock_addr', 'lwt_seg6local', 'lirc_mode2', 'sk_reuseport', 'flow_dissector', 'cgroup_sysctl',
  'raw_tracepoint_writable', 'cgroup_sockopt', 'tracing', 'struct_ops', 'ext', 'lsm', 'sk_lookup', 'syscall',
  'netfilter',
] as const;

export const ATTACH_TYPE_NAMES = [
  'CGROUP_INET_INGRESS', 'CGROUP_INET_EGRESS', 'CGROUP_INET_SOCK_CREATE', 'CGROUP_SOCK_OPS', 'SK_SKB_STREAM_PARSER',
  'SK_SKB_STREAM_VERDICT', 'CGROUP_DEVICE', 'SK_MSG_VERDICT', 'CGROUP_INET4_BIND', 'CGROUP_INET6_BIND',
  'CGROUP_INET4_CONNECT', 'CGROUP_INET6_CONNECT', 'CGROUP_INET4_POST_BIND', 'CGROUP_INET6_POST_BIND',
  'CGROUP_UDP4_SENDMSG', 'CGROUP_UDP6_SENDMSG', 'LIRC_MODE2', 'FLOW_DISSECTOR', 'CGROUP_SYSCTL',
  'CGROUP_UDP4_RECVMSG', 'CGROUP_UDP6_RECVMSG', 'CGROUP_GETSOCKOPT', 'CGROUP_SETSOCKOPT', 'TRACE_RAW_TP',
  'TRACE_FENTRY', 'TRACE_FEXIT', 'MODIFY_RETURN', 'LSM_MAC', 'TRACE_ITER', 'CGROUP_INET4_GETPEERNAME',
  'CGROUP_INET6_GETPEERNAME', 'CGROUP_INET4_GETSOCKNAME', 'CGROUP_INET6_GETSOCKNAME', 'XDP_DEVMAP',
  'CGROUP_INET_SOCK_RELEASE', 'XDP_CPUMAP', 'SK_LOOKUP', 'XDP', 'SK_SKB_VERDICT', 'SK_REUSEPORT_SELECT',
  'SK_REUSEPORT_SELECT_OR_MIGRATE', 'PERF_EVENT', 'TRACE_KPROBE_MULTI', 'LSM_CGROUP', 'STRUCT_OPS', 'NETFILTER',
  'TCX_INGRESS', 'TCX_EGRESS', 'TRACE_UPROBE_MULTI', 'CGROUP_UNIX_CONNECT', 'CGROUP_UNIX_SENDMSG',
  'CGROUP_UNIX_RECVMSG', 'CGROUP_UNIX_GETPEERNAME', 'CGROUP_UNIX_GETSOCKNAME', 'NETKIT_PRIMARY', 'NETKIT_PEER',
  'TRACE_KPROBE_SESSION', 'TRACE_UPROBE_SESSION',
] as const;

export const LINK_TYPE_NAMES = [
  'UNSPEC', 'RAW_TRACEPOINT', 'TRACING', 'CGROUP', 'ITER', 'NETNS', 'XDP', 'PERF_EVENT', 'KPROBE_MULTI', 'STRUCT_OPS',
  'NETFILTER', 'TCX', 'UPROBE_MULTI', 'NETKIT', 'SOCKMAP',
] as const;

/** bpf_link_type_strs: what fdinfo's link_type line and bpftool print. */
export const linkTypeString = (type: number): string =>
  type > 0 && type < LINK_TYPE_NAMES.length ? LINK_TYPE_NAMES[type].toLowerCase() : `<${type}>`;

export const BPF_PROG_TYPE_SOCKET_FILTER = 1;
export const BPF_PROG_TYPE_XDP = 6;
export const BPF_PROG_TYPE_SYSCALL = 31;
export const BPF_ATTACH_TYPE_XDP = 37;
export const BPF_LINK_TYPE_XDP = 6;

/** Map types core needs to know by number (the full table belongs to maps/). */
export const BPF_MAP_TYPE_ARRAY = 2;
export const BPF_MAP_TYPE_PROG_ARRAY = 3;

/** Access-mode flags (map_flags at create, file_flags / open_flags elsewhere). */
export const BPF_F_RDONLY = 1 << 3;
export const BPF_F_WRONLY = 1 << 4;
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;

/** prog_flags accepted by BPF_PROG_LOAD (bpf_prog_load's mask). */
export const BPF_F_STRICT_ALIGNMENT = 1 << 0;
export const BPF_F_ANY_ALIGNMENT = 1 << 1;
export const BPF_F_TEST_RND_HI32 = 1 << 2;
export const BPF_F_TEST_STATE_FREQ = 1 << 3;
export const BPF_F_SLEEPABLE = 1 << 4;
export const BPF_F_XDP_HAS_FRAGS = 1 << 5;
export const BPF_F_XDP_DEV_BOUND_ONLY = 1 << 6;
export const BPF_F_TEST_REG_INVARIANTS = 1 << 7;
export const BPF_F_TOKEN_FD = 1 << 16;
export const PROG_LOAD_FLAGS_MASK =
  BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT | BPF_F_TEST_STATE_FREQ | BPF_F_SLEEPABLE | BPF_F_TEST_RND_HI32 |
  BPF_F_XDP_HAS_FRAGS | BPF_F_XDP_DEV_BOUND_ONLY | BPF_F_TEST_REG_INVARIANTS | BPF_F_TOKEN_FD;

/** enum bpf_stats_type. */
export const BPF_STATS_RUN_TIME = 0;

/** Resolves a uapi enum given as number or name (with or without its prefix); undefined when unknown. */
export function enumValue(names: readonly string[], prefix: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'bigint') return v >= 0n && v <= 0xffffffffn ? Number(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const bare = v.startsWith(prefix) ? v.slice(prefix.length) : v;
  const i = names.indexOf(bare.toUpperCase());
  return i < 0 ? undefined : i;
}

export const cmdNumber = (cmd: unknown): number | undefined => (cmd === undefined || cmd === null ? undefined : enumValue(BPF_CMD_NAMES, 'BPF_', cmd));
export const cmdName = (cmd: number): string => (cmd >= 0 && cmd < BPF_CMD_NAMES.length ? `BPF_${BPF_CMD_NAMES[cmd]}` : `cmd ${cmd}`);
export const progTypeNumber = (t: number | string | undefined): number | undefined =>
  enumValue(PROG_TYPE_NAMES, 'BPF_PROG_TYPE_', t);
export const attachTypeNumber = (t: number | string | undefined): number | undefined =>
  enumValue(ATTACH_TYPE_NAMES, 'BPF_', t);
