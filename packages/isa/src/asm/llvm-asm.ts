// Assembler for the pseudo-C syntax of llvm-objdump, llvm-mc, clang -S, bpftool and the kernel verifier log.
// It reads everything disassembleLlvm() prints (all styles), the usual llvm-mc spellings, and labels (`LBB0_1:`).
import { helperId } from '../helpers.js';
import type { Instruction } from '../instruction.js';
import { AsmError } from './errors.js';
import { LexError, lex, stripComment, type Token } from './llvm-lexer.js';
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
  SIGNED_ALU_OPERATORS,
  SIGNED_SIZES,
  STORE_RELEASE,
  UNSIGNED_SIZES,
} from './llvm-spelling.js';
import {
  INT16_MAX,
  INT16_MIN,
  INT32_MAX,
  INT32_MIN,
  INT64_MIN,
  UINT32_MAX,
  UINT64_MAX,
  splitImm64,
  toInt32,
} from './numbers.js';

const invert = <K, V>(m: ReadonlyMap<K, V>): Map<V, K> => new Map([...m].map(([k, v]) => [v, k]));
const ALU_BY_OPERATOR = invert(ALU_OPERATORS);
const SIGNED_ALU_BY_OPERATOR = invert(SIGNED_ALU_OPERATORS);
const JUMP_BY_OPERATOR = invert(JUMP_OPERATORS);
const UNSIGNED_SIZE_BY_NAME = invert(UNSIGNED_SIZES);
const SIGNED_SIZE_BY_NAME = invert(SIGNED_SIZES);
const LOCK_BY_OPERATOR = invert(LOCK_OPERATORS);
const FETCH_BY_NAME = invert(FETCH_NAMES);
const END_BY_NAME = invert(END_NAMES);
const PSEUDO_BY_NAME = invert(PSEUDO_NAMES);

interface Register {
  n: number;
  wide: boolean; // rN (true) or wN (false)
  token: Token;
}

interface LabelUse {
  index: number;
  slot: number;
  token: Token;
  line: number;
  field: 'off' | 'imm';
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** llvm-objdump's symbolic jump annotation at the end of a line: `goto +0x3 <LBB0_2>`. */
const OBJDUMP_ANNOTATION = /\s+<[^<>]*>\s*$/;

const IGNORED_DIRECTIVES = new Set([
  '.text', '.file', '.globl', '.global', '.local', '.weak', '.hidden', '.p2align', '.align', '.type', '.size',
  '.section', '.previous', '.addrsig', '.addrsig_sym', '.ident', '.loc',
]);

/** A named location in the token stream, for error messages. */
const describe = (t: Token | undefined): string => (t === undefined ? 'the end of the line' : `'${t.text}'`);

/** Assembles pseudo-C BPF assembly. Throws AsmError naming line, column and what was expected. */
export function assembleLlvm(text: string): Instruction[] {
  return new LlvmAssembler().run(text);
}

class LlvmAssembler {
  private readonly out: Instruction[] = [];
  private slot = 0;
  private readonly labels = new Map<string, number>();
  private readonly uses: LabelUse[] = [];
  private lineNo = 0;
  private lineLength = 0;
  private tokens: Token[] = [];
  private pos = 0;

  run(text: string): Instruction[] {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      this.lineNo = i + 1;
      const line = stripComment(lines[i].replace(/\r$/, '')).replace(OBJDUMP_ANNOTATION, '');
      this.lineLength = line.length;
      if (this.directive(line)) continue;
      try {
        this.tokens = lex(line);
      } catch (err) {
        if (err instanceof LexError) throw new AsmError(err.reason, this.lineNo, err.column);
        throw err;
      }
      this.pos = 0;
      this.line();
    }
    for (const use of this.uses) this.resolve(use);
    return this.out;
  }

  /**
   * Assembler directives of `clang -S` output. Those about symbols and layout are ignored (all code is assembled
   * into one instruction stream, sections included); data directives are refused. `.insn` is an instruction.
   */
  private directive(line: string): boolean {
    const m = /^\s*(\.[A-Za-z_][\w.]*)(?=\s|$)/.exec(line);
    if (!m || m[1] === '.insn') return false;
    if (IGNORED_DIRECTIVES.has(m[1]) || m[1].startsWith('.cfi_')) return true;
    const reason = `unsupported directive '${m[1]}' (only instructions, labels and .insn are assembled)`;
    throw new AsmError(reason, this.lineNo, line.indexOf(m[1]) + 1);
  }

