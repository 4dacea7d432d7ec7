// Disassembler to the pseudo-C syntax: llvm-objdump style, or the kernel verifier log's lines
// (kernel/bpf/disasm.c, print_bpf_insn). assembleLlvm() reads every line it prints back to the same Instruction.
import { helperName } from '../helpers.js';
import type { Instruction } from '../instruction.js';
import { checkInstruction } from '../validate.js';
import { formatRelative, formatSigned, joinImm64 } from './numbers.js';
import {
  ALU_OPERATORS,
  ATOMIC_CMPXCHG,
  ATOMIC_XCHG,
  END_NAMES,
  FETCH_NAMES,
  JUMP_OPERATORS,
  LOAD_ACQUIRE,
  LOCK_OPERATORS,
  PSEUDO_NAMES,
  PSEUDO_WITH_OFFSET,
  SIGNED_ALU_OPERATORS,
  SIGNED_SIZES,
  STORE_RELEASE,
  UNSIGNED_SIZES,
} from './llvm-spelling.js';

export interface LlvmDisasmOptions {
  /**
   * Lines as the kernel verifier log prints them: `0: (b7) r0 = 0`, `goto pc+3`, `call bpf_map_lookup_elem#1`,
   * `(r10 -8)`. Departures, where the kernel's text would lose information: lddw with a pseudo source is spelled
   * `map_fd(4)` etc. instead of `0x4`, a kfunc call with a non-zero off gets ` off=N`, and callx is `callx rN`.
   */
  readonly kernelLog?: boolean;
  /** Numbers in hex exactly as llvm-objdump 19 prints them (`r0 = *(u32 *)(r1 + 0x4)`, `goto +0x3`); not with kernelLog. */
  readonly hex?: boolean;
  /**
   * The kernel's `cb_imm` (struct bpf_insn_cbs): the right-hand side of every lddw, given the instruction and its
   * 64-bit immediate; undefined keeps the default spelling. bpftool's print_imm shows `map[id:5]` this way.
   */
  readonly lddwImm?: (insn: Instruction, value: bigint) => string | undefined;
}

interface Style {
  kernel: boolean;
  hex: boolean;
  lddwImm?: (insn: Instruction, value: bigint) => string | undefined;
}

/**
 * bpftool's print_imm (tools/bpf/bpftool/xlated_dumper.c), for `lddwImm` with `kernelLog`: the xlated image of a
 * loaded program holds map IDs where the program had map fds (bpf_insn_prepare_dump), shown as `map[id:5]`, and a
 * map value address as `map[id:5][0]+16`; any other lddw is `0x%llx` of its immediate. assembleLlvm reads both
 * map spellings back. Checked against bpftool on Linux 6.18.
 */
export function bpftoolXlatedImm(insn: Instruction, value: bigint): string {
  if (insn.src === 1) return `map[id:${insn.imm >>> 0}]`;
  if (insn.src === 2) return `map[id:${insn.imm >>> 0}][0]+${(insn.imm2 ?? 0) >>> 0}`;
  return `0x${value.toString(16)}`;
}

/** The program, one instruction per line (each line ends with a newline). */
export function disassembleLlvm(insns: readonly Instruction[], options: LlvmDisasmOptions = {}): string {
  const style: Style = { kernel: options.kernelLog ?? false, hex: options.hex ?? false, lddwImm: options.lddwImm };
  let slot = 0;
  let out = '';
  for (const insn of insns) {
    const text = llvmText(insn, style);
    out += style.kernel ? `${slot}: (${hex2(insn.opcode)}) ${text}\n` : `${text}\n`;
    slot += insn.opcode === 0x18 ? 2 : 1;
  }
  return out;
}

