// Random valid eBPF programs for differential testing of the JIT against the interpreter (fast-check arbitraries).
//
// Register roles in generated programs: r6 = the input buffer (r1 at entry, never overwritten), r8 / r9 = outer /
// inner loop counters (only loop skeletons write them), r10 = frame pointer; random instructions write r0, r2..r5,
// r7. Jumps are written against labels and resolved at the end (resolveLabels).
// Shapes: straight-line ALU code over every ALU form and width, loads/stores/atomics on the stack and the buffer
// (mostly in bounds, sometimes not), forward branches over random sub-blocks, counted loops with a bounded trip
// count, helper calls to a deterministic helper, bpf-to-bpf calls (also a self-recursive one that runs into the
// frame limit), division edge values. The epilogue stores every register into the buffer so the comparison of the
// buffer after the run compares all registers too.
import type { Instruction } from '@bpfsim/isa';
import fc from 'fast-check';
import { ALU_FORMS, JUMP_FORMS } from './alu-reference.js';

export const BUF_BYTES = 64;
/** Register dump area after the randomly accessed bytes. */
export const DUMP_AT = BUF_BYTES;
export const MEM_BYTES = BUF_BYTES + 11 * 8;

const WRITABLE = [0, 2, 3, 4, 5, 7];
const READABLE = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

const ins = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ opcode, dst, src, off, imm });

/** A jump or local call whose offset is resolved once the whole program is laid out. */
interface Pending extends Instruction {
  to: string;
}
/** Marks the position of a label in an instruction list. */
interface Label extends Instruction {
  label: string;
}
let labelSeq = 0;
const freshLabel = (): string => `L${labelSeq++}`;
const labelAt = (label: string): Label => ({ opcode: -1, dst: 0, src: 0, off: 0, imm: 0, label });
const jumpTo = (insn: Instruction, to: string): Pending => ({ ...insn, to });

/** Drops labels and fills in jump offsets (off for jumps, imm for local calls), counting slots. */
export function resolveLabels(items: readonly Instruction[]): Instruction[] {
  const at = new Map<string, number>();
  let slot = 0;
  for (const it of items) {
    if ('label' in it) at.set((it as Label).label, slot);
    else slot += it.opcode === 0x18 ? 2 : 1;
  }
  const out: Instruction[] = [];
  slot = 0;
  for (const it of items) {
    if ('label' in it) continue;
    if ('to' in it) {
      const { to, ...insn } = it as Pending;
      const rel = at.get(to)! - (slot + 1);
      out.push(insn.opcode === 0x85 ? { ...insn, imm: rel } : { ...insn, off: rel });
    } else {
      out.push(it);
    }
    slot += it.opcode === 0x18 ? 2 : 1;
  }
  return out;
}
const lddw = (dst: number, v: bigint): Instruction => {
  const u = BigInt.asUintN(64, v);
  return { opcode: 0x18, dst, src: 0, off: 0, imm: Number(BigInt.asIntN(32, u)), imm2: Number(BigInt.asIntN(32, u >> 32n)) };
};

/** 64-bit values that stress carries, signs, division and the double-precision paths. */
export const edgeU64 = fc.oneof(
  fc.constantFrom(
    0n, 1n, 2n, 3n, 7n, 0xffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x100000001n,
    (1n << 53n) - 1n, 1n << 53n, (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n, (1n << 64n) - 2n,
    0xfffffffffffffffen, 0x8000000000000001n, 0xffffffff00000000n, 0x00000000ffffffffn,
  ),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.integer({ min: 0, max: 63 }).map((k) => 1n << BigInt(k)),
  fc.integer({ min: 0, max: 63 }).map((k) => (1n << BigInt(k)) - 1n),
);
const imm32 = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, 3, 31, 32, 63, 64, 0x7fffffff, -0x80000000, 0xffff, -2),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
);
const wreg = fc.constantFrom(...WRITABLE);
const rreg = fc.constantFrom(...READABLE);
/** A register operand that is, one time in four, the same register as `dst` (equal operands: x - x, jeq x, x). */
const srcFor = (dst: fc.Arbitrary<number>) =>
  fc.tuple(dst, rreg, fc.integer({ min: 0, max: 3 })).map(([d, s, k]) => [d, k === 0 ? d : s] as const);

