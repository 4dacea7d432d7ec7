// `bpfsim run`: programs from raw bytes, llvm and conformance text, with input memory, engines, JSON and traces.
import { describe, expect, it } from 'vitest';
import { main } from '../index.js';
import { fakeIO } from '../testing/fake-io.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
// r0 = 42; exit   (b7 00 00 00 2a 00 00 00 / 95 ...)
const RAW_42 = bytes('b70000002a000000' + '9500000000000000');
// sums the input bytes: r0 = sum(mem[0..r2))
const SUM_LLVM = `
  r0 = 0
  if r2 == 0 goto +5
  r3 = *(u8 *)(r1 + 0)
  r0 += r3
  r1 += 1
  r2 += -1
  goto -6
  exit
`;
const DATA_FILE = `# a conformance-style test
-- asm
ldxh %r0, [%r1+2]
exit
-- mem
11 22 33 44
-- result
0x4433
`;

describe('bpfsim run', () => {
  it('runs raw bytes (the default for unknown extensions) and prints r0 in decimal and hex', async () => {
    const { io, out } = fakeIO({ 'p.bin': RAW_42 });
    expect(await main(['run', 'p.bin'], io)).toBe(0);
    expect(out.stdout).toBe('r0 = 42 (0x2a)\n');
    expect(out.stderr).toBe('');
  });

  it('runs llvm syntax with input memory: r1 = its address, r2 = its length', async () => {
    const { io, out } = fakeIO({ 'sum.s': SUM_LLVM, 'in.bin': new Uint8Array([1, 2, 3, 250]) });
    expect(await main(['run', 'sum.s', '--mem', 'in.bin'], io)).toBe(0);
    expect(out.stdout).toBe('r0 = 256 (0x100)\n');
  });

  it('without --mem, r1 = r2 = 0', async () => {
    const { io, out } = fakeIO({ 'p.s': 'r0 = r1\nr0 |= r2\nexit\n' });
    expect(await main(['run', 'p.s'], io)).toBe(0);
    expect(out.stdout).toBe('r0 = 0 (0x0)\n');
  });

  it('reads conformance .data files with their -- mem section; --mem overrides it', async () => {
    const { io, out } = fakeIO({ 't.data': DATA_FILE, 'm.bin': new Uint8Array([0, 0, 0xaa, 0xbb]) });
    expect(await main(['run', 't.data'], io)).toBe(0);
    expect(out.stdout).toBe('r0 = 17459 (0x4433)\n');
    out.stdout = '';
    expect(await main(['run', 't.data', '--mem', 'm.bin', '--engine', 'jit'], io)).toBe(0);
    expect(out.stdout).toBe('r0 = 48042 (0xbbaa)\n');
  });

  it('--syntax conformance also takes bare conformance assembly', async () => {
    const { io, out } = fakeIO({ 'p.txt': 'mov %r0, -1\nexit\n' });
    expect(await main(['run', '--syntax', 'conformance', 'p.txt'], io)).toBe(0);
    expect(out.stdout).toBe('r0 = 18446744073709551615 (0xffffffffffffffff)\n');
  });

  it('--json prints exactly one object with r0 as a decimal string, insns, ms and compile_ms', async () => {
    for (const engine of ['interp', 'jit']) {
      const { io, out } = fakeIO({ 'sum.s': SUM_LLVM, 'in.bin': new Uint8Array([200, 100]) });
      expect(await main(['run', 'sum.s', '--mem', 'in.bin', '--json', '--repeat', '3', '--engine', engine], io)).toBe(0);
      const lines = out.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      const obj = JSON.parse(lines[0]);
      expect(Object.keys(obj)).toEqual(['r0', 'insns', 'ms', 'compile_ms']);
      expect(obj.r0).toBe('300');
      // 2 + 6 per byte + the final test and exit: r0=0, (if, load, add, inc, dec, goto) x2, if, exit
      expect(obj.insns).toBe(1 + 6 * 2 + 2);
      expect(obj.ms).toBeGreaterThanOrEqual(0);
      expect(obj.compile_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('--trace prints each executed instruction before the result', async () => {
    const { io, out } = fakeIO({ 'p.s': 'r0 = 1\nr0 += 2\nexit\n' });
    expect(await main(['run', 'p.s', '--trace'], io)).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^0: r0 = 1 +; r0=0x1$/);
    expect(lines[1]).toMatch(/^1: r0 \+= 2 +; r0=0x3$/);
    expect(lines[2]).toBe('2: exit');
    expect(lines[3]).toBe('r0 = 3 (0x3)');
  });

  it('with --json, the trace goes to standard error', async () => {
    const { io, out } = fakeIO({ 'p.s': 'r0 = 1\nexit\n' });
    expect(await main(['run', 'p.s', '--trace', '--json'], io)).toBe(0);
    expect(JSON.parse(out.stdout).r0).toBe('1');
    expect(out.stderr).toMatch(/^0: r0 = 1/);
  });

  it('a fault is a clear error with exit 1', async () => {
    const { io, out } = fakeIO({ 'p.s': 'r0 = *(u64 *)(r10 - 520)\nexit\n' });
    expect(await main(['run', 'p.s'], io)).toBe(1);
    expect(out.stderr).toBe('bpfsim: p.s: out of bounds: 8-byte read at stack-520, pc 0 (r0 = *(u64 *)(r10 - 520))\n');
    expect(out.stdout).toBe('');
  });

  it('an endless loop stops at --budget', async () => {
    const { io, out } = fakeIO({ 'p.s': 'goto -1\nexit\n' });
    expect(await main(['run', 'p.s', '--budget', '100'], io)).toBe(1);
    expect(out.stderr).toMatch(/^bpfsim: p.s: instruction budget exhausted: 100 instructions executed, pc 0/);
  });

  it('bad input names the file and the problem', async () => {
    const cases: [Record<string, string | Uint8Array>, string[], number, RegExp][] = [
      [{}, ['run', 'nope.bin'], 1, /cannot read 'nope.bin': ENOENT/],
      [{ 'p.bin': new Uint8Array(5) }, ['run', 'p.bin'], 1, /^bpfsim: p.bin: .*length/],
      [{ 'p.s': 'r0 = = 1\n' }, ['run', 'p.s'], 1, /^bpfsim: p.s: line 1/],
      [{ 'p.s': 'goto +5\nexit\n' }, ['run', 'p.s'], 1, /^bpfsim: p.s: jump target 6 is outside the program/],
      [{ 'p.s': 'exit\n' }, ['run', 'p.s', '--repeat', '0'], 2, /--repeat' must be an integer/],
      [{ 'p.s': 'exit\n' }, ['run', 'p.s', '--engine', 'gpu'], 2, /must be one of interp, jit/],
      [{ 'p.s': 'exit\n' }, ['run', 'p.s', '--trace', '--engine', 'jit'], 2, /--trace runs on the interpreter/],
      [{ 't.data': '-- result\n0x0\n' }, ['run', 't.data'], 1, /no program/],
    ];
    for (const [files, argv, code, message] of cases) {
      const { io, out } = fakeIO(files);
      expect(await main(argv, io), argv.join(' ')).toBe(code);
      expect(out.stderr).toMatch(message);
    }
  });
});
