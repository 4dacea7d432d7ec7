// The public BPF conformance suite (/work/shared/conformance, beside the repository root): every program in tests/
// must produce its expected r0 (all 64 bits) on every engine, and no file in negative/ may pass.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConformanceProgram, parseConformanceData, type ConformanceData } from '@bpfsim/isa';
import { availableEngines, CONFORMANCE_HELPERS, load, runOnInput, type EngineName } from '@bpfsim/vm';
import { describe, expect, it } from 'vitest';

const SUITE = fileURLToPath(new URL('../../../../shared/conformance/', import.meta.url));
const TESTS = `${SUITE}tests/`;
const NEGATIVE = `${SUITE}negative/`;

/** Engines the suite runs on. Adding one is a one-line change here. */
const ENGINES: EngineName[] = ['interp', 'jit'];

type Outcome = { ok: true; r0: bigint } | { ok: false; error: string };

/** What a runtime does with a conformance file: run it (as the public runner's plugins do) or fail with a message. */
function outcome(data: ConformanceData, engine: EngineName): Outcome {
  try {
    const program = load(loadConformanceProgram(data), { engine });
    const { r0 } = runOnInput(program, data.mem.length > 0 ? data.mem : undefined, { helpers: CONFORMANCE_HELPERS });
    return { ok: true, r0 };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Whether a runtime with this outcome passes the file, by the public runner's rules. */
function passes(data: ConformanceData, o: Outcome): boolean {
  if (data.error !== undefined) {
    // Quirk of the runner: with only `-- error`, the expected result defaults to 0, so r0 = 0 passes too.
    return o.ok ? o.r0 === (data.result ?? 0n) : o.error.trimEnd() === data.error;
  }
  return o.ok && o.r0 === data.result;
}

const read = (path: string): ConformanceData => parseConformanceData(readFileSync(path, 'utf8'));
const testFiles = readdirSync(TESTS).filter((f) => f.endsWith('.data')).sort();

describe('conformance suite: tests/', () => {
  it('has the 313 programs the README lists', () => {
    expect(testFiles).toHaveLength(313);
  });

  for (const engine of ENGINES) {
    describe(engine, () => {
      it('engine is available', () => {
        expect(availableEngines()).toContain(engine);
      });
      for (const file of testFiles) {
        it(file, () => {
          const data = read(TESTS + file);
          expect(data.isTest).toBe(true);
          const o = outcome(data, engine);
          if (data.error !== undefined) {
            expect(o).toEqual({ ok: false, error: data.error });
          } else {
            if (!o.ok) throw new Error(`${file} failed: ${o.error}`);
            expect(o.r0.toString(16)).toBe(data.result!.toString(16));
          }
        });
      }
    });
  }
});

describe('conformance suite: negative/ — nothing passes', () => {
  const files = readdirSync(NEGATIVE).filter((f) => f.endsWith('.data')).sort();

  it('has the 60 files the README lists', () => {
    expect(files).toHaveLength(60);
  });

  for (const file of files.filter((f) => f.startsWith('unused-'))) {
    it(`${file}: the decoder refuses the program`, () => {
      const data = read(NEGATIVE + file);
      expect(data.raw).toBeDefined();
      expect(() => loadConformanceProgram(data)).toThrow(/insn 0: invalid (src|dst|off|imm)/);
    });
  }

  for (const file of files.filter((f) => f.startsWith('invalid_'))) {
    it(`${file}: the assembler refuses it (or it is not a test)`, () => {
      const data = read(NEGATIVE + file);
      if (file === 'invalid_unknown_directive.data') {
        expect(data.isTest).toBe(false);
        return;
      }
      expect(data.asm).toBeDefined();
      expect(() => loadConformanceProgram(data)).toThrow();
    });
  }

  for (const file of ['error.data', 'incorrect_return_value_high_bits.data']) {
    for (const engine of ENGINES) {
      it(`${file} fails on ${engine}`, () => {
        const data = read(NEGATIVE + file);
        expect(data.isTest).toBe(true);
        expect(passes(data, outcome(data, engine))).toBe(false);
      });
    }
  }

  it('incorrect_return_value_high_bits.data differs from the real result only in the top byte', () => {
    const data = read(NEGATIVE + 'incorrect_return_value_high_bits.data');
    const o = outcome(data, 'interp');
    if (!o.ok) throw new Error(o.error);
    expect(o.r0).not.toBe(data.result);
    expect(o.r0 & 0x00ffffffffffffffn).toBe(data.result! & 0x00ffffffffffffffn);
  });

  for (const file of ['empty.data', 'empty_instructions.data']) {
    it(`${file} is skipped: no program`, () => {
      const data = read(NEGATIVE + file);
      expect(data.isTest && loadConformanceProgram(data).length > 0).toBe(false);
    });
  }

  it('every negative file is covered by one of the cases above', () => {
    const covered = files.filter(
      (f) =>
        f.startsWith('unused-') || f.startsWith('invalid_') ||
        ['error.data', 'incorrect_return_value_high_bits.data', 'empty.data', 'empty_instructions.data'].includes(f),
    );
    expect(covered).toEqual(files);
  });
});
