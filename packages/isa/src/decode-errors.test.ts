// Every class of malformed input is rejected with a DecodeError naming the slot and the field at fault.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DecodeError, EncodeError, VALID_OPCODES, decode, encode, type Instruction, type InstructionField,
} from './index.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(hex.trim().split(/\s+/).map((h) => Number.parseInt(h, 16)));
const EXIT = '95 00 00 00 00 00 00 00';
const MOV_R0_0 = 'b7 00 00 00 00 00 00 00';

function decodeError(hex: string): DecodeError {
  try {
    decode(bytes(hex));
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return e as DecodeError;
  }
  throw new Error(`decode accepted ${hex}`);
}

function expectRejected(hex: string, index: number, field: InstructionField, message?: RegExp | string): void {
  const err = decodeError(hex);
  expect({ index: err.index, field: err.field }).toEqual({ index, field });
  expect(err.message).toMatch(new RegExp(`^insn ${index}: `));
  if (typeof message === 'string') expect(err.message).toBe(message);
  else if (message) expect(err.message).toMatch(message);
}

describe('the set of valid opcodes', () => {
  it('is exactly the 125 opcodes of RFC 9669 plus callx and three Linux 6.x additions', () => {
    // Written out by hand from the RFC's tables (classes, codes, K/X, sizes and modes), plus 0x8d callx (LLVM,
    // conformance suite), 0xe5 may_goto, and 0xcb/0xd3 (8/16-bit STX|ATOMIC, load-acquire/store-release only).
    const expected = [
      // ALU: add..arsh K, neg, le / X, be
      0x04, 0x14, 0x24, 0x34, 0x44, 0x54, 0x64, 0x74, 0x84, 0x94, 0xa4, 0xb4, 0xc4, 0xd4,
      0x0c, 0x1c, 0x2c, 0x3c, 0x4c, 0x5c, 0x6c, 0x7c, 0x9c, 0xac, 0xbc, 0xcc, 0xdc,
      // ALU64: K with neg and bswap / X without neg and with no 0xdf
      0x07, 0x17, 0x27, 0x37, 0x47, 0x57, 0x67, 0x77, 0x87, 0x97, 0xa7, 0xb7, 0xc7, 0xd7,
      0x0f, 0x1f, 0x2f, 0x3f, 0x4f, 0x5f, 0x6f, 0x7f, 0x9f, 0xaf, 0xbf, 0xcf,
      // JMP: ja, conditions, call, exit, may_goto / X conditions and callx
      0x05, 0x15, 0x25, 0x35, 0x45, 0x55, 0x65, 0x75, 0x85, 0x95, 0xa5, 0xb5, 0xc5, 0xd5, 0xe5,
      0x1d, 0x2d, 0x3d, 0x4d, 0x5d, 0x6d, 0x7d, 0x8d, 0xad, 0xbd, 0xcd, 0xdd,
      // JMP32: gotol and conditions
      0x06, 0x16, 0x26, 0x36, 0x46, 0x56, 0x66, 0x76, 0xa6, 0xb6, 0xc6, 0xd6,
      0x1e, 0x2e, 0x3e, 0x4e, 0x5e, 0x6e, 0x7e, 0xae, 0xbe, 0xce, 0xde,
      // LD: lddw, ABS W/H/B, IND W/H/B
      0x18, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50,
      // LDX: MEM W/H/B/DW, MEMSX W/H/B
      0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91,
      // ST, STX, STX|ATOMIC W/H/B/DW
      0x62, 0x6a, 0x72, 0x7a, 0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xcb, 0xd3, 0xdb,
    ].sort((a, b) => a - b);
    expect(expected).toHaveLength(129);
    expect(VALID_OPCODES).toEqual(expected);
  });

  it('every other opcode byte is rejected as field "opcode"', () => {
    const valid = new Set(VALID_OPCODES);
    for (let opcode = 0; opcode < 256; opcode++) {
      if (valid.has(opcode)) continue;
      const hex = `${opcode.toString(16).padStart(2, '0')} 00 00 00 00 00 00 00`;
      expectRejected(hex, 0, 'opcode', new RegExp(`^insn 0: unknown opcode 0x${opcode.toString(16).padStart(2, '0')} \\(unknown `));
    }
  });
});

