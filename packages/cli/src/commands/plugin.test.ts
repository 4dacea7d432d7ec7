// `bpfsim plugin`: the public conformance runner's plugin protocol, end to end through main() — every test of the
// suite as the runner would send it (MEM argument, program hex on standard input, r0 in hex on standard output).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, loadConformanceProgram, parseConformanceData } from '@bpfsim/isa';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ElfError, elfFunctionCode } from '../elf.js';
import { main, type CliIO } from '../index.js';

const SUITE = fileURLToPath(new URL('../../../../../shared/conformance/', import.meta.url));

function pluginIO(stdin: string) {
  const out = { stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    readFile: (path) => {
      if (path !== '-') throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return new TextEncoder().encode(stdin);
    },
    writeFile: () => {
      throw new Error('the plugin writes no files');
    },
  };
  return { io, out };
}

/** Bytes as the runner formats them: two lower-case hex digits followed by two spaces each. */
const runnerHex = (bytes: Uint8Array): string => [...bytes].map((b) => `${b.toString(16).padStart(2, '0')}  `).join('');
/** The runner reads r0 as base 16 up to the first non-hex character. */
const readR0 = (stdout: string): bigint => BigInt(`0x${/^(?:0x)?([0-9a-fA-F]+)/.exec(stdout)![1]}`);

async function plugin(args: string[], stdin: string) {
  const { io, out } = pluginIO(stdin);
  const code = await main(['plugin', ...args], io);
  return { code, ...out };
}

describe('bpfsim plugin: the conformance suite through the runner protocol', () => {
  const files = readdirSync(`${SUITE}tests/`).filter((f) => f.endsWith('.data')).sort();
  for (const engine of ['interp', 'jit']) {
    it(`passes all ${files.length} tests on ${engine}`, async () => {
      expect(files).toHaveLength(313); // the suite's README count: an empty or moved directory must not pass
      const failures: string[] = [];
      for (const file of files) {
        const data = parseConformanceData(readFileSync(`${SUITE}tests/${file}`, 'utf8'));
        const program = encode(loadConformanceProgram(data));
        const args = data.mem.length > 0 ? [runnerHex(data.mem), '--engine', engine] : ['--engine', engine];
        const r = await plugin(args, `${runnerHex(program)}\n`);
        if (r.code !== 0 || readR0(r.stdout) !== data.result) failures.push(`${file}: ${r.code} ${r.stdout}${r.stderr}`);
      }
      expect(failures).toEqual([]);
    });
  }
});

describe('bpfsim plugin', () => {
  it('prints r0 in hex without 0x', async () => {
    // lddw r0, 0x1122334455667788; exit
    const r = await plugin([], '18000000887766550000000044332211 9500000000000000\n');
    expect(r).toEqual({ code: 0, stdout: '1122334455667788\n', stderr: '' });
  });

  it('passes the memory in r1/r2 and provides helper 5 returning r1', async () => {
    // r0 = *(u8 *)(r1 + 1) + r2, then call 5 with r1 = r0: r0 = r1
    const prog = ['71 10 01 00 00 00 00 00', '0f 20 00 00 00 00 00 00', 'bf 01 00 00 00 00 00 00', '85 00 00 00 05 00 00 00', '95 00 00 00 00 00 00 00'];
    const r = await plugin(['0a  14  1e  '], `${prog.join(' ')}\n`);
    expect(r).toEqual({ code: 0, stdout: '17\n', stderr: '' });
  });

  it('accepts --program HEX instead of standard input', async () => {
    expect(await plugin(['--program', 'b7000000070000009500000000000000'], '')).toMatchObject({ code: 0, stdout: '7\n' });
  });

  it('reports failures on standard error only, with a non-zero exit', async () => {
    const fault = await plugin([], 'bf a0 00 00 00 00 00 00 79 00 f8 fd 00 00 00 00 95 00 00 00 00 00 00 00\n');
    expect(fault.code).toBe(1);
    expect(fault.stdout).toBe('');
    expect(fault.stderr).toBe('out of bounds: 8-byte read at stack-520, pc 1 (r0 = *(u64 *)(r0 - 520))\n');
    const decodeError = await plugin([], '07 00 01 00 00 00 00 00 95 00 00 00 00 00 00 00\n');
    expect(decodeError.code).toBe(1);
    expect(decodeError.stderr).toMatch(/^insn 0: invalid off 1 for opcode 0x07/);
    expect(await plugin([], 'zz\n')).toMatchObject({ code: 1, stderr: "program: 'zz' is not hex bytes (pairs of hex digits)\n" });
    expect(await plugin(['0g  '], '95 00 00 00 00 00 00 00\n')).toMatchObject({ code: 1, stderr: "memory: '0g' is not hex bytes (pairs of hex digits)\n" });
    expect(await plugin([], '\n')).toMatchObject({ code: 1, stderr: 'program: no bytes on standard input\n' });
    expect((await plugin(['--bogus'], '')).code).toBe(2);
  });
});

