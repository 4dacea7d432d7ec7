// Differential test against the real kernel: every ALU/ALU64 form and every conditional jump, on random operands,
// executed by Linux (an XDP program run once with BPF_PROG_TEST_RUN — loaded, test-run and dropped inside a private
// mount namespace, never attached) and by our interpreter. Skips with a message when the kernel cannot be used
// (not root, no cc / unshare, bpf(2) refused). More cases: BPF_KERNEL_DIFF_CASES=200 (per form).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, type Instruction } from '@bpfsim/isa';
import { interpret } from '@bpfsim/vm';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ALU_FORMS, aluReference, JUMP_FORMS, jumpReference, u64Arb } from './alu-reference.js';

const CASES = Number(process.env.BPF_KERNEL_DIFF_CASES ?? 25);
const SOURCE = fileURLToPath(new URL('./kernel/xdp-runner.c', import.meta.url));

/** Builds the oracle binary, or says why the kernel cannot be used here. */
function setUp(): { bin?: string; dir?: string; why?: string } {
  if (process.platform !== 'linux') return { why: 'not Linux' };
  if (process.getuid?.() !== 0) return { why: 'needs root for bpf(2)' };
  const dir = mkdtempSync(join(tmpdir(), 'bpfsim-kdiff-'));
  const bin = join(dir, 'xdp-runner');
  try {
    execFileSync('cc', ['-O2', '-o', bin, SOURCE], { stdio: 'pipe' });
  } catch (err) {
    return { dir, why: `cannot compile the oracle with cc: ${(err as Error).message.split('\n')[0]}` };
  }
  const probe = runKernel(bin, ['b7000000020000009500000000000000']);
  if (probe.error || probe.lines[0] !== 'ok 2 0000000000000000') {
    return { dir, why: `bpf(2) unusable: ${probe.error ?? probe.lines[0]}` };
  }
  return { bin, dir };
}

function runKernel(bin: string, programs: string[]): { lines: string[]; error?: string } {
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', bin], {
    input: programs.map((p) => `${p}\n`).join(''),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.error || r.status !== 0) return { lines: [], error: r.error?.message ?? `exit ${r.status}: ${r.stderr}` };
  return { lines: r.stdout.trim().split('\n') };
}

const env = setUp();
afterAll(() => {
  if (env.dir) rmSync(env.dir, { recursive: true, force: true });
});
if (env.why) console.warn(`kernel differential tests skipped: ${env.why}`);

const I = (opcode: number, dst: number, src: number, off: number, imm: number): Instruction => ({ opcode, dst, src, off, imm });
const lddw = (dst: number, v: bigint): Instruction => ({
  opcode: 0x18, dst, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v)), imm2: Number(BigInt.asIntN(32, v >> 32n)),
});
const hex = (insns: Instruction[]): string => Buffer.from(encode(insns)).toString('hex');

/**
 * XDP wrapper: r1 = a, r5 = b, then `body` (leaving its result in r1), then *(u64 *)packet = r1; return XDP_PASS.
 * Slots: 0-5 packet bounds check, 6-9 the operands, body, store, r0 = 2, exit.
 */
function xdpProgram(a: bigint, b: bigint, body: Instruction[]): Instruction[] {
  const bodySlots = body.length; // no lddw in bodies
  return [
    I(0xbf, 6, 1, 0, 0), // r6 = r1 (ctx)
    I(0x61, 2, 6, 0, 0), // r2 = ctx->data
    I(0x61, 3, 6, 4, 0), // r3 = ctx->data_end
    I(0xbf, 4, 2, 0, 0), // r4 = r2
    I(0x07, 4, 0, 0, 8), // r4 += 8
    I(0x2d, 4, 3, 4 + bodySlots + 1, 0), // if r4 > r3 goto out
    lddw(1, a),
    lddw(5, b),
    ...body,
    I(0x7b, 2, 1, 0, 0), // *(u64 *)(r2 + 0) = r1
    I(0xb7, 0, 0, 0, 2), // out: r0 = XDP_PASS
    I(0x95, 0, 0, 0, 0),
  ];
}

