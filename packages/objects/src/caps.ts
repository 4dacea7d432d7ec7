// Capabilities the simulated kernel checks (include/uapi/linux/capability.h names).
export type Capability =
  | 'CAP_SYS_ADMIN'
  | 'CAP_BPF'
  | 'CAP_NET_ADMIN'
  | 'CAP_PERFMON'
  | 'CAP_DAC_OVERRIDE'
  | 'CAP_DAC_READ_SEARCH'
  | 'CAP_FOWNER'
  | 'CAP_CHOWN';

/** What root has (the capabilities the simulator looks at). */
export const ALL_CAPS: readonly Capability[] = [
  'CAP_SYS_ADMIN', 'CAP_BPF', 'CAP_NET_ADMIN', 'CAP_PERFMON', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_CHOWN',
];

export interface Credentials {
  uid: number;
  gid: number;
  caps: ReadonlySet<Capability>;
}

/** bpf_capable(): CAP_BPF or CAP_SYS_ADMIN. */
export const bpfCapable = (c: Credentials): boolean => c.caps.has('CAP_BPF') || c.caps.has('CAP_SYS_ADMIN');
/** bpf_net_capable(): CAP_NET_ADMIN or CAP_SYS_ADMIN. */
export const netCapable = (c: Credentials): boolean => c.caps.has('CAP_NET_ADMIN') || c.caps.has('CAP_SYS_ADMIN');
/** perfmon_capable(): CAP_PERFMON or CAP_SYS_ADMIN. */
export const perfmonCapable = (c: Credentials): boolean => c.caps.has('CAP_PERFMON') || c.caps.has('CAP_SYS_ADMIN');