/** One ALU instruction in any form, K or X. */
const aluInsn = fc
  .tuple(fc.constantFrom(...ALU_FORMS), srcFor(wreg), imm32)
  .map(([f, [dst, src], imm]) => {
    // Register source: the X bit, except byte swaps (0xdc has it, meaning big-endian). neg has no operand.
    const x = (f.opcode & 8) !== 0 && (f.opcode & 0xf0) !== 0xd0;
    return [ins(f.opcode, dst, x ? src : 0, f.off, f.imm ?? (x || (f.opcode & 0xf0) === 0x80 ? 0 : imm))];
  });

const loadConst = fc.tuple(wreg, edgeU64).map(([r, v]) => [lddw(r, v)]);

const SIZES = [
  { size: 1, ldx: 0x71, ldxs: 0x91, st: 0x72, stx: 0x73 },
  { size: 2, ldx: 0x69, ldxs: 0x89, st: 0x6a, stx: 0x6b },
  { size: 4, ldx: 0x61, ldxs: 0x81, st: 0x62, stx: 0x63 },
  { size: 8, ldx: 0x79, ldxs: 0, st: 0x7a, stx: 0x7b },
];

/** An offset from a base: usually inside [lo, hi - size], sometimes just outside (out-of-bounds faults). */
const offsetIn = (lo: number, hi: number, size: number) =>
  fc.oneof(
    { weight: 30, arbitrary: fc.integer({ min: lo, max: hi - size }) },
    { weight: 1, arbitrary: fc.constantFrom(lo - 1, hi - size + 1, lo - 600, hi + 100) },
  );

/** A memory operand: [r10 + off] on the stack or [r6 + off] in the buffer. */
const place = fc.constantFrom(...SIZES).chain((s) =>
  fc.oneof(
    offsetIn(-512, 0, s.size).map((off) => ({ s, base: 10, off })),
    offsetIn(0, BUF_BYTES, s.size).map((off) => ({ s, base: 6, off })),
  ),
);

const memInsn = fc.tuple(place, fc.integer({ min: 0, max: 4 }), wreg, rreg, imm32).map(([p, kind, r, src, imm]) => {
  switch (kind) {
    case 0: return [ins(p.s.ldx, r, p.base, p.off)];
    case 1: return p.s.ldxs ? [ins(p.s.ldxs, r, p.base, p.off)] : [ins(p.s.ldx, r, p.base, p.off)];
    case 2: return [ins(p.s.st, p.base, 0, p.off, imm)];
    default: return [ins(p.s.stx, p.base, src, p.off)];
  }
});

/** A load through a computed pointer: r7 = r6 + (rX & 63); ldx [r7 + 0] (sometimes past the buffer's end). */
const computedLoad = fc.tuple(rreg, fc.constantFrom(...SIZES), wreg).map(([x, s, r]) => [
  ins(0xbf, 7, x), // r7 = rX
  ins(0x57, 7, 0, 0, 63), // r7 &= 63
  ins(0x0f, 7, 6), // r7 += r6
  ins(s.ldx, r, 7, 0),
]);

const ATOMIC_OPS = [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1];
const atomicInsn = fc
  .tuple(fc.boolean(), fc.constantFrom(...ATOMIC_OPS), fc.constantFrom(10, 6), fc.integer({ min: 0, max: 7 }), wreg)
  .map(([wide, op, base, k, src]) => {
    const size = wide ? 8 : 4;
    const off = base === 10 ? -8 * (k + 1) : k * 8 > BUF_BYTES - size ? 0 : k * 8;
    return [ins(wide ? 0xdb : 0xc3, base, src, off, op)];
  });

/** A call to the deterministic test helper (id 1) or, rarely, to a helper the table lacks (id 99: a fault). */
const helperCall = fc.oneof(
  { weight: 10, arbitrary: fc.constant([ins(0x85, 0, 0, 0, 1)]) },
  { weight: 1, arbitrary: fc.constant([ins(0x85, 0, 0, 0, 99)]) },
  { weight: 2, arbitrary: fc.constant([ins(0xb7, 7, 0, 0, 1), ins(0x8d, 7, 0, 0, 0)]) }, // callx r7 (= 1)
);

