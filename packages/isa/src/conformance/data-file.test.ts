import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assembleConformance } from '../asm/conformance-asm.js';
import { AsmError } from '../asm/errors.js';
import { DecodeError } from '../errors.js';
import { encode } from '../encode.js';
import { ConformanceDataError, parseConformanceData } from './data-file.js';
import { loadConformanceProgram } from './program.js';

/** /work/shared/conformance, beside the repository root (packages/isa/src/conformance -> ../../../../../shared). */
const SUITE = fileURLToPath(new URL('../../../../../shared/conformance/', import.meta.url));
const haveSuite = existsSync(`${SUITE}tests`);
if (!haveSuite) console.warn(`conformance suite not found at ${SUITE}: skipping the tests over its files`);
const read = (path: string): string => readFileSync(`${SUITE}${path}`, 'utf8');
const list = (dir: string): string[] => (haveSuite ? readdirSync(`${SUITE}${dir}`).filter((f) => f.endsWith('.data')).sort() : []);

describe('parseConformanceData: the README rules', () => {
  it('reads asm, mem over several lines, and the last line of result', () => {
    const d = parseConformanceData(
      ['# header -- with a marker in a comment', 'ignored before any marker', '-- asm', 'mov %r0, 1 # one', '', 'exit', '-- mem', 'aa bb', '0C', '-- result', '0x5', '0xffffffffffffffff'].join('\n'),
    );
    expect(d.asm).toBe('mov %r0, 1 \nexit\n');
    expect([...d.mem]).toEqual([0xaa, 0xbb, 0x0c]);
    expect(d.result).toBe(0xffffffffffffffffn);
    expect(d.error).toBeUndefined();
    expect(d.isTest).toBe(true);
  });

  it('reads a decimal result as unsigned decimal, and strips \\r', () => {
    const d = parseConformanceData('-- asm\r\nexit\r\n-- result\r\n0\r\n');
    expect(d.result).toBe(0n);
    expect(d.asm).toBe('exit\n');
  });

  it('matches markers by substring in README order (`-- c` and `-- no register offset` are ignored sections)', () => {
    const d = parseConformanceData('-- asm\nexit\n-- c\nint main() { return 0; }\n-- no register offset\nfoo\n-- result\n0x1\n-- error\nfirst\nlast');
    expect(d.asm).toBe('exit\n');
    expect(d.result).toBe(1n);
    expect(d.error).toBe('last');
    // "-- error result" contains "result" before "error" in the marker order: a result section.
    expect(parseConformanceData('-- asm\nexit\n-- error result\n0x7').result).toBe(7n);
  });

  it('an unknown marker makes the file not a test', () => {
    const d = parseConformanceData('-- asm\nexit\n-- Unknown directive\n-- error\nInvalid register');
    expect(d.isTest).toBe(false);
    expect(d.error).toBeUndefined();
  });

  it('needs a result or an error text, and a program', () => {
    expect(parseConformanceData('-- asm\nexit').isTest).toBe(false);
    expect(parseConformanceData('-- result\n0x0').isTest).toBe(false);
    expect(parseConformanceData('-- asm\n# nothing\n-- result\n0x0').isTest).toBe(false);
    expect(parseConformanceData('-- raw\n95 00 00 00 00 00 00 00\n-- error\n').isTest).toBe(false);
    expect(parseConformanceData('-- asm\nexit\n-- error\nboom').isTest).toBe(true);
  });

  it('reads -- raw as 64-bit numbers or as 8 hex bytes per line', () => {
    const numbers = parseConformanceData('-- raw\n0x5566778800000018 0x1122334400000000\n149\n-- result\n0x0');
    expect(Buffer.from(numbers.raw!).toString('hex')).toBe('1800000088776655' + '0000000044332211' + '9500000000000000');
    const bytes = parseConformanceData('-- raw\n07 00 01 00 01 00 00 00\n95 00 00 00 00 00 00 00\n-- error\n');
    expect(Buffer.from(bytes.raw!).toString('hex')).toBe('0700010001000000' + '9500000000000000');
    expect(bytes.error).toBe('');
  });

  it('names the line of a malformed value', () => {
    expect(() => parseConformanceData('-- asm\nexit\n-- mem\n00 zz\n-- result\n0x0')).toThrow(ConformanceDataError);
    expect(() => parseConformanceData('-- asm\nexit\n-- mem\n00 zz\n-- result\n0x0')).toThrow("line 4: bad memory byte 'zz'");
    expect(() => parseConformanceData('-- asm\nexit\n-- result\nforty')).toThrow("line 4: bad result 'forty'");
  });

  it('loadConformanceProgram prefers raw over asm', () => {
    const d = parseConformanceData('-- asm\nmov %r0, 1\nexit\n-- raw\n0x95\n-- result\n0x0');
    expect(loadConformanceProgram(d)).toEqual([{ opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]);
  });
});

describe.skipIf(!haveSuite)('the conformance suite files', () => {
  it('has the files the README counts', () => {
    expect(list('tests')).toHaveLength(313);
    expect(list('negative')).toHaveLength(60);
    expect(list('negative').filter((f) => f.startsWith('invalid_'))).toHaveLength(11);
  });

  it.each(list('tests'))('tests/%s parses and assembles', (file) => {
    const data = parseConformanceData(read(`tests/${file}`));
    expect(data.isTest).toBe(true);
    expect(data.result).toBeDefined();
    expect(data.error).toBeUndefined();
    const program = loadConformanceProgram(data);
    expect(program.length).toBeGreaterThan(0);
    expect(() => encode(program)).not.toThrow(); // every instruction is a valid encoding
  });

  it('tests/lddw.data: the raw form is the asm form', () => {
    const data = parseConformanceData(read('tests/lddw.data'));
    expect(data.raw).toBeDefined();
    expect(data.result).toBe(0x1122334455667788n);
    expect(loadConformanceProgram(data)).toEqual(assembleConformance(data.asm!));
    expect(encode(assembleConformance(data.asm!))).toEqual(data.raw);
  });

  it('a test with memory: tests/ldxb.data', () => {
    const data = parseConformanceData(read('tests/ldxb.data'));
    expect(data.mem.length).toBeGreaterThan(0);
    expect(data.asm).toContain('ldxb');
  });

  it('the counts of the README: 40 tests with memory of 2 to 74 bytes', () => {
    const all = list('tests').map((f) => ({ f, d: parseConformanceData(read(`tests/${f}`)) }));
    expect(all.filter(({ d }) => d.mem.length > 0)).toHaveLength(40);
    const sizes = all.filter(({ d }) => d.mem.length > 0).map(({ d }) => d.mem.length);
    expect(Math.min(...sizes)).toBe(2);
    expect(Math.max(...sizes)).toBe(74);
  });

  /** What the reference assembler says about each file (bpf_conformance's bpf_assembler.cc, read by hand). */
  const EXPECTED_REASONS: Record<string, string> = {
    'invalid_imm32_dec_range.data': 'Immediate out of 32-bit range: 2147483648',
    'invalid_imm32_hex_range.data': 'Immediate out of 32-bit range: 0x100000000',
    'invalid_label.data': 'Invalid label: NOT_A_LABEL',
    'invalid_lock.data': 'Invalid number of operands for lock',
    'invalid_lock2.data': 'Invalid number of operands for lock',
    'invalid_mnemonic.data': 'Invalid mnemonic: ldxq',
    'invalid_offset.data': 'Failed to decode register and offset: %r1',
    'invalid_offset_range.data': 'Offset out of 16-bit range: +0x10000',
    'invalid_operand_count.data': 'Invalid number of operands for mnemonic: lddw',
    'invalid_register.data': 'Invalid register: %r50',
  };
  const invalid = list('negative').filter((f) => f.startsWith('invalid_') && f !== 'invalid_unknown_directive.data');
  it.each(invalid)('negative/%s is refused by the assembler', (file) => {
    const data = parseConformanceData(read(`negative/${file}`));
    let error: unknown;
    try {
      loadConformanceProgram(data);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AsmError);
    // Where the file states the text, our bare reason is that text (or that text then `: <operand>`).
    if (data.error) expect((error as AsmError).reason).toMatch(new RegExp(`^${data.error}(: .*)?$`));
    expect((error as AsmError).reason).toBe(EXPECTED_REASONS[file]);
  });

  it('negative/invalid_unknown_directive.data is not a test', () => {
    expect(parseConformanceData(read('negative/invalid_unknown_directive.data')).isTest).toBe(false);
  });

  it('negative/empty*.data have no program', () => {
    for (const f of ['empty.data', 'empty_instructions.data']) {
      const d = parseConformanceData(read(`negative/${f}`));
      expect(d.isTest).toBe(false);
      expect(loadConformanceProgram(d)).toEqual([]);
    }
  });

  it.each(list('negative').filter((f) => f.startsWith('unused-')))('negative/%s is refused by the decoder', (file) => {
    const data = parseConformanceData(read(`negative/${file}`));
    expect(data.raw).toBeDefined();
    expect(data.error).toBe('');
    expect(() => loadConformanceProgram(data)).toThrow(DecodeError);
    expect(loadConformanceProgram(data, { validate: false }).length).toBe(2);
  });
});
