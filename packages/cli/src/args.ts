// A tiny argv parser shared by every verb: long options (`--syntax llvm`, `--syntax=llvm`), short aliases
// (`-o out.bin`), boolean flags (`--json`), positionals, `-` as a positional (standard input), negative numbers
// as positionals, and `--` to end options. Every mistake is a CliError with exit code 2 that names the option and
// repeats the usage line. Also the reading of a FILE positional (readInput, readText), with errors naming the file.
import { CliError, type CliIO } from './io.js';

export interface OptionSpec {
  /** 'flag' takes no value; 'string' takes exactly one. */
  readonly type: 'flag' | 'string';
  /** One-letter alias, without the dash: `o` for `-o`. */
  readonly short?: string;
  /** The allowed values of a string option. */
  readonly choices?: readonly string[];
  /** Value when the option is absent. */
  readonly default?: string;
  /** Whether a string option must be given. */
  readonly required?: boolean;
}

export interface CommandSpec {
  /** `bpfsim asm [--syntax llvm|conformance] FILE -o OUT.bin` — printed with every usage error. */
  readonly usage: string;
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** Names of the positional arguments, for messages; `min`/`max` default to their count. */
  readonly positionals?: readonly string[];
  readonly minPositionals?: number;
  readonly maxPositionals?: number;
}

export interface ParsedArgs {
  /** String options by long name (with defaults applied). */
  readonly values: Readonly<Record<string, string | undefined>>;
  /** Flags by long name. */
  readonly flags: Readonly<Record<string, boolean>>;
  readonly positionals: readonly string[];
  /** `-h` / `--help` was given: the command should print its usage and exit 0. */
  readonly help: boolean;
}

/** Parses `argv` (the arguments after the verb) against `spec`. Throws CliError(…, 2) on a usage error. */
export function parseArgs(argv: readonly string[], spec: CommandSpec): ParsedArgs {
  const options = spec.options ?? {};
  const usageError = (message: string): never => {
    throw new CliError(`${message}\nusage: ${spec.usage}`, 2);
  };
  const byShort = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) if (o.short) byShort.set(o.short, name);

  const values: Record<string, string | undefined> = {};
  const flags: Record<string, boolean> = {};
  for (const [name, o] of Object.entries(options)) {
    if (o.type === 'flag') flags[name] = false;
    else values[name] = o.default;
  }
  const given = new Set<string>();
  const positionals: string[] = [];
  let help = false;
  let optionsEnded = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // `-` (standard input) and negative numbers (`-5`, `-0x10`) are positionals, not options.
    if (optionsEnded || arg === '-' || !arg.startsWith('-') || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsEnded = true;
      continue;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      if (!(name in options)) usageError(`unknown option '--${name}'`);
    } else {
      name = byShort.get(arg.slice(1, 2));
      if (name === undefined) usageError(`unknown option '${arg.slice(0, 2)}'`);
      if (arg.length > 2) inline = arg.slice(2).replace(/^=/, ''); // -oFILE, -o=FILE
    }
    const option = options[name!];
    const shown = arg.startsWith('--') ? `--${name}` : arg.slice(0, 2);
    if (given.has(name!)) usageError(`option '${shown}' given twice`);
    given.add(name!);
    if (option.type === 'flag') {
      if (inline !== undefined) usageError(`option '${shown}' takes no value`);
      flags[name!] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) usageError(`option '${shown}' needs a value`);
      value = argv[++i];
    }
    if (option.choices && !option.choices.includes(value!)) {
      usageError(`option '${shown}' must be one of ${option.choices.join(', ')} (got '${value}')`);
    }
    values[name!] = value;
  }
  if (help) return { values, flags, positionals, help };

  for (const [name, o] of Object.entries(options)) {
    const alias = o.short ? ` (-${o.short})` : '';
    if (o.required && values[name] === undefined) usageError(`option '--${name}'${alias} is required`);
  }
  const names = spec.positionals ?? [];
  const min = spec.minPositionals ?? names.length;
  const max = spec.maxPositionals ?? names.length;
  if (positionals.length < min) usageError(`missing ${names[positionals.length] ?? 'argument'}`);
  if (positionals.length > max) usageError(`unexpected argument '${positionals[max]}'`);
  return { values, flags, positionals, help };
}

/** How a path is named in messages: `-` is standard input. */
export const displayName = (path: string): string => (path === '-' ? '<stdin>' : path);

/** The bytes of `path` (`-` = standard input); a read failure is a CliError naming the file. */
export function readInput(io: CliIO, path: string): Uint8Array {
  try {
    return io.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read '${displayName(path)}': ${code ?? (err as Error).message}`);
  }
}

/** UTF-8 text of an input; invalid UTF-8 is a CliError naming the file. */
export function readText(bytes: Uint8Array, name: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError(`${name}: not UTF-8 text (is it a binary program? use 'bpfsim disasm')`);
  }
}