describe('unknown opcodes named in the brief', () => {
  it.each([
    ['e7', 'ALU64 op 0xe0'],
    ['8c', 'neg32 with X'],
    ['8f', 'neg64 with X'],
    ['df', 'ALU64 END with TO_BE'],
    ['0d', 'ja with X'],
    ['0e', 'gotol with X'],
    ['86', 'call in JMP32'],
    ['96', 'exit in JMP32'],
    ['38', 'LD ABS DW'],
    ['58', 'LD IND DW'],
    ['99', 'LDX MEMSX DW'],
    ['00', 'LD IMM W'],
    ['60', 'LD MEM W'],
    ['e6', 'JMP32 JCOND'],
    ['c2', 'ST ATOMIC'],
  ])('%s (%s)', (op) => {
    expectRejected(`${MOV_R0_0} ${op} 00 00 00 00 00 00 00 ${EXIT}`, 1, 'opcode');
  });
});

describe('reserved fields', () => {
  it('add64 imm with off 1 at slot 3 gives the exact message', () => {
    expectRejected(
      `${MOV_R0_0} ${MOV_R0_0} ${MOV_R0_0} 07 00 01 00 00 00 00 00 ${EXIT}`,
      3,
      'off',
      'insn 3: invalid off 1 for opcode 0x07 (add64 imm): must be 0',
    );
  });
  it.each<[string, string, InstructionField]>([
    ['add64 imm src', '07 10 00 00 01 00 00 00', 'src'],
    ['add32 reg imm', '0c 21 00 00 01 00 00 00', 'imm'],
    ['lsh64 imm off', '67 01 01 00 01 00 00 00', 'off'],
    ['mul64 reg off 1 (only div/mod have signed forms)', '2f 21 01 00 00 00 00 00', 'off'],
    ['neg64 src', '87 10 00 00 00 00 00 00', 'src'],
    ['neg32 imm', '84 00 00 00 01 00 00 00', 'imm'],
    ['mov64 imm off', 'b7 00 01 00 01 00 00 00', 'off'],
    ['le16 src', 'd4 10 00 00 10 00 00 00', 'src'],
    ['be32 off', 'dc 00 01 00 20 00 00 00', 'off'],
    ['ja dst', '05 01 00 00 00 00 00 00', 'dst'],
    ['ja imm', '05 00 00 00 01 00 00 00', 'imm'],
    ['gotol off', '06 00 01 00 00 00 00 00', 'off'],
    ['gotol src', '06 10 00 00 00 00 00 00', 'src'],
    ['jeq imm src', '15 10 00 00 00 00 00 00', 'src'],
    ['jne32 reg imm', '5e 21 00 00 01 00 00 00', 'imm'],
    ['call dst', '85 01 00 00 01 00 00 00', 'dst'],
    ['call helper off', '85 00 01 00 01 00 00 00', 'off'],
    ['call local off', '85 10 01 00 01 00 00 00', 'off'],
    ['call src 3', '85 30 00 00 01 00 00 00', 'src'],
    ['callx src', '8d 12 00 00 00 00 00 00', 'src'],
    ['callx imm', '8d 02 00 00 01 00 00 00', 'imm'],
    ['exit off', '95 00 01 00 00 00 00 00', 'off'],
    ['exit imm', '95 00 00 00 01 00 00 00', 'imm'],
    ['may_goto imm', 'e5 00 01 00 01 00 00 00', 'imm'],
    ['may_goto src', 'e5 10 01 00 00 00 00 00', 'src'],
    ['ldxw imm', '61 21 00 00 01 00 00 00', 'imm'],
    ['ldxsh imm', '89 21 00 00 01 00 00 00', 'imm'],
    ['stw src', '62 1a fc ff 00 00 00 00', 'src'],
    ['stxdw imm', '7b 1a f8 ff 01 00 00 00', 'imm'],
    ['ldabsw dst', '20 01 00 00 00 00 00 00', 'dst'],
    ['ldabsb src', '30 10 00 00 00 00 00 00', 'src'],
    ['ldindh off', '48 10 01 00 00 00 00 00', 'off'],
    ['lddw off', '18 01 01 00 00 00 00 00  00 00 00 00 00 00 00 00', 'off'],
  ])('%s', (_name, hex, field) => {
    expectRejected(`${hex} ${EXIT}`, 0, field);
  });
});

