// Bad input never crashes the CLI: random command lines over the verbs asm, disasm, run, plugin and fs, with random
// files (text, bytes, missing, unreadable), end with an exit code — 0, or 1/2 with a `bpfsim: …` message naming
// the problem (the conformance plugin prints the bare message, as its runner expects) — and never with an exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main, type CliIO } from './index.js';
import { fakeIO } from './testing/fake-io.js';

const WORDS = [
  '-o', 'out.bin', '--syntax', 'llvm', 'conformance', 'raw', 'kernel', '--json', '--trace', '--engine', 'jit', 'interp',
  '--mem', '--elf', '--program', 'b700000001000000', '9500000000000000', '--help', '-h', '--bogus', '=', '',
  'p.s', 'p.bin', 'p.data', 'missing', 'dir', '-', '--state', 'st.json', '--script', 's.txt', '--profile', '4.4',
  'modern', 'mkdir', 'rmdir', 'ls', 'stat', 'cat', 'get', 'pin', 'map', 'prog', 'link', 'ln', '-s', 'rm', 'mv',
  'mount', '-t', 'bpf', '--bind', 'umount', 'unshare', 'su', 'umask', '-m', '700', '0', '1', '65534', '-1', '0x10',
  '/sys/fs/bpf', '/sys/fs/bpf/x', '/sys/fs/bpf/x/y', '/tmp', '..', '/', 'aa bb', 'zz',
];

const LLVM_LINES = ['r0 = 1', 'exit', 'r1 += r2', 'if r1 > 3 goto +1', 'r0 = *(u8 *)(r1 + 0)', 'call 1', 'goto -1', 'w0 = -w0'];
const text = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.array(fc.constantFrom(...LLVM_LINES, '-- asm', '-- result', '0x1', '-- mem', 'mov %r0, 1', 'lddw %r0, 5'), { maxLength: 8 }).map((l) => l.join('\n')),
  fc.array(fc.constantFrom(...WORDS), { maxLength: 12 }).map((w) => w.join(' ').replace(/ (mkdir|ls|pin|mount) /g, '\n$1 ')),
);
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 48 }),
  // whole slots of plausible opcodes (mov, add, ldx, ja, exit…), so the decoder accepts some of them
  fc.array(fc.tuple(fc.constantFrom(0xb7, 0x07, 0x71, 0x05, 0x15, 0x95, 0x18, 0x85, 0xff), fc.uint8Array({ minLength: 7, maxLength: 7 })), { maxLength: 6 })
    .map((slots) => Uint8Array.from(slots.flatMap(([op, rest]) => [op, ...rest]))),
);

const commandLine = fc.tuple(
  fc.constantFrom('asm', 'disasm', 'run', 'plugin', 'fs'),
  fc.array(fc.constantFrom(...WORDS), { maxLength: 8 }),
);
const files = fc.record({ 'p.s': text, 'p.data': text, 's.txt': text, 'st.json': text, '-': fc.oneof(text, bytes), 'p.bin': bytes });

/** fakeIO with a directory: reading it fails with EISDIR, as node:fs does. */
function withDirectory(io: CliIO): CliIO {
  const eisdir = () => {
    throw Object.assign(new Error("EISDIR: illegal operation on a directory, read 'dir'"), { code: 'EISDIR' });
  };
  return {
    ...io,
    readFile: (path) => (path === 'dir' ? eisdir() : io.readFile(path)),
    writeFile: (path, data) => (path === 'dir' ? eisdir() : io.writeFile(path, data)),
  };
}

describe('CLI robustness', () => {
  it('random command lines and files: an exit code and a message, never an exception', async () => {
    await fc.assert(
      fc.asyncProperty(commandLine, files, async ([verb, words], contents) => {
        const { io, out } = fakeIO(contents);
        // a small budget: a random program may loop forever
        const argv = verb === 'run' ? [verb, '--budget', '10000', ...words] : [verb, ...words];
        const code = await main(argv, withDirectory(io));
        expect([0, 1, 2]).toContain(code);
        if (code !== 0 && verb !== 'plugin') expect(out.stderr).toMatch(/^bpfsim: \S|^usage: /);
        if (code !== 0 && verb === 'plugin') expect(out.stderr).not.toBe('');
      }),
      { numRuns: 400 },
    );
  });
});
