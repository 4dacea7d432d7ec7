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
 * internal check); wider ones against Memory.lengths and go through the DataView (`view` names it for the access).
 *
 * `cache`: an id for a per-loop region cache (see regionCacheDecl): the slot's region lookup (slot in range, writable,
 * its Uint8Array or DataView and length) is redone only when the slot differs from the previous iteration's;
 * the offset is still checked every time. The cache starts at slot -1 with an empty region, so a first access
 * through slot -1 (a pointer whose high word is 0) still fails the offset check and faults as usual.
 */
function check(
  base: number, off: number, size: number, write: boolean, pc: number, safe: boolean, cache?: number,
): { code: string; view: string } {
  const addr = `const s=(${hi(base)}-1)|0,o=((${lo(base)}+${num(off)})|0)-${num(LO_BASE)};`;
  const fault = `throw memFault(m,${num(pc)},${hi(base)},${lo(base)},${num(off)},${num(size)},${write ? 1 : 0});`;
  if (safe) return { code: size === 1 ? `${addr}const b=BY[s];` : addr, view: 'DV[s]' };
  const ro = write ? '||!WR[s]' : '';
  if (cache !== undefined) {
    const c = cacheNames(cache);
    if (size === 1) {
      const lookup = `if(s!==${c.slot}){if((s>>>0)>=BY.length${ro})${fault}${c.bytes}=BY[s];${c.slot}=s;}`;
      return { code: `${addr}${lookup}const b=${c.bytes};if((o>>>0)>=b.length)${fault}`, view: 'DV[s]' };
    }
    const lookup = `if(s!==${c.slot}){if((s>>>0)>=LEN.length${ro})${fault}${c.view}=DV[s];${c.len}=LEN[s];${c.slot}=s;}`;
    return { code: `${addr}${lookup}if((o>>>0)>${c.len}-${num(size)})${fault}`, view: c.view };
  }
  if (size === 1) {
    return { code: `${addr}if((s>>>0)>=BY.length${ro})${fault}const b=BY[s];if((o>>>0)>=b.length)${fault}`, view: 'DV[s]' };
  }
  return { code: `${addr}if((s>>>0)>=LEN.length||(o>>>0)>LEN[s]-${num(size)}${ro})${fault}`, view: 'DV[s]' };
}

/** Locals of region cache `id` (declared by the enclosing loop, see regionCacheDecl). */
function cacheNames(id: number): { slot: string; bytes: string; view: string; len: string } {
  const n = num(id);
  return { slot: `cs${n}`, bytes: `cb${n}`, view: `cv${n}`, len: `cn${n}` };
}

/**
 * Declarations of region cache `id`, placed before the loop that owns it (so it starts empty at every entry into
 * the loop). Only loops without calls or interpreter steps get caches: nothing else can remap or resize a region
 * while the loop runs (EMPTY8 / EMPTYDV: typed placeholders, so the locals keep one type for V8).
 */
export function regionCacheDecl(id: number, insn: Instruction): string {
  const c = cacheNames(id);
  const bytePath = SIZES[insn.opcode & 0x18] === 1;
  return bytePath ? `let ${c.slot}=-1,${c.bytes}=EMPTY8;` : `let ${c.slot}=-1,${c.view}=EMPTYDV,${c.len}=0;`;
}

function load(size: number, signed: boolean, dh: string, dl: string, V: string): string {
  switch (size) {
    // `| 0`: an unchecked (memSafe) read past the end gives undefined; the register must stay an int32.
    case 1: return signed ? `${dl}=(b[o]<<24)>>24;${dh}=${dl}>>31;` : `${dl}=b[o]|0;${dh}=0;`;
    case 2: return signed ? `${dl}=${V}.getInt16(o,true);${dh}=${dl}>>31;` : `${dl}=${V}.getUint16(o,true);${dh}=0;`;
    case 4: return signed ? `${dl}=${V}.getInt32(o,true);${dh}=${dl}>>31;` : `${dl}=${V}.getInt32(o,true);${dh}=0;`;
    default: return `{const v=${V};${dl}=v.getInt32(o,true);${dh}=v.getInt32(o+4,true);}`;
  }
}

