// Shared helpers for the core tests: tiny programs as raw bytes, little-endian keys and values.
import type { Instruction } from '@bpfsim/isa';
import { Kernel, type KernelOptions, type Process } from '@bpfsim/objects';

export const u32le = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};
export const u64le = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};
export const readU64 = (b: Uint8Array): bigint => new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

/** `r0 = imm; exit` (hand-encoded: b7 00 0000 imm32 / 95 00 0000 00000000). */
export const retImm = (imm: number): Uint8Array => fromHex(`b7000000${hex(u32le(imm))}9500000000000000`);

export const mov64 = (dst: number, imm: number): Instruction => ({ opcode: 0xb7, dst, src: 0, off: 0, imm });
export const exit: Instruction = { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 };
export const call = (id: number): Instruction => ({ opcode: 0x85, dst: 0, src: 0, off: 0, imm: id });
/** lddw dst, map_fd (BPF_PSEUDO_MAP_FD). */
export const ldMapFd = (dst: number, fd: number): Instruction => ({ opcode: 0x18, dst, src: 1, off: 0, imm: fd, imm2: 0 });
export const stxw = (dst: number, src: number, off: number): Instruction => ({ opcode: 0x63, dst, src, off, imm: 0 });
export const stw = (dst: number, off: number, imm: number): Instruction => ({ opcode: 0x62, dst, src: 0, off, imm });
export const movReg = (dst: number, src: number): Instruction => ({ opcode: 0xbf, dst, src, off: 0, imm: 0 });
export const addImm = (dst: number, imm: number): Instruction => ({ opcode: 0x07, dst, src: 0, off: 0, imm });
export const jeqImm = (dst: number, imm: number, off: number): Instruction => ({ opcode: 0x15, dst, src: 0, off, imm });
export const ldxdw = (dst: number, src: number, off: number): Instruction => ({ opcode: 0x79, dst, src, off, imm: 0 });
export const stxdw = (dst: number, src: number, off: number): Instruction => ({ opcode: 0x7b, dst, src, off, imm: 0 });

export function setup(opts: KernelOptions = {}): { kernel: Kernel; proc: Process } {
  const kernel = new Kernel(opts);
  return { kernel, proc: kernel.spawn({ uid: 0, gid: 0 }) };
}

export const hashMap = (proc: Process, max = 4, name?: string): number =>
  proc.mapCreate({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: max, map_name: name });
export const arrayMap = (proc: Process, max = 4, value = 8, flags = 0): number =>
  proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: value, max_entries: max, map_flags: flags });
export const socketFilter = (proc: Process, insns: Uint8Array | Instruction[] = retImm(0), license = 'GPL'): number =>
  proc.progLoad({ prog_type: 'BPF_PROG_TYPE_SOCKET_FILTER', insns, license });

/** Runs fn and returns the errno of the BpfError it throws (fails the test if it does not throw one). */
export function errnoOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const errno = (e as { errno?: string }).errno;
    if (errno) return errno;
    throw e;
  }
  throw new Error('expected a BpfError, call succeeded');
}
