import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteStringBytes } from './bytes.js';

describe('byteStringBytes', () => {
  it('writes each char code 0–255 as that one byte (hand-checked)', () => {
    expect(byteStringBytes("['A','\xe9','\xff',]\n")).toEqual(
      Uint8Array.from([0x5b, 0x27, 0x41, 0x27, 0x2c, 0x27, 0xe9, 0x27, 0x2c, 0x27, 0xff, 0x27, 0x2c, 0x5d, 0x0a]),
    );
    expect(byteStringBytes('')).toEqual(new Uint8Array(0));
  });

  it('a char above 0xff is not a byte: it is written as UTF-8, the bytes around it stay raw', () => {
    expect(byteStringBytes('\xe9\u20ac\xff')).toEqual(Uint8Array.from([0xe9, 0xe2, 0x82, 0xac, 0xff]));
  });

  it('is latin1 encoding for every byte string', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = String.fromCharCode(...bytes);
        expect(byteStringBytes(text)).toEqual(bytes);
        expect(Buffer.from(byteStringBytes(text)).toString('latin1')).toBe(text);
      }),
      { numRuns: 100 },
    );
  });
});
