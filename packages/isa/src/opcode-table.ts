// The opcode table: for every valid opcode byte its name and the rule set for its fields, modelled on the kernel's per-class checks in
// kernel/bpf/verifier.c (check_alu_op, check_cond_jmp_op, check_ld_abs, check_ld_imm, check_atomic, the BPF_JA /
// BPF_CALL / BPF_EXIT branches of do_check_insn), on the opcode list of bpf_opcode_in_insntable() (kernel/bpf/core.c)
// and on RFC 9669. A field the instruction does not use must be zero.

import type { FieldProblem, InstructionField } from './errors.js';
import type { Instruction } from './instruction.js';
import {
  BPF_ADD, BPF_ADDR_SPACE_CAST, BPF_ALU, BPF_ALU64, BPF_AND, BPF_ARSH, BPF_ATOMIC, BPF_B, BPF_CALL, BPF_CMPXCHG,
  BPF_DIV, BPF_DW, BPF_END, BPF_EXIT, BPF_FETCH, BPF_H, BPF_ABS, BPF_IND, BPF_JA, BPF_JCOND, BPF_JEQ, BPF_JGE,
  BPF_JGT, BPF_JLE, BPF_JLT, BPF_JMP, BPF_JMP32, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT, BPF_K,
  BPF_LD, BPF_LDX, BPF_LOAD_ACQ, BPF_LSH, BPF_MEM, BPF_MEMSX, BPF_MOD, BPF_MOV, BPF_MUL, BPF_NEG, BPF_OR,
  BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_RSH, BPF_ST, BPF_STORE_REL, BPF_STX, BPF_SUB, BPF_TO_BE, BPF_TO_LE, BPF_W, BPF_X, BPF_XCHG, BPF_XOR,
  LDDW, MAX_REG,
} from './opcodes.js';

type Check = (insn: Instruction) => FieldProblem | undefined;

/** What the ISA accepts for one opcode byte. */
export interface OpcodeSpec {
  readonly opcode: number;
  /** Mnemonic used in messages, e.g. `add64 imm`, `ldxw`, `call`. */
  readonly name: string;
  readonly check: Check;
}

const problem = (field: InstructionField, value: number, reason: string): FieldProblem => ({ field, value, reason });

const reg =
  (field: 'dst' | 'src'): Check =>
  (insn) =>
    insn[field] <= MAX_REG ? undefined : problem(field, insn[field], `register must be r0..r${MAX_REG}`);

const zero =
  (field: 'dst' | 'src' | 'off' | 'imm'): Check =>
  (insn) =>
    insn[field] === 0 ? undefined : problem(field, insn[field], 'must be 0');

const anything: Check = () => undefined;

const oneOf =
  (field: 'src' | 'off' | 'imm', values: readonly number[], reason: string): Check =>
  (insn) =>
    values.includes(insn[field]) ? undefined : problem(field, insn[field], reason);

/** Runs the field checks in order dst, src, off, imm and reports the first failure. */
const fields =
  (dst: Check, src: Check, off: Check, imm: Check): Check =>
  (insn) =>
    dst(insn) ?? src(insn) ?? off(insn) ?? imm(insn);

const SPECS = new Map<number, OpcodeSpec>();
const define = (opcode: number, name: string, check: Check): void => {
  if (SPECS.has(opcode)) throw new Error(`opcode 0x${opcode.toString(16)} defined twice`);
  SPECS.set(opcode, { opcode, name, check });
};

// ---- ALU and ALU64 -------------------------------------------------------------------------------------------
const ALU_OPS: ReadonlyArray<readonly [number, string]> = [
  [BPF_ADD, 'add'], [BPF_SUB, 'sub'], [BPF_MUL, 'mul'], [BPF_DIV, 'div'], [BPF_OR, 'or'], [BPF_AND, 'and'],
  [BPF_LSH, 'lsh'], [BPF_RSH, 'rsh'], [BPF_MOD, 'mod'], [BPF_XOR, 'xor'], [BPF_ARSH, 'arsh'],
];