// ELF64 EM_BPF relocatable object produced with:
//   printf '\t.text\n\t.globl main\n\t.type main,@function\nmain:\n\tr0 = 1\n\tcall local\n\texit\nlocal:\n\tr0 += 2\n\texit\n.Lend:\n\t.size main, .Lend-main\n' > t.s
//   llvm-mc-19 -triple bpfel -filetype=obj t.s -o t.o && xxd -p t.o | tr -d '\n'
// .text holds main (r0 = 1; call local; exit) followed by local (r0 += 2; exit): the result is 3.
const ELF_FIXTURE =
  '7f454c460201010000000000000000000100f7000100000000000000000000000000000000000000d8000000000000000000000040000000' +
  '0000400004000100b70000000100000085100000010000009500000000000000070000000200000095000000000000000000000000000000' +
  '000000000000000000000000000000000c000000000002001800000000000000000000000000000007000000120002000000000000000000' +
  '2800000000000000002e74657874006d61696e006c6f63616c002e737472746162002e73796d746162000000000000000000000000000000' +
  '0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '120000000300000000000000000000000000000000000000b000000000000000220000000000000000000000000000000100000000000000' +
  '0000000000000000010000000100000006000000000000000000000000000000400000000000000028000000000000000000000000000000' +
  '040000000000000000000000000000001a000000020000000000000000000000000000000000000068000000000000004800000000000000' +
  '010000000200000008000000000000001800000000000000';

describe('bpfsim plugin --elf', () => {
  it('runs main from .text of an ELF object (hex on standard input)', async () => {
    expect(await plugin(['--elf'], `${ELF_FIXTURE}\n`)).toEqual({ code: 0, stdout: '3\n', stderr: '' });
    expect(await plugin(['--engine', 'jit', '--elf'], `${ELF_FIXTURE}\n`)).toEqual({ code: 0, stdout: '3\n', stderr: '' });
  });

  it('refuses malformed ELF with a clear message', async () => {
    const bytes = ELF_FIXTURE.match(/../g)!;
    const patch = (at: number, value: string): string => bytes.map((b, i) => (i === at ? value : b)).join('');
    expect(await plugin(['--elf'], 'b70000000100000095000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\n'))
      .toMatchObject({ code: 1, stderr: 'not an ELF file: bad magic (expected 7f 45 4c 46)\n' });
    expect(await plugin(['--elf'], '7f454c46\n')).toMatchObject({ code: 1, stderr: 'too short for an ELF64 header: 4 bytes (need 64)\n' });
    expect(await plugin(['--elf'], `${patch(18, '3e')}\n`)).toMatchObject({ code: 1, stderr: 'e_machine 62: not an eBPF object (EM_BPF = 247)\n' });
    expect(await plugin(['--elf'], `${patch(4, '01')}\n`)).toMatchObject({ code: 1, stderr: 'EI_CLASS 1: only ELF64 (2) is supported\n' });
    // rename symbol "main" to "mbin"
    const mainAt = ELF_FIXTURE.indexOf('6d61696e') / 2;
    expect(await plugin(['--elf'], `${patch(mainAt + 1, '62')}\n`)).toMatchObject({ code: 1, stderr: "no symbol 'main'\n" });
    // truncate the section headers away
    expect(await plugin(['--elf'], `${ELF_FIXTURE.slice(0, 0xd8 * 2)}\n`)).toMatchObject({
      code: 1,
      stderr: 'section headers (offset 216, 4 x 64 bytes) run past the end of the file (216 bytes)\n',
    });
  });

  it('any corruption of a valid object: the code of main, or an ElfError — never another exception', () => {
    const fixture = Uint8Array.from(Buffer.from(ELF_FIXTURE, 'hex'));
    const edit = fc.record({ at: fc.nat({ max: fixture.length - 1 }), value: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.nat({ max: fixture.length }), (edits, keep) => {
        const bytes = fixture.slice();
        for (const { at, value } of edits) bytes[at] = value;
        try {
          expect(elfFunctionCode(bytes.subarray(0, Math.max(keep, 64)))).toBeInstanceOf(Uint8Array);
        } catch (err) {
          expect(err).toBeInstanceOf(ElfError);
        }
      }),
      { numRuns: 500 },
    );
  });

  const clang = (() => {
    try {
      execFileSync('clang-19', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!clang)('runs main from its own section of a clang-19 object (SEC("xdp")); skipped without clang-19', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfsim-elf-'));
    try {
      writeFileSync(join(dir, 'm.c'), '__attribute__((section("xdp"), used)) int main(void) { return 40 + 2; }\n');
      execFileSync('clang-19', ['-O2', '-target', 'bpf', '-c', join(dir, 'm.c'), '-o', join(dir, 'm.o')]);
      const hex = readFileSync(join(dir, 'm.o')).toString('hex');
      expect(await plugin(['--elf'], `${hex}\n`)).toEqual({ code: 0, stdout: '2a\n', stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const llvmMc = (() => {
    try {
      execFileSync('llvm-mc-19', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!llvmMc)('runs objects that llvm-mc-19 builds now (skipped when llvm-mc-19 is missing)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfsim-elf-'));
    try {
      const src = '\t.text\n\t.globl main\n\t.type main,@function\nmain:\n\tr0 = 0x7fffffff\n\tr0 *= 4\n\tr1 = 0x100000000 ll\n\tr0 += r1\n\texit\n';
      writeFileSync(join(dir, 'p.s'), src);
      execFileSync('llvm-mc-19', ['-triple', 'bpfel', '-filetype=obj', join(dir, 'p.s'), '-o', join(dir, 'p.o')]);
      const hex = readFileSync(join(dir, 'p.o')).toString('hex');
      expect(await plugin(['--elf'], `${hex}\n`)).toEqual({ code: 0, stdout: `${(0x7fffffffn * 4n + 0x100000000n).toString(16)}\n`, stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
