// bpf_prog_load_fixup_attach_type + bpf_prog_load_check_attach: which expected_attach_type each program type takes
// at load time (types not listed take any value).
import { BpfError } from '../errno.js';
import { attachTypeNumber } from '../uapi.js';
import type { ProgTypeSpec } from './registry.js';

const at = (...names: string[]): number[] => names.map((n) => attachTypeNumber(`BPF_${n}`)!);

const RULES: Record<string, { allowed: number[]; defaultIfZero?: number }> = {
  CGROUP_SOCK: {
    allowed: at('CGROUP_INET_SOCK_CREATE', 'CGROUP_INET_SOCK_RELEASE', 'CGROUP_INET4_POST_BIND', 'CGROUP_INET6_POST_BIND'),
    defaultIfZero: at('CGROUP_INET_SOCK_CREATE')[0],
  },
  CGROUP_SOCK_ADDR: {
    allowed: at('CGROUP_INET4_BIND', 'CGROUP_INET6_BIND', 'CGROUP_INET4_CONNECT', 'CGROUP_INET6_CONNECT',
      'CGROUP_UNIX_CONNECT', 'CGROUP_INET4_GETPEERNAME', 'CGROUP_INET6_GETPEERNAME', 'CGROUP_UNIX_GETPEERNAME',
      'CGROUP_INET4_GETSOCKNAME', 'CGROUP_INET6_GETSOCKNAME', 'CGROUP_UNIX_GETSOCKNAME', 'CGROUP_UDP4_SENDMSG',
      'CGROUP_UDP6_SENDMSG', 'CGROUP_UNIX_SENDMSG', 'CGROUP_UDP4_RECVMSG', 'CGROUP_UDP6_RECVMSG', 'CGROUP_UNIX_RECVMSG'),
  },
  CGROUP_SKB: { allowed: at('CGROUP_INET_INGRESS', 'CGROUP_INET_EGRESS') },
  CGROUP_SOCKOPT: { allowed: at('CGROUP_SETSOCKOPT', 'CGROUP_GETSOCKOPT') },
  SK_LOOKUP: { allowed: at('SK_LOOKUP') },
  SK_REUSEPORT: { allowed: at('SK_REUSEPORT_SELECT', 'SK_REUSEPORT_SELECT_OR_MIGRATE'), defaultIfZero: at('SK_REUSEPORT_SELECT')[0] },
  SYSCALL: { allowed: [0] },
  EXT: { allowed: [0] },
  NETFILTER: { allowed: at('NETFILTER') },
};

/** The normalizeExpectedAttachType op for a program type (by uapi suffix), or undefined when any value goes. */
export function expectedAttachRule(typeName: string): ProgTypeSpec['normalizeExpectedAttachType'] {
  const rule = RULES[typeName];
  if (!rule) return undefined;
  return (eat) => {
    const fixed = eat === 0 && rule.defaultIfZero !== undefined ? rule.defaultIfZero : eat;
    if (!rule.allowed.includes(fixed)) {
      throw new BpfError('EINVAL', `BPF_PROG_LOAD: expected_attach_type ${eat} is not valid for BPF_PROG_TYPE_${typeName}`);
    }
    return fixed;
  };
}
