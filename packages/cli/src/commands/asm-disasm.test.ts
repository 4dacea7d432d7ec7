import { describe, expect, it } from 'vitest';
import { main } from '../index.js';
import { fakeIO } from '../testing/fake-io.js';

const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString('hex');
const PROGRAM = 'r0 = 0\nif r1 == 0 goto +1\nr0 = 0x1122334455667788 ll\nexit\n';
const PROGRAM_BYTES = 'b700000000000000' + '1501010000000000' + '1800000088776655' + '0000000044332211' + '9500000000000000';

describe('bpfsim asm', () => {
  it('assembles llvm syntax (the default) into raw bytes', async () => {
    const { io, out, store } = fakeIO({ 'p.s': PROGRAM });
    expect(await main(['asm', 'p.s', '-o', 'p.bin'], io)).toBe(0);
    expect(hex(store.get('p.bin'))).toBe(PROGRAM_BYTES);
    expect(out.stderr).toBe('');
  });

  it('assembles the conformance syntax from standard input', async () => {
    const { io, store } = fakeIO({ '-': 'mov %r0, 0\njeq %r1, 0, +1\nlddw %r0, 0x1122334455667788\nexit\n' });
    expect(await main(['asm', '--syntax', 'conformance', '-', '-o', 'p.bin'], io)).toBe(0);
    expect(hex(store.get('p.bin'))).toBe(PROGRAM_BYTES);
  });

  it('names file, line and column of a syntax error, exit 1, and writes nothing', async () => {
    const { io, out, store } = fakeIO({ 'bad.s': 'mov %r0, 1\nor %r0, %r50\n' });
    expect(await main(['asm', '--syntax=conformance', 'bad.s', '-o', 'p.bin'], io)).toBe(1);
    expect(out.stderr).toBe('bpfsim: bad.s: line 2, col 9: Invalid register: %r50\n');
    expect(store.has('p.bin')).toBe(false);
  });

  it('llvm syntax errors say what was expected', async () => {
    const { io, out } = fakeIO({ '-': 'r0 = 0\nw1 += \n' });
    expect(await main(['asm', '-', '-o', 'p.bin'], io)).toBe(1);
    expect(out.stderr).toBe("bpfsim: <stdin>: line 2, col 7: expected a register or an immediate after '+=', found the end of the line\n");
  });

  it('a missing file is exit 1 naming it', async () => {
    const { io, out } = fakeIO();
    expect(await main(['asm', 'nope.s', '-o', 'p.bin'], io)).toBe(1);
    expect(out.stderr).toBe("bpfsim: cannot read 'nope.s': ENOENT\n");
  });

  it.each([
    [['asm', 'p.s'], "option '--output' (-o) is required"],
    [['asm', '-o', 'x'], 'missing FILE'],
    [['asm', '--syntax', 'gas', 'p.s', '-o', 'x'], "option '--syntax' must be one of llvm, conformance (got 'gas')"],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const { io, out } = fakeIO({ 'p.s': 'exit\n' });
    expect(await main(argv, io)).toBe(2);
    expect(out.stderr).toMatch(new RegExp(`^bpfsim: ${message.replace(/[()]/g, '\\$&')}\nusage: bpfsim asm`));
  });

  it('--help prints the usage', async () => {
    const { io, out } = fakeIO();
    expect(await main(['asm', '--help'], io)).toBe(0);
    expect(out.stdout).toMatch(/^usage: bpfsim asm/);
  });
});

describe('bpfsim disasm', () => {
  const bin = Uint8Array.from(Buffer.from(PROGRAM_BYTES, 'hex'));

  it('prints llvm syntax by default', async () => {
    const { io, out } = fakeIO({ 'p.bin': bin });
    expect(await main(['disasm', 'p.bin'], io)).toBe(0);
    expect(out.stdout).toBe('r0 = 0\nif r1 == 0 goto +1\nr0 = 0x1122334455667788 ll\nexit\n');
  });

  it('prints the kernel verifier log style and the conformance syntax', async () => {
    const { io, out } = fakeIO({ 'p.bin': bin });
    expect(await main(['disasm', '--syntax', 'kernel', 'p.bin'], io)).toBe(0);
    expect(out.stdout).toBe('0: (b7) r0 = 0\n1: (15) if r1 == 0x0 goto pc+1\n2: (18) r0 = 0x1122334455667788\n4: (95) exit\n');
    out.stdout = '';
    expect(await main(['disasm', '--syntax', 'conformance', 'p.bin'], io)).toBe(0);
    expect(out.stdout).toBe('mov %r0, 0\njeq %r1, 0, +1\nlddw %r0, 0x1122334455667788\nexit\n');
  });

  it('--json gives slot, fields and text per instruction', async () => {
    const { io, out } = fakeIO({ 'p.bin': bin });
    expect(await main(['disasm', '--json', 'p.bin'], io)).toBe(0);
    const rows = JSON.parse(out.stdout);
    expect(rows[2]).toEqual({ slot: 2, opcode: 0x18, dst: 0, src: 0, off: 0, imm: 0x55667788, imm2: 0x11223344, text: 'r0 = 0x1122334455667788 ll' });
    expect(rows[3].slot).toBe(4);
  });

  it('asm then disasm gives the program back', async () => {
    const { io, out } = fakeIO({ 'p.s': PROGRAM });
    await main(['asm', 'p.s', '-o', 'p.bin'], io);
    await main(['disasm', 'p.bin'], io);
    expect(out.stdout).toBe('r0 = 0\nif r1 == 0 goto +1\nr0 = 0x1122334455667788 ll\nexit\n');
  });

  it('shows reserved encodings as .insn rather than refusing them', async () => {
    const { io, out } = fakeIO({ 'p.bin': Uint8Array.from(Buffer.from('0700010001000000' + '9500000000000000', 'hex')) });
    expect(await main(['disasm', 'p.bin'], io)).toBe(0);
    expect(out.stdout).toBe('.insn 0x07, 0, 0, 1, 1\nexit\n');
  });

  it('a truncated program is exit 1 naming the file and the slot', async () => {
    const { io, out } = fakeIO({ 'p.bin': Uint8Array.from([0x95, 0, 0, 0, 0, 0, 0, 0, 0xb7]) });
    expect(await main(['disasm', 'p.bin'], io)).toBe(1);
    expect(out.stderr).toMatch(/^bpfsim: p\.bin: insn 1: program length 9 is not a multiple of 8 bytes/);
  });

  it('the conformance syntax refuses what it cannot spell, naming the instruction', async () => {
    const { io, out } = fakeIO({ 'p.bin': Uint8Array.from(Buffer.from('1811000004000000' + '0000000000000000', 'hex')) });
    expect(await main(['disasm', '--syntax', 'conformance', 'p.bin'], io)).toBe(1);
    expect(out.stderr).toMatch(/^bpfsim: p\.bin: instruction 0: opcode 0x18 \(src 1, off 0, imm 4\) has no conformance-syntax spelling/);
  });

  it('usage errors are exit 2', async () => {
    const { io } = fakeIO();
    expect(await main(['disasm'], io)).toBe(2);
    expect(await main(['disasm', '--syntax', 'att', 'p.bin'], io)).toBe(2);
  });
});
