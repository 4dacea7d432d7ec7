// The sleepable-program rules of check_attach_btf_id (kernel/bpf/verifier.c), which bpf_check runs before it looks
// at a single instruction: a syscall program must be sleepable, and only some program types may be.
import { ATTACH_TYPE_NAMES, BPF_F_SLEEPABLE, PROG_TYPE_NAMES } from '../uapi.js';

const type = (name: (typeof PROG_TYPE_NAMES)[number]): number => PROG_TYPE_NAMES.indexOf(name);
const attach = (name: (typeof ATTACH_TYPE_NAMES)[number]): number => ATTACH_TYPE_NAMES.indexOf(name);

const SYSCALL = type('SYSCALL');
const TRACING = type('TRACING');
/** can_be_sleepable: tracing programs of these attach types, and lsm / kprobe (uprobes only) / struct_ops programs. */
const SLEEPABLE_TRACING = new Set([attach('TRACE_FENTRY'), attach('TRACE_FEXIT'), attach('MODIFY_RETURN'), attach('TRACE_ITER')]);
const SLEEPABLE_TYPES = new Set([type('LSM'), type('KPROBE'), type('STRUCT_OPS')]);

const canBeSleepable = (progType: number, eat: number): boolean =>
  progType === TRACING ? SLEEPABLE_TRACING.has(eat) : SLEEPABLE_TYPES.has(progType);

export const SYSCALL_NOT_SLEEPABLE = 'Syscall programs can only be sleepable';
export const CANNOT_BE_SLEEPABLE = 'Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable';

/** The verifier log line of the rule the program breaks (bpf_check then fails with EINVAL), or undefined. */
export function sleepableViolation(progType: number, eat: number, progFlags: number): string | undefined {
  const sleepable = (progFlags & BPF_F_SLEEPABLE) !== 0;
  if (progType === SYSCALL) return sleepable ? undefined : SYSCALL_NOT_SLEEPABLE;
  return sleepable && !canBeSleepable(progType, eat) ? CANNOT_BE_SLEEPABLE : undefined;
}
