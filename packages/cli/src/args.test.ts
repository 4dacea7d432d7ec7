import { describe, expect, it } from 'vitest';
import { parseArgs, readText, type CommandSpec } from './args.js';
import { CliError } from './io.js';

const SPEC: CommandSpec = {
  usage: 'bpfsim x [--syntax a|b] [--json] FILE -o OUT',
  options: {
    syntax: { type: 'string', choices: ['a', 'b'], default: 'a' },
    json: { type: 'flag' },
    output: { type: 'string', short: 'o' },
  },
  positionals: ['FILE'],
};

function usageError(argv: string[], spec: CommandSpec = SPEC): CliError {
  try {
    parseArgs(argv, spec);
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    return err as CliError;
  }
  throw new Error('no usage error');
}

describe('parseArgs', () => {
  it('reads long, long=, short, short-glued options, flags and positionals in any order', () => {
    expect(parseArgs(['in.s', '--syntax', 'b', '-o', 'out', '--json'], SPEC)).toEqual({
      values: { syntax: 'b', output: 'out' },
      flags: { json: true },
      positionals: ['in.s'],
      help: false,
    });
    expect(parseArgs(['--syntax=b', '-oout', 'in.s'], SPEC).values).toEqual({ syntax: 'b', output: 'out' });
    expect(parseArgs(['-o=out', 'in.s'], SPEC).values.output).toBe('out');
  });

  it('applies defaults, keeps `-` (stdin) as a positional, and `--` ends the options', () => {
    expect(parseArgs(['-'], SPEC)).toMatchObject({ values: { syntax: 'a', output: undefined }, flags: { json: false }, positionals: ['-'] });
    expect(parseArgs(['--', '--json'], SPEC).positionals).toEqual(['--json']);
    expect(parseArgs(['-5'], SPEC).positionals).toEqual(['-5']);
    expect(parseArgs(['-o', '-1', '-0x10'], SPEC)).toMatchObject({ values: { output: '-1' }, positionals: ['-0x10'] });
  });

  it('reports -h/--help without checking the rest', () => {
    expect(parseArgs(['--help'], SPEC).help).toBe(true);
    expect(parseArgs(['-h', 'a', 'b', 'c'], SPEC).help).toBe(true);
  });

  it.each([
    [['--nope', 'f'], "unknown option '--nope'"],
    [['-x', 'f'], "unknown option '-x'"],
    [['f', '--syntax'], "option '--syntax' needs a value"],
    [['f', '--syntax', 'c'], "option '--syntax' must be one of a, b (got 'c')"],
    [['f', '--json=1'], "option '--json' takes no value"],
    [['f', '-o', 'a', '-o', 'b'], "option '-o' given twice"],
    [[], 'missing FILE'],
    [['f', 'g'], "unexpected argument 'g'"],
  ])('%j is a usage error: %s', (argv, message) => {
    expect(usageError(argv).message).toBe(`${message}\nusage: ${SPEC.usage}`);
  });

  it('checks required options', () => {
    const spec: CommandSpec = { ...SPEC, options: { output: { type: 'string', short: 'o', required: true } } };
    expect(usageError(['f'], spec).message).toMatch(/^option '--output' \(-o\) is required\n/);
  });
});

describe('readText', () => {
  it('refuses bytes that are not UTF-8, naming the file', () => {
    expect(() => readText(Uint8Array.from([0xff, 0xfe]), 'p.bin')).toThrow("p.bin: not UTF-8 text (is it a binary program? use 'bpfsim disasm')");
    expect(readText(new TextEncoder().encode('exit\n'), 'p.s')).toBe('exit\n');
  });
});
