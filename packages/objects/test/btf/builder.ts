// A tiny BTF writer for tests, written from include/uapi/linux/btf.h (struct btf_header, struct btf_type and the
// per-kind data that follows it) — independent of the parser under test.
export const K = {
  INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10, RESTRICT: 11,
  FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19,
} as const;

export class BtfBuilder {
  private readonly words: number[] = [];
  private readonly strs: number[] = [0];
  private readonly names = new Map<string, number>([['', 0]]);
  private count = 0;

  str(s: string): number {
    const known = this.names.get(s);
    if (known !== undefined) return known;
    const off = this.strs.length;
    for (const c of Buffer.from(s, 'latin1')) this.strs.push(c);
    this.strs.push(0);
    this.names.set(s, off);
    return off;
  }

  /** Appends a type; returns its id. `info` = kind << 24 | kflag << 31 | vlen. */
  type(name: string, kind: number, vlen: number, sizeOrType: number, extra: number[] = [], kflag = false): number {
    this.words.push(this.str(name), ((kflag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0, sizeOrType >>> 0, ...extra.map((w) => w >>> 0));
    return ++this.count;
  }

  int(name: string, size: number, bits = size * 8, encoding = 0, offset = 0): number {
    return this.type(name, K.INT, 0, size, [(encoding << 24) | (offset << 16) | bits]);
  }
  ptr(to: number): number {
    return this.type('', K.PTR, 0, to);
  }
  array(elem: number, index: number, n: number): number {
    return this.type('', K.ARRAY, 0, 0, [elem, index, n]);
  }
  /** Members: [name, type, bit offset (or raw kflag word)]. */
  struct(name: string, size: number, members: [string, number, number][], union = false, kflag = false): number {
    return this.type(name, union ? K.UNION : K.STRUCT, members.length, size, members.flatMap(([n, t, o]) => [this.str(n), t, o]), kflag);
  }
  enum(name: string, size: number, values: [string, number][], signed = false): number {
    return this.type(name, K.ENUM, values.length, size, values.flatMap(([n, v]) => [this.str(n), v]), signed);
  }
  typedef(name: string, to: number): number {
    return this.type(name, K.TYPEDEF, 0, to);
  }

  /** The blob: 24-byte header, the type section, then the string section. */
  build(): Uint8Array {
    const typeLen = this.words.length * 4;
    const out = new Uint8Array(24 + typeLen + this.strs.length);
    const dv = new DataView(out.buffer);
    dv.setUint16(0, 0xeb9f, true);
    out[2] = 1;
    dv.setUint32(4, 24, true);
    dv.setUint32(8, 0, true);
    dv.setUint32(12, typeLen, true);
    dv.setUint32(16, typeLen, true);
    dv.setUint32(20, this.strs.length, true);
    this.words.forEach((w, i) => dv.setUint32(24 + 4 * i, w, true));
    out.set(this.strs, 24 + typeLen);
    return out;
  }
}

/** `unsigned int` (id 1) and `int` (id 2), the start of most test BTFs. */
export function baseBtf(): BtfBuilder {
  const b = new BtfBuilder();
  b.int('unsigned int', 4);
  b.int('int', 4, 32, 1);
  return b;
}
