// bpf_prog_aux.max_ctx_offset without a data-flow verifier: check_ctx_access records off + size of every context
// access, and BPF_PROG_TEST_RUN of a syscall program refuses a ctx_in shorter than that (EINVAL). The default
// verifier can only know it when every context access is written against r1 itself — r1 never written, copied,
// spilled or passed on (no calls at all) — so each access's offset is the instruction's. Otherwise: undefined.
import type { Instruction } from '@bpfsim/isa';

const CLS_LDX = 0x01;
const CLS_ST = 0x02;
const CLS_STX = 0x03;
const CLS_ALU = 0x04;
const CLS_JMP = 0x05;
const CLS_JMP32 = 0x06;
const CLS_ALU64 = 0x07;
const MODE_MEM = 0x60;
const SIZE_BYTES = [4, 2, 1, 8] as const; // BPF_W, BPF_H, BPF_B, BPF_DW by (opcode >> 3) & 3
const CTX = 1;

/** The largest off + size of a context access, when it can be read off the instructions exactly. */
export function maxCtxOffsetOf(insns: readonly Instruction[]): number | undefined {
  let max = 0;
  for (const insn of insns) {
    const cls = insn.opcode & 7;
    const mode = insn.opcode & 0xe0;
    const size = SIZE_BYTES[(insn.opcode >> 3) & 3];
    if (cls === CLS_LDX) {
      if (insn.dst === CTX) return undefined; // r1 overwritten
      if (insn.src === CTX) {
        if (mode !== MODE_MEM || insn.off < 0) return undefined;
        max = Math.max(max, insn.off + size);
      }
    } else if (cls === CLS_ST || cls === CLS_STX) {
      if (cls === CLS_STX && insn.src === CTX) return undefined; // ctx spilled or stored
      if (insn.dst === CTX) {
        if (mode !== MODE_MEM || insn.off < 0) return undefined; // atomics on ctx: not modelled
        max = Math.max(max, insn.off + size);
      }
    } else if (cls === CLS_ALU || cls === CLS_ALU64) {
      if (insn.dst === CTX) return undefined;
      if ((insn.opcode & 0x08) && insn.src === CTX && (insn.opcode & 0xf0) !== 0xd0) return undefined; // copied
    } else if (cls === CLS_JMP || cls === CLS_JMP32) {
      if ((insn.opcode & 0xf0) === 0x80) return undefined; // any call: r1 is an argument, then clobbered
      if ((insn.opcode & 0xf0) === 0x90) continue;
      // comparing r1 with something reads it but does not change the context offsets
    } else if (insn.dst === CTX) {
      return undefined; // ld_imm64 / LD_ABS into r1
    }
  }
  return max;
}
