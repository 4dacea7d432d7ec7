// Which loops the JIT emits as real JavaScript loops instead of jumps through its dispatch switch.
//
// Blocks and edges come from cfg.ts. Dominators (Cooper, Harvey & Kennedy's iterative algorithm) are computed from
// a virtual root joined to every block the generated function can be entered at (slot 0, call targets, return
// sites, the block after an interpreter-stepped instruction). A back-edge u -> h (h dominates u) defines the
// natural loop of h. A loop is *structured* — emitted as `Lh: for(;;) { ... }` with forward edges as `break` out of
// labeled blocks and back-edges as `continue Lh` — when only its header can be entered from outside (no entry point
// inside it) and its blocks have a topological order (child loops collapsed) in which every edge not going to the
// header points forward. Anything else stays in the dispatch switch, which can enter any block.
import type { Instruction } from '@bpfsim/isa';
import { Flow, flowOf, targetOf, type Layout } from './cfg.js';

export interface Block {
  readonly index: number;
  /** First and one-past-last instruction index. */
  readonly first: number;
  readonly end: number;
  readonly slot: number;
  readonly endSlot: number;
  /** Successor block indexes (-1: falls off the end of the program). */
  readonly succs: number[];
  readonly preds: number[];
}

export interface Loop {
  readonly header: number;
  /** Every block of the loop, nested loops included. */
  readonly body: Set<number>;
  parent: Loop | undefined;
  children: Loop[];
  structured: boolean;
  /** Emission order of the loop's units: a block index (direct member) or a child Loop. Header first. */
  order: Array<number | Loop>;
}

export interface LoopInfo {
  readonly blocks: readonly Block[];
  readonly blockAtSlot: Map<number, number>;
  /** Innermost structured loop of each block, or undefined (emitted in the top-level switch). */
  readonly loopOf: readonly (Loop | undefined)[];
  /** Top-level structured loops. */
  readonly roots: readonly Loop[];
}

/** Loops are only structured in programs up to this many blocks (the analysis is quadratic in the worst case). */
const MAX_BLOCKS = 20000;
/**
 * A structured loop nests one labeled block per forward-branch target inside it, and loops nest inside loops: past
 * these bounds a loop stays in the dispatch switch, so the generated source never nests deeply enough to strain
 * V8's parser.
 */
const MAX_UNITS = 128;
const MAX_DEPTH = 12;

export function buildBlocks(insns: readonly Instruction[], lay: Layout): { blocks: Block[]; blockAtSlot: Map<number, number> } {
  const blocks: Block[] = [];
  const blockAtSlot = new Map<number, number>();
  const leaders = lay.leaders;
  for (let b = 0; b < leaders.length; b++) {
    const first = leaders[b];
    const end = b + 1 < leaders.length ? leaders[b + 1] : insns.length;
    const slot = lay.slotOf[first];
    const endSlot = end < insns.length ? lay.slotOf[end] : lay.slots;
    blocks.push({ index: b, first, end, slot, endSlot, succs: [], preds: [] });
    blockAtSlot.set(slot, b);
  }
  const at = (slot: number): number => blockAtSlot.get(slot) ?? -1;
  for (const block of blocks) {
    const last = insns[block.end - 1];
    const lastSlot = lay.slotOf[block.end - 1];
    const next = at(block.endSlot);
    const f = flowOf(last);
    // The fall-through successor is pushed LAST: loop emission visits it last, so it is laid out right after.
    switch (f) {
      case Flow.Jump:
        block.succs.push(at(targetOf(last, lastSlot)));
        break;
      case Flow.Branch:
        block.succs.push(at(targetOf(last, lastSlot)), next);
        break;
      case Flow.Exit:
        break;
      case Flow.Step:
        if (last.opcode === 0xe5) block.succs.push(at(targetOf(last, lastSlot)));
        block.succs.push(next);
        break;
      default: // Next, HelperCall, LocalCall (the call returns to the next block)
        block.succs.push(next);
    }
  }
  for (const block of blocks) for (const s of block.succs) if (s >= 0) blocks[s].preds.push(block.index);
  return { blocks, blockAtSlot };
}

/** Blocks where the generated function may be entered other than by a jump in the code itself. */
export function entryBlocks(insns: readonly Instruction[], lay: Layout, blocks: readonly Block[], at: Map<number, number>): Set<number> {
  const entries = new Set<number>([0]);
  for (const block of blocks) {
    const last = insns[block.end - 1];
    const f = flowOf(last);
    const next = at.get(block.endSlot);
    if (f === Flow.LocalCall) {
      const t = at.get(targetOf(last, lay.slotOf[block.end - 1]));
      if (t !== undefined) entries.add(t);
      if (next !== undefined) entries.add(next);
    }
    if (f === Flow.Step) {
      if (next !== undefined) entries.add(next);
      if (last.opcode === 0xe5) {
        const t = at.get(targetOf(last, lay.slotOf[block.end - 1]));
        if (t !== undefined) entries.add(t);
      }
    }
  }
  return entries;
}

