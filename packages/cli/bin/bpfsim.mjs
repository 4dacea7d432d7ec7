#!/usr/bin/env node
// The `bpfsim` command: runs the built CLI (packages/cli/dist). `pnpm install` builds it (root postinstall).
import { main } from '../dist/index.js';

// `bpfsim disasm x.bin | head`: a closed pipe ends the output quietly, as coreutils do, instead of an EPIPE crash.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
