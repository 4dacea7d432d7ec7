#!/usr/bin/env node
// The README's demo, through the real CLI: assemble a small program, disassemble it, run it on both engines, then
// drive the simulated kernel (map create, prog load with a map, PROG_TEST_RUN, map dump) as bpftool would.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bpfsim = join(process.cwd(), 'node_modules', '.bin', 'bpfsim');
const out = join(mkdtempSync(join(tmpdir(), 'bpfsim-demo-')), 'sum-bytes.bin');

function step(title, args) {
  console.log(`\n$ bpfsim ${args.join(' ')}    # ${title}`);
  process.stdout.write(execFileSync(bpfsim, args, { encoding: 'utf8' }));
}

step('assemble pseudo-C (llvm syntax) to raw bytecode', ['asm', '--syntax', 'llvm', 'examples/sum-bytes.s', '-o', out]);
step('disassemble, as the kernel verifier log prints it', ['disasm', '--syntax', 'kernel', out]);
step('disassemble to the conformance-suite syntax', ['disasm', '--syntax', 'conformance', out]);
step('run it on the interpreter over examples/hello.txt', ['run', out, '--syntax', 'raw', '--mem', 'examples/hello.txt', '--engine', 'interp']);
step('run it on the JIT, machine-readable', ['run', out, '--syntax', 'raw', '--mem', 'examples/hello.txt', '--engine', 'jit', '--json']);
step('the simulated kernel, bpftool style: a map, an XDP program using it, three test runs, the map afterwards',
  ['prog', '--script', 'examples/count-packets.bpftool']);