for (const cls of [BPF_ALU, BPF_ALU64]) {
  const w = cls === BPF_ALU64 ? '64' : '32';
  for (const [op, name] of ALU_OPS) {
    // RFC 9669 §4.1: off 1 selects the signed variant (sdiv/smod); every other ALU op keeps off 0.
    const off =
      op === BPF_DIV || op === BPF_MOD ? oneOf('off', [0, 1], 'must be 0 (unsigned) or 1 (signed)') : zero('off');
    define(cls | op | BPF_K, `${name}${w} imm`, fields(reg('dst'), zero('src'), off, anything));
    define(cls | op | BPF_X, `${name}${w} reg`, fields(reg('dst'), reg('src'), off, zero('imm')));
  }
  // BPF_NEG exists only with BPF_K (bpf_opcode_in_insntable has no NEG|X); it takes no operand at all.
  define(cls | BPF_NEG | BPF_K, `neg${w}`, fields(reg('dst'), zero('src'), zero('off'), zero('imm')));
  define(cls | BPF_MOV | BPF_K, `mov${w} imm`, fields(reg('dst'), zero('src'), zero('off'), anything));
}

// mov reg: off 8/16(/32) is movsx (RFC 9669 §4.1). The kernel allows 8 and 16 for 32-bit movsx, 8/16/32 for 64-bit.
define(
  BPF_ALU | BPF_MOV | BPF_X,
  'mov32 reg',
  fields(reg('dst'), reg('src'), oneOf('off', [0, 8, 16], 'must be 0 (mov) or 8, 16 (movsx)'), zero('imm')),
);
define(BPF_ALU64 | BPF_MOV | BPF_X, 'mov64 reg', (insn) => {
  const base = reg('dst')(insn) ?? reg('src')(insn);
  if (base) return base;
  const offReason = 'must be 0 (mov), 8, 16, 32 (movsx) or 1 with imm 1 or 0x10000 (addr_space_cast)';
  if (insn.off === BPF_ADDR_SPACE_CAST) {
    // off 1 with imm 0 reads as a plain mov with a stray offset (conformance unused-mov64_reg-offset): blame off.
    if (insn.imm === 0) return problem('off', insn.off, offReason);
    // Linux 6.9+ arena cast (check_alu_op): imm = (dst address space << 16) | src address space, only 0 <-> 1.
    return oneOf('imm', [1, 1 << 16], 'addr_space_cast (off 1) converts only between address spaces 1 and 0: imm must be 1 or 0x10000')(insn);
  }
  return oneOf('off', [0, 8, 16, 32], offReason)(insn) ?? zero('imm')(insn);
});

// Byte swaps: ALU|END|TO_LE = le, ALU|END|TO_BE = be, ALU64|END|TO_LE = unconditional bswap (RFC 9669 §4.2).
// ALU64|END|TO_BE (0xdf) is not an instruction.
const endImm = oneOf('imm', [16, 32, 64], 'byte-swap width must be 16, 32 or 64');
define(BPF_ALU | BPF_END | BPF_TO_LE, 'le', fields(reg('dst'), zero('src'), zero('off'), endImm));
define(BPF_ALU | BPF_END | BPF_TO_BE, 'be', fields(reg('dst'), zero('src'), zero('off'), endImm));
define(BPF_ALU64 | BPF_END | BPF_TO_LE, 'bswap', fields(reg('dst'), zero('src'), zero('off'), endImm));