const straight: fc.Arbitrary<Instruction[]> = fc.oneof(
  { weight: 10, arbitrary: aluInsn },
  { weight: 2, arbitrary: loadConst },
  { weight: 4, arbitrary: memInsn },
  { weight: 2, arbitrary: computedLoad },
  { weight: 2, arbitrary: atomicInsn },
  { weight: 1, arbitrary: helperCall },
).map((x) => [...x]);

const cond = fc
  .tuple(fc.constantFrom(...JUMP_FORMS), srcFor(rreg), imm32)
  .map(([f, [d, s], imm]) => [f, d, s, imm] as [{ opcode: number }, number, number, number]);
const condJump = (c: [{ opcode: number }, number, number, number], off: number): Instruction => {
  const [f, dst, src, imm] = c;
  return (f.opcode & 8) !== 0 ? ins(f.opcode, dst, src, off) : ins(f.opcode, dst, 0, off, imm);
};

/**
 * A flat list of straight-line code with forward branches over random sub-lists, and — inside loops — conditional
 * `break` (to the loop exit), `continue` (back to the loop header) and bpf-to-bpf calls, plus nested loops.
 */
const body = (depth: number, ctx: { exit?: string; head?: string; counter?: number }): fc.Arbitrary<Instruction[]> => {
  const extras: Array<fc.Arbitrary<Instruction[]>> = [];
  if (ctx.exit) {
    const exit = ctx.exit;
    extras.push(cond.map((c) => [jumpTo(condJump(c, 0), exit)]));
  }
  if (ctx.head) {
    const head = ctx.head;
    extras.push(cond.map((c) => [jumpTo(condJump(c, 0), head)]));
  }
  if (ctx.counter !== undefined) extras.push(fc.constant([jumpTo(ins(0x85, 0, 1), 'subA')]));
  const item: fc.Arbitrary<Instruction[]> =
    depth > 0
      ? fc.oneof(
          { weight: 6, arbitrary: straight },
          {
            weight: 1,
            arbitrary: fc.tuple(cond, fc.constant(null).chain(() => body(depth - 1, ctx))).map(([c, inner]) => {
              const end = freshLabel();
              return [jumpTo(condJump(c, 0), end), ...inner, labelAt(end)];
            }),
          },
          ...(ctx.counter === 8 ? [{ weight: 1, arbitrary: loop(9) }] : []),
          ...extras.map((arbitrary) => ({ weight: 1, arbitrary })),
        )
      : straight;
  return fc.array(item, { maxLength: 8 }).map((parts) => parts.flat());
};

/** for (rC = n; rC != 0; rC--) { body } — the body never writes rC (r8 outer, r9 inner). */
function loop(counter: number): fc.Arbitrary<Instruction[]> {
  return fc.tuple(fc.integer({ min: 1, max: 5 }), fc.constant(null)).chain(([n]) => {
    const head = freshLabel();
    const exit = freshLabel();
    return body(1, { exit, head, counter }).map((inner) => [
      ins(0xb7, counter, 0, 0, n),
      labelAt(head),
      ...inner,
      ins(0x17, counter, 0, 0, 1), // rC -= 1
      jumpTo(ins(0x55, counter, 0, 0, 0), head), // if rC != 0 goto head
      labelAt(exit),
    ]);
  });
}

export interface GeneratedCase {
  insns: Instruction[];
  args: bigint[];
  input: Uint8Array;
  budget?: number;
}

/**
 * A whole program: prologue (r6 = buffer, constants), main parts (loops may call subprogram A), an optional call
 * into subprograms, epilogue (dump every register into the buffer), exit; then the subprograms:
 * A (random straight code), B (calls A: two frames deep), R (calls itself until the frame limit faults).
 */
