// Bad input never crashes the CLI: random command lines over the verbs asm, disasm, run, plugin and fs — and over the
// bpftool-style verbs map, prog and link, with random --script files mixing working commands and random ones — with
// random files (text, bytes, missing, unreadable), end with an exit code — 0, or 1/2 with a `bpfsim: …` message naming
// the problem (the conformance plugin prints the bare message, as its runner expects) — and never with an exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newSession, runCommand } from './commands/bpftool.js';
import { main, type CliIO } from './index.js';
import { CliError } from './io.js';
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

// ---- map, prog, link ----

// Words of bpftool commands, right and wrong: every keyword, object references, paths in and out of the bpffs,
// numbers in and out of __u32 (no huge `repeat`: the kernel, too, runs a test 2^32 times if asked), files.
const BPFTOOL_WORDS = [
  'map', 'prog', 'link', 'create', 'show', 'list', 'dump', 'lookup', 'update', 'delete', 'getnext', 'pop', 'freeze',
  'pin', 'load', 'run', 'xlated', 'detach', 'stats', 'enable', 'type', 'key', 'value', 'entries', 'name', 'flags',
  'inner_map', 'hash', 'array', 'queue', 'array_of_maps', 'ringbuf', 'xdp', 'socket_filter', 'kprobe', 'nope', 'id',
  'pinned', '/sys/fs/bpf/m', '/sys/fs/bpf/p', '/sys/fs/bpf/l', '/sys/fs/bpf', '/sys/fs/bpf/m/x', '/tmp/x', 'rel', '',
  'any', 'noexist', 'exist', 'hex', '0x01', '00', 'ff', '256', 'idx', 'license', 'GPL', 'data_in', 'ctx_in', 'repeat',
  'hex:00', 'hex:000102030405060708090a0b0c0d', 'hex:zz', 'dev', '0', '1', '2', '4', '8', '99', '-1', '0x10',
  '4294967296', '1e3', 'p.s', 'p.bin', 'missing', 'dir', '-', 's.txt', '--json', '-j', '--script', '--bogus', '-h',
];
// Commands that work one after the other (given a loadable p.s), so random lines reach maps with elements, loaded
// programs, pins, links and statistics.
const BPFTOOL_LINES = [
  'map create type array key 4 value 4 entries 2 name m', 'map create type hash key 4 value 8 entries 4',
  'map update id 1 key 1 0 0 0 value 7 0 0 0', 'map update id 2 key 1 0 0 0 value 0x2a 0 0 0 0 0 0 0 noexist',
  'map pin id 1 /sys/fs/bpf/m', 'map dump pinned /sys/fs/bpf/m', 'map create type array_of_maps key 4 value 4 entries 1 inner_map id 1',
  'map create type queue key 0 value 4 entries 2', 'prog load p.s type xdp map idx 0 id 1', 'prog pin id 1 /sys/fs/bpf/p',
  'prog show pinned /sys/fs/bpf/p', 'prog dump xlated id 1', 'stats enable', 'prog run id 1 data_in hex:000102030405060708090a0b0c0d repeat 2',
  'link create id 1 xdp dev 1', 'link pin id 1 /sys/fs/bpf/l', 'map show', 'prog show', 'link show # all of them',
  'link detach pinned /sys/fs/bpf/l', 'prog load p.bin type socket_filter',
];
// Phrases that name things the setup lines create, so random commands get past their first argument.
const BPFTOOL_PHRASES = [
  'id 1', 'id 2', 'pinned /sys/fs/bpf/m', 'pinned /sys/fs/bpf/p', 'pinned /sys/fs/bpf/l', 'key 1 0 0 0', 'key hex 01 00 00 00',
  'value 7 0 0 0', 'value 0x2a 0 0 0 0 0 0 0', 'type xdp', 'type hash', 'map idx 0 id 1', 'xdp dev 1', 'data_in hex:000102030405060708090a0b0c0d',
  'p.s type xdp', 'p.bin type socket_filter', 'missing type xdp', 'dir type xdp', '- type xdp', 'data_in missing', 'data_in dir', 'ctx_in p.bin',
];
const VERBS = {
  map: ['create', 'show', 'list', 'dump', 'lookup', 'update', 'delete', 'getnext', 'pop', 'dequeue', 'freeze', 'pin', 'nope'],
  prog: ['load', 'show', 'list', 'run', 'dump', 'pin', 'nope'],
  link: ['create', 'show', 'list', 'detach', 'pin', 'nope'],
} as const;
const bpftoolWords = fc
  .array(fc.oneof(fc.constantFrom(...BPFTOOL_WORDS), fc.constantFrom(...BPFTOOL_PHRASES)), { maxLength: 5 })
  .map((w) => w.flatMap((x) => (x.includes(' ') ? x.split(' ') : [x])));
