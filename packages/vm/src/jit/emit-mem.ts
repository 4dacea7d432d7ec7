// Loads, stores and atomics with the Memory layout check inlined in int32 arithmetic.
//
// Address = (hi, lo) of the base register plus a signed 16-bit offset. slot = hi - 1, offset = lo + off - LO_BASE
// (lo + off wrapped to 32 bits; a carry into hi can only come from a lo far outside every region — valid lo values
// lie in [LO_BASE, LO_BASE + MAX_REGION_BYTES) — so ignoring it never accepts a bad access, and the fault path
// recomputes the exact 64-bit address). In bounds: (slot >>> 0) < regions && (offset >>> 0) <= length - size.
import type { Instruction } from '@bpfsim/isa';
import {
  BPF_ADD, BPF_AND, BPF_ATOMIC, BPF_CMPXCHG, BPF_FETCH, BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_OR, BPF_ST, BPF_STX,
  BPF_XCHG, BPF_XOR,
} from '@bpfsim/isa';
import { STACK_SIZE } from '../engine.js';
import { LO_BASE } from '../memory.js';
import { hi, lo, num } from './source.js';

const SIZES: Record<number, number> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };

/**
 * The bounds check as a statement that throws through the runtime's fault builder (exact interpreter text).
 * Byte accesses check against the Uint8Array's own length (`b`, also used for the access, so V8 can drop its
 * internal check); wider ones against Memory.lengths and go through the DataView.
 */
function check(base: number, off: number, size: number, write: boolean, pc: number, safe: boolean): string {
  const addr = `const s=(${hi(base)}-1)|0,o=((${lo(base)}+${num(off)})|0)-${num(LO_BASE)};`;
  const fault = `throw memFault(m,${num(pc)},${hi(base)},${lo(base)},${num(off)},${num(size)},${write ? 1 : 0});`;
  if (safe) return size === 1 ? `${addr}const b=BY[s];` : addr;
  const ro = write ? '||!WR[s]' : '';
  if (size === 1) return `${addr}if((s>>>0)>=BY.length${ro})${fault}const b=BY[s];if((o>>>0)>=b.length)${fault}`;
  return `${addr}if((s>>>0)>=LEN.length||(o>>>0)>LEN[s]-${num(size)}${ro})${fault}`;
}

function load(size: number, signed: boolean, dh: string, dl: string): string {
  switch (size) {
    // `| 0`: an unchecked (memSafe) read past the end gives undefined; the register must stay an int32.
    case 1: return signed ? `${dl}=(b[o]<<24)>>24;${dh}=${dl}>>31;` : `${dl}=b[o]|0;${dh}=0;`;
    case 2: return signed ? `${dl}=DV[s].getInt16(o,true);${dh}=${dl}>>31;` : `${dl}=DV[s].getUint16(o,true);${dh}=0;`;
    case 4: return signed ? `${dl}=DV[s].getInt32(o,true);${dh}=${dl}>>31;` : `${dl}=DV[s].getInt32(o,true);${dh}=0;`;
    default: return `{const v=DV[s];${dl}=v.getInt32(o,true);${dh}=v.getInt32(o+4,true);}`;
  }
}

function store(size: number, h: string, l: string): string {
  switch (size) {
    case 1: return `b[o]=${l};`;
    case 2: return `DV[s].setInt16(o,${l},true);`;
    case 4: return `DV[s].setInt32(o,${l},true);`;
    default: return `{const v=DV[s];v.setInt32(o,${l},true);v.setInt32(o+4,${h},true);}`;
  }
}

/**
 * JS for LDX / ST / STX (plain and atomic), or undefined when the encoding is not one of them.
 * `memSafe`: a verifier proved the access in bounds (CompileOptions.facts) — the check is dropped, the access
 * still goes through a typed array, so it can never reach outside the program's regions.
 */
