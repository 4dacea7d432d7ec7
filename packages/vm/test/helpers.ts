// Test helpers: programs written in the conformance suite's assembly (see /work/shared/conformance/README.md).
import { assembleConformance, type Instruction } from '@bpfsim/isa';

/** Assembles conformance-syntax lines (`mov %r0, 1` / `exit`). */
export const asm = (text: string): Instruction[] => assembleConformance(text);

export const EXIT: Instruction = { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
