// Differential tests against LLVM 19: llvm-mc assembles our disassembly to the same bytes, and our assembler reads
// llvm-objdump's disassembly of random encodings back to the same instructions. Skipped without the binaries.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { encode } from '../encode.js';
import type { Instruction } from '../instruction.js';
import { arbInstruction } from '../testing/arbitrary.js';
import { assembleLlvm } from './llvm-asm.js';
import { disassembleLlvm, llvmLine } from './llvm-disasm.js';

const LLVM_MC = 'llvm-mc-19';
const LLVM_OBJDUMP = 'llvm-objdump-19';

function available(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const haveLlvm = available(LLVM_MC) && available(LLVM_OBJDUMP);
if (!haveLlvm) console.warn(`${LLVM_MC} / ${LLVM_OBJDUMP} not found: skipping the differential tests against LLVM`);

const dir = haveLlvm ? mkdtempSync(join(tmpdir(), 'bpfsim-llvm-')) : '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Assembles `source` with llvm-mc and returns the .text bytes and llvm-objdump's lines (text column only). */
function llvm(source: string, name: string): { text: Uint8Array; lines: string[] } {
  const s = join(dir, `${name}.s`);
  const o = join(dir, `${name}.o`);
  const bin = join(dir, `${name}.bin`);
  writeFileSync(s, source);
  execFileSync(LLVM_MC, ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', s, '-o', o]);
  execFileSync('llvm-objcopy-19', ['-O', 'binary', '--only-section=.text', o, bin]);
  const dump = execFileSync(LLVM_OBJDUMP, ['-d', '--mcpu=v4', '--no-show-raw-insn', o], { encoding: 'utf8' });
  const lines = dump
    .split('\n')
    .filter((l) => /^\s+\d+:\t/.test(l))
    .map((l) => l.replace(/^\s+\d+:\t/, '')); // keeps llvm's `<.text+0x38>` annotations: assembleLlvm skips them
  return { text: new Uint8Array(readFileSync(bin)), lines };
}

/**
 * Encodings llvm-objdump 19 prints without losing a field: not calls with src 1 or 2 (it prints `call 0x3` for
 * all three kinds), not lddw with a pseudo source whose second slot is used (`ld_pseudo r1, 0x2, 0x5` shows one
 * imm), not load-acquire/store-release (LLVM 20), not packet loads with an immediate (`skb[r1]` drops it).
 */
function llvmPrintsExactly(i: Instruction): boolean {
  if (i.opcode === 0x85 && i.src !== 0) return false;
  if (i.opcode === 0x18 && i.src !== 0 && i.imm2 !== 0) return false;
  if ((i.opcode & 0xe7) === 0xc3 && (i.imm === 0x100 || i.imm === 0x110)) return false;
  if ((i.opcode & 0xe7) === 0x40 && i.imm !== 0) return false;
  return true;
}

/** …and that we spell as llvm does: our names for pseudo lddw (`map_fd(4)`) are ours, llvm says `ld_pseudo`. */
const spelledAsLlvm = (i: Instruction): boolean => llvmPrintsExactly(i) && !(i.opcode === 0x18 && i.src !== 0);

/** …and that llvm-mc reads back: gotol only within 16 bits (llvm-mc's operand limit). */
const llvmMcReads = (i: Instruction): boolean => spelledAsLlvm(i) && !(i.opcode === 0x06 && (i.imm < -32768 || i.imm > 32767));

const sample = (n: number, seed: number, filter: (i: Instruction) => boolean): Instruction[] =>
  fc.sample(arbInstruction().filter(filter), { numRuns: n, seed });

const quad = (insns: Instruction[]): string => {
  const bytes = encode(insns);
  const view = new DataView(bytes.buffer);
  let out = '.text\n';
  for (let at = 0; at < bytes.length; at += 8) out += `.quad 0x${view.getBigUint64(at, true).toString(16)}\n`;
  return out;
};

const CLANG = 'clang-19';
const haveClang = haveLlvm && available(CLANG);
if (haveLlvm && !haveClang) console.warn(`${CLANG} not found: skipping the test on clang -S output`);

/** A C program with branches, loops, atomics, sign extension and 64-bit constants, but no calls or maps. */
const C_PROGRAM = `
int prog(unsigned char *p, long n) {
  long acc = 0x1122334455667788L, v = 5;
  for (int i = 0; i < 64 && i < n; i++) {
    signed char c = (signed char)p[i];
    if (c < -3) acc ^= c; else acc += (unsigned)c << (i & 7);
    if ((acc & 0xff) == 0x42) break;
  }
  __sync_fetch_and_add(&v, acc);
  return (int)(acc / (v | 1)) + (short)acc;
}
`;

describe.skipIf(!haveClang)(`on ${CLANG} -S output`, () => {
  // llvm-mc 19 cannot read clang 19's own `r6 = w0` (a zero-extending move), so the reference bytes come from
  // clang -c, not from llvm-mc on the .s file.
  it('assembles clang’s assembly (directives, .L labels, comments, r6 = w0) to the bytes clang -c emits', () => {
    const c = join(dir, 'p.c');
    const s = join(dir, 'p.s');
    const o = join(dir, 'p.o');
    const bin = join(dir, 'p.bin');
    writeFileSync(c, C_PROGRAM);
    execFileSync(CLANG, ['-target', 'bpf', '-mcpu=v4', '-O2', '-S', c, '-o', s]);
    execFileSync(CLANG, ['-target', 'bpf', '-mcpu=v4', '-O2', '-c', c, '-o', o]);
    execFileSync('llvm-objcopy-19', ['-O', 'binary', '--only-section=.text', o, bin]);
    const text = readFileSync(bin);
    expect(text.length).toBeGreaterThan(80);
    expect(Buffer.from(encode(assembleLlvm(readFileSync(s, 'utf8')))).toString('hex')).toBe(text.toString('hex'));
  });
});

describe.skipIf(!haveLlvm)(`against ${LLVM_MC} and ${LLVM_OBJDUMP}`, () => {
  it('llvm-mc assembles our disassembly (llvm style) to the same bytes', () => {
    const program = sample(600, 1, llvmMcReads);
    const { text } = llvm(disassembleLlvm(program), 'ours');
    expect(Buffer.from(text).toString('hex')).toBe(Buffer.from(encode(program)).toString('hex'));
  });

  it('we read llvm-objdump’s disassembly of random encodings back to the same instructions', () => {
    const program = sample(600, 2, llvmPrintsExactly);
    expect(program.some((i) => i.opcode === 0x18 && i.src !== 0)).toBe(true); // ld_pseudo is exercised
    const { lines } = llvm(quad(program), 'theirs');
    expect(lines).toHaveLength(program.length);
    const mismatches = program.filter((insn, i) => {
      try {
        return JSON.stringify(assembleLlvm(lines[i])) !== JSON.stringify([insn]);
      } catch {
        return true;
      }
    });
    expect(mismatches.map((insn) => `${JSON.stringify(insn)} -> ${lines[program.indexOf(insn)]}`)).toEqual([]);
  });

  it('our hex style prints what llvm-objdump prints', () => {
    const program = sample(600, 3, spelledAsLlvm);
    const { lines } = llvm(quad(program), 'text');
    expect(program.map((insn) => llvmLine(insn, { hex: true }))).toEqual(lines.map((l) => l.replace(/ <[^<>]*>$/, '')));
  });
});
