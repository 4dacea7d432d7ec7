// Assembler for the conformance suite's syntax (/work/shared/conformance/README.md, "Assembly syntax"), with the
// reference assembler's verdicts and error texts (bpf_conformance's bpf_assembler). Deliberate differences, all
// supersets: `ja32` and `call local` take 32-bit targets (the reference caps them at 16 bits), and a label whose
// distance does not fit is an error instead of being silently truncated.
import type { Instruction } from '../instruction.js';
import { AsmError } from './errors.js';
import {
  INT16_MAX,
  INT16_MIN,
  INT32_MAX,
  INT32_MIN,
  INT64_MIN,
  UINT16_MAX,
  UINT32_MAX,
  UINT64_MAX,
  splitImm64,
  toInt16,
  toInt32,
} from './numbers.js';

interface Token {
  text: string;
  column: number;
}

/** A reference to a label, resolved once every label is known. */
interface PendingLabel {
  index: number; // into the output Instruction array
  slot: number;
  label: Token;
  line: number;
  field: 'off' | 'imm';
}

const REGISTERS = new Map<string, number>(Array.from({ length: 16 }, (_, n) => [`%r${n}`, n]));

const ALU_OPS: Record<string, number> = {
  add: 0x0, sub: 0x1, mul: 0x2, div: 0x3, or: 0x4, and: 0x5, lsh: 0x6, rsh: 0x7,
  mod: 0x9, xor: 0xa, mov: 0xb, arsh: 0xc, sdiv: 0x3, smod: 0x9,
};
const JMP_OPS: Record<string, number> = {
  jeq: 0x1, jgt: 0x2, jge: 0x3, jset: 0x4, jne: 0x5, jsgt: 0x6, jsge: 0x7,
  jlt: 0xa, jle: 0xb, jslt: 0xc, jsle: 0xd,
};
const LDX: Record<string, number> = {
  ldxb: 0x71, ldxh: 0x69, ldxw: 0x61, ldxdw: 0x79, ldxsb: 0x91, ldxsh: 0x89, ldxsw: 0x81,
};
const ST: Record<string, number> = { stb: 0x72, sth: 0x6a, stw: 0x62, stdw: 0x7a };
const STX: Record<string, number> = { stxb: 0x73, stxh: 0x6b, stxw: 0x63, stxdw: 0x7b };
const ENDIAN: Record<string, { opcode: number; imm: number }> = {};
for (const width of [16, 32, 64]) {
  ENDIAN[`le${width}`] = { opcode: 0xd4, imm: width };
  ENDIAN[`be${width}`] = { opcode: 0xdc, imm: width };
  ENDIAN[`swap${width}`] = { opcode: 0xd7, imm: width };
  ENDIAN[`bswap${width}`] = { opcode: 0xd7, imm: width };
}
const MOVSX: Record<string, { opcode: number; off: number }> = {
  movsx864: { opcode: 0xbf, off: 8 }, movsx1664: { opcode: 0xbf, off: 16 }, movsx3264: { opcode: 0xbf, off: 32 },
  movsx832: { opcode: 0xbc, off: 8 }, movsx1632: { opcode: 0xbc, off: 16 },
};
const ATOMIC_OPS: Record<string, number> = { add: 0x00, or: 0x40, and: 0x50, xor: 0xa0, xchg: 0xe1, cmpxchg: 0xf1 };

/** Operand count of each plain mnemonic (the reference's table). */
function operandCount(mnemonic: string): number | undefined {
  if (mnemonic in ALU_OPS || (mnemonic.endsWith('32') && mnemonic.slice(0, -2) in ALU_OPS)) return 2;
  if (mnemonic === 'neg' || mnemonic === 'neg32') return 1;
  if (mnemonic in ENDIAN) return 1;
  if (mnemonic in MOVSX) return 2;
  if (mnemonic in JMP_OPS || (mnemonic.endsWith('32') && mnemonic.slice(0, -2) in JMP_OPS)) return 3;
  if (mnemonic === 'ja' || mnemonic === 'ja32') return 1;
  if (mnemonic === 'call') return 2;
  if (mnemonic === 'exit') return 0;
  if (mnemonic === 'lddw') return 2;
  if (mnemonic in LDX || mnemonic in ST || mnemonic in STX) return 2;
  return undefined;
}

