// Per-loop region caches (emit-mem.ts): a checked access inside a call-free structured loop looks its region up
// again only when the pointer's slot changes. Differential property against the interpreter on loops whose access
// pointer hops between regions (writable, read-only, unmapped, high word 0) from one iteration to the next.
import type { Instruction } from '@bpfsim/isa';
import { loadInterpreter, Memory, VmFault, type LoadedProgram } from '@bpfsim/vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generate } from './codegen.js';
import { compileJit } from './compile.js';

const RUNS = Number(process.env.BPFSIM_PROP_RUNS ?? 300);
const ins = (opcode: number, dst = 0, src = 0, off = 0, imm = 0): Instruction => ({ opcode, dst, src, off, imm });

/** Size bits of LDX/STX/ST by byte count. */
const SIZE_BITS: Record<number, number> = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 };

type Access = { kind: 'load' | 'store' | 'st' | 'atomic'; size: 1 | 2 | 4 | 8; off: number };
/** A pointer in the table: a region (0: writable 16 bytes, 1: read-only 8 bytes) plus an offset, or a raw value. */
type Ptr = { region: 0 | 1; at: number } | { raw: bigint };

/**
 * r1 = table of 8 pointers (read-only region), r2 = iteration count. Per iteration i: r4 = table[i & 7], then one
 * access through r4 (+off) with the value i, summed into r0. The loop is structured and call-free, so both the
 * table load and the access get a region cache.
 */
function loopProgram(a: Access): Instruction[] {
  const sz = SIZE_BITS[a.size];
  const access =
    a.kind === 'load' ? ins(0x61 | sz, 5, 4, a.off) // r5 = *(size *)(r4 + off)
    : a.kind === 'store' ? ins(0x63 | sz, 4, 6, a.off) // *(size *)(r4 + off) = r6
    : a.kind === 'st' ? ins(0x62 | sz, 4, 0, a.off, 7) // *(size *)(r4 + off) = 7
    : ins(0xc3 | sz, 4, 6, a.off, 0x01); // lock *(size *)(r4 + off) += r6, fetch into r6
  return [
    ins(0xb7, 0, 0, 0, 0), // r0 = 0
    ins(0xb7, 6, 0, 0, 0), // r6 = 0
    ins(0xb7, 5, 0, 0, 0), // r5 = 0
    ins(0xbf, 3, 6), // loop: r3 = r6
    ins(0x57, 3, 0, 0, 7), // r3 &= 7
    ins(0x67, 3, 0, 0, 3), // r3 <<= 3
    ins(0xbf, 4, 1), // r4 = r1
    ins(0x0f, 4, 3), // r4 += r3
    ins(0x79, 4, 4, 0), // r4 = *(u64 *)(r4 + 0)
    access,
    ins(0x0f, 0, 5), // r0 += r5
    ins(0x0f, 0, 6), // r0 += r6
    ins(0x07, 6, 0, 0, 1), // r6 += 1
    ins(0xad, 6, 2, -11), // if r6 < r2 goto loop
    ins(0x95),
  ];
}

type Outcome =
  | { ok: true; r0: bigint; insns: number; mem: string }
  | { ok: false; kind: string; pc: number; message: string; mem: string };

function runOn(load: (insns: readonly Instruction[]) => LoadedProgram, insns: Instruction[], table: Ptr[], n: number): Outcome {
  const memory = new Memory();
  const rw = new Uint8Array(16).map((_, i) => i * 7 + 1);
  const ro = new Uint8Array(8).map((_, i) => 200 - i);
  const rwAddr = memory.map({ kind: 'mem', name: 'rw', bytes: rw, writable: true });
  const roAddr = memory.map({ kind: 'mem', name: 'ro', bytes: ro, writable: false });
  const tab = new Uint8Array(64);
  const view = new DataView(tab.buffer);
  table.forEach((p, i) => {
    const v = 'raw' in p ? p.raw : (p.region === 0 ? rwAddr : roAddr) + BigInt(p.at);
    view.setBigUint64(i * 8, BigInt.asUintN(64, v), true);
  });
  const tabAddr = memory.map({ kind: 'mem', name: 'table', bytes: tab, writable: false });
  const hex = () => Buffer.from(rw).toString('hex');
  try {
    const r = load(insns).run({ args: [tabAddr, BigInt(n)], memory });
    return { ok: true, r0: r.r0, insns: r.insns, mem: hex() };
  } catch (err) {
    if (!(err instanceof VmFault)) throw err;
    return { ok: false, kind: err.kind, pc: err.pc, message: err.message, mem: hex() };
  }
}

const access: fc.Arbitrary<Access> = fc.record({
  kind: fc.constantFrom('load', 'store', 'st', 'atomic'),
  size: fc.constantFrom(1, 2, 4, 8),
  off: fc.integer({ min: -2, max: 10 }),
}).map((a) => (a.kind === 'atomic' && a.size < 4 ? { ...a, size: 4 as const } : (a as Access)));
const inRegion: fc.Arbitrary<Ptr> = fc.record({
  region: fc.constantFrom(0 as const, 1 as const),
  at: fc.integer({ min: -1, max: 17 }),
});
// Raw pointers: high word 0 (slot -1), LO_BASE with high word 0, all ones, an unmapped slot.
const raw: fc.Arbitrary<Ptr> = fc.constantFrom<Ptr>(
  { raw: 0n }, { raw: 0x10000000n }, { raw: 2n ** 64n - 1n }, { raw: (99n << 32n) | 0x10000000n },
);
const ptr: fc.Arbitrary<Ptr> = fc.oneof({ weight: 6, arbitrary: inRegion }, { weight: 1, arbitrary: raw });

describe('region caches in loops', () => {
  it('a call-free structured loop caches its checked accesses; a loop with a helper call does not', () => {
    const plain = loopProgram({ kind: 'load', size: 1, off: 0 });
    expect(generate(plain).source).toMatch(/cs9=-1/);
    const withCall = [...plain];
    withCall.splice(10, 0, ins(0x85, 0, 0, 0, 1)); // call 1 inside the loop body
    withCall[14] = ins(0xad, 6, 2, -12);
    expect(generate(withCall).structuredLoops).toBe(1);
    expect(generate(withCall).source).not.toMatch(/cs\d+=/);
  });

  it('pointers hopping between regions: same r0, memory, count or fault as the interpreter', () => {
    fc.assert(
      fc.property(access, fc.array(ptr, { minLength: 8, maxLength: 8 }), fc.integer({ min: 1, max: 20 }), (a, table, n) => {
        const insns = loopProgram(a);
        expect(runOn(compileJit, insns, table, n)).toEqual(runOn(loadInterpreter, insns, table, n));
      }),
      { numRuns: RUNS },
    );
  });

  it('a store that reaches the read-only region after cached writable iterations faults at the same pc', () => {
    const insns = loopProgram({ kind: 'store', size: 4, off: 0 });
    // Four writable slots (cached after the first), then the read-only region at iteration 4.
    const table: Ptr[] = [
      { region: 0, at: 0 }, { region: 0, at: 4 }, { region: 0, at: 8 }, { region: 0, at: 12 },
      { region: 1, at: 0 }, { region: 0, at: 4 }, { region: 0, at: 0 }, { region: 0, at: 0 },
    ];
    const want = runOn(loadInterpreter, insns, table, 8);
    expect(want).toMatchObject({ ok: false, pc: 9 });
    expect(runOn(compileJit, insns, table, 8)).toEqual(want);
  });
});
