// The eBPF opcode byte, field by field (RFC 9669 §3, uapi linux/bpf_common.h + linux/bpf.h).

/** Instruction classes: the low 3 bits of the opcode. */
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

/** Source bit for ALU/JMP: K = immediate, X = register. */
export const BPF_K = 0x00;
export const BPF_X = 0x08;

/** ALU operations: the high 4 bits of the opcode. */
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

/** BPF_END source bit: to little endian (K) / to big endian (X); with ALU64 it means unconditional bswap. */
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;

/** Jump operations: the high 4 bits of the opcode. */
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;
/** Conditional pseudo-jump (Linux 6.9+): with src BPF_MAY_GOTO it is `may_goto`. Not in RFC 9669. */
export const BPF_JCOND = 0xe0;
/** src_reg of BPF_JMP | BPF_JCOND. */
export const BPF_MAY_GOTO = 0;

/** Load/store size: bits 3-4. */
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

/** Load/store mode: bits 5-7. */
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

/** Atomic operations, in the imm field of BPF_STX | BPF_ATOMIC. */
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
/** Linux 6.15+ (not in RFC 9669): load-acquire (dst = *(src + off)) and store-release (*(dst + off) = src). */
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;

/** `off` of BPF_ALU64 | BPF_MOV | BPF_X marking an arena address-space cast (Linux 6.9+, not in RFC 9669). */
export const BPF_ADDR_SPACE_CAST = 1;

/** Highest register number; r10 is the read-only frame pointer. */
export const MAX_REG = 10;
export const BPF_REG_FP = 10;

/** src_reg values of lddw (BPF_LD | BPF_IMM | BPF_DW). */
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

/** src_reg values of BPF_CALL. */
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

export const classOf = (opcode: number): number => opcode & 0x07;
export const aluOpOf = (opcode: number): number => opcode & 0xf0;
export const sourceOf = (opcode: number): number => opcode & 0x08;
export const sizeOf = (opcode: number): number => opcode & 0x18;
export const modeOf = (opcode: number): number => opcode & 0xe0;

/** Bytes moved by a load/store of the given size field. */
export const sizeBytes = (size: number): 1 | 2 | 4 | 8 =>
  size === BPF_B ? 1 : size === BPF_H ? 2 : size === BPF_W ? 4 : 8;

/** lddw: BPF_LD | BPF_IMM | BPF_DW, the only instruction that spans two slots. */
export const LDDW = BPF_LD | BPF_IMM | BPF_DW;
