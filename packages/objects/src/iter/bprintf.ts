// The format language of bpf_seq_printf / bpf_snprintf (kernel/bpf/helpers.c bpf_bprintf_prepare, then
// lib/vsprintf.c bstr_printf on the prepared arguments).
//
// bpf_bprintf_prepare refuses (EINVAL) a format that is not NUL-terminated within fmt_size, holds a byte that is not
// printable ASCII or whitespace, uses more conversions than there are u64 arguments, or uses a conversion outside
// this set: `%%`, flags `0 + - space`, a width, then `d i u x X` with optional `l`/`ll`, `c`, `s`, `p`, `pK px ps pS`,
// `pB`, `pks pus`, `pi4 pI4 pi6 pI6`. There is no precision (`%.2d` is EINVAL) and no `#`, `o`, `h`, `z`.
// Strings, characters and pre-formatted IP addresses are staged in a 512-byte buffer (MAX_BPRINTF_BUF) together
// with the numbers; running out of it is ENOSPC.
//
// Pointers (checked on Linux 6.18): `%px` prints 16 zero-padded hex digits, or with a width the bare digits padded
// with spaces; `%p` and `%pK` print a 32-bit hash of the pointer the same way (the kernel's siphash key is random
// per boot; the simulator uses a fixed mix, so only the shape matches) and NULL as zeroes; `%ps`/`%pS`/`%pB` print
// "0x<address>" (what the kernel prints for an address with no symbol — the simulator has no symbols). IP addresses
// ignore the width. Letters and digits right after a `%p` extension are swallowed (`%pI6c` prints like `%pI6`).

/** MAX_BPRINTF_VARARGS: at most 12 u64 arguments. */
export const MAX_BPRINTF_VARARGS = 12;
/** MAX_BPRINTF_BUF: the per-call staging buffer of bpf_bprintf_prepare. */
export const MAX_BPRINTF_BUF = 512;

/** How the formatter reads program memory: undefined when the address is not readable (a fault). */
export interface BprintfMemory {
  read(addr: bigint, size: number): Uint8Array | undefined;
}

export type BprintfResult = { ok: true; bytes: Uint8Array } | { ok: false; errno: 'EINVAL' | 'ENOSPC'; why: string };

const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isPrint = (c: number): boolean => c >= 0x20 && c <= 0x7e;
const isPunct = (c: number): boolean => isPrint(c) && c !== 0x20 && !/[A-Za-z0-9]/.test(String.fromCharCode(c));
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const ch = (s: string): number => s.charCodeAt(0);

interface Spec {
  left: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  width: number; // -1: none
}

const enc = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

/** widen_string / string(): pad with spaces to the field width. */
function padded(body: number[], spec: Spec): number[] {
  if (spec.width <= body.length) return body;
  const pad = new Array<number>(spec.width - body.length).fill(0x20);
  return spec.left ? [...body, ...pad] : [...pad, ...body];
}

/** vsprintf's number(): sign, zero/space padding, digits (no precision: bpf formats cannot have one). */
function number(value: bigint, signed: boolean, base: 10 | 16, upper: boolean, spec: Spec): number[] {
  let sign = '';
  let v = value;
  if (signed && v < 0n) {
    sign = '-';
    v = -v;
  } else if (signed && spec.plus) sign = '+';
  else if (signed && spec.space) sign = ' ';
  let digits = v.toString(base);
  if (upper) digits = digits.toUpperCase();
  let width = spec.width - sign.length - digits.length;
  let out = '';
  if (!spec.left && !spec.zero) while (width-- > 0) out += ' ';
  out += sign;
  if (!spec.left) while (width-- > 0) out += spec.zero ? '0' : ' ';
  out += digits;
  while (width-- > 0) out += ' ';
  return enc(out);
}

/** pointer_string: 16 zero-padded hex digits without a width, else the digits space-padded to the width. */
function pointerText(v: bigint, spec: Spec): number[] {
  return spec.width < 0 ? enc(v.toString(16).padStart(16, '0')) : padded(enc(v.toString(16)), spec);
}

