// `bpfsim asm [--syntax llvm|conformance] FILE -o OUT.bin` — assemble text into raw program bytes.
import { AsmError, assembleConformance, assembleLlvm, encode, EncodeError, type Instruction } from '@bpfsim/isa';
import { displayName, parseArgs, readInput, readText, type CommandSpec } from '../args.js';
import { CliError, type CliIO, type Command } from '../io.js';

const SPEC: CommandSpec = {
  usage: 'bpfsim asm [--syntax llvm|conformance] FILE -o OUT.bin   (FILE - reads standard input)',
  options: {
    syntax: { type: 'string', choices: ['llvm', 'conformance'], default: 'llvm' },
    output: { type: 'string', short: 'o', required: true },
  },
  positionals: ['FILE'],
};

const ASSEMBLERS: Record<string, (text: string) => Instruction[]> = { llvm: assembleLlvm, conformance: assembleConformance };

export const command: Command = (argv: string[], io: CliIO) => {
  const args = parseArgs(argv, SPEC);
  if (args.help) {
    io.stdout(`usage: ${SPEC.usage}\n`);
    return 0;
  }
  const [file] = args.positionals;
  const name = displayName(file);
  const text = readText(readInput(io, file), name);
  let insns: Instruction[];
  try {
    insns = ASSEMBLERS[args.values.syntax!](text);
  } catch (err) {
    if (err instanceof AsmError) throw new CliError(`${name}: ${err.message}`);
    throw err;
  }
  let bytes: Uint8Array;
  try {
    // No ISA validation: an assembler writes what it is told, reserved encodings included (`.insn`, %r11).
    bytes = encode(insns, { validate: false });
  } catch (err) {
    if (err instanceof EncodeError) throw new CliError(`${name}: ${err.message}`);
    throw err;
  }
  const out = args.values.output!;
  try {
    io.writeFile(out, bytes);
  } catch (err) {
    throw new CliError(`cannot write '${out}': ${(err as Error).message}`);
  }
  return 0;
};
