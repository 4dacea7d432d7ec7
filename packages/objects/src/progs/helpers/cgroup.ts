// bpf_get_current_cgroup_id (kernel/bpf/helpers.c): the cgroup v2 id of the cgroup the current process is in
// (kernel.cgroups); a run without a process reports the root cgroup, like a kernel thread.
import type { HelperSpec } from '../helpers.js';
import { CGROUP_TYPES, envOf, helper, TRACING_TYPES } from './define.js';

export function cgroupHelpers(): HelperSpec[] {
  return [
    helper('get_current_cgroup_id', (_1, _2, _3, _4, _5, call) => {
      const env = envOf(call);
      const cgroups = env.kernel.cgroups;
      return BigInt(env.proc ? cgroups.cgroupOf(env.proc).id : cgroups.root.id);
    }, [...TRACING_TYPES, ...CGROUP_TYPES]),
  ];
}
