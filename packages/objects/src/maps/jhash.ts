// Bob Jenkins' lookup3 hash as the kernel implements it (include/linux/jhash.h), used by the bloom filter.

const JHASH_INITVAL = 0xdeadbeef;

function rol32(x: number, s: number): number {
  return ((x << s) | (x >>> (32 - s))) >>> 0;
}

interface Abc {
  a: number;
  b: number;
  c: number;
}

function mix(h: Abc): void {
  let { a, b, c } = h;
  a = (a - c) >>> 0; a = (a ^ rol32(c, 4)) >>> 0; c = (c + b) >>> 0;
  b = (b - a) >>> 0; b = (b ^ rol32(a, 6)) >>> 0; a = (a + c) >>> 0;
  c = (c - b) >>> 0; c = (c ^ rol32(b, 8)) >>> 0; b = (b + a) >>> 0;
  a = (a - c) >>> 0; a = (a ^ rol32(c, 16)) >>> 0; c = (c + b) >>> 0;
  b = (b - a) >>> 0; b = (b ^ rol32(a, 19)) >>> 0; a = (a + c) >>> 0;
  c = (c - b) >>> 0; c = (c ^ rol32(b, 4)) >>> 0; b = (b + a) >>> 0;
  h.a = a; h.b = b; h.c = c;
}

function final(h: Abc): void {
  let { a, b, c } = h;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol32(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol32(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol32(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol32(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 24)) >>> 0;
  h.a = a; h.b = b; h.c = c;
}

function le32(k: Uint8Array, i: number): number {
  return (k[i] | (k[i + 1] << 8) | (k[i + 2] << 16) | (k[i + 3] << 24)) >>> 0;
}

/** jhash(key, length, initval) over bytes. */
export function jhash(k: Uint8Array, initval: number): number {
  let length = k.length;
  const init = (JHASH_INITVAL + length + initval) >>> 0;
  const h: Abc = { a: init, b: init, c: init };
  let i = 0;
  while (length > 12) {
    h.a = (h.a + le32(k, i)) >>> 0;
    h.b = (h.b + le32(k, i + 4)) >>> 0;
    h.c = (h.c + le32(k, i + 8)) >>> 0;
    mix(h);
    length -= 12;
    i += 12;
  }
  if (length === 0) return h.c;
  const tail = [0, 0, 0];
  for (let j = 0; j < length; j++) tail[j >> 2] += k[i + j] * 2 ** (8 * (j & 3));
  h.a = (h.a + tail[0]) >>> 0;
  h.b = (h.b + tail[1]) >>> 0;
  h.c = (h.c + tail[2]) >>> 0;
  final(h);
  return h.c;
}

/** jhash2(words, length_in_words, initval) over a byte buffer whose length is a multiple of 4 (little-endian words). */
export function jhash2(k: Uint8Array, initval: number): number {
  let length = k.length >> 2;
  const init = (JHASH_INITVAL + (length << 2) + initval) >>> 0;
  const h: Abc = { a: init, b: init, c: init };
  let i = 0;
  while (length > 3) {
    h.a = (h.a + le32(k, i)) >>> 0;
    h.b = (h.b + le32(k, i + 4)) >>> 0;
    h.c = (h.c + le32(k, i + 8)) >>> 0;
    mix(h);
    length -= 3;
    i += 12;
  }
  if (length === 0) return h.c;
  if (length >= 3) h.c = (h.c + le32(k, i + 8)) >>> 0;
  if (length >= 2) h.b = (h.b + le32(k, i + 4)) >>> 0;
  h.a = (h.a + le32(k, i)) >>> 0;
  final(h);
  return h.c;
}
