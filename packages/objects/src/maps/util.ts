// Small byte helpers shared by the map implementations.
import { BpfError } from '../errno.js';

export function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

export function isPowerOf2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && Number.isInteger(Math.log2(n));
}


/** A Map key for a byte string (keys are short; latin1 keeps it compact and exact). */
export function bytesKey(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

export function u32At(b: Uint8Array, off = 0): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

export function u32Bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  b[0] = v & 0xff;
  b[1] = (v >>> 8) & 0xff;
  b[2] = (v >>> 16) & 0xff;
  b[3] = (v >>> 24) & 0xff;
  return b;
}

/** Take the first `size` bytes of a user buffer, EFAULT when it is shorter (copy_from_user of too few bytes). */
export function userBytes(buf: Uint8Array | null | undefined, size: number, what: string): Uint8Array {
  if (size === 0) return new Uint8Array(0);
  if (!(buf instanceof Uint8Array) || buf.length < size) {
    const have = buf instanceof Uint8Array ? `${buf.length} bytes` : 'no byte buffer';
    throw new BpfError('EFAULT', `${what}: ${have}, need ${size}`);
  }
  return buf.length === size ? buf.slice() : buf.slice(0, size);
}
