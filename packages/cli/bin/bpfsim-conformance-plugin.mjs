#!/usr/bin/env node
// Entry for the public conformance runner, which starts its plugin as `P [MEM] [OPTIONS…] [--elf]`:
//   bpf_conformance_runner --test_file_directory DIR --plugin_path packages/cli/bin/bpfsim-conformance-plugin.mjs \
//     [--plugin_options "--engine jit"]
// It is `bpfsim plugin` with the arguments passed through (see packages/cli/src/commands/plugin.ts).
import { main } from '../dist/index.js';

process.exitCode = await main(['plugin', ...process.argv.slice(2)]);
