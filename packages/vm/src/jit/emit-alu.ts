// ALU and ALU64 instructions as JavaScript on int32 halves (RFC 9669 §4.1): 32-bit results zero-extend (hi = 0),
// shift counts are masked, division by zero gives 0 and modulo by zero leaves dst (zero-extended for 32-bit).
import type { Instruction } from '@bpfsim/isa';
import {
  BPF_ADD, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_DIV, BPF_END, BPF_LSH, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG,
  BPF_OR, BPF_RSH, BPF_SUB, BPF_TO_BE, BPF_X, BPF_XOR,
} from '@bpfsim/isa';
import { hi, hiRead, immPair, lo, num, regPair, type Pair } from './source.js';

/**
 * JS source for an ALU/ALU64 instruction, or undefined when the encoding is not a valid ALU instruction.
 * `hz`: registers whose high word is known to be 0 here (ranges.ts); their high word is read as the literal 0.
 * High words are still always written, so the locals stay right wherever nothing is known.
 */
export function emitAlu(insn: Instruction, hz = 0): string | undefined {
  const cls = insn.opcode & 0x07;
  const op = insn.opcode & 0xf0;
  const x = (insn.opcode & BPF_X) !== 0;
  if (insn.dst > 10 || (x && insn.src > 10)) return undefined;
  if (op === BPF_END) return emitEnd(insn, cls, hz);
  if (op === BPF_NEG) {
    if (x || insn.off !== 0) return undefined;
    const d = insn.dst;
    return cls === BPF_ALU64
      ? `{const a=(-${lo(d)})|0;${hi(d)}=(-${hiRead(d, hz)}-(${lo(d)}!==0?1:0))|0;${lo(d)}=a;}`
      : `${lo(d)}=(-${lo(d)})|0;${hi(d)}=0;`;
  }
  const signed = insn.off === 1 && (op === BPF_DIV || op === BPF_MOD);
  const movsx = op === BPF_MOV && x && (insn.off === 8 || insn.off === 16 || (insn.off === 32 && cls === BPF_ALU64));
  if (insn.off !== 0 && !signed && !movsx) return undefined;
  if (cls === BPF_ALU64) {
    const s = x ? regPair(insn.src, hz) : immPair(insn.imm);
    return alu64(op, insn.dst, hiRead(insn.dst, hz), s, !x, insn.imm, signed, movsx ? insn.off : 0);
  }
  const s = x ? lo(insn.src) : num(insn.imm | 0);
  return alu32(op, insn.dst, s, !x, insn.imm, signed, movsx ? insn.off : 0);
}

/** A shift of the pair (dh, dl) by a count known at compile time (0..63); `r` reads dh. */
function shift64(op: number, dh: string, r: string, dl: string, n: number): string {
  if (n === 0) return '';
  if (op === BPF_LSH) {
    if (n >= 32) return `${dh}=${dl}<<${num(n - 32)};${dl}=0;`;
    return `${dh}=(${r}<<${num(n)})|(${dl}>>>${num(32 - n)});${dl}=${dl}<<${num(n)};`;
  }
  if (op === BPF_RSH) {
    if (n >= 32) return `${dl}=(${r}>>>${num(n - 32)})|0;${dh}=0;`;
    return `${dl}=(${dl}>>>${num(n)})|(${r}<<${num(32 - n)});${dh}=${r}>>>${num(n)};`;
  }
  // arsh
  if (n >= 32) return `${dl}=${r}>>${num(n - 32)};${dh}=${r}>>31;`;
  return `${dl}=(${dl}>>>${num(n)})|(${r}<<${num(32 - n)});${dh}=${r}>>${num(n)};`;
}