export const program: fc.Arbitrary<GeneratedCase> = fc
  .record({
    consts: fc.array(edgeU64, { minLength: 4, maxLength: 4 }),
    parts: fc.array(fc.oneof({ weight: 3, arbitrary: body(2, {}) }, { weight: 2, arbitrary: loop(8) }), { minLength: 1, maxLength: 4 }),
    callKind: fc.constantFrom('none', 'none', 'subA', 'subB', 'subR'),
    sub: body(1, {}),
    input: fc.uint8Array({ minLength: BUF_BYTES, maxLength: BUF_BYTES }),
    args: fc.array(edgeU64, { minLength: 4, maxLength: 4 }),
    budget: fc.option(fc.integer({ min: 0, max: 400 }), { freq: 4 }),
  })
  .map(({ consts, parts, callKind, sub, input, args, budget }) => {
    const dump: Instruction[] = [];
    for (let r = 0; r <= 10; r++) dump.push(ins(0x7b, 6, r, DUMP_AT + 8 * r));
    const items: Instruction[] = [
      ins(0xbf, 6, 1), // r6 = r1 (buffer)
      lddw(0, consts[0]),
      lddw(7, consts[1]),
      lddw(9, consts[2]),
      ins(0xb7, 8, 0, 0, 0),
      ...parts.flat(),
      ...(callKind === 'none' ? [] : [jumpTo(ins(0x85, 0, 1), callKind)]),
      ...dump,
      ins(0x95),
      labelAt('subA'),
      ...sub,
      ins(0x95),
      labelAt('subB'),
      jumpTo(ins(0x85, 0, 1), 'subA'),
      ins(0x95),
      labelAt('subR'),
      ins(0x07, 0, 0, 0, 1), // r0 += 1
      jumpTo(ins(0x85, 0, 1), 'subR'),
      ins(0x95),
    ];
    // Without a budget from the generator, 100,000 instructions bound loops that `continue` forever.
    return { insns: resolveLabels(items), args: [0n, ...args], input, budget: budget ?? 100_000 };
  });

/** The deterministic helper 1: mixes r1..r5 (and reads nothing else). */
export const mixHelper = (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint): bigint =>
  BigInt.asUintN(64, r1 * 3n + (r2 ^ r5) - r3 * r4 + 0x9e3779b97f4a7c15n);

/**
 * Dense ALU programs for the JIT's range facts (ranges.ts): only r0..r5, half the instructions 32-bit (which make
 * high words known zero), half 64-bit (which read them), forward branches, and a final fold of every register into
 * r0 (r0 ^= rN; r0 = r0 * 31 + ...), so a wrongly assumed zero high word shows in the result.
 */
const SMALL = [0, 1, 2, 3, 4, 5];
const smallReg = fc.constantFrom(...SMALL);
const denseAlu: fc.Arbitrary<Instruction[]> = fc
  .tuple(fc.constantFrom(...ALU_FORMS), smallReg, smallReg, fc.integer({ min: 0, max: 3 }), imm32)
  .map(([f, d, s0, k, imm]) => {
    const x = (f.opcode & 8) !== 0 && (f.opcode & 0xf0) !== 0xd0;
    const s = k === 0 ? d : s0;
    return [ins(f.opcode, d, x ? s : 0, f.off, f.imm ?? (x || (f.opcode & 0xf0) === 0x80 ? 0 : imm))];
  });
const denseBody = (depth: number): fc.Arbitrary<Instruction[]> =>
  fc
    .array(
      depth > 0
        ? fc.oneof(
            { weight: 8, arbitrary: denseAlu },
            {
              weight: 1,
              arbitrary: fc
                .tuple(fc.constantFrom(...JUMP_FORMS), smallReg, smallReg, imm32, fc.constant(null).chain(() => denseBody(depth - 1)))
                .map(([f, d, s, imm, inner]) => {
                  const end = freshLabel();
                  const j = (f.opcode & 8) !== 0 ? ins(f.opcode, d, s) : ins(f.opcode, d, 0, 0, imm);
                  return [jumpTo(j, end), ...inner, labelAt(end)];
                }),
            },
          )
        : denseAlu,
      { minLength: 1, maxLength: 24 },
    )
    .map((parts) => parts.flat());

export const aluProgram: fc.Arbitrary<{ insns: Instruction[]; args: bigint[] }> = fc
  .tuple(denseBody(2), fc.array(edgeU64, { minLength: 5, maxLength: 5 }), edgeU64)
  .map(([body, args, r0]) => {
    const fold: Instruction[] = [];
    for (let r = 1; r <= 5; r++) fold.push(ins(0x27, 0, 0, 0, 31), ins(0x0f, 0, r)); // r0 = r0 * 31 + rN
    return { insns: resolveLabels([lddw(0, r0), ...body, ...fold, ins(0x95)]), args };
  });
