// btf_parse (kernel/bpf/btf.c): header, section layout, string section, then every type's meta check
// (btf_check_all_metas, logging each type like btf_verifier_log_type) and the resolve pass (btf_check_all_types:
// sizes, member bounds, loops). Errors carry the kernel's errno and leave the log as the kernel writes it.
import { BpfError, type Errno } from '../errno.js';
import { cstr, typeIdSize } from './lookup.js';
import { typeDetails } from './log-format.js';
import {
  BTF_HDR_SIZE, BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, BTF_MAGIC, BTF_MAX_TYPE, BTF_VERSION, KIND, KIND_MAX,
  KIND_NAMES, VOID, intIsRegular, isModifier, isNoSize, isResolveSourceOnly, isStructOrUnion, needsResolve,
  type BtfEnumValue, type BtfMember, type BtfParam, type BtfType, type BtfVarSecinfo,
} from './kinds.js';

/** Where the verifier log goes (only written when a log level was given, like bpf_verifier_log_needed). */
export interface BtfLogSink {
  write(s: string): void;
}

/** A parsed, validated BTF: types by id (0 = void), the string section, and the resolve results. */
export interface ParsedBtf {
  readonly types: readonly BtfType[];
  readonly strings: Uint8Array;
  /** Modifiers and VARs: the first type with a size (or ptr/array) they resolve to. */
  readonly resolvedIds: Map<number, number>;
  /** Arrays: elem size × nelems; modifiers: the size of what they resolve to. */
  readonly resolvedSizes: Map<number, number>;
  readonly data: Uint8Array;
}

const fail = (errno: Errno, why: string): never => {
  throw new BpfError(errno, `BPF_BTF_LOAD: ${why}`);
};

const INFO_MASK = 0x9f00ffff;
const INT_MASK = 0x0fffffff;
const MAX_RESOLVE_DEPTH = 32;
const MAX_NAME_OFFSET = 0xffffffff;
/** alloc_obj_fields in btf_parse_struct_metas. */
const ALLOC_OBJ_FIELDS = ['bpf_spin_lock', 'bpf_list_head', 'bpf_list_node', 'bpf_rb_root', 'bpf_rb_node', 'bpf_refcount'];
/** Their uapi sizes and alignments (a struct of another size is not the special field, btf_get_field_type). */
const FIELD_LAYOUT: Record<string, { size: number; align: number }> = {
  bpf_spin_lock: { size: 4, align: 4 }, bpf_refcount: { size: 4, align: 4 }, bpf_list_head: { size: 16, align: 8 },
  bpf_list_node: { size: 24, align: 8 }, bpf_rb_root: { size: 16, align: 8 }, bpf_rb_node: { size: 32, align: 8 },
};

type Phase = 'meta' | 'resolve';

export class BtfVerifier {
  private readonly dv: DataView;
  private hdr = { magic: 0, version: 0, flags: 0, hdrLen: 0, typeOff: 0, typeLen: 0, strOff: 0, strLen: 0 };
  private strings: Uint8Array = new Uint8Array(0);
  private readonly types: BtfType[] = [VOID];
  private logTypeId = 0;
  private phase: Phase = 'meta';
  private readonly resolvedIds = new Map<number, number>();
  private readonly resolvedSizes = new Map<number, number>();
  private readonly resolved = new Set<number>();

