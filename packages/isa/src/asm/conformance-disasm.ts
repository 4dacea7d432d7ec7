// Disassembler to the conformance suite's syntax: one instruction per line, jumps as +N/-N, numbers chosen so
// that assembleConformance() reads back exactly the same Instruction (decimal immediates, hex lddw constants).
import type { Instruction } from '../instruction.js';
import { DisasmError } from './errors.js';
import { formatRelative, joinImm64 } from './numbers.js';

const ALU_NAMES: Record<number, string> = {
  0x0: 'add', 0x1: 'sub', 0x2: 'mul', 0x3: 'div', 0x4: 'or', 0x5: 'and', 0x6: 'lsh', 0x7: 'rsh',
  0x9: 'mod', 0xa: 'xor', 0xb: 'mov', 0xc: 'arsh',
};
const JMP_NAMES: Record<number, string> = {
  0x1: 'jeq', 0x2: 'jgt', 0x3: 'jge', 0x4: 'jset', 0x5: 'jne', 0x6: 'jsgt', 0x7: 'jsge',
  0xa: 'jlt', 0xb: 'jle', 0xc: 'jslt', 0xd: 'jsle',
};
const SIZE_SUFFIX: Record<number, string> = { 0x00: 'w', 0x08: 'h', 0x10: 'b', 0x18: 'dw' };
const ATOMIC_NAMES: Record<number, string> = {
  0x00: 'add', 0x01: 'fetch add', 0x40: 'or', 0x41: 'fetch or', 0x50: 'and', 0x51: 'fetch and',
  0xa0: 'xor', 0xa1: 'fetch xor', 0xe1: 'xchg', 0xf1: 'cmpxchg',
};

const reg = (n: number): string => `%r${n}`;
const mem = (r: number, off: number): string => (off === 0 ? `[${reg(r)}]` : `[${reg(r)}${off > 0 ? '+' : ''}${off}]`);

/**
 * The conformance spelling of one instruction, or undefined when the syntax has none (lddw with a pseudo source,
 * legacy packet loads, may_goto, kfunc calls with an offset, atomics other than the six forms, and any encoding
 * whose unused fields are not zero).
 */
export function conformanceLine(insn: Instruction): string | undefined {
  const { opcode, dst, src, off, imm } = insn;
  const cls = opcode & 0x07;
  const op = opcode >> 4;
  const x = (opcode & 0x08) !== 0;
  if (cls === 0x04 || cls === 0x07) {
    const suffix = cls === 0x04 ? '32' : '';
    if (op === 0xd) {
      if (src !== 0 || off !== 0 || ![16, 32, 64].includes(imm)) return undefined;
      if (cls === 0x07) return x ? undefined : `swap${imm} ${reg(dst)}`;
      return `${x ? 'be' : 'le'}${imm} ${reg(dst)}`;
    }
    if (op === 0x8) return x || src !== 0 || off !== 0 || imm !== 0 ? undefined : `neg${suffix} ${reg(dst)}`;
    let name = ALU_NAMES[op];
    if (name === undefined) return undefined;
    if (op === 0xb && off !== 0) {
      // movsx: 8/16/32 → 64, 8/16 → 32
      const ok = x && imm === 0 && (off === 8 || off === 16 || (off === 32 && cls === 0x07));
      return ok ? `movsx${off}${cls === 0x07 ? '64' : '32'} ${reg(dst)}, ${reg(src)}` : undefined;
    }
    if (off === 1 && (op === 0x3 || op === 0x9)) name = op === 0x3 ? 'sdiv' : 'smod';
    else if (off !== 0) return undefined;
    if (x) return imm === 0 ? `${name}${suffix} ${reg(dst)}, ${reg(src)}` : undefined;
    return src === 0 ? `${name}${suffix} ${reg(dst)}, ${imm}` : undefined;
  }
  if (cls === 0x05 || cls === 0x06) {
    if (opcode === 0x95) return dst === 0 && src === 0 && off === 0 && imm === 0 ? 'exit' : undefined;
    if (opcode === 0x05) return dst === 0 && src === 0 && imm === 0 ? `ja ${formatRelative(off, false)}` : undefined;
    if (opcode === 0x06) return dst === 0 && src === 0 && off === 0 ? `ja32 ${formatRelative(imm, false)}` : undefined;
    if (opcode === 0x85) {
      if (dst !== 0 || off !== 0) return undefined;
      if (src === 0) return `call ${imm}`;
      if (src === 1) return `call local ${formatRelative(imm, false)}`;
      if (src === 2) return `call runtime ${imm}`;
      return undefined;
    }
    if (opcode === 0x8d) return src === 0 && off === 0 && imm === 0 ? `call ${reg(dst)}` : undefined;
    const name = JMP_NAMES[op];
    if (name === undefined) return undefined;
    const suffix = cls === 0x06 ? '32' : '';
    const rhs = x ? (imm === 0 ? reg(src) : undefined) : src === 0 ? `${imm}` : undefined;
    return rhs === undefined ? undefined : `${name}${suffix} ${reg(dst)}, ${rhs}, ${formatRelative(off, false)}`;
  }
  if (opcode === 0x18) {
    if (src !== 0 || off !== 0) return undefined;
    return `lddw ${reg(dst)}, 0x${joinImm64(imm, insn.imm2 ?? 0).toString(16)}`;
  }
  const size = SIZE_SUFFIX[opcode & 0x18];
  const mode = opcode & 0xe0;
  if (cls === 0x01 && (mode === 0x60 || (mode === 0x80 && size !== 'dw'))) {
    return imm === 0 ? `ldx${mode === 0x80 ? 's' : ''}${size} ${reg(dst)}, ${mem(src, off)}` : undefined;
  }
  if (cls === 0x02 && mode === 0x60) return src === 0 ? `st${size} ${mem(dst, off)}, ${imm}` : undefined;
  if (cls === 0x03 && mode === 0x60) return imm === 0 ? `stx${size} ${mem(dst, off)}, ${reg(src)}` : undefined;
  if (cls === 0x03 && mode === 0xc0 && (size === 'w' || size === 'dw')) {
    const name = ATOMIC_NAMES[imm];
    if (name === undefined) return undefined;
    const [fetch, base] = name.includes(' ') ? name.split(' ') : ['', name];
    return `lock ${fetch ? 'fetch ' : ''}${base}${size === 'w' ? '32' : ''} ${mem(dst, off)}, ${reg(src)}`;
  }
  return undefined;
}

/** Whether every instruction has a conformance spelling (see conformanceLine). */
export const canDisassembleConformance = (insns: readonly Instruction[]): boolean =>
  insns.every((insn) => conformanceLine(insn) !== undefined);

/** The program in conformance syntax, one instruction per line. Throws DisasmError where a spelling is missing. */
export function disassembleConformance(insns: readonly Instruction[]): string {
  return insns
    .map((insn, index) => {
      const line = conformanceLine(insn);
      if (line === undefined) {
        const opcode = `0x${insn.opcode.toString(16).padStart(2, '0')}`;
        const fields = `src ${insn.src}, off ${insn.off}, imm ${insn.imm}`;
        throw new DisasmError(`opcode ${opcode} (${fields}) has no conformance-syntax spelling`, index);
      }
      return `${line}\n`;
    })
    .join('');
}
