#!/usr/bin/env node
// The `bpfsim` command: runs the built CLI (packages/cli/dist). `pnpm install` builds it (root postinstall).
import { main } from '../dist/index.js';

process.exitCode = await main(process.argv.slice(2));
