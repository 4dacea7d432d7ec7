// Differential tests against the real kernel: every ALU/ALU64 form, every conditional jump, the atomics and the
// legacy packet loads on random operands, and the tail-call rules (the 33 limit, misses, tail calls from a
// subprogram), executed by Linux (XDP programs / socket filters run once with
// BPF_PROG_TEST_RUN by kernel/xdp-runner.c — loaded, test-run and dropped inside a private mount namespace, never
// attached) and by our interpreter. Skips with a message when the kernel cannot be used (not root, no cc or unshare,
// bpf(2) refused). More cases: BPF_KERNEL_DIFF_CASES=200 (per form; default 25).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, type Instruction } from '@bpfsim/isa';
import { interpret, Memory } from '@bpfsim/vm';
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
  if (probe.error || probe.lines[0] !== `ok 2 ${'00'.repeat(32)}`) {
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
        const m = /^ok 2 ([0-9a-f]{16})[0-9a-f]{48}$/.exec(lines[i]);
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

/**
 * Atomics on a stack slot: fp-8 = a; r5 = b; r0 = c; ATOMIC [r10-8], r5; then the slot, r5 and r0 are the result
 * (24 bytes). The kernel writes them to the packet; our run writes them to an input region.
 */
const ATOMIC_OPS: { imm: number; name: string }[] = [
  { imm: 0x00, name: 'add' }, { imm: 0x01, name: 'fetch_add' }, { imm: 0x40, name: 'or' }, { imm: 0x41, name: 'fetch_or' },
  { imm: 0x50, name: 'and' }, { imm: 0x51, name: 'fetch_and' }, { imm: 0xa0, name: 'xor' }, { imm: 0xa1, name: 'fetch_xor' },
  { imm: 0xe1, name: 'xchg' }, { imm: 0xf1, name: 'cmpxchg' },
];

function atomicBody(a: bigint, b: bigint, c: bigint, atomic: Instruction): Instruction[] {
  return [lddw(1, a), lddw(5, b), lddw(0, c), I(0x7b, 10, 1, -8, 0), atomic, I(0x79, 1, 10, -8, 0)];
}

describe.skipIf(!env.bin)('interpreter = Linux on atomics', () => {
  it('add/or/and/xor (fetch or not), xchg, cmpxchg; 32 and 64 bit', () => {
    const cases: { name: string; body: Instruction[] }[] = [];
    let seed = 5000;
    for (const op of ATOMIC_OPS) {
      for (const opcode of [0xdb, 0xc3]) {
        const samples = fc.sample(fc.tuple(u64Arb, u64Arb, u64Arb, fc.boolean()), { numRuns: CASES, seed: seed++ });
        for (const [a, b, c, same] of samples) {
          // cmpxchg: make the comparison succeed half of the time (on the operand width)
          const cmp = same ? (opcode === 0xdb ? a : (c & ~0xffffffffn) | (a & 0xffffffffn)) : c;
          cases.push({ name: `${op.name}${opcode === 0xc3 ? '32' : '64'}`, body: atomicBody(a, b, cmp, I(opcode, 10, 5, -8, op.imm)) });
        }
      }
    }
    // body: 3 lddw (6 slots) + 3 = 9 slots; then 3 stores. The bounds check skips 12 slots.
    const STORES = (base: number): Instruction[] => [I(0x7b, base, 1, 0, 0), I(0x7b, base, 5, 8, 0), I(0x7b, base, 0, 16, 0)];
    const kernelProgram = (body: Instruction[]): Instruction[] => [
      I(0xbf, 6, 1, 0, 0), I(0x61, 2, 6, 0, 0), I(0x61, 3, 6, 4, 0), I(0xbf, 4, 2, 0, 0), I(0x07, 4, 0, 0, 24),
      I(0x2d, 4, 3, 12, 0), ...body, ...STORES(2), I(0xb7, 0, 0, 0, 2), I(0x95, 0, 0, 0, 0),
    ];
    const ourProgram = (body: Instruction[]): Instruction[] => [I(0xbf, 9, 1, 0, 0), ...body, ...STORES(9), I(0x95, 0, 0, 0, 0)];
    const { lines, error } = runKernel(env.bin!, cases.map((c) => hex(kernelProgram(c.body))));
    expect(error).toBeUndefined();
    expect(lines).toHaveLength(cases.length);
    const mismatches: string[] = [];
    cases.forEach((c, i) => {
      const m = /^ok 2 ([0-9a-f]{48})[0-9a-f]{16}$/.exec(lines[i]);
      const out = new Uint8Array(24);
      const memory = new Memory();
      interpret(ourProgram(c.body), { memory, args: [memory.map({ kind: 'mem', name: 'mem', bytes: out, writable: true })] });
      const mine = Buffer.from(out).toString('hex');
      if (!m || m[1] !== mine) mismatches.push(`${c.name} ${hex(c.body)}: kernel ${lines[i]}, interpreter ${mine}`);
    });
    expect(mismatches).toEqual([]);
  });
});

describe.skipIf(!env.bin)('interpreter = Linux on LD_ABS / LD_IND (socket filter on a 64-byte frame)', () => {
  it('B/H/W at offsets in, across and past the end of the packet, LD_IND with negative registers', () => {
    // the kernel's skb data starts after the 14-byte Ethernet header: our packet region is the rest of the frame
    const frame = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);
    frame.set([0x08, 0x00], 12);
    const packet = frame.slice(14);
    const cases: Instruction[][] = [];
    const samples = fc.sample(
      fc.tuple(fc.constantFrom(0x00, 0x08, 0x10), fc.boolean(), fc.integer({ min: -8, max: 56 }), fc.integer({ min: -8, max: 56 })),
      { numRuns: Math.max(200, CASES * 8), seed: 9000 },
    );
    for (const [size, indirect, imm, reg] of samples) {
      cases.push([
        I(0xbf, 6, 1, 0, 0), // r6 = ctx
        I(0xb7, 7, 0, 0, reg), // r7 = reg (LD_IND's offset register)
        I(0xb7, 0, 0, 0, 7), // r0 = 7: a failed load must end the program with r0 = 0, not 7
        indirect ? I(0x40 | size, 0, 7, 0, imm) : I(0x20 | size, 0, 0, 0, imm),
        I(0xa7, 0, 0, 0, 0x5a5a5a5a), // r0 ^= 0x5a5a5a5a: only reached after a successful load
        I(0x95, 0, 0, 0, 0),
      ]);
    }
    const frameHex = Buffer.from(frame).toString('hex');
    const { lines, error } = runKernel(env.bin!, cases.map((p) => `sk ${frameHex} ${hex(p)}`));
    expect(error).toBeUndefined();
    const mismatches: string[] = [];
    cases.forEach((p, i) => {
      const m = /^ok (\d+) /.exec(lines[i]);
      const memory = new Memory();
      const ctx = memory.map({ kind: 'packet', name: 'packet', bytes: packet, writable: false });
      const mine = interpret(p, { memory, args: [ctx] }).r0 & 0xffffffffn;
      if (!m || BigInt(m[1]) !== mine) mismatches.push(`${hex(p.slice(1, 4))}: kernel ${lines[i]}, interpreter ${mine}`);
    });
    expect(mismatches).toEqual([]);
  });
});