/** ptr_to_id's shape: a 32-bit hash in 64 bits (a fixed murmur-style mix instead of the kernel's keyed siphash). */
function pointerHash(v: bigint): bigint {
  let h = Number(BigInt.asUintN(32, v ^ (v >> 32n)));
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return BigInt((h ^ (h >>> 16)) >>> 0);
}

function ip4(b: Uint8Array, padded3: boolean): string {
  return [...b].map((x) => (padded3 ? String(x).padStart(3, '0') : String(x))).join('.');
}

function ip6(b: Uint8Array, colons: boolean): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(b[i].toString(16).padStart(2, '0') + b[i + 1].toString(16).padStart(2, '0'));
  return words.join(colons ? ':' : '');
}

/**
 * Formats `fmt` (the fmt_size bytes the program passed) with the u64 `args`. Returns the output bytes (without a
 * trailing NUL) or the errno bpf_bprintf_prepare fails with.
 */
export function bprintf(fmt: Uint8Array, args: readonly bigint[], mem: BprintfMemory): BprintfResult {
  const end = fmt.indexOf(0);
  if (end < 0) return { ok: false, errno: 'EINVAL', why: 'format is not NUL-terminated within fmt_size' };
  const f = (i: number): number => (i < end ? fmt[i] : 0);
  const out: number[] = [];
  let staged = 0; // bytes used in the MAX_BPRINTF_BUF staging buffer
  let spec = 0; // number of conversions consumed
  const fail = (errno: 'EINVAL' | 'ENOSPC', why: string): BprintfResult => ({ ok: false, errno, why });
  const room = (): number => MAX_BPRINTF_BUF - staged;
  /** A number argument is stored 4-aligned, 4 or 8 bytes. */
  const stageNumber = (size: number): boolean => {
    staged = (staged + 3) & ~3;
    if (room() < size) return false;
    staged += size;
    return true;
  };

  for (let i = 0; i < end; i++) {
    const c = fmt[i];
    if (!isPrint(c) && !isSpace(c)) return fail('EINVAL', `format byte ${i} (0x${c.toString(16)}) is not printable ASCII`);
    if (c !== ch('%')) {
      out.push(c);
      continue;
    }
    if (f(i + 1) === ch('%')) {
      out.push(c);
      i++;
      continue;
    }
    if (spec >= args.length) return fail('EINVAL', `conversion at format byte ${i} has no argument (${args.length} given)`);
    const at = i;
    i++;
    const s: Spec = { left: false, plus: false, space: false, zero: false, width: -1 };
    for (;;) {
      const fl = f(i);
      if (fl === ch('0')) s.zero = true;
      else if (fl === ch('+')) s.plus = true;
      else if (fl === ch('-')) s.left = true;
      else if (fl === ch(' ')) s.space = true;
      else break;
      i++;
    }
    if (s.left) s.zero = false;
    if (f(i) >= ch('1') && f(i) <= ch('9')) {
      let w = 0;
      while (isDigit(f(i))) w = w * 10 + (f(i++) - 0x30);
      s.width = w;
    }
    const arg = args[spec];
    const conv = f(i);

    if (conv === ch('p')) {
      const next = f(i + 1);
      if (next === 0 || isSpace(next) || isPunct(next)) {
        // plain %p
        if (!stageNumber(8)) return fail('ENOSPC', 'staging buffer full');
        out.push(...pointerText(arg === 0n ? 0n : pointerHash(arg), s));
        spec++;
        continue;
      }
      if ((next === ch('k') || next === ch('u')) && f(i + 2) === ch('s')) {
        i += 2;
        const r = stageString(i, arg);
        if (!r.ok) return r;
        continue;
      }
      if (next === ch('K') || next === ch('x')) {
        if (!stageNumber(8)) return fail('ENOSPC', 'staging buffer full');
        out.push(...pointerText(next === ch('x') || arg === 0n ? arg : pointerHash(arg), s));
        i++;
        spec++;
        while (isAlnum(f(i + 1))) i++;
        continue;
      }
      if (next === ch('s') || next === ch('S') || next === ch('B')) {
        if (next === ch('B')) {
          const text = `0x${arg.toString(16)}`;
          if (room() < text.length + 1) return fail('ENOSPC', 'staging buffer full');
          staged += text.length + 1;
          out.push(...enc(text));
        } else {
          if (!stageNumber(8)) return fail('ENOSPC', 'staging buffer full');
          out.push(...padded(enc(`0x${arg.toString(16)}`), s));
        }
        i++;
        spec++;
        while (isAlnum(f(i + 1))) i++;
        continue;
      }
      const fam = f(i + 2);
      if ((next !== ch('i') && next !== ch('I')) || (fam !== ch('4') && fam !== ch('6'))) {
        return fail('EINVAL', `unsupported %p extension at format byte ${at} (only %pK %px %ps %pS %pB %pks %pus %pi4 %pI4 %pi6 %pI6)`);
      }
      i += 2;
      const size = fam === ch('4') ? 4 : 16;
      if (room() < size) return fail('ENOSPC', 'staging buffer full');
      const raw = mem.read(arg, size) ?? new Uint8Array(size); // copy_from_kernel_nofault failure: all zeroes
      const text = size === 4 ? ip4(raw, next === ch('i')) : ip6(raw, next === ch('I'));
      const take = Math.min(text.length, room() - 1);
      staged += take + 1;
      out.push(...enc(text.slice(0, take)));
      spec++;
      while (isAlnum(f(i + 1))) i++;
      continue;
    }
    if (conv === ch('s')) {
      const r = stageString(i, arg);
      if (!r.ok) return r;
      continue;
    }
    if (conv === ch('c')) {
      if (room() === 0) return fail('ENOSPC', 'staging buffer full');
      staged += 1;
      out.push(...padded([Number(arg & 0xffn)], s));
      spec++;
      continue;
    }
    let size = 4;
    if (f(i) === ch('l')) {
      size = 8;
      i++;
    }
    if (f(i) === ch('l')) i++;
    const k = f(i);
    if (k !== ch('i') && k !== ch('d') && k !== ch('u') && k !== ch('x') && k !== ch('X')) {
      return fail('EINVAL', `unsupported conversion at format byte ${at}`);
    }
    if (!stageNumber(size)) return fail('ENOSPC', 'staging buffer full');
    const bits = size * 8;
    const signed = k === ch('d') || k === ch('i');
    const v = signed ? BigInt.asIntN(bits, arg) : BigInt.asUintN(bits, arg);
    out.push(...number(v, signed, k === ch('x') || k === ch('X') ? 16 : 10, k === ch('X'), s));
    spec++;

    // `%s` (and %pks/%pus) ends at a NUL, whitespace or punctuation; the string is copied into the staging buffer
    // (at most what is left of it, NUL included), an unreadable pointer giving the empty string.
    function stageString(pos: number, ptr: bigint): BprintfResult {
      const nx = f(pos + 1);
      if (nx !== 0 && !isSpace(nx) && !isPunct(nx)) return fail('EINVAL', `%s at format byte ${at} must be followed by a space, punctuation or the end`);
      if (room() === 0) return fail('ENOSPC', 'staging buffer full');
      const str = readCString(mem, ptr, room());
      staged += str.length + 1;
      out.push(...padded([...str], s));
      spec++;
      return { ok: true, bytes: new Uint8Array(0) };
    }
  }
  return { ok: true, bytes: Uint8Array.from(out) };
}

/** strncpy_from_kernel_nofault(dst, ptr, size): at most size-1 characters; a fault anywhere gives "". */
function readCString(mem: BprintfMemory, ptr: bigint, size: number): Uint8Array {
  const out: number[] = [];
  for (let k = 0; k < size - 1; k++) {
    const b = mem.read(ptr + BigInt(k), 1);
    if (!b) return new Uint8Array(0);
    if (b[0] === 0) break;
    out.push(b[0]);
  }
  return Uint8Array.from(out);
}
