// Conditions of JMP / JMP32 branches as JavaScript boolean expressions over int32 halves (RFC 9669 §4.3).
// 64-bit: compare hi words (unsigned or signed), then lo words unsigned. JMP32: lo words only.
import type { Instruction } from '@bpfsim/isa';
import {
  BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT,
  BPF_X,
} from '@bpfsim/isa';
import { immPair, lo, num, regPair, type Pair } from './source.js';

/** The branch condition, or undefined when the opcode is not a conditional jump (`hz`: see emitAlu). */
export function branchCondition(insn: Instruction, hz = 0): string | undefined {
  const x = (insn.opcode & BPF_X) !== 0;
  if (insn.dst > 10 || (x && insn.src > 10)) return undefined;
  const op = insn.opcode & 0xf0;
  if ((insn.opcode & 0x07) === BPF_JMP32) {
    return cond32(op, lo(insn.dst), x ? lo(insn.src) : num(insn.imm | 0));
  }
  return cond64(op, regPair(insn.dst, hz), x ? regPair(insn.src, hz) : immPair(insn.imm));
}

function cond32(op: number, a: string, b: string): string | undefined {
  const ua = `(${a}>>>0)`;
  const ub = `(${b}>>>0)`;
  switch (op) {
    case BPF_JEQ: return `${a}===${b}`;
    case BPF_JNE: return `${a}!==${b}`;
    case BPF_JSET: return `(${a}&${b})!==0`;
    case BPF_JGT: return `${ua}>${ub}`;
    case BPF_JGE: return `${ua}>=${ub}`;
    case BPF_JLT: return `${ua}<${ub}`;
    case BPF_JLE: return `${ua}<=${ub}`;
    case BPF_JSGT: return `${a}>${b}`;
    case BPF_JSGE: return `${a}>=${b}`;
    case BPF_JSLT: return `${a}<${b}`;
    case BPF_JSLE: return `${a}<=${b}`;
    default: return undefined;
  }
}

function cond64(op: number, a: Pair, b: Pair): string | undefined {
  const ul = (rel: string) => `((${a.l}>>>0)${rel}(${b.l}>>>0))`;
  const u = (strict: string, rel: string) =>
    `((${a.h}>>>0)${strict}(${b.h}>>>0)||(${a.h}===${b.h}&&${ul(rel)}))`;
  const s = (strict: string, rel: string) => `(${a.h}${strict}${b.h}||(${a.h}===${b.h}&&${ul(rel)}))`;
  switch (op) {
    case BPF_JEQ: return `(${a.l}===${b.l}&&${a.h}===${b.h})`;
    case BPF_JNE: return `(${a.l}!==${b.l}||${a.h}!==${b.h})`;
    case BPF_JSET: return `((${a.l}&${b.l})|(${a.h}&${b.h}))!==0`;
    case BPF_JGT: return u('>', '>');
    case BPF_JGE: return u('>', '>=');
    case BPF_JLT: return u('<', '<');
    case BPF_JLE: return u('<', '<=');
    case BPF_JSGT: return s('>', '>');
    case BPF_JSGE: return s('>', '>=');
    case BPF_JSLT: return s('<', '<');
    case BPF_JSLE: return s('<', '<=');
    default: return undefined;
  }
}