/** Immediate dominators, -1 for the virtual root's children; undefined for unreachable blocks. */
function dominators(blocks: readonly Block[], entries: Set<number>): { idom: Int32Array; rpoIndex: Int32Array } {
  const n = blocks.length;
  const ROOT = n; // virtual root
  const succ = (b: number): number[] => (b === ROOT ? [...entries] : blocks[b].succs.filter((s) => s >= 0));
  // Iterative DFS postorder from the virtual root.
  const post: number[] = [];
  const seen = new Uint8Array(n + 1);
  const stack: Array<[number, number]> = [[ROOT, 0]];
  seen[ROOT] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const ss = succ(top[0]);
    if (top[1] < ss.length) {
      const s = ss[top[1]++];
      if (!seen[s]) {
        seen[s] = 1;
        stack.push([s, 0]);
      }
    } else {
      post.push(top[0]);
      stack.pop();
    }
  }
  const rpoIndex = new Int32Array(n + 1).fill(-1);
  for (let i = 0; i < post.length; i++) rpoIndex[post[i]] = post.length - 1 - i;
  const idom = new Int32Array(n + 1).fill(-2); // -2 = undefined
  idom[ROOT] = ROOT;
  const predsOf = (b: number): number[] => (entries.has(b) ? [...blocks[b].preds, ROOT] : blocks[b].preds);
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (rpoIndex[a] > rpoIndex[b]) a = idom[a];
      while (rpoIndex[b] > rpoIndex[a]) b = idom[b];
    }
    return a;
  };
  const rpo = [...post].reverse();
  let changed = true;
  while (changed) {
    changed = false;
    for (const b of rpo) {
      if (b === ROOT) continue;
      let nd = -2;
      for (const p of predsOf(b)) {
        if (idom[p] === -2 || rpoIndex[p] < 0) continue;
        nd = nd === -2 ? p : intersect(p, nd);
      }
      if (nd !== -2 && idom[b] !== nd) {
        idom[b] = nd;
        changed = true;
      }
    }
  }
  return { idom, rpoIndex };
}

function dominates(idom: Int32Array, a: number, b: number, root: number): boolean {
  if (idom[b] === -2) return false;
  for (let x = b; ; x = idom[x]) {
    if (x === a) return true;
    if (x === root) return false;
  }
}

/** Blocks and structured loops of a program; `structure: false` gives the blocks only (all dispatch). */
export function analyzeLoops(insns: readonly Instruction[], lay: Layout, structure = true): LoopInfo {
  const { blocks, blockAtSlot } = buildBlocks(insns, lay);
  const loopOf: (Loop | undefined)[] = new Array(blocks.length).fill(undefined);
  if (!structure || blocks.length > MAX_BLOCKS) return { blocks, blockAtSlot, loopOf, roots: [] };
  const entries = entryBlocks(insns, lay, blocks, blockAtSlot);
  const { idom } = dominators(blocks, entries);
  const ROOT = blocks.length;

  // Natural loops, merged per header.
  const loops = new Map<number, Loop>();
  for (const u of blocks) {
    for (const h of u.succs) {
      if (h < 0 || !dominates(idom, h, u.index, ROOT)) continue;
      let loop = loops.get(h);
      if (!loop) {
        loop = { header: h, body: new Set([h]), parent: undefined, children: [], structured: true, order: [] };
        loops.set(h, loop);
      }
      const work = [u.index];
      while (work.length > 0) {
        const x = work.pop()!;
        if (loop.body.has(x)) continue;
        loop.body.add(x);
        for (const p of blocks[x].preds) if (!loop.body.has(p)) work.push(p);
      }
    }
  }
  // Nesting: the parent is the smallest other loop whose body holds this loop's header.
  const all = [...loops.values()].sort((a, b) => a.body.size - b.body.size);
  for (const l of all) {
    for (const p of all) {
      if (p !== l && p.body.size >= l.body.size && p.body.has(l.header)) {
        l.parent = p;
        break;
      }
    }
    // Properly nested or not structured at all.
    if (l.parent && ![...l.body].every((b) => l.parent!.body.has(b))) l.structured = false;
    // Only the header may be entered from outside the generated code's own jumps.
    for (const b of l.body) if (b !== l.header && entries.has(b)) l.structured = false;
  }
  // A loop inside an unstructured loop is fine on its own; an unstructured loop inside a structured one is not.
  let changed = true;
  while (changed) {
    changed = false;
    for (const l of all) {
      if (!l.structured) continue;
      for (const c of all) {
        if (c !== l && !c.structured && l.body.has(c.header)) {
          l.structured = false;
          changed = true;
          break;
        }
      }
    }
  }
  // Structured parent chain: the nearest structured ancestor.
  const structuredParent = (l: Loop): Loop | undefined => {
    let p = l.parent;
    while (p && !p.structured) p = p.parent;
    return p;
  };
  // Innermost structured loop per block (smallest first, so the first hit is the innermost).
  for (const l of all) {
    if (!l.structured) continue;
    for (const b of l.body) if (loopOf[b] === undefined) loopOf[b] = l;
  }
  for (const l of all) {
    if (!l.structured) continue;
    const p = structuredParent(l);
    l.parent = p;
    if (p) p.children.push(l);
  }
  // Emission order per structured loop, innermost first so children are final before their parents.
  for (const l of all) {
    if (!l.structured) continue;
    if (!orderLoop(l, blocks, loopOf) || l.order.length > MAX_UNITS) demote(l, loopOf);
  }
  // Nesting depth: demote the outermost loops of a too-deep nest (inner loops are the hot ones).
  const depthOf = (l: Loop): number => (l.parent ? 1 + depthOf(l.parent) : 1);
  for (const l of all) {
    while (l.structured && depthOf(l) > MAX_DEPTH) {
      let top = l;
      while (top.parent) top = top.parent;
      demote(top, loopOf);
    }
  }
  const roots = all.filter((l) => l.structured && !l.parent);
  return { blocks, blockAtSlot, loopOf, roots };
}

