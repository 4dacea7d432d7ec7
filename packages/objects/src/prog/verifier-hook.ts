// The seam between BPF_PROG_LOAD and a verifier. The kernel's verifier runs inside bpf_prog_load; here the
// Kernel holds a `Verifier` function (new Kernel({ verifier }) or kernel.setVerifier) that either returns what
// it learned or throws BpfError with the reason written to the log.
import type { Instruction } from '@bpfsim/isa';
import type { InsnFacts } from '@bpfsim/vm';
import { BpfError } from '../errno.js';
import type { VerifierLog } from './log.js';
import { checkEntryPath } from './entry-path.js';
import { maxCtxOffsetOf } from './ctx-offset.js';

/** What the verifier may know about a map an ld_imm64 refers to. */
export interface VerifierMapInfo {
  readonly id: number;
  readonly mapType: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
}

export interface HelperProtoInfo {
  readonly name: string;
  readonly gplOnly: boolean;
}

export interface VerifyRequest {
  /** Instructions as loaded, map fds still in the ld_imm64 immediates. */
  readonly insns: readonly Instruction[];
  readonly progType: number;
  readonly expectedAttachType: number;
  readonly gplCompatible: boolean;
  /** bpf_capable() of the loader (unprivileged programs get stricter rules). */
  readonly privileged: boolean;
  /** For each ld_imm64 with a map pseudo source: its Instruction index → the map. */
  readonly mapsByInsn: ReadonlyMap<number, VerifierMapInfo>;
  /** The helper a call imm names, if this program type may call it. */
  helper(id: number): HelperProtoInfo | undefined;
  /** Whether the helper id exists at all (to tell "invalid func" from "cannot use helper"). */
  helperExists(id: number): boolean;
  /** The name of a helper that exists (func_id_name), whether or not this program may call it. */
  helperName?(id: number): string | undefined;
  readonly log: VerifierLog;
}

export interface VerifyResult {
  /** insn_processed (bpf_prog_info.verified_insns). */
  readonly verifiedInsns: number;
  /** Facts the JIT may use (e.g. memory accesses proven safe). */
  readonly facts?: readonly InsnFacts[];
  /**
   * bpf_prog_aux.max_ctx_offset: the largest off + size of the context accesses verified (syscall programs' test_run
   * refuses a shorter ctx_in). Undefined: not known (test_run then relies on the run's own bounds checks).
   */
  readonly maxCtxOffset?: number;
}

export type Verifier = (req: VerifyRequest) => VerifyResult;

/**
 * The default: accepts every program that decoded, apart from the structural checks of check_subprogs (jumps inside
 * the program, last instruction an exit or a jump), reads of never-written registers on the path from insn 0 that
 * every run takes (R0 at exit included; entry-path.ts), and the checks check_helper_call makes that a loader relies on —
 * unknown helpers, helpers the program type may not call, and GPL-only helpers from non-GPL programs.
 * It counts every instruction once as processed and prints the verifier's closing statistics line.
 */
export const acceptingVerifier: Verifier = (req) => {
  try {
    checkControlFlow(req);
  } catch (e) {
    req.log.write(statsLine(0));
    throw e;
  }
  // do_check's first steps: a register read before any write on the path every run takes (see entry-path.ts).
  const entry = checkEntryPath(req.insns, req.privileged);
  if (entry) {
    req.log.write(`R${entry.reg} !read_ok\n${statsLine(entry.processed)}`);
    throw new BpfError('EACCES', `insn ${entry.slot}: R${entry.reg} is read before it is written (R${entry.reg} !read_ok)`);
  }
  let slot = 0;
  let visited = 0;
  for (const insn of req.insns) {
    visited++;
    if (insn.opcode === 0x85 && insn.src === 0) {
      const proto = req.helper(insn.imm);
      if (!proto) {
        const name = req.helperExists(insn.imm) ? (req.helperName?.(insn.imm) ?? 'helper') : 'unknown';
        req.log.write(`${slot}: (85) call ${name}#${insn.imm}\n`);
        if (req.helperExists(insn.imm)) {
          req.log.write(`program of this type cannot use helper ${name}#${insn.imm}\n`);
        } else {
          req.log.write(`invalid func unknown#${insn.imm}\n`);
        }
        req.log.write(statsLine(visited));
        throw new BpfError('EINVAL', `insn ${slot}: call to helper #${insn.imm} not allowed (see log)`);
      }
      if (proto.gplOnly && !req.gplCompatible) {
        req.log.write(`${slot}: (85) call ${proto.name}#${insn.imm}\n`);
        req.log.write('cannot call GPL-restricted function from non-GPL compatible program\n');
        req.log.write(statsLine(visited));
        throw new BpfError('EINVAL', `insn ${slot}: cannot call GPL-restricted function ${proto.name} from non-GPL compatible program`);
      }
    }
    slot += insn.opcode === 0x18 ? 2 : 1;
  }
  const n = req.insns.length;
  req.log.write(statsLine(n));
  return { verifiedInsns: n, maxCtxOffset: maxCtxOffsetOf(req.insns) };
};

/** print_verification_stats at log level 1: bpf_check prints it last, whether verification passed or not. */
export const statsLine = (processed: number): string =>
  `processed ${processed} insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n`;

/** check_subprogs: every jump lands inside the program and the last instruction is `exit` or `ja`. */
function checkControlFlow(req: VerifyRequest): void {
  const slots: number[] = [];
  let n = 0;
  for (const insn of req.insns) {
    slots.push(n);
    n += insn.opcode === 0x18 ? 2 : 1;
  }
  req.insns.forEach((insn, i) => {
    const cls = insn.opcode & 7;
    if (cls !== 5 && cls !== 6) return;
    const op = insn.opcode & 0xf0;
    if (op === 0x80 || op === 0x90) return; // call, exit
    // JMP32 | JA takes its offset from imm (gotol); every other jump from off.
    const off = cls === 6 && op === 0 ? insn.imm : insn.off;
    const target = slots[i] + off + 1;
    if (target < 0 || target >= n) {
      req.log.write(`jump out of range from insn ${slots[i]} to ${target}\n`);
      throw new BpfError('EINVAL', `insn ${slots[i]}: jump out of range to ${target}`);
    }
  });
  const last = req.insns[req.insns.length - 1];
  if (!last || (last.opcode !== 0x95 && last.opcode !== 0x05 && last.opcode !== 0x06)) {
    req.log.write('last insn is not an exit or jmp\n');
    throw new BpfError('EINVAL', 'last insn is not an exit or jmp');
  }
}
