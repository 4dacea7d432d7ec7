/** Entry of the `bpfsim` command: returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`bpfsim: no command yet (${argv.join(' ')})\n`);
  return 1;
}
