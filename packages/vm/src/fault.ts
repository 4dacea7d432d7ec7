// VmFault: the one error type that leaves a run.
import { helperName, type Instruction } from '@bpfsim/isa';
import { insnText } from './insn-text.js';
import type { Memory } from './memory.js';
import type { FaultKind } from './types.js';

export interface VmFaultDetails {
  /** Slot index of the faulting instruction (-1 when not tied to one). */
  pc: number;
  /** Disassembly of the faulting instruction, when known. */
  insn?: string;
  /** The underlying error (a helper's exception). */
  cause?: unknown;
}

/**
 * A run stopped abnormally. `message` reads like
 * `out of bounds: 8-byte read at stack-520, pc 7 (r0 = *(u64 *)(r10 - 520))`.
 */
export class VmFault extends Error {
  override name: string = 'VmFault';
  readonly kind: FaultKind;
  readonly pc: number;
  readonly insn: string | undefined;
  /** The text before ", pc N (...)": what went wrong. */
  readonly reason: string;

  constructor(kind: FaultKind, reason: string, details: VmFaultDetails) {
    const where = details.pc >= 0 ? `, pc ${details.pc}${details.insn ? ` (${details.insn})` : ''}` : '';
    super(`${reason}${where}`, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.kind = kind;
    this.pc = details.pc;
    this.insn = details.insn;
    this.reason = reason;
  }
}

/** Raised at load time: the instruction stream cannot be run (bad jump target, unknown opcode...). */
export class LoadError extends VmFault {
  override name: string = 'LoadError';
}

// ---- Fault builders shared by both engines, so a fault reads the same whichever engine ran. ----------------------

/** `bpf_map_lookup_elem#1`, or `#99` for an id the kernel does not define. */
export function helperLabel(id: number): string {
  const name = helperName(id);
  return name ? `bpf_${name}#${id}` : `#${id}`;
}

/**
 * A load or store outside every region, or a store into a read-only region:
 * `out of bounds: 8-byte read at stack-520, pc 7 (r0 = *(u64 *)(r10 - 520))`.
 * The address is given as its two 32-bit halves.
 */
export function memoryFault(
  memory: Memory,
  hi: number,
  lo: number,
  size: number,
  write: boolean,
  pc: number,
  insn: Instruction | undefined,
): VmFault {
  const addr = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  const { slot } = memory.locate(hi, lo, size);
  const where = memory.describe(addr);
  const access = `${size}-byte ${write ? 'write' : 'read'} at ${where}`;
  const reason =
    write && slot >= 0 && !memory.writable[slot]
      ? `write to read-only memory: ${access} (${memory.specs[slot].kind})`
      : `out of bounds: ${access}`;
  return new VmFault('out_of_bounds', reason, { pc, insn: insn && insnText(insn) });
}

/** Any other fault at an instruction. */
export function insnFault(kind: FaultKind, reason: string, pc: number, insn: Instruction | undefined, cause?: unknown): VmFault {
  return new VmFault(kind, reason, { pc, insn: insn && insnText(insn), cause });
}