describe('fields with restricted values', () => {
  it.each<[string, string, InstructionField]>([
    ['sdiv64 off 2', '3f 21 02 00 00 00 00 00', 'off'],
    ['smod32 imm off -1', '94 01 ff ff 03 00 00 00', 'off'],
    ['movsx64 off 4', 'bf 21 04 00 00 00 00 00', 'off'],
    ['movsx32 off 32 (only 8 and 16 for 32-bit)', 'bc 21 20 00 00 00 00 00', 'off'],
    ['mov64 reg off 1 imm 0 (blamed on off)', 'bf 21 01 00 00 00 00 00', 'off'],
    ['addr_space_cast imm 2', 'bf 21 01 00 02 00 00 00', 'imm'],
    ['movsx64 with imm', 'bf 21 08 00 01 00 00 00', 'imm'],
    ['le with width 8', 'd4 01 00 00 08 00 00 00', 'imm'],
    ['bswap with width 0', 'd7 01 00 00 00 00 00 00', 'imm'],
    ['atomic64 sub (0x10)', 'db 21 00 00 10 00 00 00', 'imm'],
    ['atomic32 xchg without fetch (0xe0)', 'c3 21 00 00 e0 00 00 00', 'imm'],
    ['atomic32 cmpxchg without fetch (0xf0)', 'c3 21 00 00 f0 00 00 00', 'imm'],
    ['atomic8 add (8-bit rmw does not exist)', 'd3 21 00 00 00 00 00 00', 'imm'],
    ['atomic16 xchg', 'cb 21 00 00 e1 00 00 00', 'imm'],
    ['lddw src 7', '18 71 00 00 00 00 00 00  00 00 00 00 00 00 00 00', 'src'],
  ])('%s', (_name, hex, field) => {
    expectRejected(`${hex} ${EXIT}`, 0, field);
  });

  it('accepts the edge values next to them', () => {
    const ok = [
      '3f 21 01 00 00 00 00 00', // sdiv64 reg
      'bf 21 20 00 00 00 00 00', // movsx64 32
      'bf 21 01 00 01 00 00 00', // addr_space_cast as(1) -> as(0)
      'bf 21 01 00 00 00 01 00', // addr_space_cast as(0) -> as(1)
      'd3 21 00 00 00 01 00 00', // load_acquire 8-bit
      'cb 21 00 00 10 01 00 00', // store_release 16-bit
      '85 20 05 00 01 00 00 00', // kfunc with BTF fd index 5 in off
      'e5 00 02 00 00 00 00 00', // may_goto +2
      '8d 0a 00 00 00 00 00 00', // callx r10
    ];
    for (const hex of ok) expect(() => decode(bytes(`${hex} ${EXIT}`)), hex).not.toThrow();
  });
});

