export { AsmError, DisasmError } from './errors.js';
export { assembleConformance } from './conformance-asm.js';
export { disassembleConformance, conformanceLine, canDisassembleConformance } from './conformance-disasm.js';
export { assembleLlvm } from './llvm-asm.js';
export { bpftoolXlatedImm, disassembleLlvm, llvmLine, type LlvmDisasmOptions } from './llvm-disasm.js';