// How each command's arguments start (a REF, a FILE, a map type…), so random words after them reach the command's work.
const REFS = ['id 1', 'id 2', 'id 3', 'pinned /sys/fs/bpf/m', 'pinned /sys/fs/bpf/p', 'pinned /sys/fs/bpf/l', 'pinned /sys/fs/bpf', 'pinned /tmp/x'];
const HEADS: Record<string, readonly string[]> = {
  'map create': ['type array key 4 value 4 entries 2', 'type hash key 4 value 4 entries 2', 'type array_of_maps key 4 value 4 entries 1 inner_map', 'type queue key 0 value 4 entries 2', 'type ringbuf entries 4096', 'type nope'],
  'prog load': ['p.s type xdp', 'p.bin type socket_filter', 'missing type xdp', 'dir type xdp', '- type xdp', 'p.s type socket_filter map idx 0 id 1'],
  'prog run': ['id 1 data_in missing', 'id 1 data_in dir', 'id 1 ctx_in p.bin', 'id 1 data_in hex:000102030405060708090a0b0c0d', 'pinned /sys/fs/bpf/p'],
  'prog dump': ['xlated id 1', 'xlated pinned /sys/fs/bpf/p', 'xlated pinned /sys/fs/bpf/m'],
  'link create': ['id 1 xdp dev 1', 'id 1 xdp dev 0', 'pinned /sys/fs/bpf/p xdp dev 1'],
};
const randomCommand = fc
  .constantFrom('map', 'prog', 'link')
  .chain((o) => fc.tuple(fc.constant(o), fc.constantFrom(...VERBS[o])))
  .chain(([o, v]) => fc.tuple(fc.constant([o, v]), fc.option(fc.constantFrom(...(HEADS[`${o} ${v}`] ?? REFS)), { freq: 4 }), bpftoolWords))
  .map(([ov, head, w]) => [...ov, ...(head === null ? [] : head.split(' ')), ...w]);
const bpftoolLine = fc.oneof(
  fc.constantFrom(...BPFTOOL_LINES),
  randomCommand.map((w) => w.join(' ')),
  fc.tuple(fc.constantFrom('map', 'prog', 'link', 'stats'), fc.array(fc.constantFrom(...BPFTOOL_WORDS), { maxLength: 9 })).map(([o, w]) => [o, ...w].join(' ')),
);
// The first N working lines, then random ones: a script runs until its first failing line.
const scriptLines = fc
  .tuple(fc.nat({ max: BPFTOOL_LINES.length }), fc.array(bpftoolLine, { maxLength: 5 }))
  .map(([n, more]) => [...BPFTOOL_LINES.slice(0, n), ...more]);
const script = scriptLines.map((lines) => lines.join('\n'));
const PROGRAM_LINES = ['r0 = 0', 'r0 = 2', 'exit', 'ld_pseudo r1, 1, 0', 'ld_pseudo r1, 1, 3', 'r1 = 7 ll', 'r2 = *(u32 *)(r1 + 0)', 'goto -1', 'call 1', 'bogus'];
const program = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('r0 = 2\nexit', 'ld_pseudo r1, 1, 0\nr0 = 0\nexit') },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...PROGRAM_LINES), { maxLength: 6 }).map((l) => l.join('\n')) },
);
const bpftoolFiles = fc.record({
  's.txt': fc.oneof({ weight: 4, arbitrary: script }, { weight: 1, arbitrary: text }),
  'p.s': fc.oneof({ weight: 3, arbitrary: program }, { weight: 1, arbitrary: text }),
  'p.bin': bytes,
  '-': fc.oneof(script, bytes),
});
const bpftoolObject = fc.constantFrom<string>('map', 'prog', 'link');
const scriptOptions = (...choices: string[][]) => fc.tuple(bpftoolObject, fc.constantFrom(...choices));
const bpftoolCommandLine: fc.Arbitrary<[string, string[]]> = fc.oneof(
  { weight: 3, arbitrary: randomCommand.map((w): [string, string[]] => [w[0], w.slice(1)]) },
  { weight: 1, arbitrary: fc.tuple(bpftoolObject, fc.array(fc.constantFrom(...BPFTOOL_WORDS), { maxLength: 10 })) },
  { weight: 3, arbitrary: scriptOptions(['--script', 's.txt'], ['--json', '--script', 's.txt'], ['-j', '--script', 's.txt']) },
  { weight: 1, arbitrary: scriptOptions(['--script', '-'], ['--script', 'dir'], ['--script', 'missing']) },
);

describe('CLI robustness', () => {
  it('map, prog, link: random command lines and scripts end with an exit code and a message, never an exception', async () => {
    await fc.assert(
      fc.asyncProperty(bpftoolCommandLine, bpftoolFiles, async ([verb, words], contents) => {
        const { io, out } = fakeIO(contents);
        const code = await main([verb, ...words], withDirectory(io));
        expect([0, 1, 2]).toContain(code);
        if (code !== 0) expect(out.stderr).toMatch(/^bpfsim: \S/);
        // a failing script line is named FILE:LINE:
        if (code === 1 && words.includes('--script') && !/cannot read|not UTF-8/.test(out.stderr)) {
          expect(out.stderr).toMatch(/^bpfsim: \S+:\d+: /);
        }
      }),
      { numRuns: 400 },
    );
  });

  // The script's process keeps exactly one fd per object it created (map create, prog load, link create: that fd is
  // what keeps the object alive for the next lines, as bpftool's pin does; stats enable: the BPF_ENABLE_STATS fd keeps
  // the statistics on); every other fd a command opens — by id,
  // by pin, for map idx or inner_map — is closed again, whether the command succeeds or fails.
  it('map, prog, link: a command leaves no fd open but the one for the object it created', () => {
    fc.assert(
      fc.property(scriptLines, program, bytes, (lines, asm, bin) => {
        const { io } = fakeIO({ 'p.s': asm, 'p.bin': bin });
        const s = newSession(withDirectory(io), false);
        for (const line of lines) {
          const words = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
          if (!words.length) continue;
          const before = s.proc.fds.size;
          let created = false;
          try {
            runCommand(s, words);
            created = /^(map create|prog load|link create|stats enable)$/.test(words.slice(0, 2).join(' '));
          } catch (e) {
            expect(e).toBeInstanceOf(CliError);
          }
          expect(s.proc.fds.size, line).toBe(before + (created ? 1 : 0));
        }
      }),
      { numRuns: 200 },
    );
  });


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
