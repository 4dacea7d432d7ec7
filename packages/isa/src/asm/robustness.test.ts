// Bad input never escapes as anything but AsmError: random text and random soups of real tokens.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assembleConformance } from './conformance-asm.js';
import { AsmError } from './errors.js';
import { assembleLlvm } from './llvm-asm.js';

const LLVM_WORDS = [
  'r0', 'r1', 'w2', 'r10', 'r11', '=', '+=', 's>>=', '==', 's<=', 'if', 'goto', 'gotol', 'call', 'callx', 'exit', 'lock',
  '*', '(', ')', '[', ']', ',', ':', '#', '+', '-', 'u8', 'u64', 's16', 'skb', 'll', 'pc', '0x10', '-1', '4294967296',
  'atomic_fetch_add', 'cmpxchg_64', 'xchg32_32', 'load_acquire', 'store_release', 'map_fd', 'func', 'be16', 'bswap64',
  'ld_pseudo', '.insn', '.text', '.byte', 'bpf_map_lookup_elem', 'kernel-function', 'off', 'L1', 'L1:', '0:', '(b7)',
];
const CONFORMANCE_WORDS = [
  'add', 'add32', 'lddw', 'ldxb', 'stxdw', 'lock', 'fetch', 'xchg', 'cmpxchg32', 'call', 'local', 'helper', 'runtime',
  'ja', 'ja32', 'jeq', 'exit', '%r0', '%r1,', '%r15', '%r16', '[%r1+2]', '[%r1-0x10]', '[%r1', '0x80000000', '-1',
  '+3', '-0x1', 'lbl', 'lbl:', 'exit:', 'neg', 'be16', 'movsx832', '#',
];

function soup(words: string[]): fc.Arbitrary<string> {
  const line = fc.array(fc.constantFrom(...words), { maxLength: 8 }).map((w) => w.join(' '));
  return fc.array(line, { maxLength: 6 }).map((lines) => lines.join('\n'));
}

function onlyAsmErrors(assemble: (text: string) => unknown, text: string): void {
  try {
    assemble(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AsmError);
    const e = err as AsmError;
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.column).toBeGreaterThanOrEqual(1);
  }
}

describe('assemblers refuse bad input only with AsmError (line and column ≥ 1)', () => {
  it('assembleLlvm: random text and token soups', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), soup(LLVM_WORDS)), (t) => onlyAsmErrors(assembleLlvm, t)), {
      numRuns: 1500,
    });
  });

  it('assembleConformance: random text and token soups', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), soup(CONFORMANCE_WORDS)), (t) => onlyAsmErrors(assembleConformance, t)),
      { numRuns: 1500 },
    );
  });
});
