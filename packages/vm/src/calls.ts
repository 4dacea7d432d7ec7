// Calls: bpf-to-bpf frames, helper dispatch and bpf_tail_call, on a Machine.
//
// Register conventions (RFC 9669 §4.3.1 and the kernel's calling convention):
// - bpf-to-bpf call: r1..r5 are the arguments, the callee gets its own zeroed 512-byte stack and r10 at its top; at
//   exit the caller's r6..r9 and r10 are restored, r0 is the result, r1..r5 hold whatever the callee left there
//   (as on x86-64, where they are caller-saved; the verifier makes them unreadable after a call).
// - helper call: r1..r5 are passed as unsigned 64-bit BigInts and are LEFT UNCHANGED afterwards (the kernel marks
//   them unreadable; a program that reads them is wrong either way); r0 = the helper's result modulo 2^64.
import { decodeProgram } from './decoded.js';
import { BPF_FUNC_TAIL_CALL, MAX_CALL_FRAMES, MAX_TAIL_CALL_CNT } from './engine.js';
import { helperLabel, insnFault, VmFault } from './fault.js';
import { insnText } from './insn-text.js';
import { BPF_MAX_LOOPS, FRAME_WORDS, type Machine } from './machine.js';
import { HelperMemory } from './memory-access.js';
import { execute } from './interpreter.js';
import type { HelperCall, HelperFn } from './types.js';

/** bpf-to-bpf call from slot `pc` to slot `target` of the same program. */
export function pushFrame(m: Machine, pc: number, target: number): void {
  const depth = m.depth;
  if (depth + 1 >= MAX_CALL_FRAMES) {
    throw insnFault('call_depth', `call depth limit: more than ${MAX_CALL_FRAMES} frames`, pc, m.insnAt(pc));
  }
  const save = (m.frameSave ??= new Int32Array(MAX_CALL_FRAMES * FRAME_WORDS));
  const base = depth * FRAME_WORDS;
  save[base] = pc + 1;
  for (let r = 6; r <= 9; r++) {
    save[base + (r - 5) * 2 - 1] = m.L[r];
    save[base + (r - 5) * 2] = m.H[r];
  }
  save[base + 9] = m.mayGotoLeft;
  m.mayGotoLeft = BPF_MAX_LOOPS;
  m.progs[depth + 1] = m.prog;
  m.enterFrame(depth + 1);
  m.pc = target;
}

/** `exit` from a called frame: back to the caller, with its r6..r9, r10 and program. */
export function popFrame(m: Machine): void {
  const depth = m.depth - 1;
  const save = m.frameSave!;
  const base = depth * FRAME_WORDS;
  for (let r = 6; r <= 9; r++) {
    m.L[r] = save[base + (r - 5) * 2 - 1];
    m.H[r] = save[base + (r - 5) * 2];
  }
  m.mayGotoLeft = save[base + 9];
  m.prog = m.progs[depth];
  m.resumeFrame(depth);
  m.pc = save[base];
}

/**
 * Calls a helper with the given arguments and returns r0 (modulo 2^64). Every failure becomes a VmFault: a helper
 * that throws -> 'helper_error' naming it (a VmFault it throws, e.g. from MemoryAccess, passes through unchanged).
 */
export function invokeHelper(fn: HelperFn, args: readonly bigint[], call: HelperCall, insn: string | undefined): bigint {
  let result: unknown;
  try {
    result = fn(args[0], args[1], args[2], args[3], args[4], call);
  } catch (err) {
    if (err instanceof VmFault) throw atCall(err, call.pc, insn);
    const why = err instanceof Error ? err.message : String(err);
    throw new VmFault('helper_error', `helper ${helperLabel(call.id)} failed: ${why}`, { pc: call.pc, insn, cause: err });
  }
  if (typeof result !== 'bigint') {
    throw new VmFault('helper_error', `helper ${helperLabel(call.id)} returned ${typeof result}, not a bigint`, {
      pc: call.pc,
      insn,
    });
  }
  return BigInt.asUintN(64, result);
}

function memoryOf(m: Machine): HelperMemory {
  return (m.helperMemory ??= new HelperMemory(m.memory));
}

/**
 * Helper call `id` at slot `pc`. Returns 'tail' when a tail call replaced the program (m.pc is then its first slot),
 * else 'next'. bpf_tail_call goes to the run's tailCalls resolver when there is one.
 */
export function callHelper(m: Machine, id: number, pc: number): 'next' | 'tail' {
  if (id === BPF_FUNC_TAIL_CALL && m.tailCalls) return tailCall(m, pc) ? 'tail' : 'next';
  const fn = m.helpers.get(id);
  if (!fn) {
    throw insnFault('unknown_helper', `unknown helper ${helperLabel(id)}: not in the helper table`, pc, m.insnAt(pc));
  }
  const mem = memoryOf(m);
  const insn = m.insnAt(pc);
  const text = insn && insnText(insn);
  mem.pc = pc;
  mem.helperId = id;
  mem.insn = text;
  const args = [m.reg(1), m.reg(2), m.reg(3), m.reg(4), m.reg(5)];
  const r0 = invokeHelper(fn, args, new HelperInvocation(m, id, pc, mem), text);
  m.setReg(0, r0);
  return 'next';
}

