// The CLI's window on the outside world, injectable so commands are testable without spawning processes.
import { readFileSync, writeFileSync } from 'node:fs';

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Reads a whole file; `-` means standard input. */
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: Uint8Array | string): void;
}

export const processIO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readFile: (path) => new Uint8Array(readFileSync(path === '-' ? 0 : path)),
  writeFile: (path, data) => writeFileSync(path, data),
};

/** A command: takes its own arguments (after the verb) and returns the exit code. */
export type Command = (argv: string[], io: CliIO) => Promise<number> | number;

/** An error meant for the user: printed as `bpfsim: <message>` with exit code 1 (2 for usage errors). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'CliError';
  }
}
