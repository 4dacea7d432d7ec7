// What generated code calls into: exact 64-bit arithmetic, fault builders, calls and the limits check.
// Everything that is not hot (faults, helper and bpf-to-bpf calls, tail calls) is the interpreter's own code on the
// same Machine (calls.ts, fault.ts), so both engines share one definition of those semantics.
import { bswap32, mulhiU32, OUT, sdivmod64, udivmod64 } from '../arith.js';
import { callHelper, popFrame, pushFrame } from '../calls.js';
import { memoryFault, type VmFault } from '../fault.js';
import { execute } from '../interpreter.js';
import type { Machine } from '../machine.js';

/** Per-run JIT bookkeeping: when generated code must next call checkLimits, and the current program's length. */
export interface JitLimits {
  /** Generated code calls checkLimits at a back-edge/call/return once the instruction count exceeds this. */
  lim: number;
  /** Slots of the program now running: an upper bound on instructions executed between two limit checks. */
  slots: number;
}

/**
 * Limit check at a back-edge, call or return (m.n and m.pc already synced). Returns true when the interpreter must
 * take over: fewer instructions than the program's length are left in the budget, so the next limit check might
 * come too late to fault at the exact instruction. Otherwise runs the Machine's own checkpoint (deadline) and sets
 * the next threshold.
 */
export function checkLimits(m: Machine, j: JitLimits): boolean {
  const soft = m.budget - j.slots;
  if (m.n > soft) return true;
  if (m.checkpoint()) return true;
  j.lim = Math.min(m.limit, soft);
  return false;
}

/** A failed bounds check: the exact fault the interpreter raises (address = base register + off, 64-bit). */
export function memFault(m: Machine, pc: number, hi: number, lo: number, off: number, size: number, write: number): VmFault {
  const base = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  const addr = BigInt.asUintN(64, base + BigInt(off));
  return memoryFault(m.memory, Number(addr >> 32n), Number(addr & 0xffffffffn), size, write !== 0, pc, m.insnAt(pc));
}

/** Helper call `id` at slot pc (r1..r5 already in the Machine). 1 when a tail call replaced the program. */
export function helper(m: Machine, id: number, pc: number): number {
  return callHelper(m, id, pc) === 'tail' ? 1 : 0;
}

/** callx: the helper whose id is in register dst (an id that does not fit 31 bits is unknown), as the interpreter. */
export function callx(m: Machine, dst: number, pc: number): number {
  const id = m.H[dst] === 0 && m.L[dst] >= 0 ? m.L[dst] : -1;
  return callHelper(m, id, pc) === 'tail' ? 1 : 0;
}

/** bpf-to-bpf call (r6..r9 already in the Machine): pushes a frame; r10 of the new frame is in m.H/L[10]. */
export function localCall(m: Machine, pc: number, target: number): void {
  pushFrame(m, pc, target);
}

/**
 * Executes exactly one instruction at m.pc on the interpreter (instructions the JIT leaves to it: LD_ABS/LD_IND,
 * may_goto, load-acquire/store-release and other rare atomics). Returns true when that ended the run.
 */
export function step(m: Machine): boolean {
  const keep = m.stopAt;
  m.stopAt = m.n + 1;
  m.updateLimit();
  try {
    return execute(m);
  } finally {
    m.stopAt = keep;
    m.updateLimit();
  }
}

/** Empty placeholders a loop's region cache starts with (emit-mem.ts): always typed arrays, never undefined. */
const EMPTY8 = new Uint8Array(0);
const EMPTYDV = new DataView(new ArrayBuffer(0));

/** The object generated code receives as `rt`. */
export const runtime = {
  EMPTY8,
  EMPTYDV,
  OUT,
  mulhi: mulhiU32,
  udivmod: udivmod64,
  sdivmod: sdivmod64,
  bswap32,
  memFault,
  helper,
  callx,
  localCall,
  popFrame,
  checkLimits,
  step,
};
export type Runtime = typeof runtime;