/** The HelperCall a helper receives: the call's identity, memory and env, and the way back into the program. */
class HelperInvocation implements HelperCall {
  readonly env: unknown;
  constructor(
    private readonly machine: Machine,
    readonly id: number,
    readonly pc: number,
    readonly mem: HelperMemory,
  ) {
    this.env = machine.env;
  }

  callSubprogram(target: number, args: readonly bigint[]): bigint {
    return callSubprogram(this.machine, this.pc, target, args);
  }
}

/**
 * Runs the subprogram at slot `target` of the current program from the helper call at slot `pc` (bpf_loop,
 * bpf_for_each_map_elem...) and returns its r0. The kernel's verifier gives the callback a frame of its own one
 * deeper than the caller (push_callback_call -> setup_func_entry: curframe + 1 >= MAX_CALL_FRAMES is "the call stack
 * of N frames is too deep"), so it counts toward MAX_CALL_FRAMES like a bpf-to-bpf call. The callback always runs on
 * the interpreter (execute), whichever engine runs the caller: one definition of its faults for both engines. Its
 * `exit` at the callback frame (m.floor) ends the nested execute; every register, the pc, the frame and the program
 * of the caller are restored afterwards, even when the callback faults. A tail call inside the callback replaces the
 * callback frame's program; its exit returns to the helper. Stepping (Stepper, the JIT's step) runs a helper's
 * callbacks to completion as part of the one helper-call instruction.
 */
export function callSubprogram(m: Machine, pc: number, target: number, args: readonly bigint[]): bigint {
  const prog = m.prog;
  if (!Number.isInteger(target) || target < 0 || target >= prog.slots || prog.indexAt[target] < 0) {
    const why = `callback target ${String(target)} is not an instruction of the program (${prog.slots} slots)`;
    throw insnFault('bad_jump', why, pc, m.insnAt(pc));
  }
  const depth = m.depth;
  if (depth + 1 >= MAX_CALL_FRAMES) {
    throw insnFault('call_depth', `call depth limit: more than ${MAX_CALL_FRAMES} frames (callback)`, pc, m.insnAt(pc));
  }
  const savedL = m.L.slice();
  const savedH = m.H.slice();
  const { mayGotoLeft, floor, stopAt } = m;
  try {
    // r1..r5 = the arguments; r0 and r6..r9 start at 0 (the verifier's callback frame has them NOT_INIT, and the
    // JIT does not keep the caller's r6..r9 in the Machine across a helper call, so nothing else is engine-neutral).
    for (let r = 1; r <= 5; r++) m.setReg(r, args[r - 1] ?? 0n);
    for (const r of [0, 6, 7, 8, 9]) {
      m.L[r] = 0;
      m.H[r] = 0;
    }
    m.mayGotoLeft = BPF_MAX_LOOPS;
    m.progs[depth + 1] = prog;
    m.enterFrame(depth + 1);
    m.floor = depth + 1;
    m.pc = target;
    m.stopAt = Infinity;
    m.updateLimit();
    execute(m);
    return m.r0;
  } finally {
    m.L.set(savedL);
    m.H.set(savedH);
    m.mayGotoLeft = mayGotoLeft;
    m.floor = floor;
    m.prog = prog;
    m.progs[depth] = prog;
    m.resumeFrame(depth);
    m.pc = pc;
    m.done = false;
    m.stopAt = stopAt;
    m.updateLimit();
  }
}

/**
 * bpf_tail_call(ctx = r1, prog_array = r2, index = r3), as Linux 6.18 behaves (checked against the running kernel in
 * test/kernel.diff.test.ts — its x86-64 JIT, direct and indirect tail calls alike):
 * - no program at the index (index past the array, or an empty slot — the resolver answers undefined or null):
 *   fall through; the attempt does not count;
 * - MAX_TAIL_CALL_CNT (33) tail calls already taken in this run: fall through;
 * - else the current frame's program is replaced: pc 0, r1 kept (the ctx), a fresh zeroed stack and may_goto
 *   allowance, same frame depth.
 * Falling through leaves every register, r0 included, unchanged. (Older kernels' interpreter, ___bpf_prog_run,
 * counted an attempt on an empty slot too.)
 */
function tailCall(m: Machine, pc: number): boolean {
  const resolver = m.tailCalls!;
  const index = m.L[3] >>> 0;
  let target: ReturnType<typeof resolver>;
  try {
    target = resolver(m.reg(2), index);
  } catch (err) {
    const insn = m.insnAt(pc);
    if (err instanceof VmFault) throw atCall(err, pc, insn && insnText(insn));
    const why = err instanceof Error ? err.message : String(err);
    throw insnFault('helper_error', `helper ${helperLabel(BPF_FUNC_TAIL_CALL)} failed: ${why}`, pc, insn, err);
  }
  if (target === undefined || target === null) return false;
  if (m.tailCallCount >= MAX_TAIL_CALL_CNT) return false;
  m.tailCallCount++;
  const prog = decodeProgram(target.insns);
  m.prog = prog;
  m.progs[m.depth] = prog;
  m.mayGotoLeft = BPF_MAX_LOOPS;
  m.enterFrame(m.depth);
  m.pc = 0;
  return true;
}

/** A VmFault an embedder raised without a pc (-1), placed at the calling instruction; others pass unchanged. */
function atCall(fault: VmFault, pc: number, insn: string | undefined): VmFault {
  if (fault.pc >= 0) return fault;
  return new VmFault(fault.kind, fault.reason, { pc, insn, cause: fault.cause ?? fault });
}
