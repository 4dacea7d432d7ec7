// Tokens of the pseudo-C syntax that llvm-objdump, bpftool and the kernel verifier log print.

export type TokenKind = 'ident' | 'number' | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  /** 1-based column of the first character. */
  column: number;
}

/** Operators, longest first so that `<<=` wins over `<<` and `<`. `s>=` etc. are handled with identifiers. */
const PUNCTUATION = [
  '<<=', '>>=',
  '==', '!=', '>=', '<=', '+=', '-=', '*=', '/=', '|=', '&=', '%=', '^=', '<<', '>>',
  '=', '>', '<', '&', '+', '-', '*', '(', ')', '[', ']', ',', ':', '#', '/', '%', '|', '^', '!',
];
/** `s` glued to one of these is a signed operator: `s>`, `s>=`, `s<`, `s<=`, `s>>=`, `s/=`, `s%=`. */
const SIGNED = ['>>=', '>=', '<=', '/=', '%=', '>', '<'];

export class LexError extends Error {
  constructor(
    readonly reason: string,
    readonly column: number,
  ) {
    super(reason);
  }
}

/**
 * Splits one line (comments already removed) into tokens. Identifiers are letters, digits, `_` and `.`;
 * `kernel-function` (the kernel's name for a kfunc call) is read as one identifier.
 */
export function lex(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const column = i + 1;
    if (/[A-Za-z_.]/.test(c)) {
      let j = i + 1;
      while (j < line.length && /[A-Za-z0-9_.]/.test(line[j])) j++;
      let text = line.slice(i, j);
      if (text === 'kernel' && line.startsWith('-function', j)) {
        text = 'kernel-function';
        j += '-function'.length;
      }
      if (text === 's') {
        const op = SIGNED.find((p) => line.startsWith(p, j));
        if (op) {
          tokens.push({ kind: 'punct', text: `s${op}`, column });
          i = j + op.length;
          continue;
        }
      }
      tokens.push({ kind: 'ident', text, column });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < line.length && /[0-9A-Za-z_]/.test(line[j])) j++;
      tokens.push({ kind: 'number', text: line.slice(i, j), column });
      i = j;
      continue;
    }
    const op = PUNCTUATION.find((p) => line.startsWith(p, i));
    if (!op) throw new LexError(`unexpected character '${c}'`, column);
    tokens.push({ kind: 'punct', text: op, column });
    i += op.length;
  }
  return tokens;
}

/** Removes a comment: `;` or `//` anywhere, `#` at the start of the line or after blank space (not `call foo#1`). */
export function stripComment(line: string): string {
  let end = line.length;
  const semi = line.indexOf(';');
  if (semi >= 0) end = Math.min(end, semi);
  const slashes = line.indexOf('//');
  if (slashes >= 0) end = Math.min(end, slashes);
  const hash = /(^|[\s])#/.exec(line);
  if (hash) end = Math.min(end, hash.index + hash[1].length);
  return line.slice(0, end);
}
