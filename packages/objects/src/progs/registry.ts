// Program types: who may load them, which expected_attach_type they accept, and how BPF_PROG_TEST_RUN runs them.
// objects-progs adds types (ctx layouts, test_run for xdp/sched_cls/…) by registering a ProgTypeSpec.
import { BpfError } from '../errno.js';
import { PROG_TYPE_NAMES, BPF_PROG_TYPE_SYSCALL } from '../uapi.js';
import type { TestRunRequest, TestRunResult } from './test-run.js';
import { syscallTestRun } from './test-run.js';
import { registerProgTypes } from './types/index.js';
import { expectedAttachRule } from './attach-types.js';

/** Who may load a program type (bpf_prog_load: bpf_capable, is_net_admin_prog_type, is_perfmon_prog_type). */
export type ProgPrivilege = 'unpriv' | 'bpf' | 'net_admin' | 'perfmon';

export interface ProgTypeSpec {
  readonly type: number;
  readonly privilege: ProgPrivilege;
  /**
   * bpf_prog_load_fixup_attach_type + bpf_prog_load_check_attach: the expected_attach_type the program gets
   * (a default may replace 0); throw BpfError EINVAL for one the type does not take. Absent: any value is kept.
   */
  normalizeExpectedAttachType?(eat: number): number;
  /** An extra check after normalization (e.g. the attach types an attach point supports); throw BpfError EINVAL. */
  checkExpectedAttachType?(eat: number): void;
  /** The type's test_run op; without one BPF_PROG_TEST_RUN is ENOTSUPP. */
  testRun?(req: TestRunRequest): TestRunResult;
}

const NET_ADMIN = new Set(['SCHED_CLS', 'SCHED_ACT', 'XDP', 'LWT_IN', 'LWT_OUT', 'LWT_XMIT', 'LWT_SEG6LOCAL', 'SK_SKB',
  'SK_MSG', 'FLOW_DISSECTOR', 'CGROUP_DEVICE', 'CGROUP_SOCK', 'CGROUP_SOCK_ADDR', 'CGROUP_SOCKOPT', 'CGROUP_SYSCTL',
  'SOCK_OPS', 'NETFILTER']);
const PERFMON = new Set(['KPROBE', 'TRACEPOINT', 'PERF_EVENT', 'RAW_TRACEPOINT', 'RAW_TRACEPOINT_WRITABLE', 'TRACING',
  'LSM', 'STRUCT_OPS', 'EXT']);

export class ProgTypeRegistry {
  private readonly specs = new Map<number, ProgTypeSpec>();

  register(spec: ProgTypeSpec): void {
    this.specs.set(spec.type, spec);
  }

  /** Replaces part of an existing spec (e.g. adding testRun) keeping the rest. */
  extend(type: number, extra: Partial<ProgTypeSpec>): void {
    const cur = this.specs.get(type);
    if (!cur) throw new Error(`unknown program type ${type}`);
    this.specs.set(type, { ...cur, ...extra, type });
  }

  /** find_prog_type: EINVAL for a type this kernel does not know. */
  get(type: number): ProgTypeSpec {
    const s = this.specs.get(type);
    if (!s) throw new BpfError('EINVAL', `BPF_PROG_LOAD: unknown prog_type ${type}`);
    return s;
  }

  has(type: number): boolean {
    return this.specs.has(type);
  }
}

export function defaultProgTypes(): ProgTypeRegistry {
  const r = new ProgTypeRegistry();
  PROG_TYPE_NAMES.forEach((name, type) => {
    if (type === 0) return;
    const privilege: ProgPrivilege = NET_ADMIN.has(name) ? 'net_admin' : PERFMON.has(name) ? 'perfmon'
      : name === 'SOCKET_FILTER' || name === 'CGROUP_SKB' ? 'unpriv' : 'bpf';
    r.register({ type, privilege, normalizeExpectedAttachType: expectedAttachRule(name) });
  });
  r.extend(BPF_PROG_TYPE_SYSCALL, { testRun: syscallTestRun });
  registerProgTypes(r);
  return r;
}