  // ---- token helpers -------------------------------------------------------------------------------------------

  private fail(reason: string, token: Token | undefined = this.peek()): never {
    throw new AsmError(reason, this.lineNo, token?.column ?? this.lineLength + 1);
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  private next(): Token | undefined {
    return this.tokens[this.pos++];
  }

  private previous(): Token | undefined {
    return this.tokens[this.pos - 1];
  }

  /** "after 'x'" for messages, naming the token before the current one. */
  private after(): string {
    const prev = this.previous();
    return prev ? ` after '${prev.text}'` : '';
  }

  private accept(text: string): boolean {
    if (this.peek()?.text === text) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expect(text: string): Token {
    const t = this.peek();
    if (t?.text !== text) this.fail(`expected '${text}'${this.after()}, found ${describe(t)}`);
    this.pos++;
    return t;
  }

  private isRegister(t: Token | undefined): boolean {
    return t !== undefined && t.kind === 'ident' && /^[rw]\d+$/.test(t.text);
  }

  private register(what = 'a register'): Register {
    const t = this.peek();
    if (!this.isRegister(t)) this.fail(`expected ${what}${this.after()}, found ${describe(t)}`);
    const n = Number(t!.text.slice(1));
    if (n > 10) this.fail(`${t!.text} is not a register (r0..r10, w0..w10)`, t);
    this.pos++;
    return { n, wide: t!.text[0] === 'r', token: t! };
  }

  /** An optionally signed literal: `-8`, `0x10`, `+3`. Undefined (nothing consumed) if there is none. */
  private maybeNumber(): { value: bigint; token: Token } | undefined {
    const start = this.peek();
    let sign = 1n;
    let k = 0;
    if (start?.text === '-' || start?.text === '+') {
      sign = start.text === '-' ? -1n : 1n;
      k = 1;
    }
    const t = this.peek(k);
    if (t?.kind !== 'number') return undefined;
    if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t.text)) this.fail(`'${t.text}' is not a number`, t);
    this.pos += k + 1;
    return { value: sign * BigInt(t.text), token: start! };
  }

  private number(what: string): { value: bigint; token: Token } {
    const n = this.maybeNumber();
    if (!n) this.fail(`expected ${what}${this.after()}, found ${describe(this.peek())}`);
    return n;
  }

  /** A 32-bit immediate: signed, or an unsigned 32-bit pattern (`0xffffffff` = -1). */
  private imm32(what = 'an immediate'): number {
    const { value, token } = this.number(what);
    if (value < INT32_MIN || value > UINT32_MAX) this.fail(`immediate ${value} does not fit in 32 bits`, token);
    return toInt32(value);
  }

  private s16(value: bigint, token: Token, what: string): number {
    if (value < INT16_MIN || value > INT16_MAX) this.fail(`${what} ${value} does not fit in a signed 16-bit field`, token);
    return Number(value);
  }

  private s32(value: bigint, token: Token, what: string): number {
    if (value < INT32_MIN || value > INT32_MAX) this.fail(`${what} ${value} does not fit in a signed 32-bit field`, token);
    return Number(value);
  }

  private end(): void {
    const t = this.peek();
    if (t) this.fail(`unexpected ${describe(t)} after the instruction`, t);
  }

  private sameWidth(a: Register, b: Register): void {
    if (a.wide !== b.wide) this.fail(`${b.token.text} and ${a.token.text} must both be rN or both be wN`, b.token);
  }

  // ---- statements ----------------------------------------------------------------------------------------------

