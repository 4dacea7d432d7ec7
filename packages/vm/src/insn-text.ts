// One instruction as text for fault messages and traces, via @bpfsim/isa's disassembler.
import { llvmLine, opcodeName, type Instruction } from '@bpfsim/isa';

/**
 * llvm-objdump spelling of one instruction, e.g. `r0 = *(u64 *)(r10 - 520)`; with `kernelLog`, the kernel
 * verifier's spelling (`r0 = *(u64 *)(r10 -520)`). Jumps are relative, so the instruction's position does not matter.
 */
export function insnText(insn: Instruction, kernelLog = false): string {
  try {
    return llvmLine(insn, { kernelLog });
  } catch {
    return `${opcodeName(insn.opcode)} (opcode 0x${insn.opcode.toString(16).padStart(2, '0')})`;
  }
}