// ---- JMP and JMP32 -------------------------------------------------------------------------------------------
const COND_OPS: ReadonlyArray<readonly [number, string]> = [
  [BPF_JEQ, 'jeq'], [BPF_JGT, 'jgt'], [BPF_JGE, 'jge'], [BPF_JSET, 'jset'], [BPF_JNE, 'jne'], [BPF_JSGT, 'jsgt'],
  [BPF_JSGE, 'jsge'], [BPF_JLT, 'jlt'], [BPF_JLE, 'jle'], [BPF_JSLT, 'jslt'], [BPF_JSLE, 'jsle'],
];
for (const cls of [BPF_JMP, BPF_JMP32]) {
  const w = cls === BPF_JMP32 ? '32' : '';
  for (const [op, name] of COND_OPS) {
    define(cls | op | BPF_K, `${name}${w} imm`, fields(reg('dst'), zero('src'), anything, anything));
    define(cls | op | BPF_X, `${name}${w} reg`, fields(reg('dst'), reg('src'), anything, zero('imm')));
  }
}
// ja: the target is off. gotol (JMP32|JA, Linux "gotol", conformance "ja32"): the target is imm and off stays 0.
define(BPF_JMP | BPF_JA | BPF_K, 'ja', fields(zero('dst'), zero('src'), anything, zero('imm')));
define(BPF_JMP32 | BPF_JA | BPF_K, 'gotol', fields(zero('dst'), zero('src'), zero('off'), anything));
// call: src 0 = helper id in imm, 1 = bpf-to-bpf call (imm = slot offset), 2 = kfunc (imm = BTF id, off = index of
// the module BTF fd in fd_array — the only call whose off may be non-zero).
define(BPF_JMP | BPF_CALL | BPF_K, 'call', (insn) =>
  zero('dst')(insn) ??
  oneOf('src', [0, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL], 'must be 0 (helper), 1 (local call) or 2 (kfunc)')(insn) ??
  (insn.src === BPF_PSEUDO_KFUNC_CALL ? undefined : zero('off')(insn)),
);
// callx (0x8d, call through a register) is not in RFC 9669's tables, which define CALL with K only. It exists in LLVM
// (-mcpu=v4 asm: llvm-mc-19 encodes `callx r2` as 8d 02 00 00 00 00 00 00, register in dst) and in the conformance
// suite's "callx" group (`call %r2`: register in dst, imm 0). We follow both: register in dst, src/off/imm zero.
// Linux's verifier refuses it ("BPF_CALL uses reserved fields", BPF_SRC must be K); the VM may still run it.
define(BPF_JMP | BPF_CALL | BPF_X, 'callx', fields(reg('dst'), zero('src'), zero('off'), zero('imm')));
define(BPF_JMP | BPF_EXIT | BPF_K, 'exit', fields(zero('dst'), zero('src'), zero('off'), zero('imm')));
// may_goto (Linux 6.9+, not in RFC 9669): a bounded-loop escape hatch; off is the target, src is BPF_MAY_GOTO (0).
define(BPF_JMP | BPF_JCOND | BPF_K, 'may_goto', fields(zero('dst'), zero('src'), anything, zero('imm')));

// ---- LD: lddw and the legacy packet loads -------------------------------------------------------------------
define(LDDW, 'lddw', (insn) => {
  const first =
    reg('dst')(insn) ??
    (insn.src <= BPF_PSEUDO_MAP_IDX_VALUE
      ? undefined
      : problem('src', insn.src, 'lddw pseudo source must be 0..6 (imm, map_fd, map_value, btf_id, func, map_idx, map_idx_value)')) ??
    zero('off')(insn);
  if (first) return first;
  // resolve_pseudo_ldimm64: a map fd / map index lives entirely in imm; the second half must be 0.
  const imm2 = insn.imm2 ?? 0;
  if ((insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_IDX) && imm2 !== 0) {
    return problem('lddw', imm2, `second slot imm must be 0 for src ${insn.src} (${insn.src === BPF_PSEUDO_MAP_FD ? 'map_fd' : 'map_idx'})`);
  }
  return undefined;
});
const SIZES: ReadonlyArray<readonly [number, string]> = [[BPF_W, 'w'], [BPF_H, 'h'], [BPF_B, 'b'], [BPF_DW, 'dw']];
for (const [size, s] of SIZES) {
  if (size === BPF_DW) continue; // check_ld_abs: BPF_DW is reserved for LD_ABS/LD_IND.
  // LD_ABS/LD_IND implicitly use r6 (skb) and write r0; dst is unused. imm is the packet offset.
  define(BPF_LD | BPF_ABS | size, `ldabs${s}`, fields(zero('dst'), zero('src'), zero('off'), anything));
  define(BPF_LD | BPF_IND | size, `ldind${s}`, fields(zero('dst'), reg('src'), zero('off'), anything));
}

// ---- LDX / ST / STX ---------------------------------------------------------------------------------------------
for (const [size, s] of SIZES) {
  define(BPF_LDX | BPF_MEM | size, `ldx${s}`, fields(reg('dst'), reg('src'), anything, zero('imm')));
  // MEMSX (sign-extending load) exists for B, H and W only.
  if (size !== BPF_DW) define(BPF_LDX | BPF_MEMSX | size, `ldxs${s}`, fields(reg('dst'), reg('src'), anything, zero('imm')));
  define(BPF_ST | BPF_MEM | size, `st${s}`, fields(reg('dst'), zero('src'), anything, anything));
  define(BPF_STX | BPF_MEM | size, `stx${s}`, fields(reg('dst'), reg('src'), anything, zero('imm')));
}

