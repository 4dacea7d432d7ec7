// The JIT engine: eBPF bytecode -> JavaScript (see codegen.ts for the shape of the generated code).
export { compileJit, compileDecoded, runCompiled, type CompiledCode } from './compile.js';
export { generate, type GeneratedProgram } from './codegen.js';
