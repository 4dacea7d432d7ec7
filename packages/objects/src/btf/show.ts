// btf_type_seq_show (kernel/bpf/btf.c): how `cat` of a pinned BTF map prints keys and values. The seq_file flags
// are NONAME | COMPACT | ZERO | UNSAFE, so no names, no newlines, every member shown, each followed by ','.
// The kernel's show state is reproduced as is, including its quirks: once inside an array element no opening
// '[' / '{' is printed (state.array_member stays set until the element ends), char arrays stop at the first NUL,
// bitfields print in hex, and pointers print hashed ("0x%p").
import { BTF_INT_CHAR, BTF_INT_SIGNED, KIND, hasSize, isStructOrUnion, type BtfType } from './kinds.js';
import { cstr, skipModifiers, typeIdSize } from './lookup.js';
import type { ParsedBtf } from './parse.js';

interface ShowState {
  depth: number;
  arrayMember: boolean;
  arrayEncoding: number;
  arrayTerminated: boolean;
  /** The type being shown (state.type), consulted for the union '|' delimiter. */
  type: BtfType | undefined;
  out: string;
}

/** Renders `data` as type `typeId` the way btf_type_seq_show does. */
export function btfShow(btf: ParsedBtf, typeId: number, data: Uint8Array, hashPointer: (p: bigint) => bigint = defaultPointerHash): string {
  const st: ShowState = { depth: 0, arrayMember: false, arrayEncoding: 0, arrayTerminated: false, type: undefined, out: '' };
  const t = btf.types[typeId] ?? btf.types[0];
  new Shower(btf, st, hashPointer).show(t, typeId, data, 0, 0);
  return st.out;
}

class Shower {
  constructor(
    private readonly btf: ParsedBtf,
    private readonly st: ShowState,
    private readonly hashPointer: (p: bigint) => bigint,
  ) {}

  private delim(): string {
    if (this.st.depth === 0) return '';
    return this.st.type?.kind === KIND.UNION ? '|' : ',';
  }

  /** btf_show_name with BTF_SHOW_NONAME: only the opening parenthesis, and nothing for array members. */
  private openParen(id: number): string {
    if (this.st.arrayMember) return '';
    let t: BtfType | undefined = this.btf.types[id];
    let sawArray = false;
    let sawPtr = false;
    let paren = '';
    for (let i = 0; i < 10 && t; i++) {
      let next = 0;
      if (t.kind === KIND.TYPEDEF) next = t.sizeOrType;
      else if (t.kind === KIND.ARRAY) {
        sawArray = true;
        paren = '[';
        next = t.array!.type;
      } else if (t.kind === KIND.PTR) {
        sawPtr = true;
        next = t.sizeOrType;
      }
      if (!next) break;
      t = skipQualifiers(this.btf.types, next);
    }
    if (t && isStructOrUnion(t) && !sawArray) paren = '{';
    return sawPtr ? '' : paren;
  }

  private value(text: string): void {
    this.st.out += this.openParen(this.st.type?.id ?? 0) + text + this.delim();
  }

  show(t: BtfType, id: number, data: Uint8Array, at: number, bitsOffset: number): void {
    switch (t.kind) {
      case KIND.INT:
        return this.int(t, data, at, bitsOffset);
      case KIND.PTR:
        this.st.type = t;
        this.value(`0x${this.pointer(data, at)}`);
        this.st.type = undefined;
        return;
      case KIND.ARRAY:
        return this.array(t, data, at, bitsOffset);
      case KIND.STRUCT: case KIND.UNION:
        return this.struct(t, data, at);
      case KIND.ENUM: case KIND.ENUM64:
        return this.enumValue(t, data, at);
      case KIND.TYPEDEF: case KIND.VOLATILE: case KIND.CONST: case KIND.RESTRICT: case KIND.TYPE_TAG: case KIND.VAR: {
        // btf_modifier_show / btf_var_show: show the resolved type under the original id.
        const r = typeIdSize(this.btf, id);
        const target = r?.type ?? skipModifiers(this.btf.types, t.kind === KIND.VAR ? t.sizeOrType : id).type ?? this.btf.types[0];
        if (target === t) return this.unsupported(t);
        return this.show(target, id, data, at, bitsOffset);
      }
      case KIND.DATASEC:
        return this.datasec(t, data, at);
      default:
        return this.unsupported(t);
    }
  }

  /** btf_df_show: no delimiter follows. */
  private unsupported(t: BtfType): void {
    this.st.out += `<unsupported kind:${t.kind}>`;
  }

  private pointer(data: Uint8Array, at: number): string {
    const p = readUnsigned(data, at, 8);
    return (p === 0n ? 0n : this.hashPointer(p)).toString(16).padStart(16, '0');
  }

  private int(t: BtfType, data: Uint8Array, at: number, bitsOffset: number): void {
    this.st.type = t;
    const { encoding, offset, bits } = t.int!;
    const sign = (encoding & BTF_INT_SIGNED) !== 0;
    if (bitsOffset || offset || bits & 7) this.bitfield(data, at, bitsOffset + offset, bits);
    else if (bits === 128) this.hex128(readUnsigned(data, at, 16));
    else if (bits === 64 || bits === 32 || bits === 16) {
      const v = readUnsigned(data, at, bits / 8);
      this.value(String(sign ? BigInt.asIntN(bits, v) : v));
    } else if (bits === 8) {
      const c = at < data.length ? data[at] : 0;
      let done = false;
      if (this.st.arrayEncoding === BTF_INT_CHAR) {
        if (this.st.arrayTerminated) done = true;
        else if (c === 0) {
          this.st.arrayTerminated = true;
          done = true;
        } else if (isPrint(c)) {
          // '%c' of the raw byte: the text is a byte string (char code = byte), bpffs writes it unchanged.
          this.value(`'${String.fromCharCode(c)}'`);
          done = true;
        }
      }
      if (!done) this.value(String(sign ? (c << 24) >> 24 : c));
    } else this.bitfield(data, at, bitsOffset, bits);
    this.st.type = undefined;
  }

