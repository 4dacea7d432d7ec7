// Which iterator target a BPF_TRACE_ITER program was loaded for (the kernel's prog->aux->attach_btf_id, checked by
// bpf_iter_prog_supported at load time).
import type { ProgObject } from '../prog/program.js';
import type { IterTarget } from './targets.js';

const targetOf = new WeakMap<ProgObject, IterTarget>();

export function setProgIterTarget(prog: ProgObject, target: IterTarget): void {
  targetOf.set(prog, target);
}

/** The target the program was loaded for, or undefined (not an iterator program). */
export function progIterTarget(prog: ProgObject): IterTarget | undefined {
  return targetOf.get(prog);
}

/** prog->aux->attach_btf_id as the simulated vmlinux BTF numbers it (0 for a program without one). */
export function progAttachBtfId(prog: ProgObject): number {
  return targetOf.get(prog)?.btfId ?? 0;
}