function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  const re = /\S+/g;
  for (let m = re.exec(line); m; m = re.exec(line)) tokens.push({ text: m[0], column: m.index + 1 });
  return tokens;
}

/** Assembles conformance-suite assembly into Instructions (lddw = one Instruction over two slots). */
export function assembleConformance(text: string): Instruction[] {
  return new ConformanceAssembler().run(text);
}

class ConformanceAssembler {
  private readonly out: Instruction[] = [];
  private slot = 0;
  private readonly labels = new Map<string, { slot: number; line: number }>();
  private readonly pending: PendingLabel[] = [];
  private exitSeen = false;
  private lineNo = 0;

  run(text: string): Instruction[] {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      this.lineNo = i + 1;
      let line = lines[i];
      if (line.endsWith('\r')) line = line.slice(0, -1);
      const hash = line.indexOf('#');
      if (hash >= 0) line = line.slice(0, hash);
      const tokens = tokenize(line);
      if (tokens.length > 0) this.statement(tokens);
    }
    for (const p of this.pending) this.resolve(p);
    return this.out;
  }

  private fail(reason: string, column: number): never {
    throw new AsmError(reason, this.lineNo, column);
  }

  private statement(tokens: Token[]): void {
    const head = tokens[0];
    if (head.text.endsWith(':')) {
      const name = head.text.slice(0, -1);
      const previous = this.labels.get(name);
      if (previous) {
        this.fail(
          `Duplicate label (${name}) detected at line ${this.slot} (previous declaration at line ${previous.slot})`,
          head.column,
        );
      }
      this.labels.set(name, { slot: this.slot, line: this.lineNo });
      return; // the rest of a label line is ignored
    }
    // A trailing comma on a token is dropped (only one, as the reference does).
    const operands = tokens.slice(1).map((t) => ({ ...t, text: t.text.endsWith(',') ? t.text.slice(0, -1) : t.text }));
    if (head.text === 'exit' && !this.exitSeen) {
      this.exitSeen = true;
      this.labels.set('exit', { slot: this.slot, line: this.lineNo });
    }
    if (head.text === 'lock') return this.lock(head, operands);
    if (head.text === 'call' && operands.length === 1) operands.unshift({ text: 'helper', column: head.column });
    const count = operandCount(head.text);
    if (count === undefined) this.fail(`Invalid mnemonic: ${head.text}`, head.column);
    if (operands.length !== count) this.fail(`Invalid number of operands for mnemonic: ${head.text}`, head.column);
    this.emit(this.encode(head.text, operands));
  }

  private emit(insn: Instruction): void {
    this.out.push(insn);
    this.slot += insn.imm2 === undefined ? 1 : 2;
  }

  private encode(m: string, ops: Token[]): Instruction {
    const insn: Instruction = { opcode: 0, dst: 0, src: 0, off: 0, imm: 0 };
    if (m in ENDIAN) {
      insn.opcode = ENDIAN[m].opcode;
      insn.imm = ENDIAN[m].imm;
      insn.dst = this.register(ops[0]);
      return insn;
    }
    if (m in MOVSX) {
      insn.opcode = MOVSX[m].opcode;
      insn.off = MOVSX[m].off;
      insn.dst = this.register(ops[0]);
      insn.src = this.register(ops[1]);
      return insn;
    }
    if (m === 'neg' || m === 'neg32') {
      insn.opcode = m === 'neg' ? 0x87 : 0x84;
      insn.dst = this.register(ops[0]);
      return insn;
    }
    const base = m.endsWith('32') ? m.slice(0, -2) : m;
    if (base in ALU_OPS) {
      insn.opcode = (m.endsWith('32') ? 0x04 : 0x07) | (ALU_OPS[base] << 4);
      if (base === 'sdiv' || base === 'smod') insn.off = 1;
      insn.dst = this.register(ops[0]);
      this.registerOrImmediate(insn, ops[1]);
      return insn;
    }
    if (base in JMP_OPS) {
      insn.opcode = (m.endsWith('32') ? 0x06 : 0x05) | (JMP_OPS[base] << 4);
      insn.dst = this.register(ops[0]);
      this.registerOrImmediate(insn, ops[1]);
      insn.off = this.target(ops[2], 'off', 16);
      return insn;
    }
    if (m === 'ja') {
      insn.opcode = 0x05;
      insn.off = this.target(ops[0], 'off', 16);
      return insn;
    }
    if (m === 'ja32') {
      insn.opcode = 0x06;
      insn.imm = this.target(ops[0], 'imm', 32);
      return insn;
    }
    if (m === 'exit') {
      insn.opcode = 0x95;
      return insn;
    }
    if (m === 'call') return this.call(ops[0], ops[1]);
    if (m === 'lddw') {
      insn.opcode = 0x18;
      insn.dst = this.register(ops[0]);
      const { imm, imm2 } = splitImm64(this.imm64(ops[1]));
      insn.imm = imm;
      insn.imm2 = imm2;
      return insn;
    }
    if (m in LDX) {
      insn.opcode = LDX[m];
      insn.dst = this.register(ops[0]);
      [insn.src, insn.off] = this.memory(ops[1]);
      return insn;
    }
    if (m in ST) {
      insn.opcode = ST[m];
      [insn.dst, insn.off] = this.memory(ops[0]);
      insn.imm = this.imm32(ops[1]);
      return insn;
    }
    // operandCount() admitted only the mnemonics handled above and STX.
    insn.opcode = STX[m];
    [insn.dst, insn.off] = this.memory(ops[0]);
    insn.src = this.register(ops[1]);
    return insn;
  }

  private call(mode: Token, target: Token): Instruction {
    const insn: Instruction = { opcode: 0x85, dst: 0, src: 0, off: 0, imm: 0 };
    if (mode.text === 'helper') {
      if (target.text.startsWith('%')) {
        insn.opcode = 0x8d; // callx: the register number travels in dst
        insn.dst = this.register(target);
      } else {
        insn.imm = this.imm32(target);
      }
    } else if (mode.text === 'local') {
      insn.src = 1;
      insn.imm = this.target(target, 'imm', 32);
    } else if (mode.text === 'runtime') {
      insn.src = 2;
      insn.imm = this.imm32(target);
    } else {
      this.fail('Invalid call mode', mode.column);
    }
    return insn;
  }

  /** `lock [fetch] OP [dst±off], src` with OP in add/and/or/xor/xchg/cmpxchg, optionally suffixed `32`. */
  private lock(head: Token, operands: Token[]): void {
    const rest = [...operands];
    const fetch = rest[0]?.text === 'fetch';
    if (fetch) rest.shift();
    if (rest.length === 0) this.fail('Invalid number of operands for lock', head.column);
    const op = rest.shift()!;
    const is32 = op.text.endsWith('32');
    const name = is32 ? op.text.slice(0, -2) : op.text;
    if (!(name in ATOMIC_OPS)) this.fail(`Invalid mnemonic: ${head.text}`, head.column);
    if (rest.length !== 2) this.fail('Invalid number of operands for lock', head.column);
    const [dst, off] = this.memory(rest[0]);
    const src = this.register(rest[1]);
    const imm = ATOMIC_OPS[name] | (fetch ? 0x01 : 0);
    this.emit({ opcode: is32 ? 0xc3 : 0xdb, dst, src, off, imm });
  }

  private register(token: Token): number {
    const reg = REGISTERS.get(token.text);
    if (reg === undefined) this.fail(`Invalid register: ${token.text}`, token.column);
    return reg;
  }

  private registerOrImmediate(insn: Instruction, token: Token): void {
    if (token.text.startsWith('%')) {
      insn.opcode |= 0x08;
      insn.src = this.register(token);
    } else {
      insn.imm = this.imm32(token);
    }
  }

  /** imm32: `0x` hex up to 0xffffffff (the raw pattern) or signed decimal. */
  private imm32(token: Token, text = token.text): number {
    const value = this.integer(text, token, 'Invalid immediate');
    const ok = text.includes('0x') ? value >= 0n && value <= UINT32_MAX : value >= INT32_MIN && value <= INT32_MAX;
    if (!ok) this.fail(`Immediate out of 32-bit range: ${text}`, token.column);
    return toInt32(value);
  }

  /** Offsets: `0x` hex up to 0xffff (the raw pattern) or signed decimal. */
  private offset(token: Token, text: string): number {
    const value = this.integer(text, token, 'Invalid offset');
    const ok = text.includes('0x') ? value >= 0n && value <= UINT16_MAX : value >= INT16_MIN && value <= INT16_MAX;
    if (!ok) this.fail(`Offset out of 16-bit range: ${text}`, token.column);
    return toInt16(value);
  }

  /** lddw's constant: `0x` hex (unsigned) or decimal (negative = two's complement). */
  private imm64(token: Token): bigint {
    const value = this.integer(token.text, token, 'Invalid immediate');
    const ok = token.text.includes('0x') ? value >= 0n && value <= UINT64_MAX : value >= INT64_MIN && value <= UINT64_MAX;
    if (!ok) this.fail(`Immediate out of 64-bit range: ${token.text}`, token.column);
    return value;
  }

  /**
   * A number as the reference reads it: any text containing `0x` is hex (a leading `-` then wraps it to a huge
   * value, which every range check refuses), otherwise decimal with an optional sign.
   */
  private integer(text: string, token: Token, what: string): bigint {
    const m = /^([+-]?)(0x[0-9a-fA-F]+|[0-9]+)$/.exec(text);
    if (!m) this.fail(`${what}: ${text}`, token.column);
    const magnitude = BigInt(m[2]);
    if (m[1] === '-') return m[2].startsWith('0x') ? -1n : -magnitude; // -0x… is out of every range
    return magnitude;
  }

  /** `[%rN]`, `[%rN+OFF]`, `[%rN-OFF]`. */
  private memory(token: Token): [number, number] {
    const t = token.text;
    const m = /^\[([^\]+-]*)(?:([+-][^\]]*))?\]$/.exec(t);
    if (!m) this.fail(`Failed to decode register and offset: ${t}`, token.column);
    const reg = this.register({ text: m[1], column: token.column + 1 });
    const off = m[2] === undefined ? 0 : this.offset(token, m[2]);
    return [reg, off];
  }

  /** A jump or call target: `+N`/`-N` or a label, resolved at the end. */
  private target(token: Token, field: 'off' | 'imm', bits: 16 | 32): number {
    if (token.text.startsWith('+') || token.text.startsWith('-')) {
      return bits === 16 ? this.offset(token, token.text) : this.imm32(token);
    }
    this.pending.push({ index: this.out.length, slot: this.slot, label: token, line: this.lineNo, field });
    return 0;
  }

  private resolve(p: PendingLabel): void {
    this.lineNo = p.line;
    const label = this.labels.get(p.label.text);
    if (!label) this.fail(`Invalid label: ${p.label.text}`, p.label.column);
    const distance = label.slot - p.slot - 1;
    const insn = this.out[p.index];
    if (p.field === 'imm') {
      insn.imm = distance;
    } else {
      if (distance < -32768 || distance > 32767) this.fail(`Offset out of 16-bit range: ${p.label.text}`, p.label.column);
      insn.off = distance;
    }
  }
}
