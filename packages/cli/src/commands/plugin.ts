// `bpfsim plugin [--engine interp|jit] [--elf] [--program HEX] [MEMORY_HEX]` — a plugin for the public BPF
// conformance runner (bpf_conformance_runner --plugin_path), protocol as in /work/shared/conformance/README.md:
// - MEMORY_HEX (first argument, only when the test has memory): bytes as hex, e.g. `aa  bb  `;
// - standard input: one line, the program bytes in hex (8 per slot, memory order) — or, with --elf, the bytes of an
//   ELF64 EM_BPF relocatable object with the code in `.text` at symbol `main`; `--program HEX` instead of stdin
//   (the uBPF plugin's convention);
// - success: r0 in hex (no 0x) on standard output, exit 0; failure: the message on standard error, exit 1.
// r1 = address of a writable copy of the memory, r2 = its length (0, 0 without memory). Helper 5 returns its first
// argument, like uBPF's plugin helper `unwind` (the suite's call_unwind_fail and callx tests call it).
import { decode } from '@bpfsim/isa';
import { CONFORMANCE_HELPERS, load, runOnInput, type EngineName } from '@bpfsim/vm';
import { parseArgs, readInput, type CommandSpec } from '../args.js';
import { elfFunctionCode } from '../elf.js';
import { type CliIO, type Command } from '../io.js';

const SPEC: CommandSpec = {
  usage: 'bpfsim plugin [--engine interp|jit] [--elf] [--program HEX] [MEMORY_HEX]   (program hex on standard input)',
  options: {
    engine: { type: 'string', choices: ['interp', 'jit'], default: 'interp' },
    elf: { type: 'flag' },
    program: { type: 'string' },
  },
  positionals: ['MEMORY_HEX'],
  minPositionals: 0,
};

/** Bytes of a hex string: pairs of hex digits, any whitespace between bytes ignored. Throws on anything else. */
export function parseHexBytes(text: string, what: string): Uint8Array {
  const tokens = text.trim().split(/\s+/).filter((t) => t !== '');
  const out: number[] = [];
  for (const token of tokens) {
    if (!/^(?:[0-9a-fA-F]{2})+$/.test(token)) {
      throw new Error(`${what}: '${token.length > 20 ? `${token.slice(0, 20)}…` : token}' is not hex bytes (pairs of hex digits)`);
    }
    for (let i = 0; i < token.length; i += 2) out.push(parseInt(token.slice(i, i + 2), 16));
  }
  return Uint8Array.from(out);
}

export const command: Command = (argv: string[], io: CliIO) => {
  const args = parseArgs(argv, SPEC);
  if (args.help) {
    io.stdout(`usage: ${SPEC.usage}\n`);
    return 0;
  }
  try {
    const memory = args.positionals.length > 0 ? parseHexBytes(args.positionals[0], 'memory') : new Uint8Array(0);
    const programText =
      args.values.program ?? new TextDecoder().decode(readInput(io, '-')).split('\n').find((l) => l.trim() !== '') ?? '';
    let code = parseHexBytes(programText, 'program');
    if (code.length === 0) throw new Error('program: no bytes on standard input');
    if (args.flags.elf) code = elfFunctionCode(code);
    const program = load(decode(code), { engine: args.values.engine as EngineName });
    const { r0 } = runOnInput(program, memory.length > 0 ? memory : undefined, { helpers: CONFORMANCE_HELPERS });
    io.stdout(`${r0.toString(16)}\n`);
    return 0;
  } catch (err) {
    // Any failure — a VmFault, a DecodeError, an ElfError, bad hex — is reported the same way: its message alone on
    // standard error (the runner compares it with a test's `-- error` text), and a non-zero exit.
    io.stderr(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
};
