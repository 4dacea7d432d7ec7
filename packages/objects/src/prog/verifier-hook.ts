// The seam between BPF_PROG_LOAD and a verifier. The kernel's verifier runs inside bpf_prog_load; here the
// Kernel holds a `Verifier` function (new Kernel({ verifier }) or kernel.setVerifier) that either returns what
// it learned or throws BpfError with the reason written to the log.
import type { Instruction } from '@bpfsim/isa';
import type { InsnFacts } from '@bpfsim/vm';
import { BpfError } from '../errno.js';
import type { VerifierLog } from './log.js';

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
  readonly log: VerifierLog;
}

export interface VerifyResult {
  /** insn_processed (bpf_prog_info.verified_insns). */
  readonly verifiedInsns: number;
  /** Facts the JIT may use (e.g. memory accesses proven safe). */
  readonly facts?: readonly InsnFacts[];
}

export type Verifier = (req: VerifyRequest) => VerifyResult;

/**
 * The default: accepts every program that decoded, apart from the checks check_helper_call makes that a loader
 * relies on — unknown helpers, helpers the program type may not call, and GPL-only helpers from non-GPL programs.
 * It counts every instruction once as processed and prints the verifier's closing statistics line.
 */
export const acceptingVerifier: Verifier = (req) => {
  let slot = 0;
  for (const insn of req.insns) {
    if (insn.opcode === 0x85 && insn.src === 0) {
      const proto = req.helper(insn.imm);
      if (!proto) {
        req.log.write(`${slot}: (85) call ${req.helperExists(insn.imm) ? 'helper' : 'unknown'}#${insn.imm}\n`);
        if (req.helperExists(insn.imm)) {
          req.log.write(`program of this type cannot use helper #${insn.imm}\n`);
        } else {
          req.log.write(`invalid func unknown#${insn.imm}\n`);
        }
        throw new BpfError('EINVAL', `insn ${slot}: call to helper #${insn.imm} not allowed (see log)`);
      }
      if (proto.gplOnly && !req.gplCompatible) {
        req.log.write(`${slot}: (85) call ${proto.name}#${insn.imm}\n`);
        req.log.write('cannot call GPL-restricted function from non-GPL compatible program\n');
        throw new BpfError('EINVAL', `insn ${slot}: cannot call GPL-restricted function ${proto.name} from non-GPL compatible program`);
      }
    }
    slot += insn.opcode === 0x18 ? 2 : 1;
  }
  const n = req.insns.length;
  req.log.write(`processed ${n} insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n`);
  return { verifiedInsns: n };
};
