// `bpfsim` — dispatch the first argument (the verb) to its command module.
import { CliError, processIO, type CliIO, type Command } from './io.js';

export { CliError, processIO, type CliIO, type Command } from './io.js';

/** Verb -> lazily loaded command. Each command module lives in ./commands/<verb>.ts and exports `command`. */
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  asm: () => import('./commands/asm.js'),
  disasm: () => import('./commands/disasm.js'),
  fs: () => import('./commands/fs.js'),
  link: () => import('./commands/link.js'),
  map: () => import('./commands/map.js'),
  prog: () => import('./commands/prog.js'),
  run: () => import('./commands/run.js'),
  plugin: () => import('./commands/plugin.js'),
};

const USAGE = `usage: bpfsim <command> [options]
commands: ${Object.keys(COMMANDS).sort().join(', ') || '(none)'}
`;

/** Entry of the `bpfsim` command: returns the process exit code. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '-h' || verb === '--help' || verb === 'help') {
    io.stdout(USAGE);
    return verb === undefined ? 2 : 0;
  }
  const load = COMMANDS[verb];
  if (!load) {
    io.stderr(`bpfsim: unknown command '${verb}'\n${USAGE}`);
    return 2;
  }
  try {
    const { command } = await load();
    return await command(rest, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`bpfsim: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
