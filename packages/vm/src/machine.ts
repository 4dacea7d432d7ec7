// The state of one run: registers as int32 halves, the frame stack, the address space and the limits.
// The interpreter's loop keeps hot values in locals and syncs `pc`/`n` back here whenever it leaves the loop.
import type { Instruction } from '@bpfsim/isa';
import { decodeProgram, type DecodedProgram } from './decoded.js';
import { DEFAULT_BUDGET, STACK_SIZE, type RunOptions } from './engine.js';
import { insnFault, type VmFault } from './fault.js';
import { LO_BASE, Memory } from './memory.js';
import type { HelperMemory } from './memory-access.js';
import type { HelperTable, TailCallResolver } from './types.js';

/** The kernel's may_goto allowance per program run (BPF_MAX_LOOPS). */
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;
/** Words saved per calling frame: the return slot, r6..r9 as (lo, hi), and the caller's may_goto allowance. */
export const FRAME_WORDS = 10;
/** Released 512-byte stacks kept for reuse (zeroed again on use), so short runs allocate less. */
const stackPool: Uint8Array[] = [];
const STACK_POOL_SIZE = 64;
/** Instructions between two wall-clock checks when a deadline is set. */
const DEADLINE_CHECK_EVERY = 1 << 16;
const NO_HELPERS: HelperTable = new Map();

export class Machine {
  /** Low and high 32-bit halves of r0..r10. */
  readonly L = new Int32Array(11);
  readonly H = new Int32Array(11);
  /** Slot of the next instruction to execute. */
  pc = 0;
  /** Instructions executed so far. */
  n = 0;
  /** Frame depth: 0 = the entry program. */
  depth = 0;
  /**
   * The frame whose `exit` ends execute(): 0 (the entry frame) normally, the callback's frame while a helper runs a
   * callback (calls.ts callSubprogram).
   */
  floor = 0;
  /** True once the entry frame (or the callback frame at `floor`) has executed `exit`. */
  done = false;
  /** The program of the current frame (a tail call replaces it). */
  prog: DecodedProgram;
  /** Per frame: its program. */
  readonly progs: DecodedProgram[] = [];
  /**
   * Per calling frame d, at d * FRAME_WORDS: the return slot, then the caller's r6..r9 (lo, hi interleaved), then
   * its may_goto allowance. Allocated at the first bpf-to-bpf call.
   */
  frameSave: Int32Array | undefined;
  /** Stack bytes and memory slot of each frame depth reached so far (reused by later calls at that depth). */
  readonly stacks: Uint8Array[] = [];
  readonly stackSlots: number[] = [];

  readonly memory: Memory;
  /** Regions from this slot on were mapped by this run and are dropped by release(). */
  readonly baseSlot: number;
  readonly helpers: HelperTable;
  readonly tailCalls: TailCallResolver | undefined;
  readonly env: unknown;
  tailCallCount = 0;
  /** MemoryAccess handed to helpers, created on the first helper call. */
  helperMemory: HelperMemory | undefined;
  /**
   * may_goto allowance of the current frame. The kernel keeps it in a hidden stack slot that each (sub)program's
   * prologue sets to BPF_MAX_LOOPS (do_misc_fixups), so every call and every tail call starts afresh.
   */
  mayGotoLeft = BPF_MAX_LOOPS;

  readonly budget: number;
  private readonly deadline: number;
  /** Stepping: pause once `n` reaches this. */
  stopAt = Infinity;
  /** The loop calls checkpoint() when n reaches this (min of budget, stopAt, next deadline check). */
  limit = 0;

