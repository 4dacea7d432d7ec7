// The program of a conformance `.data` file: `-- raw` wins over `-- asm`.
import { assembleConformance } from '../asm/conformance-asm.js';
import { decode, type DecodeOptions } from '../decode.js';
import type { Instruction } from '../instruction.js';
import type { ConformanceData } from './data-file.js';

/**
 * The Instructions of a parsed `.data` file. Raw bytes are decoded (and by default validated, so the
 * `negative/unused-*` programs throw DecodeError); assembly errors throw AsmError. A file with neither gives [].
 */
export function loadConformanceProgram(data: ConformanceData, options: DecodeOptions = {}): Instruction[] {
  if (data.raw !== undefined) return decode(data.raw, options);
  if (data.asm !== undefined) return assembleConformance(data.asm);
  return [];
}