function store(size: number, h: string, l: string, V: string): string {
  switch (size) {
    case 1: return `b[o]=${l};`;
    case 2: return `${V}.setInt16(o,${l},true);`;
    case 4: return `${V}.setInt32(o,${l},true);`;
    default: return `{const v=${V};v.setInt32(o,${l},true);v.setInt32(o+4,${h},true);}`;
  }
}

/**
 * True when the access needs no bounds check: a verifier's memSafe fact, or a stack access through r10 inside
 * the frame. r10 always points at the top of the current frame's writable STACK_SIZE-byte stack (the loader
 * refuses writes to r10; calls, returns and tail calls set it), so [r10 + off] with -STACK_SIZE <= off <= -size is
 * in bounds by construction (loads address through src, stores and atomics through dst).
 */
export function isUncheckedAccess(insn: Instruction, memSafe: boolean): boolean {
  const size = SIZES[insn.opcode & 0x18];
  const base = (insn.opcode & 0x07) === BPF_LDX ? insn.src : insn.dst;
  return memSafe || (base === 10 && insn.off >= -STACK_SIZE && insn.off + size <= 0);
}

/**
 * JS for LDX / ST / STX (plain and atomic), or undefined when the encoding is not one of them.
 * `memSafe`: a verifier proved the access in bounds (CompileOptions.facts) — the check is dropped, the access
 * still goes through a typed array, so it can never reach outside the program's regions.
 */
export function emitMem(insn: Instruction, pc: number, memSafe: boolean, cache?: number): string | undefined {
  const cls = insn.opcode & 0x07;
  const mode = insn.opcode & 0xe0;
  const size = SIZES[insn.opcode & 0x18];
  if (insn.dst > 10 || insn.src > 10) return undefined;
  const base = cls === BPF_LDX ? insn.src : insn.dst;
  const safe = isUncheckedAccess(insn, memSafe);
  const checked = (write: boolean): { code: string; view: string } => check(base, insn.off, size, write, pc, safe, cache);
  if (cls === BPF_LDX) {
    if (insn.imm !== 0) return undefined;
    const signed = mode === BPF_MEMSX && size !== 8;
    if (mode !== BPF_MEM && !signed) return undefined;
    const c = checked(false);
    return `{${c.code}${load(size, signed, hi(insn.dst), lo(insn.dst), c.view)}}`;
  }
  if (cls === BPF_ST) {
    if (mode !== BPF_MEM || insn.src !== 0) return undefined;
    const k = insn.imm | 0;
    const c = checked(true);
    return `{${c.code}${store(size, k < 0 ? '(-1)' : '0', num(k), c.view)}}`;
  }
  if (cls === BPF_STX) {
    if (mode === BPF_MEM) {
      if (insn.imm !== 0) return undefined;
      const c = checked(true);
      return `{${c.code}${store(size, hi(insn.src), lo(insn.src), c.view)}}`;
    }
    if (mode === BPF_ATOMIC && (size === 4 || size === 8)) {
      const c = checked(true);
      const body = atomic(insn.imm, size, insn.src, c.view);
      return body === undefined ? undefined : `{${c.code}${body}}`;
    }
  }
  return undefined;
}

/** Read-modify-write on the checked (s, o); fetch forms put the old value in src (zero-extended for 32-bit). */
function atomic(imm: number, size: number, src: number, V: string): string | undefined {
  const sh = hi(src);
  const sl = lo(src);
  const fetch = (imm & BPF_FETCH) !== 0;
  const op = imm & ~BPF_FETCH;
  if (size === 4) {
    const old = `const v=${V},x=v.getInt32(o,true);`;
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
  const old = `const v=${V},xl=v.getInt32(o,true),xh=v.getInt32(o+4,true);`;
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
