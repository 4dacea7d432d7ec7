// A program as it runs: the loaded instructions after the ctx-access conversion of its program type (ctx-access.ts),
// compiled once per program. Program types with pointer fields in their ctx register their layout here; every run
// path of objects-progs (test_run, attach points, callbacks) goes through prepareProgram before runProgram.
import type { LoadedProgram } from '@bpfsim/vm';
import type { Kernel } from '../../kernel.js';
import type { ProgObject } from '../../prog/program.js';
import { compileProgram } from '../../prog/vm-adapter.js';
import { runProgram, type ProgRunOptions } from '../run.js';
import { convertCtxAccesses, type ConvertedProgram, type CtxPointerField } from './ctx-access.js';
import type { RunResult } from '@bpfsim/vm';

export interface CtxLayout {
  /** sizeof the uapi struct (what ctx_in / ctx_out carry). */
  readonly uapiSize: number;
  /** Pointer fields; their 64-bit values live after the uapi struct. */
  readonly pointerFields: readonly CtxPointerField[];
}

const layouts = new Map<number, CtxLayout>();
const converted = new WeakMap<ProgObject, ConvertedProgram>();
const compiledByUs = new WeakMap<ProgObject, LoadedProgram>();
const callbacks = new WeakMap<ProgObject, Map<number, LoadedProgram>>();

export function registerCtxLayout(progType: number, layout: CtxLayout): void {
  layouts.set(progType, layout);
}

export function ctxLayout(progType: number): CtxLayout | undefined {
  return layouts.get(progType);
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

const engine = (kernel: Kernel): 'jit' | 'interp' => (kernel.jit ? 'jit' : 'interp');

/** Makes `prog.compiled` the converted program (replacing a compile of the raw instructions made elsewhere). */
export function prepareProgram(kernel: Kernel, prog: ProgObject): void {
  const mine = compiledByUs.get(prog);
  if (mine && prog.compiled === mine) return;
  const c = compileProgram(convertedProgram(prog).insns, engine(kernel));
  compiledByUs.set(prog, c);
  prog.compiled = c;
}

/** runProgram on the converted program. */
export function runPrepared(kernel: Kernel, prog: ProgObject, opts: ProgRunOptions): RunResult {
  prepareProgram(kernel, prog);
  return runProgram(kernel, prog, opts);
}

/**
 * A program that calls the subprogram at `slot` of `prog` and returns its r0: `call pc+(slot+1); exit` followed by
 * the program itself (relative jumps and calls stay valid). This is how bpf_loop and bpf_for_each_map_elem invoke
 * their callback (the kernel calls the subprogram's JITed image directly).
 */
export function callbackProgram(kernel: Kernel, prog: ProgObject, slot: number): LoadedProgram {
  let byProg = callbacks.get(prog);
  if (!byProg) callbacks.set(prog, (byProg = new Map()));
  let c = byProg.get(slot);
  if (!c) {
    const insns = [
      { opcode: 0x85, dst: 0, src: 1, off: 0, imm: slot + 1 },
      { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
      ...convertedProgram(prog).insns,
    ];
    c = compileProgram(insns, engine(kernel));
    byProg.set(slot, c);
  }
  return c;
}
