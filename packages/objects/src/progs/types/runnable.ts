// A program as it runs: the loaded instructions after the ctx-access conversion of its program type (ctx-access.ts).
// Program types with pointer fields in their ctx register their layout here; BPF_PROG_LOAD applies the conversion
// (convertInsnsForLoad), so every run path — test_run, attach points, tail calls — runs converted code. Callbacks
// (bpf_loop, bpf_for_each_map_elem) run inside the VM (HelperCall.callSubprogram, helpers/callbacks.ts).
import type { Kernel } from '../../kernel.js';
import type { ProgObject } from '../../prog/program.js';
import { convertCtxAccesses, type ConvertedProgram, type CtxPointerField } from './ctx-access.js';
import type { Instruction } from '@bpfsim/isa';
import type { RunResult } from '@bpfsim/vm';
import { runProgram, type ProgRunOptions } from '../run.js';

export interface CtxLayout {
  /** sizeof the uapi struct (what ctx_in / ctx_out carry). */
  readonly uapiSize: number;
  /** Pointer fields; their 64-bit values live after the uapi struct. */
  readonly pointerFields: readonly CtxPointerField[];
}

const layouts = new Map<number, CtxLayout>();
const converted = new WeakMap<ProgObject, ConvertedProgram>();

export function registerCtxLayout(progType: number, layout: CtxLayout): void {
  layouts.set(progType, layout);
}

export function ctxLayout(progType: number): CtxLayout | undefined {
  return layouts.get(progType);
}

/**
 * convert_ctx_accesses for BPF_PROG_LOAD: the instructions a program of `progType` runs (the kernel rewrites them
 * at load, so tail calls and every run path see the converted program). Idempotent.
 */
export function convertInsnsForLoad(progType: number, insns: readonly Instruction[]): Instruction[] {
  return convertCtxAccesses(insns, layouts.get(progType)?.pointerFields ?? []).insns;
}

/** The program's instructions after convert_ctx_accesses, and its max_ctx_offset. */
export function convertedProgram(prog: ProgObject): ConvertedProgram {
  let c = converted.get(prog);
  if (!c) {
    c = convertCtxAccesses(prog.insns, layouts.get(prog.type)?.pointerFields ?? []);
    converted.set(prog, c);
  }
  return c;
}

/**
 * Runs a program of any type (runProgram; the instructions were converted at load). Kept as the entry point other
 * parts of objects use for typed runs (iter/session.ts).
 */
export function runPrepared(kernel: Kernel, prog: ProgObject, opts: ProgRunOptions): RunResult {
  return runProgram(kernel, prog, opts);
}