describe.skipIf(!env.bin)('interpreter = Linux on bpf_tail_call limits (XDP, a prog array holding the program itself)', () => {
  /**
   * Every execution adds 1 to a counter byte. The first one first makes `attempts` tail calls to `index` (an empty
   * slot, or one past the array), then every execution tail-calls itself (slot 0). The counter ends at the number of
   * executions: 1 + the tail calls the limit (MAX_TAIL_CALL_CNT) still allowed.
   */
  function body(attempts: number, index: number, mapSymbol: bigint): Instruction[] {
    // r3 = idx + packet[1] (always 0): an index the verifier cannot know, so the kernel JIT emits an indirect tail call
    const call = (idx: number): Instruction[] => [
      I(0xbf, 1, 6, 0, 0), { ...lddw(2, mapSymbol), src: 1 }, I(0x71, 3, 7, 1, 0), I(0x07, 3, 0, 0, idx), I(0x85, 0, 0, 0, 12),
    ];
    const tries: Instruction[] = [];
    for (let k = 0; k < attempts; k++) tries.push(...call(index));
    return [
      I(0x71, 5, 2, 0, 0), // r5 = *(u8 *)(r2 + 0)
      I(0x07, 5, 0, 0, 1), // r5 += 1
      I(0x73, 2, 5, 0, 0), // *(u8 *)(r2 + 0) = r5
      I(0xbf, 7, 2, 0, 0), // r7 = the packet (kept across the helper calls)
      I(0x55, 5, 0, 6 * attempts, 1), // if r5 != 1 goto self
      ...tries,
      ...call(0), // self
    ];
  }
  const kernelProgram = (attempts: number, index: number): Instruction[] => {
    const b = body(attempts, index, 0n);
    const bodySlots = b.reduce((n, i) => n + (i.opcode === 0x18 ? 2 : 1), 0);
    return [
      I(0xbf, 6, 1, 0, 0), I(0x61, 2, 6, 0, 0), I(0x61, 3, 6, 4, 0), I(0xbf, 4, 2, 0, 0), I(0x07, 4, 0, 0, 2),
      I(0x2d, 4, 3, bodySlots, 0), ...b, I(0xb7, 0, 0, 0, 2), I(0x95, 0, 0, 0, 0),
    ];
  };
  const ourCount = (attempts: number, index: number): number => {
    const insns = [I(0xbf, 6, 1, 0, 0), I(0xbf, 2, 1, 0, 0), ...body(attempts, index, 0xabcn), I(0xb7, 0, 0, 0, 2), I(0x95, 0, 0, 0, 0)];
    const counter = new Uint8Array(2);
    const memory = new Memory();
    const args = [memory.map({ kind: 'mem', name: 'mem', bytes: counter, writable: true })];
    // a prog array of 4 entries: 0 = this program, 1..3 empty (null), 4.. out of range (undefined)
    interpret(insns, { memory, args, tailCalls: (_map, i) => (i === 0 ? { insns } : i < 4 ? null : undefined) });
    return counter[0];
  };

  it('33 tail calls, then fall-through; attempts on an empty slot or past the array do not count', () => {
    const cases: [number, number][] = [[0, 1], [1, 1], [32, 1], [33, 1], [40, 1], [40, 7], [3, 3]];
    const { lines, error } = runKernel(env.bin!, cases.map(([k, idx]) => `pa ${hex(kernelProgram(k, idx))}`));
    expect(error).toBeUndefined();
    const kernel = lines.map((l) => {
      const m = /^ok 2 ([0-9a-f]{2})/.exec(l);
      if (!m) throw new Error(`kernel: ${l}`);
      return parseInt(m[1], 16);
    });
    const ours = cases.map(([k, idx]) => ourCount(k, idx));
    expect(ours).toEqual(kernel);
    // and what that means, written out: always 1 + 33 executions, however many misses came first
    expect(kernel).toEqual([34, 34, 34, 34, 34, 34, 34]);
  });
});

