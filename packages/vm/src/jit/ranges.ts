// Cheap range facts for the JIT: which registers hold a value whose high 32 bits are known to be zero
// (zero-extended 32-bit results, small loads, non-negative constants...). Generated code then reads such a high
// word as the literal 0, which lets V8 fold the 64-bit carry/compare logic down to 32-bit work across blocks and
// loop iterations. A forward dataflow over the basic blocks: facts meet by intersection, and every block where
// the generated function can be entered other than by its own jumps (entries) starts with no facts.
import type { Instruction } from '@bpfsim/isa';
import type { Layout } from './cfg.js';
import { Flow, flowOf } from './cfg.js';
import type { Block } from './loops.js';

const ALL = (1 << 11) - 1;
const bit = (r: number): number => 1 << r;

/** Facts after one instruction, given the facts before it (a bit per register: high word known 0). */
export function hiZeroAfter(insn: Instruction, z: number): number {
  const op = insn.opcode;
  const cls = op & 0x07;
  const d = bit(insn.dst);
  const s = bit(insn.src);
  const x = (op & 0x08) !== 0;
  const k = insn.imm;
  const keepIf = (known: boolean): number => (known ? z | d : z & ~d);
  switch (cls) {
    case 0x04: // ALU (32-bit): every result is zero-extended, except le64 (no-op) and be64 (full swap)
      if ((op & 0xf0) === 0xd0 && k === 64) return x ? z & ~d : z;
      return z | d;
    case 0x07: {
      const alu = op & 0xf0;
      const dz = (z & d) !== 0;
      const sz = (z & s) !== 0;
      switch (alu) {
        case 0xb0: // mov / movsx
          return keepIf(insn.off === 0 && (x ? sz : k >= 0));
        case 0x50: // and: a known-zero high word on either side
          return keepIf(dz || (x ? sz : k >= 0));
        case 0x40: // or
        case 0xa0: // xor
          return keepIf(dz && (x ? sz : k >= 0));
        case 0x70: // rsh: stays small, or shifts the high word out
          return keepIf(dz || (!x && (k & 63) >= 32));
        case 0xc0: // arsh of a non-negative value
          return keepIf(dz);
        case 0x30: // udiv: quotient <= dividend (x / 0 = 0); sdiv (off 1): nothing known
          return keepIf(insn.off === 0 && dz);
        case 0x90: // umod: remainder <= dividend (x % 0 = x), and < a positive constant divisor
          return keepIf(insn.off === 0 && (dz || (!x && k > 0)));
        case 0xd0: // bswap16/32 zero-extend
          return keepIf(k === 16 || k === 32);
        default: // add, sub, mul, lsh, neg, signed div/mod
          return z & ~d;
      }
    }
    case 0x01: // LDX: B/H/W zero-extend; DW and sign-extending loads (MEMSX) do not
      return keepIf((op & 0xe0) === 0x60 && (op & 0x18) !== 0x18);
    case 0x00: // lddw (LD_ABS/LD_IND end their block and go through the interpreter)
      return op === 0x18 ? keepIf((insn.imm2 ?? 0) === 0) : z & ~bit(0);
    case 0x03: {
      if ((op & 0xe0) !== 0xc0) return z; // plain stores change no register
      const wide = (op & 0x18) === 0x18;
      if (k === 0xf1) return wide ? z & ~bit(0) : z | bit(0); // cmpxchg: old value into r0
      if (k & 0x01) return wide ? z & ~s : z | s; // fetch forms and xchg: old value into src
      return z;
    }
    case 0x05:
    case 0x06:
      // Helper calls set r0 and leave r1..r5 as they were (calls.ts). Jumps change nothing.
      if (op === 0x85 || op === 0x8d) return z & ~bit(0);
      return z;
    default:
      return z;
  }
}

/** Facts before every instruction (indexed by instruction), from a forward dataflow to a fixpoint. */
export function hiZeroFacts(insns: readonly Instruction[], lay: Layout, blocks: readonly Block[], entries: Set<number>): Uint16Array {
  const before = new Uint16Array(insns.length);
  const n = blocks.length;
  const inState = new Int32Array(n).fill(-1); // -1: not reached yet (top)
  for (const e of entries) inState[e] = 0;
  const work: number[] = [...entries];
  const queued = new Uint8Array(n);
  for (const e of entries) queued[e] = 1;
  while (work.length > 0) {
    const b = work.pop()!;
    queued[b] = 0;
    const block = blocks[b];
    let z = inState[b];
    for (let i = block.first; i < block.end; i++) z = hiZeroAfter(insns[i], z);
    const last = insns[block.end - 1];
    const f = flowOf(last);
    // Calls and stepped instructions continue at entries (no facts); only plain edges carry facts.
    if (f === Flow.LocalCall || f === Flow.Step || f === Flow.Exit) continue;
    for (const s of block.succs) {
      if (s < 0 || entries.has(s)) continue;
      const meet = inState[s] === -1 ? z : inState[s] & z;
      if (meet !== inState[s]) {
        inState[s] = meet;
        if (!queued[s]) {
          queued[s] = 1;
          work.push(s);
        }
      }
    }
  }
  for (const block of blocks) {
    // Unreached blocks never run; give them no facts all the same.
    let z = inState[block.index] === -1 ? 0 : inState[block.index];
    for (let i = block.first; i < block.end; i++) {
      before[i] = z & ALL;
      z = hiZeroAfter(insns[i], z);
    }
  }
  void lay;
  return before;
}