/** Our interpreter on the same operation: r1 = a, r5 = b, body, r0 = r1. */
function ours(a: bigint, b: bigint, body: Instruction[]): bigint {
  return interpret([lddw(1, a), lddw(5, b), ...body, I(0xbf, 0, 1, 0, 0), I(0x95, 0, 0, 0, 0)]).r0;
}

const s32 = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(1, -1, 0x7fffffff, -0x80000000));

interface Case {
  name: string;
  a: bigint;
  b: bigint;
  body: Instruction[];
  reference: bigint;
}

function aluCases(): Case[] {
  const cases: Case[] = [];
  let seed = 1;
  for (const form of ALU_FORMS) {
    const op = form.opcode & 0xf0;
    const wide = (form.opcode & 7) === 7;
    const isK = (form.opcode & 8) === 0 && op !== 0x80 && op !== 0xd0;
    const samples = fc.sample(fc.tuple(u64Arb, u64Arb, s32), { numRuns: CASES, seed: seed++ });
    for (const [a, b, rawImm] of samples) {
      let imm = form.imm ?? 0;
      if (isK) {
        imm = rawImm;
        // the verifier refuses constant shifts out of range and constant division by zero (check_alu_op)
        if (op === 0x60 || op === 0x70 || op === 0xc0) imm = ((imm % (wide ? 64 : 32)) + (wide ? 64 : 32)) % (wide ? 64 : 32);
        if ((op === 0x30 || op === 0x90) && imm === 0) imm = 3;
      }
      const insn = I(form.opcode, 1, (form.opcode & 8) !== 0 && op !== 0xd0 ? 5 : 0, form.off, imm);
      cases.push({ name: form.name, a, b, body: [insn], reference: aluReference(insn, a, b) });
    }
  }
  return cases;
}

function jumpCases(): Case[] {
  const cases: Case[] = [];
  let seed = 1000;
  for (const form of JUMP_FORMS) {
    const x = (form.opcode & 8) !== 0;
    for (const [a, b0, imm] of fc.sample(fc.tuple(u64Arb, u64Arb, s32), { numRuns: CASES, seed: seed++ })) {
      // half the time compare equal-ish values so both outcomes occur
      const b = seed % 2 === 0 ? a : b0;
      const jump = I(form.opcode, 1, x ? 5 : 0, 2, x ? 0 : imm);
      const body = [jump, I(0xb7, 1, 0, 0, 0), I(0x05, 0, 0, 1, 0), I(0xb7, 1, 0, 0, 1)];
      cases.push({ name: form.name, a, b, body, reference: jumpReference(jump, a, b) ? 1n : 0n });
    }
  }
  return cases;
}

describe.skipIf(!env.bin)('interpreter = Linux on every ALU op and conditional jump', () => {
  for (const [what, make] of [['ALU/ALU64', aluCases], ['conditional jumps', jumpCases]] as const) {
    it(what, () => {
      const cases = make();
      const { lines, error } = runKernel(env.bin!, cases.map((c) => hex(xdpProgram(c.a, c.b, c.body))));
      expect(error).toBeUndefined();
      expect(lines).toHaveLength(cases.length);
      const mismatches: string[] = [];
      cases.forEach((c, i) => {
        const m = /^ok 2 ([0-9a-f]{16})$/.exec(lines[i]);
        if (!m) {
          mismatches.push(`${c.name} a=0x${c.a.toString(16)} b=0x${c.b.toString(16)} imm=${c.body[0].imm}: kernel ${lines[i]}`);
          return;
        }
        const kernel = Buffer.from(m[1], 'hex').readBigUInt64LE(0);
        const mine = ours(c.a, c.b, c.body);
        if (mine !== kernel || c.reference !== kernel) {
          mismatches.push(
            `${c.name} a=0x${c.a.toString(16)} b=0x${c.b.toString(16)} imm=${c.body[0].imm}: kernel 0x${kernel.toString(16)}, ` +
              `interpreter 0x${mine.toString(16)}, reference 0x${c.reference.toString(16)}`,
          );
        }
      });
      expect(mismatches).toEqual([]);
    });
  }
});
