// The part of the verifier's convert_ctx_accesses (kernel/bpf/verifier.c) the simulator needs to run programs whose
// context holds pointers: a program reads `__sk_buff.data` or `xdp_md.data` as a u32, and the kernel rewrites that
// load into a 64-bit load of the real pointer (bpf_convert_ctx_access / xdp_convert_ctx_access). Here the ctx region
// is the uapi struct followed by a hidden area of 64-bit pointers, and every 32-bit load of a pointer field through a
// register that holds the ctx pointer becomes a 64-bit load from the hidden slot.
//
// Which register holds the ctx is found by a small forward data-flow pass (the verifier's PTR_TO_CTX tracking,
// reduced to what matters: moves, spills to and fills from the frame, bpf-to-bpf call arguments). An access where the
// register is the ctx on some paths but not on others is left alone (the kernel rejects such programs: "same insn
// cannot be used with different pointers").
//
// The same pass resolves BPF_PSEUDO_FUNC ld_imm64 (callback addresses for bpf_loop, bpf_for_each_map_elem): the
// kernel stores the subprogram's address there; here the constant becomes FUNC_TAG | absolute slot of the callee.
import { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, LDDW, type Instruction } from '@bpfsim/isa';

/** A ctx field the program reads as a u32 but that holds a pointer (uapi offset → hidden 64-bit slot). */
export interface CtxPointerField {
  readonly name: string;
  readonly uapiOffset: number;
  readonly hiddenOffset: number;
}

/** High word of a resolved BPF_PSEUDO_FUNC constant; the low word is the callee's absolute slot. */
export const FUNC_TAG_HI = 0x0bf0f0c0;

/** A callback pointer made by the rewritten ld_imm64, or undefined when `value` is not one. */
export function funcSlot(value: bigint): number | undefined {
  return Number(value >> 32n) === FUNC_TAG_HI ? Number(value & 0xffffffffn) : undefined;
}

type RegKind = 'ctx' | 'other';
interface State {
  regs: RegKind[];
  /** Frame offsets (from r10) holding a spilled ctx pointer. */
  spills: Map<number, RegKind>;
}

const CLS = (op: number): number => op & 7;
const BPF_LDX = 1;
const BPF_ST = 2;
const BPF_STX = 3;
const BPF_ALU = 4;
const BPF_JMP = 5;
const BPF_JMP32 = 6;
const BPF_ALU64 = 7;
const MOV64_X = 0xbf;
const LDX_MEM_W = 0x61;
const LDX_MEM_DW = 0x79;
const STX_MEM_DW = 0x7b;

const cloneState = (s: State): State => ({ regs: [...s.regs], spills: new Map(s.spills) });

/** Meet of two states: a register stays ctx only when it is ctx on both paths. Returns whether `into` changed. */
function meet(into: State, from: State): boolean {
  let changed = false;
  for (let r = 0; r < 11; r++) {
    if (into.regs[r] === 'ctx' && from.regs[r] !== 'ctx') {
      into.regs[r] = 'other';
      changed = true;
    }
  }
  for (const [off, k] of into.spills) {
    if (k === 'ctx' && from.spills.get(off) !== 'ctx') {
      into.spills.delete(off);
      changed = true;
    }
  }
  return changed;
}

const sizeOf = (op: number): number => [4, 2, 1, 8][(op >> 3) & 3];

export interface ConvertedProgram {
  /** Same length and slot layout as the input, so every jump stays valid. */
  readonly insns: Instruction[];
  /** prog->aux->max_ctx_offset: the end of the furthest ctx byte a load or store through the ctx pointer touches. */
  readonly maxCtxOffset: number;
}