  private line(): void {
    let opcodeHint: { value: number; token: Token } | undefined;
    // Kernel verifier log prefix `12: (b7) `.
    if (this.peek()?.kind === 'number' && this.peek(1)?.text === ':') {
      this.pos += 2;
      if (this.peek()?.text === '(' && this.peek(1) !== undefined && this.peek(2)?.text === ')') {
        const t = this.peek(1)!;
        if (!/^[0-9a-fA-F]{2}$/.test(t.text)) this.fail(`expected the opcode as two hex digits, found '${t.text}'`, t);
        opcodeHint = { value: parseInt(t.text, 16), token: t };
        this.pos += 3;
      }
    }
    // Labels: `name:` (several may share a line, an instruction may follow).
    while (this.peek()?.kind === 'ident' && this.peek(1)?.text === ':' && !opcodeHint) {
      const t = this.next()!;
      this.pos++;
      if (this.labels.has(t.text)) this.fail(`duplicate label '${t.text}'`, t);
      this.labels.set(t.text, this.slot);
    }
    if (this.peek() === undefined) return;
    const insn = this.instruction(opcodeHint?.value === 0x18);
    this.end();
    if (opcodeHint && opcodeHint.value !== insn.opcode) {
      this.fail(
        `the opcode in the prefix (${opcodeHint.token.text}) does not match the instruction (${hex2(insn.opcode)})`,
        opcodeHint.token,
      );
    }
    this.out.push(insn);
    this.slot += insn.opcode === 0x18 ? 2 : 1;
  }