  constructor(insns: readonly Instruction[] | DecodedProgram, opts: RunOptions = {}) {
    this.prog = 'slots' in insns ? insns : decodeProgram(insns);
    this.memory = opts.memory ?? new Memory();
    this.baseSlot = this.memory.regionCount;
    this.helpers = opts.helpers ?? NO_HELPERS;
    this.tailCalls = opts.tailCalls;
    this.env = opts.env;
    const budget = opts.budget ?? DEFAULT_BUDGET;
    // Infinity means no limit; NaN falls back to the default; negative budgets allow nothing.
    this.budget = Number.isNaN(budget) ? DEFAULT_BUDGET : budget === Infinity ? Infinity : Math.max(0, Math.floor(budget));
    this.deadline = opts.deadlineMs !== undefined && opts.deadlineMs >= 0 ? Date.now() + opts.deadlineMs : Infinity;
    const args = opts.args;
    if (args) {
      for (let r = 1; r <= 5 && r <= args.length; r++) {
        const v = args[r - 1];
        if (v !== undefined && v !== 0n) this.setReg(r, v);
      }
    }
    this.progs[0] = this.prog;
    this.enterFrame(0);
    this.updateLimit();
  }

  /** Points r10 at the top of a zeroed stack for frame `depth`, mapping it on first use. */
  enterFrame(depth: number): void {
    let stack = this.stacks[depth];
    if (!stack) {
      stack = stackPool.pop() ?? new Uint8Array(STACK_SIZE);
      stack.fill(0);
      this.stacks[depth] = stack;
      this.stackSlots[depth] = this.memory.mapSlot({ kind: 'stack', name: 'stack', bytes: stack, writable: true });
    } else {
      stack.fill(0);
    }
    this.depth = depth;
    this.L[10] = LO_BASE + STACK_SIZE;
    this.H[10] = Memory.hiOf(this.stackSlots[depth]);
  }

  /** Points r10 back at the (kept) stack of frame `depth`. */
  resumeFrame(depth: number): void {
    this.depth = depth;
    this.L[10] = LO_BASE + STACK_SIZE;
    this.H[10] = Memory.hiOf(this.stackSlots[depth]);
  }

  /**
   * Called by the loop when n reaches `limit`, before executing the instruction at pc. Returns true to pause
   * (stepping); throws on an exhausted budget or a passed deadline.
   */
  checkpoint(): boolean {
    if (this.n >= this.stopAt) return true;
    if (this.n >= this.budget) throw this.budgetFault();
    if (this.deadline !== Infinity && Date.now() > this.deadline) {
      throw insnFault('timeout', `deadline passed after ${this.n} instructions`, this.pc, this.insnAt(this.pc));
    }
    this.updateLimit();
    return false;
  }

  budgetFault(): VmFault {
    return insnFault('budget', `instruction budget exhausted: ${this.budget} instructions executed`, this.pc, this.insnAt(this.pc));
  }

  updateLimit(): void {
    const deadlineCheck = this.deadline === Infinity ? Infinity : this.n + DEADLINE_CHECK_EVERY;
    this.limit = Math.min(this.budget, this.stopAt, deadlineCheck);
  }

  /** The Instruction starting at slot `pc` of the current program, if any. */
  insnAt(pc: number): Instruction | undefined {
    const i = pc >= 0 && pc < this.prog.slots ? this.prog.indexAt[pc] : -1;
    return i >= 0 ? this.prog.insns[i] : undefined;
  }

  /** r0 as an unsigned 64-bit BigInt. */
  get r0(): bigint {
    return (BigInt(this.H[0] >>> 0) << 32n) | BigInt(this.L[0] >>> 0);
  }

  reg(r: number): bigint {
    return (BigInt(this.H[r] >>> 0) << 32n) | BigInt(this.L[r] >>> 0);
  }

  setReg(r: number, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.L[r] = Number(BigInt.asIntN(32, u));
    this.H[r] = Number(BigInt.asIntN(32, u >> 32n));
  }

  /** Unmaps every region this run mapped (stacks, helper regions); the stacks go back to a pool for later runs. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.memory.truncate(this.baseSlot);
    for (const stack of this.stacks) if (stackPool.length < STACK_POOL_SIZE) stackPool.push(stack);
  }

  private released = false;
}
