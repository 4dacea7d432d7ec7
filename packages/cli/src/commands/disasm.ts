// `bpfsim disasm [--syntax llvm|conformance|kernel] [--json] FILE.bin` — print raw program bytes as text.
import {
  decode,
  DecodeError,
  disassembleConformance,
  disassembleLlvm,
  DisasmError,
  programSlots,
  type Instruction,
} from '@bpfsim/isa';
import { displayName, parseArgs, readInput, type CommandSpec } from '../args.js';
import { CliError, type CliIO, type Command } from '../io.js';

const SPEC: CommandSpec = {
  usage: 'bpfsim disasm [--syntax llvm|conformance|kernel] [--json] FILE.bin   (FILE - reads standard input)',
  options: {
    syntax: { type: 'string', choices: ['llvm', 'conformance', 'kernel'], default: 'llvm' },
    json: { type: 'flag' },
  },
  positionals: ['FILE.bin'],
};

const DISASSEMBLERS: Record<string, (insns: Instruction[]) => string> = {
  llvm: (insns) => disassembleLlvm(insns),
  kernel: (insns) => disassembleLlvm(insns, { kernelLog: true }),
  conformance: disassembleConformance,
};

export const command: Command = (argv: string[], io: CliIO) => {
  const args = parseArgs(argv, SPEC);
  if (args.help) {
    io.stdout(`usage: ${SPEC.usage}\n`);
    return 0;
  }
  const [file] = args.positionals;
  const name = displayName(file);
  const bytes = readInput(io, file);
  let insns: Instruction[];
  try {
    // Reserved encodings are shown (as `.insn …` in the pseudo-C syntaxes), not refused: a disassembler is
    // how one looks at a broken program.
    insns = decode(bytes, { validate: false });
  } catch (err) {
    if (err instanceof DecodeError) throw new CliError(`${name}: ${err.message}`);
    throw err;
  }
  let text: string;
  try {
    text = DISASSEMBLERS[args.values.syntax!](insns);
  } catch (err) {
    if (err instanceof DisasmError) throw new CliError(`${name}: ${err.message}`);
    throw err;
  }
  if (!args.flags.json) {
    io.stdout(text);
    return 0;
  }
  const slots = programSlots(insns);
  const lines = text.split('\n');
  const rows = insns.map((insn, i) => ({ slot: slots[i], ...insn, text: lines[i] }));
  io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  return 0;
};