  /** btf_bitfield_show: the bits shifted out and printed as hex (btf_int128_print). */
  private bitfield(data: Uint8Array, at: number, bitOffset: number, nrBits: number): void {
    at += bitOffset >> 3;
    const shift = bitOffset & 7;
    const bytes = (nrBits + shift + 7) >> 3;
    const raw = readUnsigned(data, at, bytes);
    this.hex128((raw >> BigInt(shift)) & ((1n << BigInt(nrBits)) - 1n));
  }

  private hex128(v: bigint): void {
    const upper = v >> 64n;
    const lower = v & 0xffffffffffffffffn;
    this.value(upper === 0n ? `0x${lower.toString(16)}` : `0x${upper.toString(16)}${lower.toString(16).padStart(16, '0')}`);
  }

  private startAggr(t: BtfType): void {
    this.st.type = t;
    this.st.out += this.openParen(t.id);
    this.st.depth++;
  }

  private endAggr(suffix: string): void {
    // The delimiter looks at state.type as the last member left it (cleared), so a union ends with ',' too;
    // only an empty union (state.type still the union) ends with '|'.
    this.st.depth--;
    this.st.out += suffix + this.delim();
    this.st.type = undefined;
  }

  private array(t: BtfType, data: Uint8Array, at: number, bitsOffset: number): void {
    const a = t.array!;
    const { type: elem } = skipModifiers(this.btf.types, a.type);
    const elemSize = elem && hasSize(elem) ? elem.sizeOrType : 0;
    let encoding = 0;
    if (elem?.kind === KIND.INT) encoding = elemSize === 1 ? BTF_INT_CHAR : elem.int!.encoding;
    this.st.arrayEncoding = encoding;
    this.st.arrayTerminated = false;
    this.startAggr(t);
    // The kernel starts with the element's size only for sized kinds (btf_type_has_size); arrays of arrays or of
    // pointers therefore advance by 0 and show the first element again, as Linux does.
    if (elem) {
      for (let i = 0; i < a.nelems; i++) {
        this.st.arrayMember = true;
        this.show(elem, a.type, data, at, bitsOffset);
        at += elemSize;
        this.st.arrayMember = false;
        if (this.st.arrayTerminated) break;
      }
    }
    this.st.arrayEncoding = 0;
    this.st.arrayTerminated = false;
    this.endAggr(']');
  }

  private struct(t: BtfType, data: Uint8Array, at: number): void {
    this.startAggr(t);
    for (const m of t.members!) {
      const mt = this.btf.types[m.type];
      const bitOff = t.kflag ? m.bitOffset : m.offset;
      const byteOff = at + (bitOff >> 3);
      if (m.bitfieldSize) {
        this.st.type = mt;
        this.bitfield(data, byteOff, bitOff & 7, m.bitfieldSize);
        this.st.type = undefined;
      } else if (mt) this.show(mt, m.type, data, byteOff, bitOff & 7);
    }
    this.endAggr('}');
  }

  private enumValue(t: BtfType, data: Uint8Array, at: number): void {
    this.st.type = t;
    const is64 = t.kind === KIND.ENUM64;
    // btf_enum_show reads an int whatever the enum's size; btf_enum64_show a u64.
    const raw = readUnsigned(data, at, is64 ? 8 : 4);
    const hit = t.enums!.find((e) => e.val === raw);
    if (hit) this.value(cstr(this.btf.strings, hit.nameOff));
    else this.value(String(t.kflag ? BigInt.asIntN(is64 ? 64 : 32, raw) : raw));
    this.st.type = undefined;
  }

  /** btf_datasec_show: `section ("name") = {` then the variables, comma-separated. */
  private datasec(t: BtfType, data: Uint8Array, at: number): void {
    this.st.type = t;
    this.value(`section ("${cstr(this.btf.strings, t.nameOff)}") = {`);
    t.secinfo!.forEach((v, i) => {
      if (i) this.st.out += ',';
      const vt = this.btf.types[v.type];
      if (vt) this.show(vt, v.type, data, at + v.offset, 0);
    });
    this.st.type = undefined;
  }
}

/** btf_type_skip_qualifiers: const/volatile/restrict (not typedef). */
function skipQualifiers(types: readonly BtfType[], id: number): BtfType | undefined {
  let t = types[id];
  while (t && (t.kind === KIND.CONST || t.kind === KIND.VOLATILE || t.kind === KIND.RESTRICT || t.kind === KIND.TYPE_TAG)) t = types[t.sizeOrType];
  return t;
}

function readUnsigned(data: Uint8Array, at: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(at + i < data.length ? data[at + i] : 0);
  return v;
}

/** The kernel's isprint (lib/ctype.c): ASCII 0x20-0x7e and Latin-1 0xa0-0xff. */
const isPrint = (c: number): boolean => (c >= 0x20 && c <= 0x7e) || c >= 0xa0;

/**
 * "%p" prints a per-boot siphash of the address (ptr_to_id), 32 bits wide on 64-bit kernels; the simulator uses a
 * fixed 32-bit mix instead, so non-NULL pointers print in the kernel's format but not with its (random) digits.
 */
export function defaultPointerHash(p: bigint): bigint {
  let x = Number(p & 0xffffffffn) ^ Number((p >> 32n) & 0xffffffffn) ^ 0x9e3779b9;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return BigInt((x ^ (x >>> 16)) >>> 0);
}
