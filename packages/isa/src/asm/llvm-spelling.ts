// Spellings shared by the pseudo-C printer and parser (kernel/bpf/disasm.c tables, LLVM's BPF asm syntax).

/** ALU operation nibble (opcode & 0xf0) -> compound assignment operator. */
export const ALU_OPERATORS: ReadonlyMap<number, string> = new Map([
  [0x00, '+='], [0x10, '-='], [0x20, '*='], [0x30, '/='], [0x40, '|='], [0x50, '&='],
  [0x60, '<<='], [0x70, '>>='], [0x90, '%='], [0xa0, '^='], [0xb0, '='], [0xc0, 's>>='],
]);
/** Signed division and modulo (off = 1). */
export const SIGNED_ALU_OPERATORS: ReadonlyMap<number, string> = new Map([[0x30, 's/='], [0x90, 's%=']]);

/** Jump operation nibble -> comparison operator. */
export const JUMP_OPERATORS: ReadonlyMap<number, string> = new Map([
  [0x10, '=='], [0x20, '>'], [0x30, '>='], [0x40, '&'], [0x50, '!='], [0x60, 's>'], [0x70, 's>='],
  [0xa0, '<'], [0xb0, '<='], [0xc0, 's<'], [0xd0, 's<='],
]);

/** Size field -> `u8` … `u64` (BPF_MEM) and `s8` … `s32` (BPF_MEMSX). */
export const UNSIGNED_SIZES: ReadonlyMap<number, string> = new Map([
  [0x10, 'u8'], [0x08, 'u16'], [0x00, 'u32'], [0x18, 'u64'],
]);
export const SIGNED_SIZES: ReadonlyMap<number, string> = new Map([[0x10, 's8'], [0x08, 's16'], [0x00, 's32']]);

/** Atomic read-modify-write operations without fetch: imm -> operator of `lock *(u64 *)(r1 + 0) += r2`. */
export const LOCK_OPERATORS: ReadonlyMap<number, string> = new Map([[0x00, '+='], [0x40, '|='], [0x50, '&='], [0xa0, '^=']]);
/** With BPF_FETCH: imm -> the name after `atomic_fetch_`. */
export const FETCH_NAMES: ReadonlyMap<number, string> = new Map([[0x01, 'add'], [0x41, 'or'], [0x51, 'and'], [0xa1, 'xor']]);

export const ATOMIC_XCHG = 0xe1;
export const ATOMIC_CMPXCHG = 0xf1;
export const LOAD_ACQUIRE = 0x100;
export const STORE_RELEASE = 0x110;

/**
 * lddw with a pseudo source (src_reg): our spelling, `r1 = map_fd(4)`, `r1 = map_value(4) + 16`, … . The kernel
 * log prints only `r1 = 0x4` for these (print_bpf_insn without a cb_imm), which loses the source, and bpftool
 * prints `map[id:5]` after load; a spelling that names the source keeps disassembly reversible.
 */
export const PSEUDO_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'map_fd'], [2, 'map_value'], [3, 'btf_id'], [4, 'func'], [5, 'map_idx'], [6, 'map_idx_value'],
]);
/** Sources whose second-slot imm is an offset into the map value, always printed as `+ N`. */
export const PSEUDO_WITH_OFFSET: ReadonlySet<number> = new Set([2, 6]);

/** Byte-swap spellings: ALU|END|TO_LE, ALU|END|TO_BE, ALU64|END (unconditional). */
export const END_NAMES: ReadonlyMap<number, string> = new Map([[0xd4, 'le'], [0xdc, 'be'], [0xd7, 'bswap']]);