/** A shift of (dh, dl) by a count only known at run time (expression `count`, already masked to 0..63). */
function shift64Dynamic(op: number, dh: string, r: string, dl: string, count: string): string {
  const pre = `{const n=${count};if(n>=32){`;
  if (op === BPF_LSH) return `${pre}${dh}=${dl}<<(n-32);${dl}=0;}else if(n!==0){${dh}=(${r}<<n)|(${dl}>>>(32-n));${dl}=${dl}<<n;}}`;
  if (op === BPF_RSH) return `${pre}${dl}=(${r}>>>(n-32))|0;${dh}=0;}else if(n!==0){${dl}=(${dl}>>>n)|(${r}<<(32-n));${dh}=${r}>>>n;}}`;
  return `${pre}${dl}=${r}>>(n-32);${dh}=${r}>>31;}else if(n!==0){${dl}=(${dl}>>>n)|(${r}<<(32-n));${dh}=${r}>>n;}}`;
}

function alu64(
  op: number, d: number, r: string, s: Pair, isImm: boolean, k: number, signed: boolean, movsx: number,
): string | undefined {
  // dh / dl: the destination locals; r: how dh is read here (the literal 0 when known).
  const dh = hi(d);
  const dl = lo(d);
  switch (op) {
    case BPF_ADD:
      // Carry out of the low word: the wrapped sum is below an addend. A constant addend is compared as the
      // unsigned literal (adding 1 carries exactly when the sum wraps to 0).
      if (isImm) {
        const carry = k === 1 ? 'a===0' : `(a>>>0)<${num(k >>> 0)}`;
        return `{const a=(${dl}+${s.l})|0;${dh}=(${r}+${s.h}+(${carry}?1:0))|0;${dl}=a;}`;
      }
      return `{const a=(${dl}+${s.l})|0;${dh}=(${r}+${s.h}+((a>>>0)<(${s.l}>>>0)?1:0))|0;${dl}=a;}`;
    case BPF_SUB:
      return `{const a=(${dl}-${s.l})|0;${dh}=(${r}-${s.h}-((${dl}>>>0)<(${s.l}>>>0)?1:0))|0;${dl}=a;}`;
    case BPF_MUL:
      if (isImm && k >= 0 && k < 0x200000) {
        // Small constant: lo * k < 2^53 is exact in a double, so one multiply gives both words. p / 2^32 is in
        // [0, 2^21), where `| 0` truncates exactly like Math.floor but keeps V8 in int32 arithmetic (measured
        // about 10% on branchy's 3x + 1).
        return `{const p=(${dl}>>>0)*${num(k)};${dh}=(((p/4294967296)|0)+Math.imul(${r},${num(k)}))|0;${dl}=p|0;}`;
      }
      return `{const a=${dl},b=${s.l};${dh}=(mulhi(a,b)+Math.imul(${r},b)+Math.imul(a,${s.h}))|0;${dl}=Math.imul(a,b);}`;
    case BPF_OR:
      return `${dh}=${r}|${s.h};${dl}|=${s.l};`;
    case BPF_AND:
      return `${dh}=${r}&${s.h};${dl}&=${s.l};`;
    case BPF_XOR:
      return `${dh}=${r}^${s.h};${dl}^=${s.l};`;
    case BPF_MOV:
      if (movsx === 8) return `${dl}=(${s.l}<<24)>>24;${dh}=${dl}>>31;`;
      if (movsx === 16) return `${dl}=(${s.l}<<16)>>16;${dh}=${dl}>>31;`;
      if (movsx === 32) return `${dl}=${s.l};${dh}=${dl}>>31;`;
      return `${dh}=${s.h};${dl}=${s.l};`;
    case BPF_LSH:
    case BPF_RSH:
    case BPF_ARSH:
      return isImm ? shift64(op, dh, r, dl, k & 63) : shift64Dynamic(op, dh, r, dl, `${s.l}&63`);
    case BPF_DIV:
    case BPF_MOD: {
      const fn = signed ? 'sdivmod' : 'udivmod';
      const take = op === BPF_DIV ? `${dh}=OUT[1];${dl}=OUT[0];` : `${dh}=OUT[3];${dl}=OUT[2];`;
      const call = `${fn}(${dl},${r},${s.l},${s.h});${take}`;
      if (isImm) {
        // Constant divisor: the zero case is decided now.
        if (k === 0) return op === BPF_DIV ? `${dh}=0;${dl}=0;` : '';
        return call;
      }
      const onZero = op === BPF_DIV ? `${dh}=0;${dl}=0;` : '';
      return `if((${s.l}|${s.h})===0){${onZero}}else{${call}}`;
    }
    default:
      return undefined;
  }
}

