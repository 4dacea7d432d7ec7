// `bpfsim map|prog|link` on bad input: unreadable files, bad assembly or bytes, bad options, unresolvable
// references — one `bpfsim: …` line naming the file (and its line, or the script's line) or the errno, exit code 1
// (2 for usage errors), never an exception.
import { describe, expect, it } from 'vitest';
import { main } from '../index.js';
import { fakeIO } from '../testing/fake-io.js';

// lddw r1, map idx 0; r0 = 0; exit (hand-encoded)
const USES_MAP = Uint8Array.from(Buffer.from('18110000000000000000000000000000b7000000000000009500000000000000', 'hex'));

async function run(argv: string[], files: Record<string, string | Uint8Array> = {}) {
  const { io, out } = fakeIO(files);
  const code = await main(argv, io);
  return { code, ...out };
}

describe('files that cannot be read', () => {
  it.each(['map', 'prog', 'link'])('%s --script /missing: ENOENT naming the file, exit 1', async (verb) => {
    const r = await run([verb, '--script', '/missing']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: "bpfsim: cannot read '/missing': ENOENT\n" });
  });

  it('prog load of a missing file: ENOENT naming the file, exit 1', async () => {
    expect(await run(['prog', 'load', 'missing', 'type', 'xdp'])).toEqual({ code: 1, stdout: '', stderr: "bpfsim: cannot read 'missing': ENOENT\n" });
  });

  it('prog run data_in of a missing file, inside a script: the script line, then the file', async () => {
    const r = await run(['prog', '--script', 's'], { s: 'prog load x.s type xdp\nprog run id 1 data_in nope.bin', 'x.s': 'r0 = 2\nexit' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("bpfsim: s:2: cannot read 'nope.bin': ENOENT\n");
  });

  it('a script that is not UTF-8 text, read from standard input', async () => {
    const r = await run(['map', '--script', '-'], { '-': new Uint8Array([0x6d, 0xff, 0xfe]) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bpfsim: <stdin>: not UTF-8 text/);
  });
});

describe('programs that do not assemble or decode', () => {
  it('prog load bad.s: the assembler error with the file, line and column, exit 1', async () => {
    const r = await run(['prog', 'load', 'bad.s', 'type', 'xdp'], { 'bad.s': 'r0 = 1\nbogus r1\nexit\n' });
    expect(r).toEqual({ code: 1, stdout: '', stderr: "bpfsim: bad.s: line 2, col 1: unknown instruction 'bogus'\n" });
  });

  it('inside a script, the script line comes first', async () => {
    const r = await run(['prog', '--script', 's'], { s: '# load it\n\nprog load bad.s type xdp', 'bad.s': 'r11 = 1\nexit' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('bpfsim: s:3: bad.s: line 1, col 1: r11 is not a register (r0..r10, w0..w10)\n');
  });

  it('an assembly file that is not UTF-8 text', async () => {
    const r = await run(['prog', 'load', 'x.s', 'type', 'xdp'], { 'x.s': new Uint8Array([0xb7, 0, 0, 0, 1, 0, 0, 0]) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bpfsim: x\.s: not UTF-8 text/);
  });

  it('raw bytes that are not whole instructions: the decoder error with the file and the slot', async () => {
    const r = await run(['prog', 'load', 'x.bin', 'type', 'xdp'], { 'x.bin': new Uint8Array([0xb7, 0, 0, 0, 1]) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bpfsim: x\.bin: insn 0: program length 5 is not a multiple of 8 bytes/);
  });

  it('a program the verifier rejects: the errno', async () => {
    const r = await run(['prog', 'load', 'x.s', 'type', 'xdp'], { 'x.s': 'r0 = 1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bpfsim: prog load: EINVAL: /);
  });
});

describe('usage errors: exit code 2 and the usage', () => {
  it.each([
    [['prog', '--script'], "option '--script' needs a FILE"],
    [['prog', '--script', 's', '--script', 's'], "option '--script' given twice"],
    [['prog', '--script', 's', 'show'], "--script s takes no COMMAND (got 'show')"],
    [['map', '--bogus', 'show'], "unknown option '--bogus'"],
    [['map'], 'missing COMMAND'],
    [['map', 'show', 'id', '4294967296'], "map id: '4294967296' is not an unsigned 32-bit integer"],
    [['map', 'show', 'id', '1e3'], "map id: '1e3' is not an unsigned 32-bit integer"],
    [['map', 'dump', 'pinned'], 'missing path'],
  ])('%j: %s', async (argv, message) => {
    const r = await run(argv, { s: 'map show' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(`bpfsim: ${message}\n`)).toBe(true);
  });

  it('map idx given twice is refused before anything is loaded', async () => {
    const r = await run(['prog', '--script', 's'], {
      s: 'map create type array key 4 value 4 entries 1\nprog load u.bin type socket_filter map idx 0 id 1 map idx 0 id 1\nprog show',
      'u.bin': USES_MAP,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('bpfsim: s:2: prog load: map idx 0 given twice\n');
  });

  it('options may follow the command, as with bpftool (getopt permutes argv)', async () => {
    const r = await run(['map', 'show', '--json']);
    expect(r).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });
});

describe('pinned PATH that does not resolve, as one command in a fresh kernel', () => {
  it('map dump pinned PATH: ENOENT for a missing pin, EACCES for a directory', async () => {
    const missing = await run(['map', 'dump', 'pinned', '/sys/fs/bpf/x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^bpfsim: map dump: ENOENT: .*\/sys\/fs\/bpf\/x/);
    const dir = await run(['map', 'dump', 'pinned', '/sys/fs/bpf']);
    expect(dir.code).toBe(1);
    expect(dir.stderr).toMatch(/^bpfsim: map dump: EACCES: /);
    const outside = await run(['map', 'dump', 'pinned', '/tmp/m']);
    expect(outside.code).toBe(1);
    expect(outside.stderr).toMatch(/^bpfsim: map dump: ENOENT: /);
  });

  it('prog show pinned PATH: ENOENT below a missing directory, EACCES for the root', async () => {
    const missing = await run(['prog', 'show', 'pinned', '/sys/fs/bpf/x/y']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^bpfsim: prog show: ENOENT: .*\/sys\/fs\/bpf\/x\/y/);
    const root = await run(['prog', 'show', 'pinned', '/']);
    expect(root.code).toBe(1);
    expect(root.stderr).toMatch(/^bpfsim: prog show: EACCES: /);
    expect(root.stdout).toBe('');
  });
});
