// Joining the chunks of a read into one buffer, and the bytes of a byte string.

/** The bytes of `parts` in order (the single part itself when there is only one). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * The bytes of a byte string: each char code (0–255) is one byte, as the kernel's seq_file text is raw bytes (a BTF
 * char array prints its Latin-1 bytes unchanged, see btf_int_show). A char code above 0xff is not a byte: it is
 * written as its UTF-8 encoding rather than truncated, so a producer's mistake shows instead of corrupting a byte.
 */
export function byteStringBytes(text: string): Uint8Array {
  let wide = false;
  for (let i = 0; i < text.length && !wide; i++) wide = text.charCodeAt(i) > 0xff;
  if (!wide) {
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  const parts: Uint8Array[] = [];
  const utf8 = new TextEncoder();
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    parts.push(c <= 0xff ? Uint8Array.of(c) : utf8.encode(ch));
  }
  return concatBytes(parts);
}
