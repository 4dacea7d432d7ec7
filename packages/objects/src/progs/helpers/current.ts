// Helpers about the current task (kernel/bpf/helpers.c bpf_get_current_pid_tgid, _uid_gid, _comm): the simulated
// process the program runs on behalf of (RunEnv.proc). A run with no process (a packet arriving on a device, an
// event fired by a test without one) is like a softirq with no task: pid_tgid and uid_gid return -EINVAL as the
// kernel does for `!current`, and get_current_comm zero-fills the buffer and returns -EINVAL.
import type { HelperSpec } from '../helpers.js';
import { CGROUP_TYPES, EINVAL, envOf, helper, ret, TRACING_TYPES } from './define.js';

const TASK_COMM_LEN = 16;
const TYPES = [...TRACING_TYPES, ...CGROUP_TYPES];

export function currentTaskHelpers(): HelperSpec[] {
  return [
    helper('get_current_pid_tgid', (_1, _2, _3, _4, _5, call) => {
      const p = envOf(call).proc;
      // The simulator's processes are single-threaded: tid = tgid = pid.
      return p ? (BigInt(p.pid) << 32n) | BigInt(p.pid) : ret(EINVAL);
    }, TYPES),
    helper('get_current_uid_gid', (_1, _2, _3, _4, _5, call) => {
      const p = envOf(call).proc;
      return p ? (BigInt(p.gid >>> 0) << 32n) | BigInt(p.uid >>> 0) : ret(EINVAL);
    }, TYPES),
    helper('get_current_comm', (r1, r2, _3, _4, _5, call) => {
      const size = Number(r2 & 0xffffffffn);
      const buf = new Uint8Array(size);
      const p = envOf(call).proc;
      if (p && size) {
        // strscpy_pad: at most size-1 bytes of the comm (itself at most 15), NUL-padded.
        const comm = new TextEncoder().encode(p.comm).subarray(0, Math.min(TASK_COMM_LEN - 1, size - 1));
        buf.set(comm);
      }
      if (size) call.mem.write(r1, buf);
      return p ? 0n : ret(EINVAL);
    }, TYPES),
  ];
}