/** One instruction without the kernel log's `N: (xx) ` prefix. */
export function llvmLine(insn: Instruction, options: LlvmDisasmOptions = {}): string {
  return llvmText(insn, { kernel: options.kernelLog ?? false, hex: options.hex ?? false, lddwImm: options.lddwImm });
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** `.insn OPCODE, DST, SRC, OFF, IMM[, IMM2]`: every field verbatim, for encodings the ISA reserves. */
function rawText(insn: Instruction): string {
  const fields = [`0x${hex2(insn.opcode)}`, insn.dst, insn.src, insn.off, insn.imm];
  if (insn.opcode === 0x18) fields.push(insn.imm2 ?? 0);
  return `.insn ${fields.join(', ')}`;
}

function llvmText(insn: Instruction, s: Style): string {
  if (checkInstruction(insn) !== undefined || insn.dst > 10 || insn.src > 10) return rawText(insn);
  return formatValid(insn, s) ?? rawText(insn);
}

function formatValid(insn: Instruction, s: Style): string | undefined {
  const { opcode, dst, src, off, imm } = insn;
  const cls = opcode & 0x07;
  const op = opcode & 0xf0;
  const x = (opcode & 0x08) !== 0;
  const num = (v: number | bigint): string => formatSigned(v, s.hex && !s.kernel);
  const rel = (v: number): string => (s.kernel ? `pc${v < 0 ? '' : '+'}${v}` : formatRelative(v, s.hex));
  // llvm: `r10 - 8` (`r10 - 0x8`); kernel: `r10 -8` ("(r%d %+d)").
  const address = (reg: number, o: number): string => `r${reg} ${o < 0 ? '-' : '+'} ${formatSigned(Math.abs(o), s.hex)}`;
  const mem = (reg: number, o: number): string => (s.kernel ? `(r${reg} ${o < 0 ? '' : '+'}${o})` : `(${address(reg, o)})`);
  // llvm (with alu32, as llvm-objdump --mcpu=v4) names 32-bit and narrower values wN; the kernel always says rN.
  const narrow = (reg: number, size: number): string => (!s.kernel && size !== 0x18 ? `w${reg}` : `r${reg}`);

  if (cls === 0x04 || cls === 0x07) {
    const r = cls === 0x04 ? 'w' : 'r';
    if (op === 0xd0) return `r${dst} = ${END_NAMES.get(opcode)}${imm} r${dst}`;
    if (op === 0x80) return `${r}${dst} = -${r}${dst}`;
    if (opcode === 0xbf && off === 1) return `r${dst} = addr_space_cast(r${src}, ${num(imm >>> 16)}, ${num(imm & 0xffff)})`;
    const operator = off === 1 ? SIGNED_ALU_OPERATORS.get(op) : ALU_OPERATORS.get(op);
    if (operator === undefined) return undefined;
    if (!x) return `${r}${dst} ${operator} ${num(imm)}`;
    const cast = op === 0xb0 && off !== 0 ? `(s${off})` : '';
    return `${r}${dst} ${operator} ${cast}${r}${src}`;
  }
  if (cls === 0x05 || cls === 0x06) {
    const r = cls === 0x06 ? 'w' : 'r';
    if (opcode === 0x95) return 'exit';
    if (opcode === 0x05) return `goto ${rel(off)}`;
    if (opcode === 0x06) return `gotol ${rel(imm)}`;
    if (opcode === 0xe5) return `may_goto ${rel(off)}`;
    if (opcode === 0x8d) return `callx r${dst}`;
    if (opcode === 0x85) return callText(insn, s);
    const operator = JUMP_OPERATORS.get(op);
    if (operator === undefined) return undefined;
    // The kernel prints a jump's immediate as 0x%x of the signed int, i.e. its unsigned 32-bit pattern.
    const rhs = x ? `${r}${src}` : s.kernel ? `0x${(imm >>> 0).toString(16)}` : num(imm);
    return `if ${r}${dst} ${operator} ${rhs} goto ${rel(off)}`;
  }
  const size = opcode & 0x18;
  const mode = opcode & 0xe0;
  if (opcode === 0x18) return lddwText(insn, s);
  if (cls === 0x00) {
    const type = UNSIGNED_SIZES.get(size);
    if (mode === 0x20) return `r0 = *(${type} *)skb[${num(imm)}]`;
    if (s.kernel || imm !== 0) return `r0 = *(${type} *)skb[r${src} + ${s.kernel ? imm : num(imm)}]`;
    return `r0 = *(${type} *)skb[r${src}]`;
  }
  if (cls === 0x01) {
    if (mode === 0x80) return `r${dst} = *(${SIGNED_SIZES.get(size)} *)${mem(src, off)}`;
    return `${narrow(dst, size)} = *(${UNSIGNED_SIZES.get(size)} *)${mem(src, off)}`;
  }
  if (cls === 0x02) return `*(${UNSIGNED_SIZES.get(size)} *)${mem(dst, off)} = ${num(imm)}`;
  const type = UNSIGNED_SIZES.get(size);
  if (mode === 0x60) return `*(${type} *)${mem(dst, off)} = ${narrow(src, size)}`;
  // BPF_ATOMIC
  const w64 = size === 0x18;
  const value = (reg: number): string => (s.kernel ? `r${reg}` : narrow(reg, size));
  const lockOp = LOCK_OPERATORS.get(imm);
  if (lockOp) return `lock *(${type} *)${mem(dst, off)} ${lockOp} ${value(src)}`;
  const fetch = FETCH_NAMES.get(imm);
  const kernelAtomic = (name: string): string => `atomic${w64 ? '64' : ''}_${name}`;
  if (fetch) {
    const name = s.kernel ? kernelAtomic(`fetch_${fetch}`) : `atomic_fetch_${fetch}`;
    return `${value(src)} = ${name}((${type} *)${mem(dst, off)}, ${value(src)})`;
  }
  if (imm === ATOMIC_XCHG) {
    if (s.kernel) return `r${src} = ${kernelAtomic('xchg')}((${type} *)${mem(dst, off)}, r${src})`;
    return `${value(src)} = ${w64 ? 'xchg_64' : 'xchg32_32'}(${address(dst, off)}, ${value(src)})`;
  }
  if (imm === ATOMIC_CMPXCHG) {
    if (s.kernel) return `r0 = ${kernelAtomic('cmpxchg')}((${type} *)${mem(dst, off)}, r0, r${src})`;
    const name = w64 ? 'cmpxchg_64' : 'cmpxchg32_32';
    return `${value(0)} = ${name}(${address(dst, off)}, ${value(0)}, ${value(src)})`;
  }
  if (imm === LOAD_ACQUIRE) return `${value(dst)} = load_acquire((${type} *)${mem(src, off)})`;
  if (imm === STORE_RELEASE) return `store_release((${type} *)${mem(dst, off)}, ${value(src)})`;
  return undefined;
}

function callText(insn: Instruction, s: Style): string {
  const { src, imm, off } = insn;
  if (src === 1) return `call pc${imm < 0 ? '' : '+'}${imm}`;
  if (src === 2) return `call kernel-function#${imm}${off !== 0 ? ` off=${off}` : ''}`;
  if (!s.kernel) return `call ${formatSigned(imm, s.hex)}`;
  // __func_get_name: bpf_<name> for a known id (0 is bpf_unspec), else "unknown".
  const name = imm === 0 ? 'unspec' : helperName(imm);
  return `call ${name === undefined ? 'unknown' : `bpf_${name}`}#${imm}`;
}

function lddwText(insn: Instruction, s: Style): string {
  const { dst, src, imm } = insn;
  const imm2 = insn.imm2 ?? 0;
  const custom = s.lddwImm?.(insn, joinImm64(imm, imm2));
  if (custom !== undefined) return `r${dst} = ${custom}`;
  const pseudo = PSEUDO_NAMES.get(src);
  if (pseudo !== undefined) {
    const arg = src === 4 ? `pc${imm < 0 ? '' : '+'}${imm}` : `${imm}`;
    const offset = imm2 !== 0 || PSEUDO_WITH_OFFSET.has(src) ? ` + ${imm2 >>> 0}` : '';
    return `r${dst} = ${pseudo}(${arg})${offset}`;
  }
  const value = joinImm64(imm, imm2);
  if (s.kernel) return `r${dst} = 0x${value.toString(16)}`;
  if (s.hex) return `r${dst} = ${formatSigned(BigInt.asIntN(64, value), true)} ll`;
  return `r${dst} = 0x${value.toString(16)} ll`;
}
