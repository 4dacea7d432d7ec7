// fast-check generators for valid eBPF instructions and programs, written from RFC 9669 and the Linux additions
// independently of validate.ts, so tests can check one against the other. For tests only (not exported by index.ts).

import fc from 'fast-check';
import type { Instruction } from '../instruction.js';

export interface InstructionArbitraryOptions {
  /**
   * Include the Linux-only encodings that RFC 9669 lacks: may_goto, addr_space_cast, load_acquire/store_release
   * (and 8/16-bit atomics, which exist only for those). Default true.
   */
  readonly linuxExtensions?: boolean;
}

const reg = fc.integer({ min: 0, max: 10 });
const s16 = fc.integer({ min: -0x8000, max: 0x7fff });
/** Mostly small values (readable counterexamples), with the full signed 32-bit range mixed in. */
const s32 = fc.oneof(
  fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
  fc.integer({ min: -16, max: 16 }),
  fc.constantFrom(-0x8000_0000, 0x7fff_ffff, -1),
);

type Fields = { dst?: fc.Arbitrary<number>; src?: fc.Arbitrary<number>; off?: fc.Arbitrary<number>; imm?: fc.Arbitrary<number> };

/** An instruction with `opcode` whose unlisted fields are 0. */
const form = (opcode: number, f: Fields = {}): fc.Arbitrary<Instruction> =>
  fc.record({
    opcode: fc.constant(opcode),
    dst: f.dst ?? fc.constant(0),
    src: f.src ?? fc.constant(0),
    off: f.off ?? fc.constant(0),
    imm: f.imm ?? fc.constant(0),
  });

// Opcode nibbles from RFC 9669 tables 3-6, written out rather than computed from opcodes.ts.
const ALU_CLASSES = [0x04, 0x07];
const ALU_BINARY = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xc0]; // add..arsh minus neg/mov/end
const JMP_COND = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];

function aluForms(ext: boolean): fc.Arbitrary<Instruction>[] {
  const out: fc.Arbitrary<Instruction>[] = [];
  for (const cls of ALU_CLASSES) {
    for (const op of ALU_BINARY) {
      const off = op === 0x30 || op === 0x90 ? fc.constantFrom(0, 1) : fc.constant(0); // div/mod: 1 = signed
      out.push(form(cls | op, { dst: reg, off, imm: s32 }));
      out.push(form(cls | op | 0x08, { dst: reg, src: reg, off }));
    }
    out.push(form(cls | 0x80, { dst: reg })); // neg
    out.push(form(cls | 0xb0, { dst: reg, imm: s32 })); // mov imm
    out.push(form(cls | 0xb8, { dst: reg, src: reg, off: fc.constantFrom(...(cls === 0x07 ? [0, 8, 16, 32] : [0, 8, 16])) }));
  }
  if (ext) out.push(form(0xbf, { dst: reg, src: reg, off: fc.constant(1), imm: fc.constantFrom(1, 0x10000) }));
  for (const opcode of [0xd4, 0xdc, 0xd7]) out.push(form(opcode, { dst: reg, imm: fc.constantFrom(16, 32, 64) }));
  return out;
}

function jumpForms(ext: boolean): fc.Arbitrary<Instruction>[] {
  const out: fc.Arbitrary<Instruction>[] = [];
  for (const cls of [0x05, 0x06]) {
    for (const op of JMP_COND) {
      out.push(form(cls | op, { dst: reg, off: s16, imm: s32 }));
      out.push(form(cls | op | 0x08, { dst: reg, src: reg, off: s16 }));
    }
  }
  out.push(form(0x05, { off: s16 })); // ja
  out.push(form(0x06, { imm: s32 })); // gotol / ja32
  out.push(form(0x85, { imm: s32 })); // call helper
  out.push(form(0x85, { src: fc.constant(1), imm: s32 })); // call local
  out.push(form(0x85, { src: fc.constant(2), off: s16, imm: s32 })); // call kfunc
  out.push(form(0x8d, { dst: reg })); // callx
  out.push(form(0x95)); // exit
  if (ext) out.push(form(0xe5, { off: s16 })); // may_goto
  return out;
}

function memoryForms(ext: boolean): fc.Arbitrary<Instruction>[] {
  const out: fc.Arbitrary<Instruction>[] = [];
  for (const size of [0x00, 0x08, 0x10, 0x18]) {
    out.push(form(0x61 | size, { dst: reg, src: reg, off: s16 })); // ldx
    out.push(form(0x62 | size, { dst: reg, off: s16, imm: s32 })); // st
    out.push(form(0x63 | size, { dst: reg, src: reg, off: s16 })); // stx
    if (size !== 0x18) {
      out.push(form(0x81 | size, { dst: reg, src: reg, off: s16 })); // ldxs
      out.push(form(0x20 | size, { imm: s32 })); // ld_abs
      out.push(form(0x40 | size, { src: reg, imm: s32 })); // ld_ind
    }
  }
  const rmw = [0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1];
  const acqRel = ext ? [0x100, 0x110] : [];
  for (const opcode of [0xc3, 0xdb]) out.push(form(opcode, { dst: reg, src: reg, off: s16, imm: fc.constantFrom(...rmw, ...acqRel) }));
  if (ext) for (const opcode of [0xd3, 0xcb]) out.push(form(opcode, { dst: reg, src: reg, off: s16, imm: fc.constantFrom(0x100, 0x110) }));
  return out;
}

/** lddw with every pseudo source; map_fd (1) and map_idx (5) keep imm2 = 0 as the kernel requires. */
const lddwForm: fc.Arbitrary<Instruction> = fc
  .record({ dst: reg, src: fc.integer({ min: 0, max: 6 }), imm: s32, imm2: s32 })
  .map(({ dst, src, imm, imm2 }) => ({ opcode: 0x18, dst, src, off: 0, imm, imm2: src === 1 || src === 5 ? 0 : imm2 }));

/** Any single valid instruction, each opcode form about equally likely. */
export function arbInstruction(options: InstructionArbitraryOptions = {}): fc.Arbitrary<Instruction> {
  const ext = options.linuxExtensions ?? true;
  return fc.oneof(...aluForms(ext), ...jumpForms(ext), ...memoryForms(ext), lddwForm);
}

/** A sequence of valid instructions (no control-flow sanity: jump targets are arbitrary). */
export function arbProgram(
  options: InstructionArbitraryOptions & { readonly minLength?: number; readonly maxLength?: number } = {},
): fc.Arbitrary<Instruction[]> {
  return fc.array(arbInstruction(options), { minLength: options.minLength ?? 0, maxLength: options.maxLength ?? 24 });
}