/** The unit of loop `l` that block b belongs to: b itself or the child loop holding it. */
function unitOf(l: Loop, b: number, loopOf: readonly (Loop | undefined)[]): number | Loop | undefined {
  let x = loopOf[b];
  if (x === l) return b;
  while (x && x.parent !== l) x = x.parent;
  return x;
}

/** Reverse postorder of l's units; false when some edge would point backward to a non-header. */
function orderLoop(l: Loop, blocks: readonly Block[], loopOf: readonly (Loop | undefined)[]): boolean {
  const succUnits = (u: number | Loop): Array<number | Loop> => {
    const members = typeof u === 'number' ? [u] : [...u.body];
    const out: Array<number | Loop> = [];
    for (const b of members) {
      for (const s of blocks[b].succs) {
        if (s < 0 || !l.body.has(s) || s === l.header) continue;
        const su = unitOf(l, s, loopOf);
        if (su === undefined || su === u) continue;
        if (!out.includes(su)) out.push(su);
      }
    }
    return out;
  };
  // Iterative DFS postorder (programs can be large; no recursion).
  const post: Array<number | Loop> = [];
  const seen = new Set<number | Loop>([l.header]);
  const stack: Array<{ u: number | Loop; succs: Array<number | Loop>; i: number }> = [
    { u: l.header, succs: succUnits(l.header), i: 0 },
  ];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.i < top.succs.length) {
      const s = top.succs[top.i++];
      if (!seen.has(s)) {
        seen.add(s);
        stack.push({ u: s, succs: succUnits(s), i: 0 });
      }
    } else {
      post.push(top.u);
      stack.pop();
    }
  }
  const order = post.reverse();
  const pos = new Map(order.map((u, i) => [u, i]));
  for (const u of order) {
    for (const s of succUnits(u)) {
      if ((pos.get(s) ?? -1) <= pos.get(u)!) return false;
    }
  }
  // Every member must be reachable from the header inside the loop (true for natural loops).
  const members = new Set<number | Loop>();
  for (const b of l.body) {
    const u = unitOf(l, b, loopOf);
    if (u !== undefined) members.add(u);
  }
  if (members.size !== order.length) return false;
  l.order = order;
  return true;
}

/** Turns a structured loop back into dispatch code; its children stay structured under its parent. */
function demote(l: Loop, loopOf: (Loop | undefined)[]): void {
  l.structured = false;
  for (let b = 0; b < loopOf.length; b++) if (loopOf[b] === l) loopOf[b] = l.parent;
  for (const c of l.children) {
    c.parent = l.parent;
    if (l.parent) l.parent.children.push(c);
  }
  if (l.parent) l.parent.children = l.parent.children.filter((c) => c !== l);
  l.children = [];
}