describe.skipIf(!env.bin)('interpreter = Linux on a tail call from a bpf-to-bpf subprogram', () => {
  it('the tail-called program replaces the subprogram; its exit returns to the subprogram caller', () => {
    // Each execution bumps a counter byte and keeps its number in r7 (callee-saved). Executions 1 and 2 call `sub`,
    // which tail-calls the program itself; execution 3 returns 3. Every return then computes r0 = r0 * 10 + r7,
    // so the result spells the path back: 321.
    const tail = (prologue: Instruction[]): Instruction[] => [
      ...prologue, // slots 0-5: r6 = ctx, r2 = the counter's address
      I(0x71, 5, 2, 0, 0), I(0x07, 5, 0, 0, 1), I(0x73, 2, 5, 0, 0), // 6-8: counter += 1
      I(0xbf, 7, 5, 0, 0), // 9: r7 = this execution's number
      I(0x35, 5, 0, 5, 3), // 10: if r5 >= 3 goto leaf (16)
      I(0xbf, 1, 6, 0, 0), // 11: r1 = ctx
      I(0x85, 0, 1, 0, 7), // 12: call sub (20)
      I(0x27, 0, 0, 0, 10), // 13: r0 *= 10
      I(0x0f, 0, 7, 0, 0), // 14: r0 += r7
      I(0x95, 0, 0, 0, 0), // 15: exit
      I(0xbf, 0, 7, 0, 0), I(0x95, 0, 0, 0, 0), // 16-17 leaf: r0 = r7
      I(0xb7, 0, 0, 0, 0), I(0x95, 0, 0, 0, 0), // 18-19 out: r0 = 0
      { ...lddw(2, 0xabcn), src: 1 }, I(0xb7, 3, 0, 0, 0), I(0x85, 0, 0, 0, 12), // 20-23 sub: tail_call(ctx, map, 0)
      I(0xb7, 0, 0, 0, 9), I(0x95, 0, 0, 0, 0), // 24-25: the tail call failed
    ];
    const kernelProgram = tail([
      I(0xbf, 6, 1, 0, 0), I(0x61, 2, 6, 0, 0), I(0x61, 3, 6, 4, 0), I(0xbf, 4, 2, 0, 0), I(0x07, 4, 0, 0, 1),
      I(0x2d, 4, 3, 12, 0), // 5: if r4 > r3 goto out (18)
    ]);
    const nop = I(0x05, 0, 0, 0, 0);
    const ours = tail([I(0xbf, 6, 1, 0, 0), I(0xbf, 2, 1, 0, 0), nop, nop, nop, nop]);
    // subprograms that tail-call need BTF function info (subprogram starts at slots 0 and 20)
    const { lines, error } = runKernel(env.bin!, [`paf 0,20 ${hex(kernelProgram)}`]);
    expect(error).toBeUndefined();
    const kernel = /^ok (\d+) /.exec(lines[0]);
    expect(kernel, lines[0]).not.toBeNull();
    const memory = new Memory();
    const args = [memory.map({ kind: 'mem', name: 'mem', bytes: new Uint8Array(1), writable: true })];
    const { r0 } = interpret(ours, { memory, args, tailCalls: (_map, i) => (i === 0 ? { insns: ours } : undefined) });
    expect(r0).toBe(BigInt(kernel![1]));
    expect(r0).toBe(321n);
  });
});
