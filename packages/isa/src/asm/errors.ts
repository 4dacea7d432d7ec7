// The one error type of every assembler: where (1-based line and column) and why.

/**
 * An assembly error. `reason` is the bare text (for the conformance syntax, exactly the reference assembler's,
 * e.g. `Invalid register: %r50`); `message` prefixes it with the position: `line 3, col 5: Invalid register: %r50`.
 */
export class AsmError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, col ${column}: ${reason}`);
    this.name = 'AsmError';
  }
}

/** A disassembly error: the instruction at `index` (an index into the Instruction array) has no spelling. */
export class DisasmError extends Error {
  constructor(
    readonly reason: string,
    readonly index: number,
  ) {
    super(`instruction ${index}: ${reason}`);
    this.name = 'DisasmError';
  }
}
