// Whatever valid program runs, the run ends with a result or a VmFault — never another exception, never a region
// left mapped — and running it twice, or on the JIT, gives the same outcome (r0, instruction count, fault text).
import { checkInstruction, VALID_OPCODES, type Instruction } from '@bpfsim/isa';
import { interpret, load, Memory, VmFault, type HelperFn } from '@bpfsim/vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const field = {
  reg: fc.integer({ min: 0, max: 10 }),
  off: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(-8, -16, -512, -520, 8, 16, 32)),
  imm: fc.oneof(fc.integer({ min: -4, max: 64 }), fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0x100, 0x110, 0xe1, 0xf1, 0x01, 0x41)),
};

/** An instruction with a valid opcode and random fields, kept only if the ISA accepts it. */
const insnArb: fc.Arbitrary<Instruction> = fc
  .record({ opcode: fc.constantFrom(...VALID_OPCODES), dst: field.reg, src: fc.oneof(field.reg, fc.constantFrom(0, 1)), off: field.off, imm: field.imm, imm2: field.imm })
  .map(({ imm2, ...i }) => (i.opcode === 0x18 ? { ...i, imm2 } : i))
  .filter((i) => checkInstruction(i) === undefined && !(i.dst === 10 && [1, 4, 7].includes(i.opcode & 7)));

const EXIT: Instruction = { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 };

/** Points most jumps and local calls at an instruction of the program (a few stay wild, to be refused at load). */
function aimBranches(insns: Instruction[], seed: number): Instruction[] {
  const starts: number[] = [];
  let slot = 0;
  for (const i of insns) {
    starts.push(slot);
    slot += i.opcode === 0x18 ? 2 : 1;
  }
  return insns.map((insn, k) => {
    const cls = insn.opcode & 7;
    const op = insn.opcode & 0xf0;
    const isJump = (cls === 5 || cls === 6) && op !== 0x80 && op !== 0x90;
    const isLocalCall = insn.opcode === 0x85 && insn.src === 1;
    if ((!isJump && !isLocalCall) || (seed + k) % 10 === 0) return insn;
    const target = starts[Math.abs(insn.off * 7 + insn.imm + k) % starts.length];
    const rel = target - starts[k] - 1;
    return insn.opcode === 0x06 || isLocalCall ? { ...insn, imm: rel } : { ...insn, off: rel };
  });
}

const value = new Uint8Array(16);
const helpers = new Map<number, HelperFn>([
  [1, (_a, _b, _c, _d, _e, call) => call.mem.map({ kind: 'map_value', name: 'map_value', bytes: value, writable: true })],
  [2, () => { throw new Error('helper failure'); }],
  [3, (a, b, _c, _d, _e, call) => BigInt(call.mem.read(a, Number(b & 0xffn)).length)],
  [5, (a) => a],
]);

type Outcome = { r0: bigint; insns: number } | { fault: string; kind: string; pc: number };

function outcome(run: () => { r0: bigint; insns: number }): Outcome {
  try {
    return run();
  } catch (err) {
    if (!(err instanceof VmFault)) throw new Error(`non-VmFault escaped a run: ${String(err)}`);
    return { fault: err.message, kind: err.kind, pc: err.pc };
  }
}

const stats = { ok: 0, fault: 0, load: 0 };
const classify = (o: Outcome): 'ok' | 'fault' => ('fault' in o ? 'fault' : 'ok');

describe('robustness', () => {
  it('random valid programs end in a result or a VmFault, deterministically, leaving memory as it was', () => {
    fc.assert(
      fc.property(fc.array(insnArb, { minLength: 1, maxLength: 12 }), fc.uint8Array({ minLength: 0, maxLength: 24 }), fc.nat(), (body, input, seed) => {
        const insns = aimBranches([...body, EXIT], seed);
        const memory = new Memory();
        const bytes = input.slice();
        const args = bytes.length ? [memory.map({ kind: 'mem', name: 'mem', bytes, writable: true }), BigInt(bytes.length)] : [];
        const before = memory.regionCount;
        const opts = { memory, args, helpers, budget: 2000, tailCalls: () => ({ insns }) };
        let program: ReturnType<typeof load>;
        try {
          program = load(insns);
        } catch (err) {
          expect(err).toBeInstanceOf(VmFault); // LoadError
          stats.load++;
          return;
        }
        value.fill(0);
        const first = outcome(() => program.run(opts));
        stats[classify(first)]++;
        expect(memory.regionCount).toBe(before);
        bytes.set(input);
        value.fill(0);
        const second = outcome(() => interpret(insns, opts));
        expect(second).toEqual(first);
        // and the JIT agrees, faults and all
        bytes.set(input);
        value.fill(0);
        const jit = outcome(() => load(insns, { engine: 'jit' }).run(opts));
        expect(jit).toEqual(first);
      }),
      { numRuns: 500 },
    );
    // the generator must exercise all three outcomes, not only load errors
    expect(stats.ok).toBeGreaterThan(50);
    expect(stats.fault).toBeGreaterThan(100);
    expect(stats.load).toBeGreaterThan(10);
  });
});
