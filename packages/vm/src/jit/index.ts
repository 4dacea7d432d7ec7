// The JIT engine: eBPF bytecode -> JavaScript (see codegen.ts for the shape of the generated code, and
// docs/BENCHMARKS.md for what it costs).
export { compileJit, compileDecoded, runCompiled, type CompiledCode } from './compile.js';
export { generate, type GeneratedProgram, type GenerateOptions } from './codegen.js';
