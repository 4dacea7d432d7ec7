// `bpfsim run FILE [--syntax raw|llvm|conformance] [--mem FILE] [--engine interp|jit] [--repeat N] [--budget N]
//  [--trace] [--json]` — run a program the way the conformance suite does: r1 = address of (a copy of) the input
// memory, r2 = its length; without input memory r1 = r2 = 0. No helpers are available.
import {
  AsmError, assembleConformance, assembleLlvm, ConformanceDataError, decode, DecodeError, loadConformanceProgram,
  parseConformanceData, type Instruction,
} from '@bpfsim/isa';
import { formatTrace, inputMemory, load, runOnInput, traceRun, VmFault, type EngineName, type LoadedProgram, type RunResult } from '@bpfsim/vm';
import { displayName, parseArgs, readInput, readText, type CommandSpec } from '../args.js';
import { CliError, type CliIO, type Command } from '../io.js';

const SPEC: CommandSpec = {
  usage:
    'bpfsim run FILE [--syntax raw|llvm|conformance] [--mem FILE] [--engine interp|jit] [--repeat N] [--budget N] ' +
    '[--trace] [--json]   (default syntax: conformance for .data, llvm for .s/.asm, else raw bytes)',
  options: {
    syntax: { type: 'string', choices: ['raw', 'llvm', 'conformance'] },
    mem: { type: 'string' },
    engine: { type: 'string', choices: ['interp', 'jit'], default: 'interp' },
    repeat: { type: 'string', default: '1' },
    budget: { type: 'string' },
    trace: { type: 'flag' },
    json: { type: 'flag' },
  },
  positionals: ['FILE'],
};

export interface ProgramInput {
  insns: Instruction[];
  /** Input memory from a conformance `.data` file's `-- mem` section. */
  mem?: Uint8Array;
}

/** Syntax implied by a file name. */
export function syntaxOf(file: string): 'raw' | 'llvm' | 'conformance' {
  if (/\.data$/i.test(file)) return 'conformance';
  if (/\.(s|asm)$/i.test(file)) return 'llvm';
  return 'raw';
}

/**
 * Reads a program in one of the three syntaxes. `conformance` accepts a whole `.data` file (its `-- asm` / `-- raw`
 * and `-- mem` sections) or bare conformance assembly. Errors are CliErrors naming the file.
 */
export function readProgram(bytes: Uint8Array, name: string, syntax: 'raw' | 'llvm' | 'conformance'): ProgramInput {
  try {
    if (syntax === 'raw') return { insns: decode(bytes) };
    const text = readText(bytes, name);
    if (syntax === 'llvm') return { insns: assembleLlvm(text) };
    if (!/^[^#\n]*--/m.test(text)) return { insns: assembleConformance(text) };
    const data = parseConformanceData(text);
    const insns = loadConformanceProgram(data);
    if (insns.length === 0) throw new CliError(`${name}: no program (no '-- asm' or '-- raw' section)`);
    return { insns, mem: data.mem.length > 0 ? data.mem : undefined };
  } catch (err) {
    if (err instanceof DecodeError || err instanceof AsmError || err instanceof ConformanceDataError) {
      throw new CliError(`${name}: ${err.message}`);
    }
    throw err;
  }
}

function positiveInt(value: string, option: string, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new CliError(`option '--${option}' must be an integer from 1 to ${max} (got '${value}')\nusage: ${SPEC.usage}`, 2);
  }
  return n;
}

export const command: Command = (argv: string[], io: CliIO) => {
  const args = parseArgs(argv, SPEC);
  if (args.help) {
    io.stdout(`usage: ${SPEC.usage}\n`);
    return 0;
  }
  const [file] = args.positionals;
  const name = displayName(file);
  const engine = args.values.engine as EngineName;
  const repeat = positiveInt(args.values.repeat!, 'repeat', 1_000_000);
  const budget = args.values.budget === undefined ? undefined : positiveInt(args.values.budget, 'budget', Number.MAX_SAFE_INTEGER);
  const tracing = args.flags.trace;
  if (tracing && engine === 'jit') throw new CliError(`--trace runs on the interpreter; drop '--engine jit'\nusage: ${SPEC.usage}`, 2);

  const input = readProgram(readInput(io, file), name, (args.values.syntax as 'raw' | 'llvm' | 'conformance') ?? syntaxOf(file));
  const mem = args.values.mem !== undefined ? readInput(io, args.values.mem) : input.mem;

  const fail = (err: unknown): never => {
    if (err instanceof VmFault) throw new CliError(`${name}: ${err.message}`);
    throw err;
  };

  let program: LoadedProgram;
  const compileStart = performance.now();
  try {
    program = load(input.insns, { engine });
  } catch (err) {
    return fail(err);
  }
  const compileMs = performance.now() - compileStart;

  let result: RunResult | undefined;
  let best = Infinity;
  if (tracing) {
    // The traced run executes on the Stepper (interpreter); its time is not meaningful, so it is not measured.
    const { memory, args: regs } = inputMemory(mem);
    const traced = traceRun(input.insns, { memory, args: regs, budget });
    const text = formatTrace(traced.entries);
    const write = args.flags.json ? io.stderr : io.stdout;
    if (text) write(`${text}\n`);
    if (traced.fault) fail(traced.fault);
    result = traced.result!;
    best = 0;
  }
  for (let i = 0; i < (tracing ? 0 : repeat); i++) {
    const start = performance.now();
    try {
      result = runOnInput(program, mem, { budget });
    } catch (err) {
      return fail(err);
    }
    best = Math.min(best, performance.now() - start);
  }
  const { r0, insns } = result!;
  if (args.flags.json) {
    io.stdout(`${JSON.stringify({ r0: r0.toString(), insns, ms: round(best), compile_ms: round(compileMs) })}\n`);
  } else {
    io.stdout(`r0 = ${r0} (0x${r0.toString(16)})\n`);
  }
  return 0;
};

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