export function emitMem(insn: Instruction, pc: number, memSafe: boolean): string | undefined {
  const cls = insn.opcode & 0x07;
  const mode = insn.opcode & 0xe0;
  const size = SIZES[insn.opcode & 0x18];
  if (insn.dst > 10 || insn.src > 10) return undefined;
  // r10 always points at the top of the current frame's writable STACK_SIZE-byte stack (the loader refuses
  // writes to r10; calls, returns and tail calls set it), so [r10 + off] with -STACK_SIZE <= off <= -size is in
  // bounds by construction (loads address through src, stores and atomics through dst).
  const base = cls === BPF_LDX ? insn.src : insn.dst;
  const safe = memSafe || (base === 10 && insn.off >= -STACK_SIZE && insn.off + size <= 0);
  if (cls === BPF_LDX) {
    if (insn.imm !== 0) return undefined;
    if (mode === BPF_MEM) return `{${check(insn.src, insn.off, size, false, pc, safe)}${load(size, false, hi(insn.dst), lo(insn.dst))}}`;
    if (mode === BPF_MEMSX && size !== 8) {
      return `{${check(insn.src, insn.off, size, false, pc, safe)}${load(size, true, hi(insn.dst), lo(insn.dst))}}`;
    }
    return undefined;
  }
  if (cls === BPF_ST) {
    if (mode !== BPF_MEM || insn.src !== 0) return undefined;
    const k = insn.imm | 0;
    return `{${check(insn.dst, insn.off, size, true, pc, safe)}${store(size, k < 0 ? '(-1)' : '0', num(k))}}`;
  }
  if (cls === BPF_STX) {
    if (mode === BPF_MEM) {
      if (insn.imm !== 0) return undefined;
      return `{${check(insn.dst, insn.off, size, true, pc, safe)}${store(size, hi(insn.src), lo(insn.src))}}`;
    }
    if (mode === BPF_ATOMIC && (size === 4 || size === 8)) {
      const body = atomic(insn.imm, size, insn.src);
      return body === undefined ? undefined : `{${check(insn.dst, insn.off, size, true, pc, safe)}${body}}`;
    }
  }
  return undefined;
}

/** Read-modify-write on the checked (s, o); fetch forms put the old value in src (zero-extended for 32-bit). */
function atomic(imm: number, size: number, src: number): string | undefined {
  const sh = hi(src);
  const sl = lo(src);
  const fetch = (imm & BPF_FETCH) !== 0;
  const op = imm & ~BPF_FETCH;
  if (size === 4) {
    const old = 'const v=DV[s],x=v.getInt32(o,true);';
    const give = fetch ? `${sl}=x;${sh}=0;` : '';
    switch (imm === BPF_XCHG || imm === BPF_CMPXCHG ? imm : op) {
      case BPF_ADD: return `${old}v.setInt32(o,(x+${sl})|0,true);${give}`;
      case BPF_OR: return `${old}v.setInt32(o,x|${sl},true);${give}`;
      case BPF_AND: return `${old}v.setInt32(o,x&${sl},true);${give}`;
      case BPF_XOR: return `${old}v.setInt32(o,x^${sl},true);${give}`;
      case BPF_XCHG: return `${old}v.setInt32(o,${sl},true);${sl}=x;${sh}=0;`;
      case BPF_CMPXCHG: return `${old}if(x===l0)v.setInt32(o,${sl},true);l0=x;h0=0;`;
      default: return undefined;
    }
  }
  const old = 'const v=DV[s],xl=v.getInt32(o,true),xh=v.getInt32(o+4,true);';
  const put = (h: string, l: string) => `v.setInt32(o,${l},true);v.setInt32(o+4,${h},true);`;
  const give = fetch ? `${sl}=xl;${sh}=xh;` : '';
  switch (imm === BPF_XCHG || imm === BPF_CMPXCHG ? imm : op) {
    case BPF_ADD:
      return `${old}{const a=(xl+${sl})|0;${put(`(xh+${sh}+((a>>>0)<(xl>>>0)?1:0))|0`, 'a')}}${give}`;
    case BPF_OR: return `${old}${put(`xh|${sh}`, `xl|${sl}`)}${give}`;
    case BPF_AND: return `${old}${put(`xh&${sh}`, `xl&${sl}`)}${give}`;
    case BPF_XOR: return `${old}${put(`xh^${sh}`, `xl^${sl}`)}${give}`;
    case BPF_XCHG: return `${old}${put(sh, sl)}${sl}=xl;${sh}=xh;`;
    case BPF_CMPXCHG: return `${old}if(xl===l0&&xh===h0){${put(sh, sl)}}l0=xl;h0=xh;`;
    default: return undefined;
  }
}