/** Rewrites the program for running with a ctx that has pointer fields; the input is not modified. */
export function convertCtxAccesses(insns: readonly Instruction[], fields: readonly CtxPointerField[]): ConvertedProgram {
  const slotOf: number[] = [];
  const indexAt = new Map<number, number>();
  let slot = 0;
  insns.forEach((insn, i) => {
    slotOf.push(slot);
    indexAt.set(slot, i);
    slot += insn.opcode === LDDW ? 2 : 1;
  });
  const byOffset = new Map(fields.map((f) => [f.uapiOffset, f]));
  const states: (State | undefined)[] = new Array(insns.length);
  const entry: State = { regs: Array<RegKind>(11).fill('other'), spills: new Map() };
  entry.regs[1] = 'ctx';
  const work: number[] = [];
  const flow = (to: number | undefined, s: State): void => {
    if (to === undefined || to < 0 || to >= insns.length) return;
    const cur = states[to];
    if (!cur) {
      states[to] = cloneState(s);
      work.push(to);
    } else if (meet(cur, s)) work.push(to);
  };
  flow(0, entry);
  const next = (i: number, delta: number): number | undefined => indexAt.get(slotOf[i] + 1 + delta);

  while (work.length) {
    const i = work.pop()!;
    const s = cloneState(states[i]!);
    const insn = insns[i];
    const op = insn.opcode;
    const cls = CLS(op);
    if (op === LDDW) {
      s.regs[insn.dst] = 'other';
      flow(i + 1, s);
      continue;
    }
    if (cls === BPF_JMP || cls === BPF_JMP32) {
      const code = op & 0xf0;
      if (code === 0x90) continue; // exit
      if (code === 0x80) {
        if (insn.src === BPF_PSEUDO_CALL && cls === BPF_JMP) {
          // The callee's frame starts with the caller's r1-r5 and an empty stack.
          const callee: State = { regs: Array<RegKind>(11).fill('other'), spills: new Map() };
          for (let r = 1; r <= 5; r++) callee.regs[r] = s.regs[r];
          flow(next(i, insn.imm), callee);
        }
        for (let r = 0; r <= 5; r++) s.regs[r] = 'other';
        flow(i + 1, s);
        continue;
      }
      if (code === 0x00) {
        flow(next(i, cls === BPF_JMP32 ? insn.imm : insn.off), s);
        continue;
      }
      flow(next(i, insn.off), s);
      flow(i + 1, s);
      continue;
    }
    if (cls === BPF_ALU64 || cls === BPF_ALU) {
      s.regs[insn.dst] = op === MOV64_X && insn.off === 0 ? s.regs[insn.src] : 'other';
    } else if (cls === BPF_LDX) {
      const filled = insn.src === 10 && op === LDX_MEM_DW ? s.spills.get(insn.off) : undefined;
      s.regs[insn.dst] = filled ?? 'other';
    } else if (cls === BPF_STX || cls === BPF_ST) {
      if (insn.dst === 10) {
        const size = sizeOf(op);
        for (const off of [...s.spills.keys()]) if (off < insn.off + size && insn.off < off + 8) s.spills.delete(off);
        if (op === STX_MEM_DW && s.regs[insn.src] === 'ctx') s.spills.set(insn.off, 'ctx');
      }
      // Atomic fetch ops write r0 or the source register.
      if (cls === BPF_STX && (op & 0xe0) === 0xc0) {
        if (insn.imm === 0xf1) s.regs[0] = 'other';
        else if (insn.imm & 1) s.regs[insn.src] = 'other';
      }
    } else {
      // LD_ABS / LD_IND clobber r0-r5 like a call.
      for (let r = 0; r <= 5; r++) s.regs[r] = 'other';
    }
    flow(i + 1, s);
  }

  let maxCtxOffset = 0;
  const out = insns.map((insn, i) => {
    const st = states[i];
    const cls = CLS(insn.opcode);
    const base = cls === BPF_LDX ? insn.src : cls === BPF_ST || cls === BPF_STX ? insn.dst : -1;
    if (st && base >= 0 && st.regs[base] === 'ctx' && (insn.opcode & 0xe0) === 0x60) {
      maxCtxOffset = Math.max(maxCtxOffset, insn.off + sizeOf(insn.opcode));
    }
    if (insn.opcode === LDDW && insn.src === BPF_PSEUDO_FUNC) {
      return { ...insn, src: 0, imm: slotOf[i] + 1 + insn.imm, imm2: FUNC_TAG_HI };
    }
    if (!st || insn.opcode !== LDX_MEM_W || st.regs[insn.src] !== 'ctx') return insn;
    const f = byOffset.get(insn.off);
    return f ? { ...insn, opcode: LDX_MEM_DW, off: f.hiddenOffset } : insn;
  });
  return { insns: out, maxCtxOffset };
}
