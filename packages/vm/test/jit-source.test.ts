// The JIT's generated JavaScript contains numbers from the program and nothing else from it: every identifier in
// the source of random programs is in a fixed allow-list (keywords, the runtime's names, register locals and
// labels built from numbers), and the only string literal is "use strict".
import type { Instruction } from '@bpfsim/isa';
import { LoadError } from '@bpfsim/vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileJit, generate } from '../src/jit/index.js';
import { num } from '../src/jit/source.js';
import { program } from './jit-programs.js';

const RUNS = Number(process.env.BPFSIM_PROP_RUNS ?? 300);

const ALLOWED = new Set([
  // keywords
  'use', 'strict', 'const', 'let', 'return', 'function', 'for', 'switch', 'case', 'default', 'break', 'continue',
  'if', 'else', 'throw', 'true',
  // runtime (rt) and Machine (m) / limits (j) names
  'rt', 'prog', 'jitted', 'D', 'm', 'j', 'OUT', 'mulhi', 'udivmod', 'sdivmod', 'bswap32', 'memFault', 'helper', 'callx',
  'localCall', 'popFrame', 'checkLimits', 'step', 'memory', 'lengths', 'bytes', 'views', 'writable', 'mem', 'LEN', 'BY',
  'DV', 'WR', 'L', 'H', 'pc', 'n', 'depth', 'lim', 'st', 'ic', 'Math', 'imul', 'length',
  'getInt32', 'setInt32', 'getInt16', 'setInt16', 'getUint16', 'EMPTY8', 'EMPTYDV',
  // block-scoped temporaries
  's', 'o', 'a', 'b', 'p', 't', 'v', 'x', 'xl', 'xh', 'floor',
]);
// register locals, loop / block labels, and per-loop region caches (slot, bytes, view, length) named by slot
const GENERATED_NAME = /^(?:[hl](?:10|[0-9])|[LB]\d+|c[sbvn]\d+)$/;

/** Identifiers of a generated source that are neither allowed names nor number-built names. */
function foreignIdentifiers(source: string): string[] {
  const out: string[] = [];
  for (const id of source.match(/[A-Za-z_$][\w$]*/g) ?? []) {
    if (!ALLOWED.has(id) && !GENERATED_NAME.test(id)) out.push(id);
  }
  return out;
}

describe('generated source holds numbers only', () => {
  it('random programs: only allow-listed identifiers, no string literals but "use strict"', () => {
    fc.assert(
      fc.property(program, (c) => {
        const { source } = generate(c.insns);
        expect(foreignIdentifiers(source)).toEqual([]);
        expect(source.replace('"use strict"', '')).not.toMatch(/["'`]/);
        // and it is valid JavaScript (compileJit only falls back to the interpreter on V8's RangeError)
        expect(() => new Function('rt', 'prog', source)).not.toThrow();
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('the allow-list check itself rejects foreign names', () => {
    expect(foreignIdentifiers('h3=l2;process.exit(1)')).toEqual(['process', 'exit']);
  });

  it('num() refuses anything but a safe integer', () => {
    expect(num(5)).toBe('5');
    expect(num(-5)).toBe('(-5)');
    for (const bad of ['1;process.exit()', 1.5, NaN, Infinity, 2 ** 60, {}]) {
      expect(() => num(bad as unknown as number)).toThrow(TypeError);
    }
  });

  it('instruction fields that are not numbers never reach the generator: the loader refuses them', () => {
    const evil = { opcode: 0xb7, dst: 0, src: 0, off: 0, imm: '0;globalThis.pwned=1' } as unknown as Instruction;
    expect(() => compileJit([evil, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }])).toThrow(LoadError);
    expect((globalThis as Record<string, unknown>).pwned).toBeUndefined();
  });
});
