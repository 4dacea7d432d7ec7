// Bytecode -> JavaScript source for one program.
//
// Shape of the generated function (one per program, created once by `new Function`):
//
//   function (m, j) {                      // m: the run's Machine (shared with the interpreter), j: JIT limits
//     const LEN = m.memory.lengths, ...    // Memory's parallel arrays, hoisted
//     let h0 = H[0], l0 = L[0], ...        // every register as two int32 locals
//     let pc = m.pc, ic = m.n, lim = j.lim, st = 0;
//     D: for (;;) switch (pc) {           // dispatch: one case per basic block, consecutive blocks fall through
//       case 4: ic += 3; ...; pc = 9; continue D;
//       case 17: L17: for (;;) {           // a structured loop (loops.ts): a real JS loop, no dispatch inside
//         B21: { ic += 4; ...; if (cond) break B21; ...; }   // forward edges: break out of labeled blocks
//         ic += 2; ...; if (cond) { <limits check>; continue L17; }  // back-edge
//         pc = 30; continue D;            // loop exit
//       }
//     }
//     <store registers into m>; m.pc = pc; m.n = ic; return st;   // every exit leaves through here (break D)
//   }
//
// Instruction counting: a block adds its slot count on entry (an lddw counts 2, as in the interpreter); the count is
// only compared at layout back-edges (target slot <= source slot), calls and returns, and the JIT hands the run to
// the interpreter once fewer instructions than the program's length remain in the budget, so a budget fault is raised
// by the interpreter at the exact pc.
// Status returned to the driver: 0 = entry frame exited, 1 = continue in another program (tail call, return into a
// tail-called frame), 2 = continue in the interpreter from m.pc (budget nearly spent, fell off the end).
import type { Instruction } from '@bpfsim/isa';
import { LDDW } from '@bpfsim/isa';
import { BPF_FUNC_TAIL_CALL, type InsnFacts } from '../engine.js';
import { Flow, flowOf, layout, targetOf } from './cfg.js';
import { emitAlu } from './emit-alu.js';
import { branchCondition } from './emit-jump.js';
import { emitMem, isUncheckedAccess, regionCacheDecl } from './emit-mem.js';
import { analyzeLoops, entryBlocks, type Block, type Loop, type LoopInfo } from './loops.js';
import { hiZeroFacts } from './ranges.js';
import { constPair, hi, lo, num } from './source.js';

export const STATUS_DONE = 0;
export const STATUS_SWITCH = 1;
export const STATUS_INTERP = 2;