function alu32(
  op: number, d: number, s: string, isImm: boolean, imm: number, signed: boolean, movsx: number,
): string | undefined {
  const dh = hi(d);
  const dl = lo(d);
  const z = `${dh}=0;`;
  switch (op) {
    case BPF_ADD:
      return `${dl}=(${dl}+${s})|0;${z}`;
    case BPF_SUB:
      return `${dl}=(${dl}-${s})|0;${z}`;
    case BPF_MUL:
      return `${dl}=Math.imul(${dl},${s});${z}`;
    case BPF_OR:
      return `${dl}|=${s};${z}`;
    case BPF_AND:
      return `${dl}&=${s};${z}`;
    case BPF_XOR:
      return `${dl}^=${s};${z}`;
    case BPF_MOV:
      if (movsx === 8) return `${dl}=(${s}<<24)>>24;${z}`;
      if (movsx === 16) return `${dl}=(${s}<<16)>>16;${z}`;
      return `${dl}=${s};${z}`;
    case BPF_LSH:
      return isImm ? `${dl}<<=${num(imm & 31)};${z}` : `${dl}<<=(${s}&31);${z}`;
    case BPF_RSH:
      return isImm ? `${dl}=(${dl}>>>${num(imm & 31)})|0;${z}` : `${dl}=(${dl}>>>(${s}&31))|0;${z}`;
    case BPF_ARSH:
      return isImm ? `${dl}>>=${num(imm & 31)};${z}` : `${dl}>>=(${s}&31);${z}`;
    case BPF_DIV:
      if (signed) {
        // (a / b) | 0 truncates toward zero; INT_MIN / -1 = 2^31 wraps to INT_MIN as the RFC wants.
        if (isImm) return imm === 0 ? `${dl}=0;${z}` : `${dl}=(${dl}/${s})|0;${z}`;
        return `${dl}=${s}===0?0:(${dl}/${s})|0;${z}`;
      }
      if (isImm) return imm === 0 ? `${dl}=0;${z}` : `${dl}=((${dl}>>>0)/${num(imm >>> 0)})|0;${z}`;
      return `${dl}=${s}===0?0:((${dl}>>>0)/(${s}>>>0))|0;${z}`;
    case BPF_MOD:
      if (signed) {
        // JS % takes the dividend's sign like C; INT_MIN % -1 is -0, and | 0 makes it 0.
        if (isImm) return imm === 0 ? z : `${dl}=(${dl}%${s})|0;${z}`;
        return `${dl}=${s}===0?${dl}:(${dl}%${s})|0;${z}`;
      }
      if (isImm) return imm === 0 ? z : `${dl}=((${dl}>>>0)%${num(imm >>> 0)})|0;${z}`;
      return `${dl}=${s}===0?${dl}:((${dl}>>>0)%(${s}>>>0))|0;${z}`;
    default:
      return undefined;
  }
}

/** Byte-order instructions: le16/32/64 truncate (the VM is little-endian), be* and ALU64 bswap* reverse bytes. */
function emitEnd(insn: Instruction, cls: number, hz: number): string | undefined {
  const d = insn.dst;
  const dh = hi(d);
  const dl = lo(d);
  const toBe = (insn.opcode & BPF_TO_BE) !== 0;
  if (insn.off !== 0) return undefined;
  if (cls === BPF_ALU64 && toBe) return undefined;
  const swap = cls === BPF_ALU64 || toBe;
  switch (insn.imm) {
    case 16:
      return swap ? `${dl}=((${dl}&255)<<8)|((${dl}>>>8)&255);${dh}=0;` : `${dl}&=65535;${dh}=0;`;
    case 32:
      return swap ? `${dl}=bswap32(${dl});${dh}=0;` : `${dh}=0;`;
    case 64:
      return swap ? `{const t=bswap32(${hiRead(d, hz)});${dh}=bswap32(${dl});${dl}=t;}` : '';
    default:
      return undefined;
  }
}