  private instruction(lddwHint: boolean): Instruction {
    const t = this.peek()!;
    const insn: Instruction = { opcode: 0, dst: 0, src: 0, off: 0, imm: 0 };
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'exit':
          this.pos++;
          return { ...insn, opcode: 0x95 };
        case 'goto':
        case 'may_goto':
          this.pos++;
          insn.opcode = t.text === 'goto' ? 0x05 : 0xe5;
          insn.off = this.target('off');
          return insn;
        case 'gotol':
          this.pos++;
          insn.opcode = 0x06;
          insn.imm = this.target('imm');
          return insn;
        case 'if':
          this.pos++;
          return this.conditional();
        case 'call':
          this.pos++;
          return this.call();
        case 'callx':
          this.pos++;
          return { ...insn, opcode: 0x8d, dst: this.register().n };
        case 'lock':
          this.pos++;
          return this.lock();
        case 'store_release':
          this.pos++;
          return this.storeRelease();
        case '.insn':
          this.pos++;
          return this.raw();
        case 'ld_pseudo':
          this.pos++;
          return this.ldPseudo();
      }
      if (this.isRegister(t)) return this.assignment(lddwHint);
      this.fail(`unknown instruction '${t.text}'`, t);
    }
    if (t.text === '*') return this.store();
    this.fail(`expected an instruction, found '${t.text}'`, t);
  }

  /** `+N`, `-N`, `pc+N`, `pc-N` or a label. */
  private target(field: 'off' | 'imm'): number {
    const t = this.peek();
    if (t?.kind === 'ident' && t.text === 'pc') this.pos++;
    else if (t?.kind === 'ident') {
      this.pos++;
      this.uses.push({ index: this.out.length, slot: this.slot, token: t, line: this.lineNo, field });
      return 0;
    }
    const sign = this.peek();
    if (sign?.text !== '+' && sign?.text !== '-') {
      this.fail(`expected a jump target (+N, -N or a label)${this.after()}, found ${describe(sign)}`);
    }
    const { value, token } = this.number('a jump offset');
    return field === 'off' ? this.s16(value, token, 'jump offset') : this.s32(value, token, 'jump offset');
  }

  private resolve(use: LabelUse): void {
    this.lineNo = use.line;
    const slot = this.labels.get(use.token.text);
    if (slot === undefined) throw new AsmError(`unknown label '${use.token.text}'`, use.line, use.token.column);
    const distance = slot - use.slot - 1;
    const insn = this.out[use.index];
    if (use.field === 'imm') insn.imm = distance;
    else if (distance < -32768 || distance > 32767) {
      const reason = `label '${use.token.text}' is ${distance} slots away, beyond a 16-bit jump offset (use gotol)`;
      throw new AsmError(reason, use.line, use.token.column);
    } else insn.off = distance;
  }

  /** `if rD OP (rS | imm) goto T` */
  private conditional(): Instruction {
    const dst = this.register();
    const opToken = this.next();
    const op = opToken ? JUMP_BY_OPERATOR.get(opToken.text) : undefined;
    if (op === undefined) {
      this.fail(`expected a comparison (==, !=, >, s<=, &, …) after '${dst.token.text}', found ${describe(opToken)}`, opToken);
    }
    const insn: Instruction = { opcode: (dst.wide ? 0x05 : 0x06) | op, dst: dst.n, src: 0, off: 0, imm: 0 };
    if (this.isRegister(this.peek())) {
      const src = this.register();
      this.sameWidth(dst, src);
      insn.opcode |= 0x08;
      insn.src = src.n;
    } else {
      insn.imm = this.imm32(`a register or an immediate`);
    }
    this.expect('goto');
    insn.off = this.target('off');
    return insn;
  }

  /**
   * `call 1`, `call bpf_map_lookup_elem`, `call bpf_map_lookup_elem#1`, `call unknown#N` (helpers), `call pc+3`,
   * `call label` (bpf-to-bpf), `call kernel-function#N [off=N]` (kfunc).
   */
  private call(): Instruction {
    const insn: Instruction = { opcode: 0x85, dst: 0, src: 0, off: 0, imm: 0 };
    const t = this.peek();
    if (t?.kind === 'ident' && t.text === 'pc') {
      insn.src = 1;
      insn.imm = this.target('imm');
      return insn;
    }
    if (t?.kind !== 'ident') {
      insn.imm = this.imm32('a helper id, a helper name, pc+N or a label');
      return insn;
    }
    this.pos++;
    if (t.text === 'kernel-function') {
      insn.src = 2;
      this.expect('#');
      insn.imm = this.imm32('a kfunc BTF id');
      if (this.peek()?.text === 'off') {
        this.pos++;
        this.expect('=');
        const { value, token } = this.number('the kfunc offset');
        insn.off = this.s16(value, token, 'kfunc offset');
      }
      return insn;
    }
    if (this.accept('#')) {
      const { value, token } = this.number('a helper id');
      const id = this.s32(value, token, 'helper id');
      if (t.text !== 'unknown') {
        const named = t.text === 'bpf_unspec' ? 0 : helperId(t.text);
        if (named === undefined) this.fail(`unknown helper '${t.text}'`, t);
        if (named !== id) this.fail(`${t.text} is helper ${named}, not ${id}`, token);
      }
      insn.imm = id;
      return insn;
    }
    const id = helperId(t.text);
    if (id !== undefined) {
      insn.imm = id;
      return insn;
    }
    // Not a helper: a local function at a label.
    insn.src = 1;
    this.uses.push({ index: this.out.length, slot: this.slot, token: t, line: this.lineNo, field: 'imm' });
    return insn;
  }

  /** `(SIZE *)` — the cast of a memory access. */
  private cast(signedAllowed: boolean): { size: number; signed: boolean; token: Token } {
    this.expect('(');
    const t = this.peek();
    const unsigned = t ? UNSIGNED_SIZE_BY_NAME.get(t.text) : undefined;
    const signed = signedAllowed && t ? SIGNED_SIZE_BY_NAME.get(t.text) : undefined;
    if (unsigned === undefined && signed === undefined) {
      const sizes = signedAllowed ? 'u8, u16, u32, u64, s8, s16 or s32' : 'u8, u16, u32 or u64';
      this.fail(`expected a size (${sizes})${this.after()}, found ${describe(t)}`);
    }
    this.pos++;
    this.expect('*');
    this.expect(')');
    return { size: (unsigned ?? signed)!, signed: unsigned === undefined, token: t! };
  }

  /** `(rN + OFF)`, `(rN - OFF)`, `(rN +OFF)` (kernel), `(rN)`. */
  private memory(): { reg: Register; off: number } {
    this.expect('(');
    const reg = this.register('a base register');
    if (!reg.wide) this.fail(`a memory base must be a 64-bit register (r${reg.n})`, reg.token);
    let off = 0;
    if (!this.accept(')')) {
      off = this.displacement();
      this.expect(')');
    }
    return { reg, off };
  }

  /** `+ N` / `- N` after a base register. */
  private displacement(): number {
    const sign = this.peek();
    if (sign?.text !== '+' && sign?.text !== '-') {
      this.fail(`expected '+' or '-' and an offset${this.after()}, found ${describe(sign)}`);
    }
    const { value, token } = this.number('an offset');
    return this.s16(value, token, 'offset');
  }

  /** `*(SIZE *)(rD + off) = rS | imm` */
  private store(): Instruction {
    this.expect('*');
    const { size } = this.cast(false);
    const { reg: base, off } = this.memory();
    this.expect('=');
    if (this.isRegister(this.peek())) {
      const src = this.register();
      return { opcode: 0x63 | size, dst: base.n, src: src.n, off, imm: 0 };
    }
    return { opcode: 0x62 | size, dst: base.n, src: 0, off, imm: this.imm32('a register or an immediate') };
  }

  /** `lock *(SIZE *)(rD + off) OP= rS` */
  private lock(): Instruction {
    this.expect('*');
    const { size, token } = this.cast(false);
    if (size !== 0x18 && size !== 0x00) this.fail(`atomic operations are u32 or u64, not ${token.text}`, token);
    const { reg: base, off } = this.memory();
    const opToken = this.next();
    const imm = opToken ? LOCK_BY_OPERATOR.get(opToken.text) : undefined;
    if (imm === undefined) {
      this.fail(`expected '+=', '&=', '|=' or '^='${this.after()}, found ${describe(opToken)}`, opToken);
    }
    const src = this.register();
    return { opcode: 0xc3 | size, dst: base.n, src: src.n, off, imm };
  }

  /** `store_release((SIZE *)(rD + off), rS)` */
  private storeRelease(): Instruction {
    this.expect('(');
    const { size } = this.cast(false);
    const { reg: base, off } = this.memory();
    this.expect(',');
    const src = this.register();
    this.expect(')');
    return { opcode: 0xc3 | size, dst: base.n, src: src.n, off, imm: STORE_RELEASE };
  }

  /** `.insn OPCODE, DST, SRC, OFF, IMM[, IMM2]` — any encoding, field by field. */
  private raw(): Instruction {
    const field = (what: string, min: bigint, max: bigint): number => {
      const { value, token } = this.number(what);
      if (value < min || value > max) this.fail(`${what} ${value} is out of range ${min}..${max}`, token);
      return Number(value);
    };
    const opcode = field('the opcode', 0n, 255n);
    this.expect(',');
    const dst = field('dst', 0n, 15n);
    this.expect(',');
    const src = field('src', 0n, 15n);
    this.expect(',');
    const off = field('off', INT16_MIN, INT16_MAX);
    this.expect(',');
    const imm = toInt32(BigInt(field('imm', INT32_MIN, UINT32_MAX)));
    const insn: Instruction = { opcode, dst, src, off, imm };
    if (opcode === 0x18) {
      insn.imm2 = 0;
      if (this.accept(',')) insn.imm2 = toInt32(BigInt(field('imm2', INT32_MIN, UINT32_MAX)));
    }
    return insn;
  }

  /** LLVM's `ld_pseudo rD, SRC, IMM`: lddw with a pseudo source, IMM in the first slot, the second slot's imm 0. */
  private ldPseudo(): Instruction {
    const dst = this.register();
    if (!dst.wide) this.fail(`a 64-bit load needs an rN destination`, dst.token);
    this.expect(',');
    const { value: src, token } = this.number('the pseudo source');
    if (src < 0n || src > 15n) this.fail(`pseudo source ${src} is out of range 0..15`, token);
    this.expect(',');
    return { opcode: 0x18, dst: dst.n, src: Number(src), off: 0, imm: this.imm32(), imm2: 0 };
  }

  /** Everything that starts with a register: `rD = …` and `rD OP= …`. */
  private assignment(lddwHint: boolean): Instruction {
    const dst = this.register();
    const opToken = this.peek();
    if (opToken?.text === '=') {
      this.pos++;
      return this.assignmentValue(dst, lddwHint);
    }
    const plain = opToken ? ALU_BY_OPERATOR.get(opToken.text) : undefined;
    const signed = opToken ? SIGNED_ALU_BY_OPERATOR.get(opToken.text) : undefined;
    if (plain === undefined && signed === undefined) {
      this.fail(`expected '=' or an operator such as '+='${this.after()}, found ${describe(opToken)}`, opToken);
    }
    this.pos++;
    const opcode = (dst.wide ? 0x07 : 0x04) | (plain ?? signed)!;
    const insn: Instruction = { opcode, dst: dst.n, src: 0, off: signed !== undefined ? 1 : 0, imm: 0 };
    if (this.isRegister(this.peek())) {
      const src = this.register();
      this.sameWidth(dst, src);
      insn.opcode |= 0x08;
      insn.src = src.n;
    } else {
      if (!this.maybeNumberAhead()) {
        this.fail(`expected a register or an immediate after '${opToken!.text}', found ${describe(this.peek())}`);
      }
      insn.imm = this.imm32();
    }
    return insn;
  }

  private maybeNumberAhead(): boolean {
    const t = this.peek();
    return t?.kind === 'number' || ((t?.text === '-' || t?.text === '+') && this.peek(1)?.kind === 'number');
  }

  private assignmentValue(dst: Register, lddwHint: boolean): Instruction {
    const insn: Instruction = { opcode: 0, dst: dst.n, src: 0, off: 0, imm: 0 };
    const cls = dst.wide ? 0x07 : 0x04;
    const t = this.peek();
    if (t === undefined) this.fail(`expected a value after '=', found the end of the line`);
    // rD = -rD
    if (t.text === '-' && this.isRegister(this.peek(1))) {
      this.pos++;
      const src = this.register();
      this.sameWidth(dst, src);
      if (src.n !== dst.n) this.fail(`negation is in place: write ${dst.token.text} = -${dst.token.text}`, src.token);
      return { ...insn, opcode: cls | 0x80 };
    }
    if (this.maybeNumberAhead()) return this.constant(dst, lddwHint);
    if (this.isRegister(t)) {
      const src = this.register();
      // `r6 = w0` is how clang -S prints a zero-extending 32-bit move (LLVM's MOV_32_64): BPF_ALU | BPF_MOV | BPF_X.
      if (dst.wide && !src.wide) return { ...insn, opcode: 0xbc, src: src.n };
      this.sameWidth(dst, src);
      return { ...insn, opcode: cls | 0xb8, src: src.n };
    }
    if (t.text === '(') return this.signExtendingMove(dst);
    if (t.text === '*') return this.load(dst);
    if (t.kind !== 'ident') this.fail(`expected a value after '=', found '${t.text}'`, t);
    this.pos++;
    const end = /^(le|be|bswap)(16|32|64)$/.exec(t.text);
    if (end) {
      const src = this.register();
      if (src.n !== dst.n) {
        this.fail(`byte swaps are in place: write ${dst.token.text} = ${t.text} ${dst.token.text}`, src.token);
      }
      return { ...insn, opcode: END_BY_NAME.get(end[1])!, imm: Number(end[2]) };
    }
    const fetch = /^atomic(64)?_fetch_(add|and|or|xor)$/.exec(t.text);
    if (fetch) return this.atomicCall(dst, FETCH_BY_NAME.get(fetch[2])!, fetch[1] !== undefined, t);
    const xchg = /^atomic(64)?_xchg$/.exec(t.text);
    if (xchg) return this.atomicCall(dst, ATOMIC_XCHG, xchg[1] !== undefined, t);
    const cmpxchg = /^atomic(64)?_cmpxchg$/.exec(t.text);
    if (cmpxchg) return this.kernelCmpxchg(dst, cmpxchg[1] !== undefined, t);
    if (t.text === 'xchg_64' || t.text === 'xchg32_32') return this.llvmXchg(dst, t.text === 'xchg_64', false);
    if (t.text === 'cmpxchg_64' || t.text === 'cmpxchg32_32') return this.llvmXchg(dst, t.text === 'cmpxchg_64', true);
    if (t.text === 'load_acquire') {
      this.expect('(');
      const { size } = this.cast(false);
      const { reg: base, off } = this.memory();
      this.expect(')');
      return { opcode: 0xc3 | size, dst: dst.n, src: base.n, off, imm: LOAD_ACQUIRE };
    }
    if (t.text === 'addr_space_cast') {
      this.expect('(');
      const src = this.register();
      this.expect(',');
      const to = this.number('the destination address space');
      this.expect(',');
      const from = this.number('the source address space');
      this.expect(')');
      for (const n of [to, from]) if (n.value < 0n || n.value > 0xffffn) this.fail('address spaces are 0..65535', n.token);
      return { opcode: 0xbf, dst: dst.n, src: src.n, off: 1, imm: toInt32((to.value << 16n) | from.value) };
    }
    const pseudo = PSEUDO_BY_NAME.get(t.text);
    if (pseudo !== undefined) return this.pseudoLoad(dst, pseudo);
    if (t.text === 'map' && this.peek()?.text === '[') return this.bpftoolMap(dst);
    this.fail(`unknown value '${t.text}'`, t);
  }

  /** `rD = imm`, `rD = imm ll` (lddw), and the kernel log's lddw `rD = 0x…` (with prefix `(18)`). */
  private constant(dst: Register, lddwHint: boolean): Instruction {
    const { value, token } = this.number('an immediate');
    const ll = this.accept('ll');
    if (ll || lddwHint) {
      if (!dst.wide) this.fail(`a 64-bit load needs an rN destination`, dst.token);
      if (value < INT64_MIN || value > UINT64_MAX) this.fail(`immediate ${value} does not fit in 64 bits`, token);
      const { imm, imm2 } = splitImm64(value);
      return { opcode: 0x18, dst: dst.n, src: 0, off: 0, imm, imm2 };
    }
    if (value < INT32_MIN || value > UINT32_MAX) {
      this.fail(`immediate ${value} does not fit in 32 bits (add 'll' for a 64-bit load)`, token);
    }
    return { opcode: dst.wide ? 0xb7 : 0xb4, dst: dst.n, src: 0, off: 0, imm: toInt32(value) };
  }

  /** `rD = (s8)rS`, `wD = (s16)wS` */
  private signExtendingMove(dst: Register): Instruction {
    this.expect('(');
    const t = this.next();
    const bits = t && /^s(8|16|32)$/.exec(t.text);
    if (!bits) this.fail(`expected s8, s16 or s32 after '(', found ${describe(t)}`, t);
    this.expect(')');
    const src = this.register();
    this.sameWidth(dst, src);
    return { opcode: dst.wide ? 0xbf : 0xbc, dst: dst.n, src: src.n, off: Number(bits[1]), imm: 0 };
  }

  /** `rD = *(SIZE *)(rS + off)` and the packet loads `r0 = *(SIZE *)skb[imm]`, `skb[rS + imm]`. */
  private load(dst: Register): Instruction {
    this.expect('*');
    const { size, signed } = this.cast(true);
    if (this.peek()?.text === 'skb') {
      this.pos++;
      if (dst.n !== 0 || signed) this.fail(`packet loads are 'r0 = *(u8|u16|u32 *)skb[…]'`, dst.token);
      this.expect('[');
      if (this.isRegister(this.peek())) {
        const src = this.register();
        let imm = 0;
        if (this.accept('+')) imm = this.imm32('an offset');
        this.expect(']');
        return { opcode: 0x40 | size, dst: 0, src: src.n, off: 0, imm };
      }
      const imm = this.imm32('an offset or a register');
      this.expect(']');
      return { opcode: 0x20 | size, dst: 0, src: 0, off: 0, imm };
    }
    const { reg: base, off } = this.memory();
    return { opcode: (signed ? 0x81 : 0x61) | size, dst: dst.n, src: base.n, off, imm: 0 };
  }

  /** `rS = atomic[64]_fetch_OP((SIZE *)(rD + off), rS)` and `atomic[64]_xchg(…)`. */
  private atomicCall(result: Register, imm: number, is64Name: boolean, name: Token): Instruction {
    this.expect('(');
    const { size, token } = this.atomicCast(is64Name, name);
    void token;
    const { reg: base, off } = this.memory();
    this.expect(',');
    const src = this.register();
    this.expect(')');
    if (src.n !== result.n) {
      const hint = `write ${src.token.text} = ${name.text}(…, ${src.token.text})`;
      this.fail(`${name.text} returns the old value in its source register: ${hint}`, result.token);
    }
    return { opcode: 0xc3 | size, dst: base.n, src: src.n, off, imm };
  }

  private atomicCast(is64Name: boolean, name: Token): { size: number; token: Token } {
    const { size, token } = this.cast(false);
    if (size !== 0x18 && size !== 0x00) this.fail(`atomic operations are u32 or u64, not ${token.text}`, token);
    if (is64Name && size !== 0x18) this.fail(`${name.text} works on u64, not ${token.text}`, token);
    return { size, token };
  }

  /** Kernel: `r0 = atomic[64]_cmpxchg((SIZE *)(rD + off), r0, rS)`. */
  private kernelCmpxchg(result: Register, is64Name: boolean, name: Token): Instruction {
    this.expect('(');
    const { size } = this.atomicCast(is64Name, name);
    const { reg: base, off } = this.memory();
    this.expect(',');
    const expected = this.register();
    this.expect(',');
    const src = this.register();
    this.expect(')');
    if (result.n !== 0 || expected.n !== 0) {
      this.fail(`cmpxchg compares with and returns in r0`, result.n !== 0 ? result.token : expected.token);
    }
    return { opcode: 0xc3 | size, dst: base.n, src: src.n, off, imm: ATOMIC_CMPXCHG };
  }

  /** LLVM: `r0 = xchg_64(rD + off, r0)`, `w0 = xchg32_32(…)`, `r0 = cmpxchg_64(rD + off, r0, rS)`, `cmpxchg32_32`. */
  private llvmXchg(result: Register, is64: boolean, compare: boolean): Instruction {
    this.expect('(');
    const base = this.register('a base register');
    const off = this.displacement();
    this.expect(',');
    const first = this.register();
    let src = first;
    if (compare) {
      this.expect(',');
      src = this.register();
      if (result.n !== 0 || first.n !== 0) {
        this.fail(`cmpxchg compares with and returns in r0`, result.n !== 0 ? result.token : first.token);
      }
    } else if (first.n !== result.n) {
      const hint = `write ${first.token.text} = xchg(…, ${first.token.text})`;
      this.fail(`xchg returns the old value in its source register: ${hint}`, result.token);
    }
    this.expect(')');
    return { opcode: is64 ? 0xdb : 0xc3, dst: base.n, src: src.n, off, imm: compare ? ATOMIC_CMPXCHG : ATOMIC_XCHG };
  }

  /**
   * bpftool's xlated spelling (print_imm), after `map`: `rD = map[id:5]` (src_reg BPF_PSEUDO_MAP_FD holding the map
   * ID, as bpf_insn_prepare_dump leaves it) and `rD = map[id:5][0]+16` (BPF_PSEUDO_MAP_VALUE, value offset 16).
   */
  private bpftoolMap(dst: Register): Instruction {
    if (!dst.wide) this.fail(`a 64-bit load needs an rN destination`, dst.token);
    this.expect('[');
    this.expect('id');
    this.expect(':');
    const id = this.unsigned32('a map id');
    this.expect(']');
    if (!this.accept('[')) return { opcode: 0x18, dst: dst.n, src: 1, off: 0, imm: id, imm2: 0 };
    const index = this.number('the element index 0');
    if (index.value !== 0n) this.fail(`bpftool prints map values as element [0], found [${index.value}]`, index.token);
    this.expect(']');
    this.expect('+');
    return { opcode: 0x18, dst: dst.n, src: 2, off: 0, imm: id, imm2: this.unsigned32('a value offset') };
  }

  /** A number 0..0xffffffff (bpftool's `%u`), as the int32 bit pattern. */
  private unsigned32(what: string): number {
    const { value, token } = this.number(what);
    if (value < 0n || value > UINT32_MAX) this.fail(`${what} ${value} is not in 0..${UINT32_MAX}`, token);
    return toInt32(value);
  }

  /** `rD = map_fd(4)`, `map_value(4) + 16`, `btf_id(7)`, `func(pc+3)`, `map_idx(0)`, `map_idx_value(0) + 8`. */
  private pseudoLoad(dst: Register, src: number): Instruction {
    if (!dst.wide) this.fail(`a 64-bit load needs an rN destination`, dst.token);
    this.expect('(');
    let imm: number;
    if (src === 4) {
      this.expect('pc');
      imm = this.target('imm');
    } else {
      imm = this.imm32('a number');
    }
    this.expect(')');
    let imm2 = 0;
    if (this.accept('+')) {
      const { value, token } = this.number('an offset');
      if (value < 0n || value > UINT32_MAX) this.fail(`offset ${value} does not fit in 32 bits`, token);
      imm2 = toInt32(value);
    }
    return { opcode: 0x18, dst: dst.n, src, off: 0, imm, imm2 };
  }
}
