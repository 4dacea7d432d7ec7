// The VM's public contract: what embedders (objects, cli, tests) hand in and get back.
// Internals (address layout, engines) live in their own modules; this file only names the seams.
import type { Instruction } from '@bpfsim/isa';

export type EngineName = 'interp' | 'jit';

/** What a region holds; used in fault messages ("stack", "ctx", "packet", "map_value", "mem"...). */
export type RegionKind = 'stack' | 'ctx' | 'packet' | 'map_value' | 'helper_mem' | 'mem' | 'map';

/** A span of bytes a program may address through a 64-bit pointer. */
export interface RegionSpec {
  kind: RegionKind;
  /** Human name for faults and traces, e.g. "stack", "ctx", "map_value(id=3)". */
  name: string;
  /** Backing store; the program reads and writes these very bytes. */
  bytes: Uint8Array;
  writable: boolean;
  /**
   * For a ctx region (e.g. a __sk_buff): the packet bytes that the legacy LD_ABS/LD_IND instructions read (the
   * skb's linear data). Without it, LD_ABS/LD_IND read the region r6 points into itself (a plain packet ctx).
   */
  packet?: Uint8Array;
}

/** Why a run stopped abnormally. Every error that leaves the VM is a VmFault. */
export type FaultKind =
  | 'out_of_bounds' // memory access outside every region (or read-only write)
  | 'invalid_insn' // undecodable / unsupported instruction at run time
  | 'unknown_helper' // call to a helper id the table lacks
  | 'helper_error' // a helper threw
  | 'call_depth' // more than 8 bpf-to-bpf frames
  | 'budget' // instruction budget exhausted
  | 'timeout' // wall-clock limit exceeded
  | 'bad_jump'; // jump/call target outside the program or into the middle of lddw

/** Program memory as helpers see it: bounds-checked access through 64-bit addresses. */
export interface MemoryAccess {
  read(addr: bigint, size: number): Uint8Array; // copy; throws VmFault('out_of_bounds') when not fully inside a region
  write(addr: bigint, data: Uint8Array): void; // throws on read-only or out-of-bounds
  /** The region and offset an address falls in, or undefined. */
  resolve(addr: bigint): { region: RegionSpec; offset: number } | undefined;
  /** Map an extra region for the rest of this run (e.g. a map value returned by a helper); returns its base address. */
  map(region: RegionSpec): bigint;
}

/** What a helper implementation receives besides r1..r5. */
export interface HelperCall {
  readonly id: number;
  readonly pc: number;
  readonly mem: MemoryAccess;
  /** The embedder's per-run context object (e.g. the simulated process, the program), passed through untouched. */
  readonly env: unknown;
  /**
   * Calls back into the running program, as bpf_loop / bpf_for_each_map_elem call their callback: runs the subprogram
   * starting at slot `target` of the program executing this helper call (the tail-called one after a tail call) in a
   * new frame one deeper than the caller's — its own zeroed 512-byte stack, r1..r5 = `args` (missing ones 0), r0 and
   * r6..r9 zero — until it exits, and returns its r0 (unsigned 64-bit). It shares the run's Memory, helpers,
   * instruction budget and deadline, and counts toward the 8-frame limit as the verifier's callback frame does
   * (push_callback_call). Every register of the caller is as it was afterwards. A fault inside the callback (VmFault,
   * pc = the callback's slot) ends the run; helpers should let it pass. Throws VmFault 'bad_jump' when `target` is not
   * an instruction start, 'call_depth' when the callback frame would be the 9th.
   */
  callSubprogram(target: number, args: readonly bigint[]): bigint;
}

/** A helper: r1..r5 as unsigned 64-bit BigInts in, r0 out (any BigInt; the VM truncates to 64 bits). */
export type HelperFn = (r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint, call: HelperCall) => bigint;

/** Helper table supplied by the embedder: id -> implementation. */
export type HelperTable = ReadonlyMap<number, HelperFn>;

/**
 * Tail calls (bpf_tail_call, helper 12): r2 holds the program-array pointer the program loaded, r3 the index (u32).
 * The embedder resolves them: the program at that index, or `undefined` / `null` when there is none (index past the
 * array, empty slot). Then the caller falls through as the kernel does, and — as in Linux 6.18 — the attempt does
 * not count toward MAX_TAIL_CALL_CNT (33).
 */
export type TailCallResolver = (
  mapPointer: bigint,
  index: number,
) => { insns: readonly Instruction[] } | null | undefined;