/** Read-modify-write atomics (RFC 9669 §5.3), valid for W and DW. */
export const ATOMIC_RMW_OPS: readonly number[] = [
  BPF_ADD, BPF_ADD | BPF_FETCH, BPF_OR, BPF_OR | BPF_FETCH, BPF_AND, BPF_AND | BPF_FETCH, BPF_XOR, BPF_XOR | BPF_FETCH,
  BPF_XCHG, BPF_CMPXCHG,
];
/** Load-acquire / store-release (Linux 6.15+, check_atomic_load / check_atomic_store), valid for every size. */
export const ATOMIC_LOAD_STORE_OPS: readonly number[] = [BPF_LOAD_ACQ, BPF_STORE_REL];

const SIZE_BITS: ReadonlyMap<number, number> = new Map([[BPF_W, 32], [BPF_H, 16], [BPF_B, 8], [BPF_DW, 64]]);
for (const [size, bits] of SIZE_BITS) {
  const wide = size === BPF_W || size === BPF_DW;
  const ops = wide ? [...ATOMIC_RMW_OPS, ...ATOMIC_LOAD_STORE_OPS] : ATOMIC_LOAD_STORE_OPS;
  const reason = wide
    ? 'atomic op must be add, or, and, xor (each optionally | fetch), xchg, cmpxchg, load_acquire or store_release'
    : `8- and 16-bit atomics are only load_acquire (0x100) and store_release (0x110)`;
  define(BPF_STX | BPF_ATOMIC | size, `atomic${bits}`, fields(reg('dst'), reg('src'), anything, oneOf('imm', ops, reason)));
}

// -------------------------------------------------------------------------------------------------------------------

/**
 * Which rule book to apply. 'rfc9669' (the default): RFC 9669 plus the conformance suite's callx and the Linux 6.x
 * additions — what decode() accepts. 'linux': exactly what the Linux 6.18 verifier accepts as an encoding, which
 * differs in two places (checked against the kernel by kernel-oracle.test.ts):
 * - callx (0x8d) is refused: do_check_insn requires BPF_CALL to use BPF_K ("BPF_CALL uses reserved fields");
 * - exit ignores off: the BPF_EXIT branch of do_check_insn tests src, dst and imm but not off.
 */
export type IsaDialect = 'rfc9669' | 'linux';

const LINUX_SPECS = new Map<number, OpcodeSpec>([
  [
    BPF_JMP | BPF_CALL | BPF_X,
    {
      opcode: BPF_JMP | BPF_CALL | BPF_X,
      name: 'callx',
      check: (insn) => problem('opcode', insn.opcode, 'Linux refuses callx (BPF_CALL with BPF_X): BPF_CALL uses reserved fields'),
    },
  ],
  [
    BPF_JMP | BPF_EXIT | BPF_K,
    { opcode: BPF_JMP | BPF_EXIT | BPF_K, name: 'exit', check: fields(zero('dst'), zero('src'), anything, zero('imm')) },
  ],
]);

/** The rules for an opcode byte, or undefined if no instruction has that opcode. */
export const opcodeSpec = (opcode: number): OpcodeSpec | undefined => SPECS.get(opcode);

/** Every valid opcode byte, ascending. */
export const VALID_OPCODES: readonly number[] = [...SPECS.keys()].sort((a, b) => a - b);

const CLASS_NAMES = ['ld', 'ldx', 'st', 'stx', 'alu', 'jmp', 'jmp32', 'alu64'];

/** Mnemonic of an opcode byte (`add64 imm`, `ldxw`, `call`, …); for invalid bytes a description such as `unknown alu64 opcode`. */
export const opcodeName = (opcode: number): string =>
  SPECS.get(opcode)?.name ?? `unknown ${CLASS_NAMES[opcode & 0x07]} opcode`;

export const isValidOpcode = (opcode: number): boolean => SPECS.has(opcode);

/** Hex with two digits, as in messages: 0x07. */
export const hexByte = (value: number): string => `0x${value.toString(16).padStart(2, '0')}`;

/** The 'linux' dialect's replacement rules for an opcode, if it has any. */
export const linuxOpcodeSpec = (opcode: number): OpcodeSpec | undefined => LINUX_SPECS.get(opcode);
