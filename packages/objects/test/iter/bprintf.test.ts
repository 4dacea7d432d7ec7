// bpf_seq_printf's format language. Expected texts were printed by Linux 6.18 (a clang-19 iter/bpf_map_elem program
// calling BPF_SEQ_PRINTF with these formats and arguments, `cat` of its pin in a private bpffs).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bprintfBytes as bprintf, MAX_BPRINTF_BUF, type BprintfMemory } from '@bpfsim/objects';
import { KERNEL_FORMATS, KERNEL_POINTERS, withHashes } from './kernel-expected.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A little address space: each entry is bytes at an address; anything else faults. */
function memory(regions: Record<string, Uint8Array>): BprintfMemory {
  return {
    read(addr, size) {
      for (const [base, bytes] of Object.entries(regions)) {
        const off = Number(addr - BigInt(base));
        if (off >= 0 && off + size <= bytes.length) return bytes.slice(off, off + size);
      }
      return undefined;
    },
  };
}

const IP4 = 0x1000n;
const IP6 = 0x2000n;
const HI = 0x3000n;
const ABC = 0x4000n;
const mem = memory({
  [IP4.toString()]: Uint8Array.of(10, 0, 0, 1),
  [IP6.toString()]: Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34),
  [HI.toString()]: enc.encode('hi\0\0\0\0\0\0'),
  [ABC.toString()]: enc.encode('abc\0\0\0\0\0'),
});

const u = (n: number | bigint): bigint => BigInt.asUintN(64, BigInt(n));

function fmt(f: string, args: (number | bigint)[], m: BprintfMemory = mem): string {
  const r = bprintf(enc.encode(f + '\0'), args.map(u), m);
  if (!r.ok) throw new Error(`${r.errno}: ${r.why}`);
  return dec.decode(r.bytes);
}

function errno(f: Uint8Array | string, args: (number | bigint)[] = [1, 2]): string {
  const r = bprintf(typeof f === 'string' ? enc.encode(f + '\0') : f, args.map(u), mem);
  return r.ok ? 'ok' : r.errno;
}

describe('bprintf (kernel-recorded outputs)', () => {
  it('IP addresses: %pI4 %pi4 %pI6 %pi6', () => {
    expect(fmt('[%pI4] [%pi4] [%pI6] [%pi6]\n', [IP4, IP4, IP6, IP6])).toBe(KERNEL_FORMATS[0]);
  });

  it('strings and characters with widths', () => {
    expect(fmt('[%s] [%5s] [%-5s|] [%3c] [%-3c|]\n', [HI, ABC, ABC, 0x7a, 0x7a])).toBe(KERNEL_FORMATS[1]);
  });

  it('integers: sizes, signs, flags, widths', () => {
    expect(
      fmt('[%x] [%lx] [%08x] [%-8d|] [% 5d] [%+5d] [%u] [%lu] [%i] [%%] [%X] [%llx]\n', [
        -1, -1n, 255, -42, 42, 42, -1, -1n, -7, 0xabc, 0x123456789abcdefn,
      ]),
    ).toBe(KERNEL_FORMATS[2]);
    expect(fmt('[%05d] [%-05d|] [%+05d] [%05x] [% 05d]\n', [-42, -42, 42, 42, 42])).toBe(KERNEL_FORMATS[4]);
  });

  it('pointers: %px and %pK print 16 hex digits; %s of NULL is empty', () => {
    expect(fmt('[%px] [%pK] [%s]\n', [0x1234, 0, 0])).toBe(KERNEL_FORMATS[3]);
  });

  it('pointer extensions swallow trailing letters; IPs ignore widths; %p hashes, NULL is zeroes; %ps prints 0x<addr>', () => {
    expect(fmt('[%pI6c] [%pI4x] [%pi4abc] [%pKz] [%pxq] [%12pI4] [%-12pI4|]\n', [IP6, IP4, IP4, 0x10, 0x10, IP4, IP4])).toMatch(withHashes(KERNEL_POINTERS[0]));
    expect(fmt('[%p] [%p] [%20px] [%ps] [%pS] [%pB]\n', [0, 0x1234, 0x99, 0x1234, 0x1234, 0x1234])).toMatch(withHashes(KERNEL_POINTERS[1]));
    expect(errno('[%ks]\n', [0])).toBe('EINVAL');
    expect(fmt('%p', [0x1234])).toBe(fmt('%p', [0x1234])); // the same pointer hashes the same
    expect(fmt('%p', [0x1234])).not.toBe(fmt('%p', [0x1235]));
  });

  it('EINVAL: precision, %o, %hd, too few arguments, %s followed by a letter, unknown %p extension, no NUL', () => {
    for (const f of ['%.2d\n', '%o\n', '%hd\n', '%d %d %d\n', '%sx\n', '%pZ\n']) expect(errno(f)).toBe('EINVAL');
    expect(errno(enc.encode('%ld\n'))).toBe('EINVAL'); // fmt_size covers no NUL
    expect(errno('tab\tis fine, bell \x07 is not')).toBe('EINVAL');
    expect(errno('caf\u00e9')).toBe('EINVAL'); // not ASCII
    expect(errno('%d %d\n')).toBe('ok');
    expect(errno('%%%d', [5])).toBe('ok');
  });
});

describe('bprintf staging buffer (MAX_BPRINTF_BUF)', () => {
  it('strings share 512 bytes with the other arguments: a string is cut to what is left, then ENOSPC', () => {
    const long = enc.encode('x'.repeat(600) + '\0');
    const m = memory({ '4096': long });
    expect(fmt('%s', [4096n], m)).toBe('x'.repeat(MAX_BPRINTF_BUF - 1));
    // an int takes 4 bytes first: 507 characters + NUL fill the rest
    expect(fmt('%d%s', [7, 4096n], m)).toBe('7' + 'x'.repeat(MAX_BPRINTF_BUF - 4 - 1));
    const r = bprintf(enc.encode('%s%s\0'), [4096n, 4096n], m);
    expect(r.ok ? 'ok' : r.errno).toBe('ENOSPC');
  });

  it('an unreadable string prints as empty', () => {
    expect(fmt('<%s>', [0xdead0000n])).toBe('<>');
  });
});

describe('bprintf properties', () => {
  it('%d / %u / %x / %lld of any value equal the value printed in that base, padded to the width', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 0, max: 30 }), (v, width) => {
        const w = width ? String(width) : '';
        const i32 = BigInt.asIntN(32, v);
        const u32 = BigInt.asUintN(32, v);
        const i64 = BigInt.asIntN(64, v);
        const pad = (s: string) => s.padStart(width, ' ');
        expect(fmt(`%${w}d|%${w}u|%${w}x|%${w}lld|%${w}llu`, [v, v, v, v, v])).toBe(
          [pad(i32.toString()), pad(u32.toString()), pad(u32.toString(16)), pad(i64.toString()), pad(v.toString())].join('|'),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('text without conversions comes out unchanged (%% as %)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abc XYZ019!-\n\t%'.split('')), maxLength: 60 }), (s) => {
        const f = s.replace(/%/g, '%%');
        expect(fmt(f, [])).toBe(s);
      }),
      { numRuns: 100 },
    );
  });
});
