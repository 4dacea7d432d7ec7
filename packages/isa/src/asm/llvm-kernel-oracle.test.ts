// Differential test against the running kernel: disassembleLlvm(p, { kernelLog: true }) must print exactly the
// lines the Linux verifier prints for p (its "Live regs before insn:" listing at log_level 2, which runs
// print_bpf_insn over every instruction). Programs are only loaded, never attached, inside `unshare -m`.
// Skips with the reason when clang-19, unshare or bpf(2) is unavailable.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { encode } from '../encode.js';
import type { Instruction } from '../instruction.js';
import { arbInstruction } from '../testing/arbitrary.js';
import { disassembleLlvm } from './llvm-disasm.js';

const helperSource = fileURLToPath(new URL('./testdata/kernel-listing.c', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'bpfsim-asm-kernel-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const I = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ opcode, dst, src, off, imm });

/** The verifier's listings of `programs`, one array of lines per program (or the reason it printed none). */
function listings(binary: string, programs: Instruction[][]): (string[] | string)[] {
  const input = programs.map((p) => hex(encode(p))).join('\n') + '\n';
  const run = spawnSync('unshare', ['-m', binary], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.error || run.status !== 0) throw new Error(`kernel-listing failed: ${run.error?.message ?? run.stderr}`);
  const out: (string[] | string)[] = [];
  let current: string[] = [];
  for (const line of run.stdout.split('\n')) {
    if (line === '==') {
      out.push(current.length === 1 && current[0].startsWith('none: ') ? current[0] : current);
      current = [];
    } else if (line !== '') {
      // "%3d: <10 liveness characters> (xx) text" -> "N: (xx) text", the verifier's usual instruction line
      current.push(line.startsWith('none: ') ? line : line.replace(/^\s*(\d+): [.0-9]{10} /, '$1: '));
    }
  }
  return out;
}

function setUp(): { binary: string } | { skip: string } {
  if (process.platform !== 'linux') return { skip: 'not Linux' };
  const binary = join(workDir, 'kernel-listing');
  const cc = spawnSync('clang-19', ['-O1', '-o', binary, helperSource], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return { skip: `cannot build the helper with clang-19: ${cc.error?.message ?? cc.stderr}` };
  try {
    const [probe] = listings(binary, [[I(0xb7), I(0x95)]]);
    if (typeof probe === 'string') return { skip: `no verifier listing (bpf(2) unavailable or kernel older than 6.15?): ${probe}` };
  } catch (err) {
    return { skip: `unshare -m failed: ${(err as Error).message}` };
  }
  return { binary };
}
const env = setUp();
if ('skip' in env) console.warn(`llvm-kernel-oracle.test.ts skipped: ${env.skip}`);

/**
 * Instructions the verifier lists without needing more than the program itself: no map fds or BTF (lddw pseudo
 * sources, kfuncs), no bpf-to-bpf calls (they need a subprogram), no callx (we print `callx`, see the README),
 * no exit mid-program and jumps to the next instruction, so check_cfg finds no unreachable code.
 */
const listable = arbInstruction()
  .filter((i) => !(i.opcode === 0x18 && i.src !== 0) && !(i.opcode === 0x85 && i.src !== 0) && i.opcode !== 0x8d && i.opcode !== 0x95)
  .map((i) => {
    const cls = i.opcode & 0x07;
    if ((cls === 0x05 || cls === 0x06) && i.opcode !== 0x85) return i.opcode === 0x06 ? { ...i, imm: 0 } : { ...i, off: 0 };
    return i;
  });

describe.skipIf('skip' in env)('kernelLog disassembly against the Linux verifier', () => {
  it('prints every instruction exactly as the verifier does', () => {
    const binary = (env as { binary: string }).binary;
    const programs = fc
      .sample(fc.array(listable, { minLength: 1, maxLength: 30 }), { numRuns: 150, seed: 7 })
      .map((probes) => [I(0xbf, 6, 1), ...probes, I(0xb7), I(0x95)]);
    const results = listings(binary, programs);
    expect(results).toHaveLength(programs.length);
    let compared = 0;
    programs.forEach((p, k) => {
      const kernel = results[k];
      expect(typeof kernel === 'string' ? kernel : 'listed', `program ${k}: ${hex(encode(p))}`).toBe('listed');
      expect(disassembleLlvm(p, { kernelLog: true }).trimEnd().split('\n')).toEqual(kernel);
      compared += p.length;
    });
    expect(compared).toBeGreaterThan(500);
  });

  it('names every helper id as the kernel does (func_id_str: bpf_<name>#id, unknown#id past the last)', () => {
    const binary = (env as { binary: string }).binary;
    const calls = Array.from({ length: 240 }, (_, id) => I(0x85, 0, 0, 0, id));
    const program = [...calls, I(0xb7), I(0x95)];
    const [kernel] = listings(binary, [program]);
    expect(typeof kernel === 'string' ? kernel : 'listed').toBe('listed');
    expect(disassembleLlvm(program, { kernelLog: true }).trimEnd().split('\n')).toEqual(kernel);
  });
});
