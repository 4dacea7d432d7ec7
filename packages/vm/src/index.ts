// @bpfsim/vm: an eBPF virtual machine — interpreter, JIT to JavaScript, memory regions, calls and a stepper.
export * from './types.js';
export * from './memory.js';
export * from './engine.js';
export * from './fault.js';
export { OUT, mul64, mulhiU32, udivmod64, sdivmod64, pairToBigInt } from './arith.js';
export { decodeProgram, type DecodedProgram } from './decoded.js';
export { Machine, BPF_MAX_LOOPS } from './machine.js';
export { HelperMemory } from './memory-access.js';
export { invokeHelper, callHelper, callSubprogram, pushFrame, popFrame } from './calls.js';
export { execute, interpret, loadInterpreter } from './interpreter.js';
export { load, registerEngine, availableEngines, type LoadOptions } from './program.js';
export { insnText } from './insn-text.js';
export { CONFORMANCE_HELPERS, conformanceUnwindHelper, inputMemory, runOnInput } from './harness.js';
// The JIT engine (vm-jit): compileJit, also behind load(insns, { engine: 'jit' }).
export { compileJit } from './jit/index.js';
export { Stepper, type StepperOptions, type StepResult, type TraceEntry, type RegName } from './stepper.js';
export { traceRun, formatTrace, type TracedRun } from './trace.js';
