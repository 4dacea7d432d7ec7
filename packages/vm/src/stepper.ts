// Single-stepping for teaching and debugging. The Stepper drives the interpreter's own loop (execute) with a pause
// after every instruction, so stepping and running can never disagree about what an instruction does.
import type { Instruction } from '@bpfsim/isa';
import type { RunOptions } from './engine.js';
import { VmFault } from './fault.js';
import { insnText } from './insn-text.js';
import { execute } from './interpreter.js';
import { Machine } from './machine.js';
import { HelperMemory } from './memory-access.js';

export type RegName = 'r0' | 'r1' | 'r2' | 'r3' | 'r4' | 'r5' | 'r6' | 'r7' | 'r8' | 'r9' | 'r10';

/** One executed instruction. */
export interface TraceEntry {
  /** Slot of the instruction, in the program of frame `frame`. */
  pc: number;
  /** Frame depth while it ran (0 = entry program). */
  frame: number;
  /** Kernel verifier-log spelling, e.g. `r0 = *(u64 *)(r10 -8)`. */
  text: string;
  /** Registers whose value the instruction changed, with their new values. */
  changed: Partial<Record<RegName, bigint>>;
  /** For stores and atomics: where it wrote (`stack-8`, `mem+4`), the address, and the bytes there afterwards. */
  wrote?: { where: string; addr: bigint; bytes: Uint8Array };
}

export interface StepResult extends TraceEntry {
  /** True when this instruction was the entry frame's exit. */
  done: boolean;
}

export interface StepperOptions extends RunOptions {
  /** Record every executed instruction in `trace`. */
  trace?: boolean;
  /** At most this many trace entries are kept (default 1,000,000); older ones are dropped. */
  maxTrace?: number;
}

const REG_NAMES: readonly RegName[] = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10'];

/**
 * `new Stepper(insns, opts)`, then `step()` one instruction at a time, `runTo(breakpoints)` or `continue()`.
 * Regions the run maps (stacks, helper regions) stay mapped in the Memory until `dispose()`, so memory can be
 * inspected after the program ended.
 */
export class Stepper {
  private readonly log: TraceEntry[] = [];
  private readonly m: Machine;
  private readonly tracing: boolean;
  private readonly maxTrace: number;
  private failure: VmFault | undefined;

  constructor(insns: readonly Instruction[], opts: StepperOptions = {}) {
    this.m = new Machine(insns, opts);
    this.tracing = opts.trace ?? false;
    this.maxTrace = Math.max(1, opts.maxTrace ?? 1_000_000);
  }

  /** With the `trace` option: the executed instructions, oldest first (the last `maxTrace` of them). */
  get trace(): TraceEntry[] {
    if (this.log.length > this.maxTrace) this.log.splice(0, this.log.length - this.maxTrace);
    return this.log;
  }

  /** Slot of the next instruction to execute (of the current frame's program). */
  get pc(): number {
    return this.m.pc;
  }

  /** Current frame depth: 0 = the entry program, 1 = inside its first bpf-to-bpf call... */
  get frame(): number {
    return this.m.depth;
  }

  /** r0..r10 as unsigned 64-bit BigInts (a copy). */
  get regs(): bigint[] {
    return REG_NAMES.map((_, r) => this.m.reg(r));
  }

  get done(): boolean {
    return this.m.done;
  }

  /** r0 once the program has exited, else undefined. */
  get r0(): bigint | undefined {
    return this.m.done ? this.m.r0 : undefined;
  }

  /** Instructions executed so far (counted as RunResult.insns counts them). */
  get insns(): number {
    return this.m.n;
  }

  /** The fault that stopped the program, if one did. */
  get fault(): VmFault | undefined {
    return this.failure;
  }

  /** The instruction at pc (the next to run), or undefined past the end. */
  get next(): Instruction | undefined {
    return this.m.insnAt(this.m.pc);
  }

  /** Executes one instruction and reports what it changed. Throws the VmFault if it faults (and on every later call). */
  step(): StepResult {
    this.checkRunnable();
    const m = this.m;
    const before = this.regs;
    const pc = m.pc;
    const frame = m.depth;
    const insn = m.insnAt(pc);
    const target = insn && storeTarget(insn, before);
    this.advance();
    const after = this.regs;
    const changed: Partial<Record<RegName, bigint>> = {};
    for (let r = 0; r < REG_NAMES.length; r++) if (after[r] !== before[r]) changed[REG_NAMES[r]] = after[r];
    const entry: TraceEntry = { pc, frame, text: insn ? insnText(insn, true) : '(end of program)', changed };
    if (target) {
      entry.wrote = { where: m.memory.describe(target.addr), addr: target.addr, bytes: this.readMemory(target.addr, target.size) };
    }
    if (this.tracing) {
      this.log.push(entry);
      // drop old entries in batches, so keeping the last maxTrace stays O(1) per step on average
      if (this.log.length >= 2 * this.maxTrace) this.log.splice(0, this.log.length - this.maxTrace);
    }
    return { ...entry, done: m.done };
  }

  /**
   * Runs until the next instruction is at one of `breakpoints` (slots of the current frame's program; at least one
   * instruction executes first) or the program ends. Returns the pc it stopped at and whether the program is done.
   */
  runTo(breakpoints: Iterable<number>): { pc: number; done: boolean } {
    const stops = new Set(breakpoints);
    do {
      if (this.tracing) this.step();
      else {
        this.checkRunnable();
        this.advance();
      }
    } while (!this.m.done && !stops.has(this.m.pc));
    return { pc: this.m.pc, done: this.m.done };
  }

  /** Runs to the end of the program (the budget and deadline still apply). */
  continue(): { pc: number; done: boolean } {
    if (this.tracing) return this.runTo([]);
    this.checkRunnable();
    this.m.stopAt = Infinity;
    this.m.updateLimit();
    this.guard(() => execute(this.m));
    return { pc: this.m.pc, done: this.m.done };
  }

  /** `n` bytes at address `addr` of the run's memory (bounds-checked like a helper's read). */
  readMemory(addr: bigint, n: number): Uint8Array {
    return new HelperMemory(this.m.memory).read(addr, n);
  }

  /** The current frame's 512 stack bytes (a copy); r10 points just past the last one. */
  stack(): Uint8Array {
    return this.m.stacks[this.m.depth].slice();
  }

  /** Unmaps the regions this run mapped from its Memory. */
  dispose(): void {
    this.m.release();
  }

  private checkRunnable(): void {
    if (this.failure) throw this.failure;
    if (this.m.done) throw new Error('the program has already exited');
  }

  private advance(): void {
    const m = this.m;
    m.stopAt = m.n + 1;
    m.updateLimit();
    this.guard(() => execute(m));
  }

  private guard(run: () => void): void {
    try {
      run();
    } catch (err) {
      if (err instanceof VmFault) this.failure = err;
      throw err;
    }
  }
}

/** The memory a store or read-modify-write atomic is about to write (not load-acquire, which only reads). */
function storeTarget(insn: Instruction, regs: readonly bigint[]): { addr: bigint; size: number } | undefined {
  const cls = insn.opcode & 7;
  const mode = insn.opcode & 0xe0;
  if ((cls !== 2 && cls !== 3) || (mode !== 0x60 && mode !== 0xc0)) return undefined;
  if (mode === 0xc0 && insn.imm === 0x100) return undefined;
  const sizeField = insn.opcode & 0x18;
  const size = sizeField === 0x18 ? 8 : sizeField === 0x00 ? 4 : sizeField === 0x08 ? 2 : 1;
  return { addr: BigInt.asUintN(64, regs[insn.dst] + BigInt(insn.off)), size };
}