describe("the 'linux' dialect (Linux 6.18 verifier encoding checks)", () => {
  it('accepts exit with a non-zero off, which the RFC dialect refuses', () => {
    const b = bytes(`${MOV_R0_0} 95 00 05 00 00 00 00 00`);
    expect(decode(b, { dialect: 'linux' })[1]).toEqual({ opcode: 0x95, dst: 0, src: 0, off: 5, imm: 0 });
    expect(() => decode(b)).toThrow(DecodeError);
    expect(() => decode(bytes('95 01 00 00 00 00 00 00'), { dialect: 'linux' })).toThrow(/invalid dst 1/);
  });
  it('refuses callx, which the RFC dialect accepts', () => {
    const b = bytes(`8d 02 00 00 00 00 00 00 ${EXIT}`);
    expect(() => decode(b)).not.toThrow();
    let err: unknown;
    try {
      decode(b, { dialect: 'linux' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DecodeError);
    expect(err).toMatchObject({ index: 0, field: 'opcode' });
    expect((err as Error).message).toBe(
      'insn 0: invalid opcode 0x8d (callx): Linux refuses callx (BPF_CALL with BPF_X): BPF_CALL uses reserved fields',
    );
    expect(() => encode([{ opcode: 0x8d, dst: 2, src: 0, off: 0, imm: 0 }], { dialect: 'linux' })).toThrow(EncodeError);
  });
  it('agrees with the RFC dialect everywhere else', () => {
    expect(() => decode(bytes(`07 00 01 00 00 00 00 00 ${EXIT}`), { dialect: 'linux' })).toThrow(/invalid off 1/);
    expect(() => decode(bytes(`e5 00 01 00 00 00 00 00 ${EXIT}`), { dialect: 'linux' })).not.toThrow();
  });
});

describe('registers', () => {
  it('dst above r10 is rejected', () => {
    expectRejected('b7 0b 00 00 00 00 00 00', 0, 'dst', /^insn 0: invalid dst 11 for opcode 0xb7 \(mov64 imm\): register must be r0\.\.r10$/);
  });
  it('src above r10 is rejected', () => {
    expectRejected(`${EXIT} 0f c1 00 00 00 00 00 00`, 1, 'src', /invalid src 12 .*add64 reg/);
  });
  it('r15 as a load base, lddw target, ld_ind source and callx target is rejected', () => {
    expectRejected('61 f0 00 00 00 00 00 00', 0, 'src');
    expectRejected('18 0f 00 00 00 00 00 00  00 00 00 00 00 00 00 00', 0, 'dst');
    expectRejected('40 f0 00 00 00 00 00 00', 0, 'src');
    expectRejected('8d 0b 00 00 00 00 00 00', 0, 'dst');
  });
});

describe('lddw structure', () => {
  it('missing its second slot', () => {
    expectRejected(`${MOV_R0_0} 18 01 00 00 01 00 00 00`, 1, 'lddw', /missing its second slot/);
  });
  it.each([
    ['opcode', '18 01 00 00 01 00 00 00  95 00 00 00 00 00 00 00'],
    ['dst', '18 01 00 00 01 00 00 00  00 01 00 00 00 00 00 00'],
    ['src', '18 01 00 00 01 00 00 00  00 10 00 00 00 00 00 00'],
    ['off', '18 01 00 00 01 00 00 00  00 00 01 00 00 00 00 00'],
  ])('second slot with non-zero %s', (what, hex) => {
    expectRejected(`${MOV_R0_0} ${hex} ${EXIT}`, 2, 'lddw', new RegExp(`second slot of lddw at insn 1: ${what} `));
  });
  it('map_fd (src 1) and map_idx (src 5) need the high imm to be 0 (resolve_pseudo_ldimm64)', () => {
    expectRejected('18 11 00 00 03 00 00 00  00 00 00 00 01 00 00 00', 0, 'lddw');
    expectRejected('18 51 00 00 00 00 00 00  00 00 00 00 01 00 00 00', 0, 'lddw');
    expect(() => decode(bytes('18 61 00 00 00 00 00 00  00 00 00 00 08 00 00 00'))).not.toThrow();
  });
  it('slot indexes after an lddw count both of its slots', () => {
    expectRejected('18 01 00 00 01 00 00 00  00 00 00 00 00 00 00 00  07 00 01 00 00 00 00 00', 2, 'off');
  });
});

describe('length', () => {
  it.each([
    [1, 0],
    [7, 0],
    [9, 1],
    [20, 2],
  ])('%i bytes: not a multiple of 8', (length, index) => {
    const err = (() => {
      try {
        decode(new Uint8Array(length).fill(0x95));
      } catch (e) {
        return e as DecodeError;
      }
      throw new Error('accepted');
    })();
    expect(err).toBeInstanceOf(DecodeError);
    expect({ index: err.index, field: err.field }).toEqual({ index, field: 'length' });
    expect(err.message).toContain(`program length ${length}`);
  });
  it('an empty program decodes to no instructions', () => {
    expect(decode(new Uint8Array(0))).toEqual([]);
  });
  it('decodes from a subarray at a non-zero byte offset', () => {
    const whole = bytes(`00 00 00 ${MOV_R0_0} ${EXIT}`);
    expect(decode(whole.subarray(3))).toEqual([
      { opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 0 },
      { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]);
  });
});

describe('encode errors', () => {
  const mov: Instruction = { opcode: 0xb7, dst: 1, src: 0, off: 0, imm: 1 };
  const lddw: Instruction = { opcode: 0x18, dst: 1, src: 0, off: 0, imm: 1, imm2: 2 };
  function encodeError(insns: Instruction[], options?: { validate?: boolean }): EncodeError {
    try {
      encode(insns, options);
    } catch (e) {
      expect(e).toBeInstanceOf(EncodeError);
      return e as EncodeError;
    }
    throw new Error('encode accepted');
  }
  it.each<[string, Partial<Instruction>, string]>([
    ['opcode 256', { opcode: 256 }, 'opcode'],
    ['opcode -1', { opcode: -1 }, 'opcode'],
    ['dst 16', { dst: 16 }, 'dst'],
    ['src -1', { src: -1 }, 'src'],
    ['off 32768', { off: 32768 }, 'off'],
    ['off -32769', { off: -32769 }, 'off'],
    ['imm 2^31', { imm: 2 ** 31 }, 'imm'],
    ['imm 0xffffffff (unsigned form)', { imm: 0xffffffff }, 'imm'],
    ['imm 1.5', { imm: 1.5 }, 'imm'],
    ['imm NaN', { imm: Number.NaN }, 'imm'],
  ])('out of range: %s', (_name, patch, field) => {
    const err = encodeError([lddw, mov, { ...mov, ...patch }], { validate: false });
    expect({ index: err.index, slot: err.slot, field: err.field }).toEqual({ index: 2, slot: 3, field });
    expect(err.message).toMatch(/^insn 2: .* out of range/);
  });
  it('non-instructions and non-arrays are refused with a clear error', () => {
    expect(encodeError([mov, null as unknown as Instruction])).toMatchObject({ index: 1, slot: 1, field: 'opcode' });
    expect(encodeError([{ dst: 0 } as unknown as Instruction]).field).toBe('opcode');
    expect(() => encode('b7' as unknown as Instruction[])).toThrow(TypeError);
    expect(() => decode([0x95, 0, 0, 0, 0, 0, 0, 0] as unknown as Uint8Array)).toThrow(/Uint8Array/);
  });
  it('imm2 only on lddw, and lddw must have it', () => {
    expect(encodeError([{ ...mov, imm2: 0 }]).field).toBe('imm2');
    expect(encodeError([{ opcode: 0x18, dst: 0, src: 0, off: 0, imm: 0 }]).field).toBe('imm2');
    expect(encodeError([{ ...lddw, imm2: 2 ** 32 }]).field).toBe('imm2');
  });
  it('refuses reserved encodings unless validate is false', () => {
    const bad: Instruction = { opcode: 0x07, dst: 0, src: 0, off: 1, imm: 0 };
    const err = encodeError([mov, bad]);
    expect({ index: err.index, field: err.field }).toEqual({ index: 1, field: 'off' });
    expect(err.message).toBe('insn 1: invalid off 1 for opcode 0x07 (add64 imm): must be 0');
    expect(encode([mov, bad], { validate: false })).toEqual(bytes('b7 01 00 00 01 00 00 00  07 00 01 00 00 00 00 00'));
    expect(encodeError([{ ...mov, dst: 11 }]).field).toBe('dst');
    expect(encodeError([{ ...mov, opcode: 0xe7 }]).field).toBe('opcode');
  });
});

// ---- conformance suite: negative/unused-*.data -------------------------------------------------------------------

const conformanceDir = fileURLToPath(new URL('../../../../shared/conformance/negative/', import.meta.url));

/** The `-- raw` section of a conformance file: one slot per line as 8 hex bytes (see the suite's README). */
function rawSection(text: string): Uint8Array {
  const out: number[] = [];
  let inRaw = false;
  for (const full of text.split('\n')) {
    const line = full.replace(/\r$/, '').replace(/#.*/, '').trim();
    if (line.includes('--')) {
      inRaw = line.includes('raw');
      continue;
    }
    if (inRaw && line) out.push(...line.split(/\s+/).map((h) => Number.parseInt(h, 16)));
  }
  return Uint8Array.from(out);
}

const FIELD_OF_NAME: Record<string, InstructionField> = { offset: 'off', src: 'src', imm: 'imm', dst: 'dst' };

describe('conformance negative/unused-*.data', () => {
  it('the directory is present beside the repository', () => {
    expect(existsSync(conformanceDir), `missing ${conformanceDir}`).toBe(true);
  });
  const files = existsSync(conformanceDir) ? readdirSync(conformanceDir).filter((f) => /^unused-.*\.data$/.test(f)) : [];
  it('holds the 45 files the suite documents', () => {
    expect(files).toHaveLength(45);
  });
  it.each(files)('%s is rejected at slot 0, blaming the field in its name', (file) => {
    const raw = rawSection(readFileSync(conformanceDir + file, 'utf8'));
    expect(raw.length).toBe(16);
    const field = FIELD_OF_NAME[/-([a-z]+)\.data$/.exec(file)![1]];
    const err = decodeError([...raw].map((b) => b.toString(16)).join(' '));
    expect({ index: err.index, field: err.field }).toEqual({ index: 0, field });
    // With validation off the same bytes decode, so the rejection is the reserved-field rule and nothing else.
    expect(encode(decode(raw, { validate: false }), { validate: false })).toEqual(raw);
  });
});