  constructor(
    private readonly data: Uint8Array,
    private readonly log: BtfLogSink,
  ) {
    this.dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  parse(): ParsedBtf {
    this.parseHeader();
    this.parseStrings();
    this.parseTypes();
    return { types: this.types, strings: this.strings, resolvedIds: this.resolvedIds, resolvedSizes: this.resolvedSizes, data: this.data };
  }

  // ---- log helpers (btf_verifier_log, btf_verifier_log_type, btf_verifier_log_member) ----

  private say(s: string): void {
    this.log.write(s);
  }

  /** Logs the message (without newline, as btf_verifier_log) and fails. */
  private bad(errno: Errno, msg: string): never {
    this.say(msg);
    return fail(errno, msg);
  }

  name(off: number): string {
    if (!off) return '(anon)';
    return off < this.strings.length ? cstr(this.strings, off) : '(invalid-name-offset)';
  }

  /** btf_verifier_log_type: "[id] KIND name details[ msg]\n". */
  private logType(t: BtfType, msg?: string, withDetails = true): void {
    let s = `[${this.logTypeId}] ${KIND_NAMES[t.kind]} ${this.name(t.nameOff)}`;
    if (withDetails) s += ` ${typeDetails(t, (off) => this.name(off))}`;
    if (msg) s += ` ${msg}`;
    this.say(s + '\n');
  }

  private badType(t: BtfType, errno: Errno, msg: string, withDetails = true): never {
    this.logType(t, msg, withDetails);
    return fail(errno, `[${this.logTypeId}] ${KIND_NAMES[t.kind]}: ${msg}`);
  }

  /** btf_verifier_log_member: after the meta phase, the struct's line comes first. */
  private logMember(st: BtfType, m: BtfMember, msg?: string): void {
    if (this.phase !== 'meta') this.logType(st);
    let s = st.kflag
      ? `\t${this.name(m.nameOff)} type_id=${m.type} bitfield_size=${m.bitfieldSize} bits_offset=${m.bitOffset}`
      : `\t${this.name(m.nameOff)} type_id=${m.type} bits_offset=${m.offset}`;
    if (msg) s += ` ${msg}`;
    this.say(s + '\n');
  }

  private badMember(st: BtfType, m: BtfMember, msg: string): never {
    this.logMember(st, m, msg);
    return fail('EINVAL', `[${this.logTypeId}] member ${this.name(m.nameOff)}: ${msg}`);
  }

  private logVsi(ds: BtfType, v: BtfVarSecinfo, msg?: string): void {
    if (this.phase !== 'meta') this.logType(ds);
    this.say(`\t type_id=${v.type} offset=${v.offset} size=${v.size}${msg ? ` ${msg}` : ''}\n`);
  }

  private badVsi(ds: BtfType, v: BtfVarSecinfo, msg: string): never {
    this.logVsi(ds, v, msg);
    return fail('EINVAL', `[${this.logTypeId}] DATASEC: ${msg}`);
  }

  // ---- header and sections (btf_parse_hdr, btf_check_sec_info, btf_parse_str_sec) ----

  private parseHeader(): void {
    const size = this.data.length;
    if (size < 8) this.bad('EINVAL', 'hdr_len not found');
    const hdrLen = this.dv.getUint32(4, true);
    if (size < hdrLen) this.bad('EINVAL', 'btf_header not found');
    for (let i = BTF_HDR_SIZE; i < hdrLen; i++) if (this.data[i]) this.bad('E2BIG', 'Unsupported btf_header');
    const word = (off: number): number => (off + 4 <= Math.min(hdrLen, BTF_HDR_SIZE) ? this.dv.getUint32(off, true) : 0);
    this.hdr = {
      magic: this.dv.getUint16(0, true),
      version: this.data[2],
      flags: this.data[3],
      hdrLen,
      typeOff: word(8),
      typeLen: word(12),
      strOff: word(16),
      strLen: word(20),
    };
    const h = this.hdr;
    this.say(
      `magic: 0x${h.magic.toString(16)}\nversion: ${h.version}\nflags: 0x${h.flags.toString(16)}\nhdr_len: ${h.hdrLen}\n` +
        `type_off: ${h.typeOff}\ntype_len: ${h.typeLen}\nstr_off: ${h.strOff}\nstr_len: ${h.strLen}\nbtf_total_size: ${size}\n`,
    );
    if (h.magic !== BTF_MAGIC) this.bad('EINVAL', 'Invalid magic');
    if (h.version !== BTF_VERSION) this.bad('ENOTSUPP', 'Unsupported version');
    if (h.flags) this.bad('ENOTSUPP', 'Unsupported flags');
    if (size === h.hdrLen) this.bad('EINVAL', 'No data');
    // btf_check_sec_info: the two sections, sorted by offset, must tile the data after the header exactly.
    const secs = [
      { off: h.typeOff, len: h.typeLen },
      { off: h.strOff, len: h.strLen },
    ].sort((a, b) => (a.off !== b.off ? a.off - b.off : a.len - b.len));
    const expected = size - h.hdrLen;
    let total = 0;
    for (const s of secs) {
      if (expected < s.off) this.bad('EINVAL', 'Invalid section offset');
      if (total < s.off) this.bad('EINVAL', 'Unsupported section found');
      if (total > s.off) this.bad('EINVAL', 'Section overlap found');
      if (expected - total < s.len) this.bad('EINVAL', 'Total section length too long');
      total += s.len;
    }
    if (expected !== total) this.bad('EINVAL', 'Unsupported section found');
  }

  private parseStrings(): void {
    const h = this.hdr;
    const start = h.hdrLen + h.strOff;
    const end = start + h.strLen;
    if (end !== this.data.length) this.bad('EINVAL', 'String section is not at the end');
    this.strings = this.data.subarray(start, end);
    if (!h.strLen || h.strLen - 1 > MAX_NAME_OFFSET || this.strings[h.strLen - 1] !== 0 || this.strings[0] !== 0) {
      this.bad('EINVAL', 'Invalid string section');
    }
  }

  private parseTypes(): void {
    const h = this.hdr;
    if (h.typeOff & 3) this.bad('EINVAL', 'Unaligned type_off');
    if (!h.typeLen) this.bad('EINVAL', 'No type found');
    let cur = h.hdrLen + h.typeOff;
    const end = cur + h.typeLen;
    this.logTypeId = 1;
    while (cur < end) {
      const t = this.checkMeta(cur, end - cur);
      if (this.types.length > BTF_MAX_TYPE) this.bad('E2BIG', 'Exceeded max num of types');
      this.types.push(t.type);
      cur += t.size;
      this.logTypeId++;
    }
    this.phase = 'resolve';
    for (let id = 1; id < this.types.length; id++) {
      const t = this.types[id];
      this.logTypeId = id;
      if (needsResolve(t) && !this.resolved.has(id)) this.resolve(t);
      if (t.kind === KIND.FUNC_PROTO) this.checkFuncProto(t);
      if (t.kind === KIND.FUNC) this.checkFunc(t);
    }
    this.checkStructMetas();
  }

  /**
   * btf_parse_struct_metas: once the types are valid, every struct holding one of the allocated-object fields
   * (bpf_spin_lock, bpf_list_head, …) has its fields parsed without logging: a member that is not byte aligned is
   * EINVAL and a second bpf_spin_lock is E2BIG (btf_find_struct_field). Seen on Linux 6.18 with mutated blobs.
   */
  private checkStructMetas(): void {
    const fieldName = (id: number): string | undefined => {
      const r = this.idSize(id);
      if (!r || r.type.kind !== KIND.STRUCT) return undefined;
      const name = cstr(this.strings, r.type.nameOff);
      return ALLOC_OBJ_FIELDS.includes(name) && FIELD_LAYOUT[name].size === r.type.sizeOrType ? name : undefined;
    };
    for (const t of this.types) {
      if (t.kind !== KIND.STRUCT || !t.members!.some((m) => fieldName(m.type))) continue;
      let locks = 0;
      for (const m of t.members!) {
        if (m.bitOffset % 8) fail('EINVAL', `[${t.id}] STRUCT with special fields has a member not at a byte boundary`);
        const field = fieldName(m.type);
        if (!field) continue;
        if ((m.bitOffset / 8) % FIELD_LAYOUT[field].align) fail('EFAULT', `[${t.id}] STRUCT: ${field} is not ${FIELD_LAYOUT[field].align}-byte aligned`);
        if (field === 'bpf_spin_lock' && ++locks > 1) fail('E2BIG', `[${t.id}] STRUCT has more than one bpf_spin_lock`);
      }
    }
  }

  // ---- meta checks (btf_check_meta and each kind's check_meta) ----

  private nameOffsetValid(off: number): boolean {
    return off < this.strings.length;
  }

  private validIdentifier(off: number): boolean {
    const s = cstr(this.strings, off);
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && s.length < 512;
  }

  /** btf_name_valid_section: non-empty; after the first byte only isprint() bytes; shorter than KSYM_NAME_LEN. */
  private validSection(off: number): boolean {
    const s = cstr(this.strings, off);
    return s.length > 0 && s.length < 512 && [...s.slice(1)].every((c) => isPrint(c.charCodeAt(0)));
  }

  private checkMeta(pos: number, left: number): { type: BtfType; size: number } {
    if (left < 12) this.bad('EINVAL', `[${this.logTypeId}] meta_left:${left} meta_needed:12`);
    const nameOff = this.dv.getUint32(pos, true);
    const info = this.dv.getUint32(pos + 4, true);
    const sizeOrType = this.dv.getUint32(pos + 8, true);
    if ((info & ~INFO_MASK) >>> 0) this.bad('EINVAL', `[${this.logTypeId}] Invalid btf_info:${info.toString(16)}`);
    const kind = (info >>> 24) & 0x1f;
    if (kind > KIND_MAX || kind === KIND.UNKN) this.bad('EINVAL', `[${this.logTypeId}] Invalid kind:${kind}`);
    if (!this.nameOffsetValid(nameOff)) this.bad('EINVAL', `[${this.logTypeId}] Invalid name_offset:${nameOff}`);
    const base = { id: this.logTypeId, kind, nameOff, info, vlen: info & 0xffff, kflag: (info >>> 31) === 1, sizeOrType };
    const body = pos + 12;
    left -= 12;
    const need = (n: number, t: BtfType): void => {
      if (left < n) this.badType(t, 'EINVAL', `meta_left:${left} meta_needed:${n}`, false);
    };
    let extra = 0;
    let t: BtfType = base;
    switch (kind) {
      case KIND.INT: {
        need(4, t);
        const raw = this.dv.getUint32(body, true);
        t = { ...base, int: { raw, encoding: (raw >>> 24) & 0x0f, offset: (raw >>> 16) & 0xff, bits: raw & 0xff } };
        extra = 4;
        if (t.vlen) this.badType(t, 'EINVAL', 'vlen != 0');
        if (t.kflag) this.badType(t, 'EINVAL', 'Invalid btf_info kind_flag');
        if ((raw & ~INT_MASK) >>> 0) this.badType(t, 'EINVAL', `Invalid int_data:${raw.toString(16)}`, false);
        const nrBits = t.int!.bits + t.int!.offset;
        if (nrBits > 128) this.badType(t, 'EINVAL', 'nr_bits exceeds 128');
        if ((nrBits + 7) >> 3 > sizeOrType) this.badType(t, 'EINVAL', 'nr_bits exceeds type_size');
        const enc = t.int!.encoding;
        if (enc && enc !== BTF_INT_SIGNED && enc !== BTF_INT_CHAR && enc !== BTF_INT_BOOL) this.badType(t, 'ENOTSUPP', 'Unsupported encoding');
        break;
      }
      case KIND.PTR: case KIND.TYPEDEF: case KIND.VOLATILE: case KIND.CONST: case KIND.RESTRICT: case KIND.TYPE_TAG:
        if (t.vlen) this.badType(t, 'EINVAL', 'vlen != 0');
        if (t.kflag && kind !== KIND.TYPE_TAG) this.badType(t, 'EINVAL', 'Invalid btf_info kind_flag');
        if (sizeOrType > BTF_MAX_TYPE) this.badType(t, 'EINVAL', 'Invalid type_id');
        if (kind === KIND.TYPEDEF) {
          if (!nameOff || !this.validIdentifier(nameOff)) this.badType(t, 'EINVAL', 'Invalid name');
        } else if (kind === KIND.TYPE_TAG) {
          if (!cstr(this.strings, nameOff)) this.badType(t, 'EINVAL', 'Invalid name');
        } else if (nameOff) this.badType(t, 'EINVAL', 'Invalid name');
        break;
      case KIND.ARRAY: {
        need(12, t);
        t = { ...base, array: { type: this.dv.getUint32(body, true), indexType: this.dv.getUint32(body + 4, true), nelems: this.dv.getUint32(body + 8, true) } };
        extra = 12;
        if (nameOff) this.badType(t, 'EINVAL', 'Invalid name');
        if (t.vlen) this.badType(t, 'EINVAL', 'vlen != 0');
        if (t.kflag) this.badType(t, 'EINVAL', 'Invalid btf_info kind_flag');
        if (sizeOrType) this.badType(t, 'EINVAL', 'size != 0');
        if (!t.array!.type || t.array!.type > BTF_MAX_TYPE) this.badType(t, 'EINVAL', 'Invalid elem');
        if (!t.array!.indexType || t.array!.indexType > BTF_MAX_TYPE) this.badType(t, 'EINVAL', 'Invalid index');
        break;
      }
      case KIND.STRUCT: case KIND.UNION: {
        extra = base.vlen * 12;
        need(extra, t);
        const members: BtfMember[] = [];
        for (let i = 0; i < base.vlen; i++) {
          const p = body + i * 12;
          const offset = this.dv.getUint32(p + 8, true);
          members.push({
            nameOff: this.dv.getUint32(p, true),
            type: this.dv.getUint32(p + 4, true),
            offset,
            bitOffset: base.kflag ? offset & 0xffffff : offset,
            bitfieldSize: base.kflag ? offset >>> 24 : 0,
          });
        }
        t = { ...base, members };
        if (nameOff && !this.validIdentifier(nameOff)) this.badType(t, 'EINVAL', 'Invalid name');
        this.logType(t);
        let lastOffset = 0;
        for (const m of members) {
          if (!this.nameOffsetValid(m.nameOff)) this.badMember(t, m, `Invalid member name_offset:${m.nameOff}`);
          if (m.nameOff && !this.validIdentifier(m.nameOff)) this.badMember(t, m, 'Invalid name');
          if (!m.type || m.type > BTF_MAX_TYPE) this.badMember(t, m, 'Invalid type_id');
          if (kind === KIND.UNION && m.bitOffset) this.badMember(t, m, 'Invalid member bits_offset');
          if (lastOffset > m.bitOffset) this.badMember(t, m, 'Invalid member bits_offset'); // members in offset order
          if (Math.ceil(m.bitOffset / 8) > sizeOrType) this.badMember(t, m, 'Member bits_offset exceeds its struct size');
          this.logMember(t, m);
          lastOffset = m.bitOffset;
        }
        return { type: t, size: 12 + extra };
      }
      case KIND.ENUM: case KIND.ENUM64: {
        const per = kind === KIND.ENUM ? 8 : 12;
        extra = base.vlen * per;
        need(extra, t);
        const enums: BtfEnumValue[] = [];
        for (let i = 0; i < base.vlen; i++) {
          const p = body + i * per;
          const lo = BigInt(this.dv.getUint32(p + 4, true));
          const hi = kind === KIND.ENUM64 ? BigInt(this.dv.getUint32(p + 8, true)) : 0n;
          enums.push({ nameOff: this.dv.getUint32(p, true), val: lo | (hi << 32n) });
        }
        t = { ...base, enums };
        if (kind === KIND.ENUM ? sizeOrType > 8 || !isPow2(sizeOrType) : sizeOrType > 8 || !isPow2(sizeOrType)) this.badType(t, 'EINVAL', 'Unexpected size');
        if (nameOff && !this.validIdentifier(nameOff)) this.badType(t, 'EINVAL', 'Invalid name');
        this.logType(t);
        for (const e of enums) {
          if (!this.nameOffsetValid(e.nameOff)) this.bad('EINVAL', `\tInvalid name_offset:${e.nameOff}`);
          if (!e.nameOff || !this.validIdentifier(e.nameOff)) this.badType(t, 'EINVAL', 'Invalid name');
          const shown = kind === KIND.ENUM ? (t.kflag ? BigInt.asIntN(32, e.val) : e.val) : t.kflag ? BigInt.asIntN(64, e.val) : e.val;
          this.say(`\t${this.name(e.nameOff)} val=${shown}\n`);
        }
        return { type: t, size: 12 + extra };
      }
      case KIND.FWD:
        if (t.vlen) this.badType(t, 'EINVAL', 'vlen != 0');
        if (sizeOrType) this.badType(t, 'EINVAL', 'type != 0');
        if (!nameOff || !this.validIdentifier(nameOff)) this.badType(t, 'EINVAL', 'Invalid name');
        break;
      case KIND.FUNC:
        if (!nameOff || !this.validIdentifier(nameOff)) this.badType(t, 'EINVAL', 'Invalid name');
        if (t.vlen > 1) this.badType(t, 'EINVAL', 'Invalid func linkage'); // static or global; extern is refused
        if (t.kflag) this.badType(t, 'EINVAL', 'Invalid btf_info kind_flag');
        break;
      case KIND.FUNC_PROTO: {
        extra = base.vlen * 8;
        need(extra, t);
        const params: BtfParam[] = [];
        for (let i = 0; i < base.vlen; i++) params.push({ nameOff: this.dv.getUint32(body + i * 8, true), type: this.dv.getUint32(body + i * 8 + 4, true) });
        t = { ...base, params };
        if (nameOff) this.badType(t, 'EINVAL', 'Invalid name');
        if (t.kflag) this.badType(t, 'EINVAL', 'Invalid btf_info kind_flag');
        break;
      }
      case KIND.VAR: {
        need(4, t);
        t = { ...base, linkage: this.dv.getUint32(body, true) };
        extra = 4;
        if (t.vlen) this.badType(t, 'EINVAL', 'vlen != 0');
        if (t.kflag) this.badType(t, 'EINVAL', 'Invalid btf_info kind_flag');
        if (!nameOff || !this.validIdentifier(nameOff)) this.badType(t, 'EINVAL', 'Invalid name');
        if (!sizeOrType || sizeOrType > BTF_MAX_TYPE) this.badType(t, 'EINVAL', 'Invalid type_id');
        if (t.linkage! > 1) this.badType(t, 'EINVAL', 'Linkage not supported'); // static or global allocated
        break;
      }
      case KIND.DATASEC: {
        extra = base.vlen * 12;
        need(extra, t);
        const secinfo: BtfVarSecinfo[] = [];
        for (let i = 0; i < base.vlen; i++) {
          const p = body + i * 12;
          secinfo.push({ type: this.dv.getUint32(p, true), offset: this.dv.getUint32(p + 4, true), size: this.dv.getUint32(p + 8, true) });
        }
        t = { ...base, secinfo };
        if (!sizeOrType) this.badType(t, 'EINVAL', 'size == 0');
        if (t.kflag) this.badType(t, 'EINVAL', 'Invalid btf_info kind_flag');
        if (!nameOff || !this.validSection(nameOff)) this.badType(t, 'EINVAL', 'Invalid name');
        this.logType(t);
        let lastEnd = 0;
        let sum = 0;
        for (const v of secinfo) {
          if (!v.type || v.type > BTF_MAX_TYPE) this.badVsi(t, v, 'Invalid type_id');
          if (v.offset < lastEnd || v.offset >= sizeOrType) this.badVsi(t, v, 'Invalid offset');
          if (!v.size || v.size > sizeOrType) this.badVsi(t, v, 'Invalid size');
          lastEnd = v.offset + v.size;
          if (lastEnd > sizeOrType) this.badVsi(t, v, 'Invalid offset+size');
          this.logVsi(t, v);
          sum += v.size;
        }
        if (sizeOrType < sum) this.badType(t, 'EINVAL', 'Invalid btf_info size');
        return { type: t, size: 12 + extra };
      }
      case KIND.FLOAT:
        if (t.vlen) this.badType(t, 'EINVAL', 'vlen != 0');
        if (t.kflag) this.badType(t, 'EINVAL', 'Invalid btf_info kind_flag');
        if (![2, 4, 8, 12, 16].includes(sizeOrType)) this.badType(t, 'EINVAL', 'Invalid type_size');
        break;
      case KIND.DECL_TAG: {
        need(4, t);
        t = { ...base, componentIdx: this.dv.getInt32(body, true) };
        extra = 4;
        if (!cstr(this.strings, nameOff)) this.badType(t, 'EINVAL', 'Invalid value');
        if (t.vlen) this.badType(t, 'EINVAL', 'vlen != 0');
        if (t.componentIdx! < -1) this.badType(t, 'EINVAL', 'Invalid component_idx');
        break;
      }
    }
    this.logType(t);
    return { type: t, size: 12 + extra };
  }

  // ---- resolve (btf_resolve with its explicit stack and resolve modes) ----

  byId(id: number): BtfType | undefined {
    return id < this.types.length ? this.types[id] : undefined;
  }

  /** btf_type_id_size: the sized type an id stands for (following modifiers / vars), with its size. */
  idSize(id: number): { type: BtfType; id: number; size: number } | undefined {
    return typeIdSize({ types: this.types, resolvedIds: this.resolvedIds, resolvedSizes: this.resolvedSizes }, id);
  }

  private resolve(start: BtfType): void {
    type Mode = 'tbd' | 'ptr' | 'struct';
    let mode: Mode = 'tbd';
    const stack: { t: BtfType; next: number }[] = [];
    const onStack = new Set<number>();
    const isSink = (n: BtfType): boolean => {
      if (mode === 'tbd') return !needsResolve(n);
      if (mode === 'ptr') return !isModifier(n) && n.kind !== KIND.PTR;
      return !isModifier(n) && n.kind !== KIND.ARRAY && !isStructOrUnion(n);
    };
    const ready = (n: BtfType): boolean => isSink(n) || this.resolved.has(n.id);
    const push = (t: BtfType): 'pushed' => {
      if (onStack.has(t.id) || this.resolved.has(t.id)) throw new LoopDetected();
      if (stack.length >= MAX_RESOLVE_DEPTH) throw new TooDeep();
      if (mode === 'tbd') {
        if (t.kind === KIND.PTR) mode = 'ptr';
        else if (isStructOrUnion(t) || t.kind === KIND.ARRAY) mode = 'struct';
      }
      stack.push({ t, next: 0 });
      onStack.add(t.id);
      return 'pushed';
    };
    const pop = (id: number, resolvedId: number, size: number): void => {
      stack.pop();
      onStack.delete(id);
      this.resolved.add(id);
      this.resolvedIds.set(id, resolvedId);
      this.resolvedSizes.set(id, size);
    };
    try {
      push(start);
      while (stack.length) {
        const v = stack[stack.length - 1];
        this.logTypeId = v.t.id;
        this.resolveOne(v, ready, push, pop);
      }
    } catch (e) {
      this.logTypeId = start.id;
      if (e instanceof LoopDetected) this.badType(start, 'EEXIST', 'Loop detected');
      if (e instanceof TooDeep) this.badType(start, 'E2BIG', `Exceeded max resolving depth:${MAX_RESOLVE_DEPTH}`);
      throw e;
    }
    this.logTypeId = start.id;
  }

  private resolveOne(
    v: { t: BtfType; next: number },
    ready: (n: BtfType) => boolean,
    push: (t: BtfType) => 'pushed',
    pop: (id: number, resolvedId: number, size: number) => void,
  ): void {
    const t = v.t;
    if (isModifier(t) || t.kind === KIND.PTR || t.kind === KIND.VAR) {
      const nextId = t.sizeOrType;
      const next = this.byId(nextId);
      if (!next || isResolveSourceOnly(next)) this.badType(t, 'EINVAL', 'Invalid type_id');
      if (!ready(next)) return void push(next);
      const sized = this.idSize(nextId);
      if (t.kind === KIND.VAR) {
        if (!sized) this.badType(t, 'EINVAL', 'Invalid type_id');
        return pop(t.id, sized.id, sized.size);
      }
      if (!sized) {
        const target = this.resolved.has(nextId) ? this.byId(this.resolvedIds.get(nextId)!)! : next;
        if (!(target.kind === KIND.UNKN || target.kind === KIND.FWD || target.kind === KIND.FUNC_PROTO)) this.badType(t, 'EINVAL', 'Invalid type_id');
        return pop(t.id, t.kind === KIND.PTR ? t.id : this.resolvedIds.get(nextId) ?? nextId, t.kind === KIND.PTR ? 8 : 0);
      }
      return pop(t.id, t.kind === KIND.PTR ? t.id : sized.id, t.kind === KIND.PTR ? 8 : sized.size);
    }
    if (t.kind === KIND.ARRAY) {
      const a = t.array!;
      const index = this.byId(a.indexType);
      if (!index || isNoSize(index) || isResolveSourceOnly(index)) this.badType(t, 'EINVAL', 'Invalid index');
      if (!ready(index)) return void push(index);
      const idx = this.idSize(a.indexType);
      if (!idx || idx.type.kind !== KIND.INT || !intIsRegular(idx.type)) this.badType(t, 'EINVAL', 'Invalid index');
      const elem = this.byId(a.type);
      if (!elem || isNoSize(elem) || isResolveSourceOnly(elem)) this.badType(t, 'EINVAL', 'Invalid elem');
      if (!ready(elem)) return void push(elem);
      const es = this.idSize(a.type);
      if (!es) this.badType(t, 'EINVAL', 'Invalid elem');
      if (es.type.kind === KIND.INT && !intIsRegular(es.type)) this.badType(t, 'EINVAL', 'Invalid array of int');
      if (a.nelems && es.size > Math.floor(0xffffffff / a.nelems)) this.badType(t, 'EINVAL', 'Array size overflows U32_MAX');
      return pop(t.id, es.id, es.size * a.nelems);
    }
    if (isStructOrUnion(t)) {
      const members = t.members!;
      for (let i = v.next; i < members.length; i++) {
        const m = members[i];
        const mt = this.byId(m.type);
        if (!mt || isNoSize(mt) || isResolveSourceOnly(mt)) this.badMember(t, m, 'Invalid member');
        if (!ready(mt)) {
          v.next = i + 1;
          return void push(mt);
        }
        this.checkMember(t, m, mt);
      }
      return pop(t.id, t.id, t.sizeOrType);
    }
    if (t.kind === KIND.FUNC_PROTO) {
      for (const p of t.params ?? []) {
        if (!p.type) continue;
        const pt = this.byId(p.type);
        if (!pt || isResolveSourceOnly(pt)) this.badType(t, 'EINVAL', 'Invalid arg#');
        if (!ready(pt)) return void push(pt);
      }
      return pop(t.id, t.id, 0);
    }
    if (t.kind === KIND.DATASEC) {
      for (const s of t.secinfo!) {
        const vt = this.byId(s.type);
        if (!vt || vt.kind !== KIND.VAR) this.badVsi(t, s, 'Not a VAR kind member');
        if (!ready(vt)) return void push(vt);
        const sized = this.idSize(s.type);
        if (!sized) this.badVsi(t, s, 'Invalid type');
        if (s.size < sized.size) this.badVsi(t, s, 'Invalid size');
      }
      return pop(t.id, t.id, t.sizeOrType);
    }
    if (t.kind === KIND.DECL_TAG) {
      const next = this.byId(t.sizeOrType);
      const targetOk = next && (isStructOrUnion(next) || next.kind === KIND.FUNC || next.kind === KIND.VAR || next.kind === KIND.TYPEDEF);
      if (!next || !targetOk) this.badType(t, 'EINVAL', 'Invalid type_id');
      const idx = t.componentIdx!;
      if (idx !== -1) {
        const n = isStructOrUnion(next) ? next.members!.length : next.kind === KIND.FUNC ? (this.byId(next.sizeOrType)?.params?.length ?? 0) : -1;
        if (idx >= n) this.badType(t, 'EINVAL', 'Invalid component_idx');
      }
      return pop(t.id, t.id, 0);
    }
    pop(t.id, t.id, 0);
  }

  /** Each kind's check_member / check_kflag_member: the member must fit the struct. */
  private checkMember(st: BtfType, m: BtfMember, mt: BtfType): void {
    const size = st.sizeOrType;
    if (isModifier(mt)) {
      const r = this.idSize(m.type);
      if (!r) this.badMember(st, m, 'Invalid member');
      return this.checkMember(st, { ...m, type: r.id }, r.type);
    }
    if (mt.kind === KIND.INT) {
      const { bits, offset } = mt.int!;
      let off: number;
      let nr: number;
      if (st.kflag) {
        // btf_int_check_kflag_member: a regular int is required, bitfield or not.
        if (!intIsRegular(mt)) this.badMember(st, m, 'Invalid member base type');
        off = m.bitOffset;
        nr = m.bitfieldSize;
        if (!nr) {
          // Not a bitfield: the member must start at a byte boundary.
          if (off & 7) this.badMember(st, m, 'Invalid member offset');
          nr = bits;
        } else if (nr > bits) this.badMember(st, m, 'Invalid member bitfield_size');
      } else {
        if (0xffffffff - m.offset < offset) this.badMember(st, m, 'bits_offset exceeds U32_MAX');
        off = m.offset + offset;
        nr = bits;
      }
      const copyBits = nr + (off & 7);
      if (copyBits > 128) this.badMember(st, m, 'nr_copy_bits exceeds 128');
      const bytesOff = off >>> 3;
      if (size < bytesOff || size - bytesOff < (copyBits + 7) >> 3) this.badMember(st, m, 'Member exceeds struct_size');
      return;
    }
    if ((mt.kind === KIND.ENUM || mt.kind === KIND.ENUM64) && st.kflag && m.bitfieldSize) {
      const bytesOff = m.bitOffset >>> 3;
      const copyBits = m.bitfieldSize + (m.bitOffset & 7);
      if (m.bitfieldSize > mt.sizeOrType * 8 || copyBits > 128) this.badMember(st, m, 'Invalid member bitfield_size');
      if (size < bytesOff || size - bytesOff < (copyBits + 7) >> 3) this.badMember(st, m, 'Member exceeds struct_size');
      return;
    }
    if (st.kflag && m.bitfieldSize) this.badMember(st, m, 'Invalid member bitfield_size');
    const off = st.kflag ? m.bitOffset : m.offset;
    if (off & 7) this.badMember(st, m, 'Member is not byte aligned');
    const bytesOff = off >>> 3;
    const msize = mt.kind === KIND.PTR ? 8 : mt.kind === KIND.ARRAY ? (this.idSize(mt.id)?.size ?? 0) : mt.sizeOrType;
    if (size < bytesOff || size - bytesOff < msize) this.badMember(st, m, 'Member exceeds struct_size');
  }

  /** btf_func_proto_check: argument types must be real (vararg only last), return type sized or void. */
  private checkFuncProto(t: BtfType): void {
    const ret = t.sizeOrType;
    if (ret) {
      const r = this.byId(ret);
      if (!r || isResolveSourceOnly(r)) this.badType(t, 'EINVAL', 'Invalid return type');
      if (!(r.kind === KIND.PTR || this.idSize(ret))) this.badType(t, 'EINVAL', 'Invalid return type');
    }
    const params = t.params ?? [];
    params.forEach((p, i) => {
      if (!p.type) {
        if (i !== params.length - 1 || p.nameOff) this.badType(t, 'EINVAL', `Invalid arg#${i + 1}`);
        return;
      }
      const pt = this.byId(p.type);
      if (!pt || isResolveSourceOnly(pt) || !(pt.kind === KIND.PTR || this.idSize(p.type))) this.badType(t, 'EINVAL', `Invalid arg#${i + 1}`);
      if (p.nameOff && !this.validIdentifier(p.nameOff)) this.badType(t, 'EINVAL', `Invalid arg#${i + 1}`);
    });
  }

  /** btf_func_check: a FUNC points at a FUNC_PROTO whose arguments are named. */
  private checkFunc(t: BtfType): void {
    const proto = this.byId(t.sizeOrType);
    if (!proto || proto.kind !== KIND.FUNC_PROTO) this.badType(t, 'EINVAL', 'Invalid type_id');
    (proto.params ?? []).forEach((p, i) => {
      if (!p.nameOff && p.type) this.badType(t, 'EINVAL', `Invalid arg#${i + 1}`);
    });
  }
}

class LoopDetected extends Error {}
class TooDeep extends Error {}

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;
/** The kernel's isprint (lib/ctype.c): ASCII 0x20-0x7e and Latin-1 0xa0-0xff. */
const isPrint = (c: number): boolean => (c >= 0x20 && c <= 0x7e) || c >= 0xa0;

/** Parses and validates a BTF blob; throws BpfError (EINVAL, ENOTSUPP, E2BIG, EEXIST) after logging. */
export function parseBtf(data: Uint8Array, log: BtfLogSink = { write: () => {} }): ParsedBtf {
  return new BtfVerifier(data, log).parse();
}