const REGS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** Stores registers `rs` back into the Machine. */
const spill = (rs: readonly number[]): string => rs.map((r) => `H[${r}]=${hi(r)};L[${r}]=${lo(r)};`).join('');
/** Reloads registers `rs` from the Machine. */
const reload = (rs: readonly number[]): string => rs.map((r) => `${hi(r)}=H[${r}];${lo(r)}=L[${r}];`).join('');
const SPILL_ALL = spill(REGS);
const RELOAD_ALL = reload(REGS);
const SPILL_ARGS = spill([1, 2, 3, 4, 5]);
const SPILL_R0_R9 = spill([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
const SPILL_CALLEE_SAVED = spill([6, 7, 8, 9]);
const RELOAD_AFTER_RETURN = reload([6, 7, 8, 9, 10]);

/** Leaves through the common epilogue with registers, pc and the exact instruction count stored in the Machine. */
function leave(status: number, pc: number | 'pc', icExpr?: string): string {
  return `st=${num(status)};${pc === 'pc' ? '' : `pc=${num(pc)};`}${icExpr ? `ic=${icExpr};` : ''}break D;`;
}

/**
 * After a helper call: a callback it ran (callSubprogram, on the interpreter) executed m.n - (count before) more
 * instructions. The block's pre-counted `ic` takes them over (`rest` = the call's slot and the slots after it in the
 * block), then a limits check on the exact count m.n holds, so the budget still faults at the exact instruction (on
 * the interpreter, from the next slot) and the deadline is still checked.
 */
function afterCallback(slot: number, rest: number): string {
  const next = num(slot + 1);
  return (
    `ic=m.n+${num(rest - 1)};` +
    `if(ic>lim){m.pc=${next};if(checkLimits(m,j)){st=${num(STATUS_INTERP)};pc=${next};ic=m.n;break D;}lim=j.lim;}`
  );
}

/** Limits check at a back-edge / call / return: hands over to the interpreter when the budget is nearly spent. */
function limits(target: number | 'pc'): string {
  const t = target === 'pc' ? 'pc' : num(target);
  return `if(ic>lim){m.n=ic;m.pc=${t};if(checkLimits(m,j)){st=${num(STATUS_INTERP)};pc=${t};break D;}lim=j.lim;}`;
}

export interface GeneratedProgram {
  /** Body for `new Function('rt', 'prog', body)`, returning the run function (prog: its DecodedProgram). */
  readonly source: string;
  /** Total slots, the bound on instructions executed between two limit checks. */
  readonly slots: number;
  /** Structured (real JS) loops in the code, for tests and the curious. */
  readonly structuredLoops: number;
}

export interface GenerateOptions {
  facts?: readonly InsnFacts[];
  /** Emit every loop through the dispatch switch (for measurements and differential tests). */
  noStructuredLoops?: boolean;
  /** Ignore the known-zero-high-word facts of ranges.ts (for measurements and differential tests). */
  noRangeFacts?: boolean;
}

/** Generates the JavaScript for a (validated, see decodeProgram) program. */
export function generate(insns: readonly Instruction[], opts: GenerateOptions = {}): GeneratedProgram {
  return new Generator(insns, opts).run();
}

/** Where control continues after a block: the next thing emitted in the same place, if any. */
type Next = { kind: 'case'; slot: number } | { kind: 'unit'; unit: number | Loop; loop: Loop } | { kind: 'none' };

class Generator {
  private readonly lay;
  private readonly info: LoopInfo;
  /** Per instruction: registers whose high word is known 0 before it. */
  private readonly hz: Uint16Array;
  private readonly out: string[] = [];
  /** Per structured loop: units that some edge reaches with `break B<slot>` (need a labeled block). */
  private readonly breakTargets = new Map<Loop, Set<number | Loop>>();
  /** Per structured loop: declarations of the region caches of its checked accesses (emit-mem.ts). */
  private readonly regionCaches = new Map<Loop, string[]>();
  /** Per structured loop: true when no block in it calls out or steps the interpreter (memoized). */
  private readonly callFreeLoops = new Map<Loop, boolean>();

  constructor(
    private readonly insns: readonly Instruction[],
    private readonly opts: GenerateOptions,
  ) {
    this.lay = layout(insns);
    this.info = analyzeLoops(insns, this.lay, !opts.noStructuredLoops);
    this.hz = opts.noRangeFacts
      ? new Uint16Array(insns.length)
      : hiZeroFacts(insns, this.lay, this.info.blocks, entryBlocks(insns, this.lay, this.info.blocks, this.info.blockAtSlot));
  }

  run(): GeneratedProgram {
    const { out } = this;
    out.push(
      '"use strict";',
      'const OUT=rt.OUT,mulhi=rt.mulhi,udivmod=rt.udivmod,sdivmod=rt.sdivmod,bswap32=rt.bswap32,memFault=rt.memFault,',
      'helper=rt.helper,callx=rt.callx,localCall=rt.localCall,popFrame=rt.popFrame,checkLimits=rt.checkLimits,step=rt.step,',
      'EMPTY8=rt.EMPTY8,EMPTYDV=rt.EMPTYDV;',
      'return function jitted(m,j){',
      'const mem=m.memory,LEN=mem.lengths,BY=mem.bytes,DV=mem.views,WR=mem.writable,L=m.L,H=m.H;',
      `let ${REGS.map((r) => `${hi(r)}=H[${r}],${lo(r)}=L[${r}]`).join(',')};`,
      'let pc=m.pc,ic=m.n,lim=j.lim,st=0;',
      'D:for(;;){switch(pc){',
    );
    // Top level: blocks outside structured loops and the structured loops themselves, in slot order.
    const units: Array<{ slot: number; unit: number | Loop }> = [];
    for (const b of this.info.blocks) if (this.loopOf(b.index) === undefined) units.push({ slot: b.slot, unit: b.index });
    for (const l of this.info.roots) units.push({ slot: this.info.blocks[l.header].slot, unit: l });
    units.sort((a, b) => a.slot - b.slot);
    for (let u = 0; u < units.length; u++) {
      const next: Next = u + 1 < units.length ? { kind: 'case', slot: units[u + 1].slot } : { kind: 'none' };
      const unit = units[u].unit;
      out.push(`case ${num(units[u].slot)}:`);
      if (typeof unit === 'number') this.emitBlock(this.info.blocks[unit], next);
      else this.emitLoop(unit);
    }
    // Falling off the end: the interpreter raises the exact fault (its END sentinel). `default` is unreachable
    // (every jump target was validated by decodeProgram) but hands over the same way rather than loop.
    out.push(`case ${num(this.lay.slots)}:${leave(STATUS_INTERP, this.lay.slots)}`);
    out.push(`default:${leave(STATUS_INTERP, 'pc')}`);
    out.push(`}}${SPILL_ALL}m.pc=pc;m.n=ic;return st;};`);
    let structuredLoops = 0;
    const count = (l: Loop): void => {
      structuredLoops++;
      l.children.forEach(count);
    };
    this.info.roots.forEach(count);
    return { source: out.join('\n'), slots: this.lay.slots, structuredLoops };
  }

  private loopOf(block: number): Loop | undefined {
    return this.info.loopOf[block];
  }

  /** `Lh: for(;;){ B..:{ B..:{ <header> } <unit> } <unit> ... }` */
  private emitLoop(l: Loop): void {
    const { out } = this;
    // Which units are reached by a break (not by falling into them)? Found by generating the body first.
    const saved = out.length;
    const targets = new Set<number | Loop>();
    this.breakTargets.set(l, targets);
    const body: string[] = [];
    const emitUnits = (): void => {
      for (let i = 0; i < l.order.length; i++) {
        const u = l.order[i];
        if (i > 0 && targets.has(u)) out.push('}');
        const next: Next = i + 1 < l.order.length ? { kind: 'unit', unit: l.order[i + 1], loop: l } : { kind: 'none' };
        if (typeof u === 'number') this.emitBlock(this.info.blocks[u], next);
        else this.emitLoop(u);
      }
    };
    emitUnits();
    body.push(...out.splice(saved));
    // Open one labeled block per break target, the latest target outermost.
    const opens = l.order.filter((u, i) => i > 0 && targets.has(u)).reverse();
    // Region caches start empty at each entry into the loop (a block around it), and live across iterations.
    const caches = this.regionCaches.get(l);
    if (caches) out.push(`{${caches.join('')}`);
    out.push(`L${num(this.info.blocks[l.header].slot)}:for(;;){`);
    for (const u of opens) out.push(`B${num(this.unitSlot(u))}:{`);
    out.push(...body, '}');
    if (caches) out.push('}');
  }

  /**
   * A loop where no block calls a helper, calls a bpf function or steps the interpreter: nothing in it can map,
   * unmap or resize a memory region, so its accesses may cache their region lookup across iterations.
   */
  private callFree(l: Loop): boolean {
    let free = this.callFreeLoops.get(l);
    if (free === undefined) {
      free = true;
      for (const b of l.body) {
        const f = flowOf(this.insns[this.info.blocks[b].end - 1]);
        if (f === Flow.HelperCall || f === Flow.LocalCall || f === Flow.Step) free = false;
      }
      this.callFreeLoops.set(l, free);
    }
    return free;
  }

  /** The region cache id (its slot) for a checked access in `block`, declared by its innermost loop; or none. */
  private regionCache(insn: Instruction, slot: number, block: Block, memSafe: boolean): number | undefined {
    const l = this.loopOf(block.index);
    if (!l || isUncheckedAccess(insn, memSafe) || !this.callFree(l)) return undefined;
    let decls = this.regionCaches.get(l);
    if (!decls) this.regionCaches.set(l, (decls = []));
    decls.push(regionCacheDecl(slot, insn));
    return slot;
  }

  private unitSlot(u: number | Loop): number {
    return this.info.blocks[typeof u === 'number' ? u : u.header].slot;
  }

  /** Control transfer from block `from` to the block at slot `target` (after the limits check for back-edges). */
  private transfer(from: Block, target: number, next: Next): string {
    const fromSlot = this.lay.slotOf[from.end - 1];
    const check = target <= fromSlot ? limits(target) : '';
    const tb = this.info.blockAtSlot.get(target);
    if (tb === undefined) return `${check}pc=${num(target)};continue D;`; // not a block start: the END case
    // Innermost structured loop enclosing `from` whose body holds the target.
    let q = this.loopOf(from.index);
    while (q && !q.body.has(tb)) q = q.parent;
    if (!q) {
      if (next.kind === 'case' && next.slot === target && !check) return '';
      return `${check}pc=${num(target)};continue D;`;
    }
    if (tb === q.header) return `${check}continue L${num(this.info.blocks[q.header].slot)};`;
    const unit = this.unitIn(q, tb);
    if (next.kind === 'unit' && next.loop === q && next.unit === unit && !check) return '';
    this.breakTargets.get(q)!.add(unit);
    return `${check}break B${num(this.unitSlot(unit))};`;
  }

  /** The unit (direct block or child loop) of loop q holding block b. */
  private unitIn(q: Loop, b: number): number | Loop {
    let x = this.loopOf(b);
    if (x === q) return b;
    while (x && x.parent !== q) x = x.parent;
    if (!x) throw new Error(`JIT internal error: block ${b} is not in loop ${q.header}`);
    return x;
  }

  private emitBlock(block: Block, next: Next): void {
    const { out, insns, lay } = this;
    out.push(`ic+=${num(block.endSlot - block.slot)};`);
    for (let i = block.first; i < block.end; i++) {
      const slot = lay.slotOf[i];
      // The count before this instruction (the block's later slots not yet executed), for leaving mid-block.
      const exactIc = `ic-${num(block.endSlot - slot)}`;
      out.push(this.emitInsn(insns[i], slot, exactIc, block, next));
    }
    const last = insns[block.end - 1];
    const f = flowOf(last);
    // Blocks that end by falling through (no jump, or after a not-taken branch, a helper call).
    if (f === Flow.Next || f === Flow.Branch || f === Flow.HelperCall) out.push(this.transfer(block, block.endSlot, next));
  }

  private emitInsn(insn: Instruction, slot: number, exactIc: string, block: Block, next: Next): string {
    const toInterp = leave(STATUS_INTERP, slot, exactIc);
    const cls = insn.opcode & 0x07;
    switch (flowOf(insn)) {
      case Flow.Jump:
        return this.transfer(block, targetOf(insn, slot), next);
      case Flow.Branch: {
        const cond = branchCondition(insn, this.hz[this.lay.insnAt[slot]]);
        if (cond === undefined) return toInterp;
        return `if(${cond}){${this.transfer(block, targetOf(insn, slot), { kind: 'none' })}}`;
      }
      case Flow.Exit:
        // Entry frame: the run is over. Called frame: back to the caller (popFrame restores r6..r10 and the program).
        return (
          `if(m.depth===0){${leave(STATUS_DONE, slot)}}` +
          `popFrame(m);${RELOAD_AFTER_RETURN}pc=m.pc;` +
          `if(m.prog!==prog){${leave(STATUS_SWITCH, 'pc')}}${limits('pc')}continue D;`
        );
      case Flow.LocalCall: {
        const target = targetOf(insn, slot);
        return `${SPILL_CALLEE_SAVED}localCall(m,${num(slot)},${num(target)});${reload([10])}${limits(target)}pc=${num(target)};continue D;`;
      }
      case Flow.HelperCall: {
        // call imm (helper) or callx (helper id in dst). Helpers leave r1..r5 as they were (calls.ts); r0 = result.
        // bpf_tail_call may replace the program: the Machine then holds the new program, pc 0 and a fresh r10,
        // and every other register as the caller left it (status 1, straight back to the driver).
        const isCallx = (insn.opcode & 0x08) !== 0;
        if (insn.src !== 0 && !isCallx) return toInterp; // kfunc calls: refused by decodeProgram anyway
        const call = isCallx ? `callx(m,${num(insn.dst)},${num(slot)})` : `helper(m,${num(insn.imm)},${num(slot)})`;
        const mayTail = isCallx || insn.imm === BPF_FUNC_TAIL_CALL;
        const after = `${reload([0])}${afterCallback(slot, block.endSlot - slot)}`;
        if (!mayTail) return `${SPILL_ARGS}m.n=${exactIc}+1;${call};${after}`;
        return `${SPILL_R0_R9}m.n=${exactIc}+1;if(${call}!==0)return ${num(STATUS_SWITCH)};${after}`;
      }
      case Flow.Step:
        // One instruction on the interpreter, then back through the dispatch switch (its successor is an entry).
        return (
          `${SPILL_ALL}m.pc=${num(slot)};m.n=${exactIc};if(step(m))return ${num(STATUS_DONE)};${RELOAD_ALL}pc=m.pc;ic=m.n;` +
          `if(m.prog!==prog){${leave(STATUS_SWITCH, 'pc')}}${limits('pc')}continue D;`
        );
      default:
        break;
    }
    if (insn.opcode === LDDW) {
      const c = constPair(insn.imm2 ?? 0, insn.imm);
      return `${hi(insn.dst)}=${c.h};${lo(insn.dst)}=${c.l};`;
    }
    const memSafe = this.opts.facts?.[this.lay.insnAt[slot]]?.memSafe === true;
    if (cls === 0x04 || cls === 0x07) return emitAlu(insn, this.hz[this.lay.insnAt[slot]]) ?? toInterp;
    if (cls === 0x01 || cls === 0x02 || cls === 0x03) {
      return emitMem(insn, slot, memSafe, this.regionCache(insn, slot, block, memSafe)) ?? toInterp;
    }
    return toInterp;
  }
}
