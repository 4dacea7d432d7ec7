// Parser of the conformance suite's `.data` files, following the "File format" rules of
// /work/shared/conformance/README.md (the public runner's bpf_test_parser).

/** What a `.data` file holds. */
export interface ConformanceData {
  /** The `-- asm` section, comments cut, blank lines dropped, one instruction per line. */
  asm?: string;
  /** The `-- raw` section as program bytes (8 per slot, memory order), in either of its two forms. */
  raw?: Uint8Array;
  /** `-- mem`: the input memory (empty when absent). */
  mem: Uint8Array;
  /** `-- result`: the expected r0 as an unsigned 64-bit value. */
  result?: bigint;
  /** `-- error`: the last line of the section ('' when the section is empty). */
  error?: string;
  /** False when the file has an unknown marker, no result and no error, or no program. */
  isTest: boolean;
}

/** A malformed value inside a `.data` file (a bad hex byte, a result that is not a number, …). */
export class ConformanceDataError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'ConformanceDataError';
  }
}

type Section = 'ignore' | 'asm' | 'result' | 'mem' | 'raw' | 'error';

/** Markers are matched by substring, in this order; the first match wins. */
const MARKERS: ReadonlyArray<[string, Section]> = [
  ['asm', 'asm'],
  ['result', 'result'],
  ['mem', 'mem'],
  ['raw', 'raw'],
  ['no register offset', 'ignore'],
  [' c', 'ignore'],
  ['error', 'error'],
];

interface Line {
  text: string;
  number: number;
}

export function parseConformanceData(text: string): ConformanceData {
  const sections: Record<Exclude<Section, 'ignore'>, Line[]> = { asm: [], result: [], mem: [], raw: [], error: [] };
  const seen = new Set<Section>();
  let section: Section = 'ignore';
  let unknownMarker = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && !unknownMarker; i++) {
    let line = lines[i];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    if (line.includes('--')) {
      const marker = MARKERS.find(([needle]) => line.includes(needle));
      if (!marker) unknownMarker = true;
      else {
        section = marker[1];
        seen.add(section);
      }
      continue;
    }
    if (line.trim() === '' || section === 'ignore') continue;
    sections[section].push({ text: line, number: i + 1 });
  }

  const data: ConformanceData = { mem: parseMem(sections.mem), isTest: false };
  if (unknownMarker) return data;
  if (seen.has('asm')) data.asm = sections.asm.map((l) => `${l.text}\n`).join('');
  if (seen.has('raw') && sections.raw.length > 0) data.raw = parseRaw(sections.raw);
  const resultLine = sections.result.at(-1);
  if (resultLine) data.result = parseResult(resultLine);
  if (seen.has('error')) data.error = sections.error.at(-1)?.text ?? '';
  const hasProgram = (data.raw?.length ?? 0) > 0 || (data.asm ?? '').trim() !== '';
  data.isTest = (data.result !== undefined || (data.error ?? '') !== '') && hasProgram;
  return data;
}

function parseMem(lines: Line[]): Uint8Array {
  const bytes: number[] = [];
  for (const line of lines) {
    for (const token of line.text.trim().split(/\s+/)) {
      if (!/^[0-9a-fA-F]{1,2}$/.test(token)) throw new ConformanceDataError(`bad memory byte '${token}'`, line.number);
      bytes.push(parseInt(token, 16));
    }
  }
  return Uint8Array.from(bytes);
}

/**
 * `-- raw` comes in two forms: a line of 8 two-digit hex tokens is one slot in memory order (negative/unused-*);
 * otherwise every token is one slot as a 64-bit number (`0x` hex, else decimal) whose little-endian bytes are the
 * slot (tests/lddw.data).
 */
function parseRaw(lines: Line[]): Uint8Array {
  const slots: Uint8Array[] = [];
  for (const line of lines) {
    const tokens = line.text.trim().split(/\s+/);
    if (tokens.length === 8 && tokens.every((t) => /^[0-9a-fA-F]{2}$/.test(t))) {
      slots.push(Uint8Array.from(tokens.map((t) => parseInt(t, 16))));
      continue;
    }
    for (const token of tokens) {
      if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(token)) throw new ConformanceDataError(`bad raw slot '${token}'`, line.number);
      const value = BigInt(token);
      if (value > 0xffff_ffff_ffff_ffffn) throw new ConformanceDataError(`raw slot '${token}' exceeds 64 bits`, line.number);
      const slot = new Uint8Array(8);
      new DataView(slot.buffer).setBigUint64(0, value, true);
      slots.push(slot);
    }
  }
  const bytes = new Uint8Array(slots.length * 8);
  slots.forEach((slot, i) => bytes.set(slot, i * 8));
  return bytes;
}

/** The result is hex if it contains `0x`, else unsigned decimal. */
function parseResult(line: Line): bigint {
  const text = line.text.trim();
  const m = /^0x([0-9a-fA-F]+)$/.exec(text) ?? /^()([0-9]+)$/.exec(text);
  if (!m) throw new ConformanceDataError(`bad result '${text}'`, line.number);
  const value = text.startsWith('0x') ? BigInt(text) : BigInt(m[2]);
  if (value > 0xffff_ffff_ffff_ffffn) throw new ConformanceDataError(`result '${text}' exceeds 64 bits`, line.number);
  return value;
}
