// include/uapi/linux/btf.h: the BTF type model (struct btf_type and the data that follows it per kind).

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
/** BTF_MAX_SIZE in kernel/bpf/btf.c: BPF_BTF_LOAD rejects larger blobs with E2BIG. */
export const BTF_MAX_SIZE = 16 * 1024 * 1024;
/** BTF_MAX_TYPE: type ids are 20 bits. */
export const BTF_MAX_TYPE = 0xfffff;
export const BTF_HDR_SIZE = 24;

export const KIND = {
  UNKN: 0, INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10,
  RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19,
} as const;
export const KIND_MAX = 19;

/** btf_kind_str: what the verifier log prints for each kind. */
export const KIND_NAMES = [
  'UNKN', 'INT', 'PTR', 'ARRAY', 'STRUCT', 'UNION', 'ENUM', 'FWD', 'TYPEDEF', 'VOLATILE', 'CONST', 'RESTRICT', 'FUNC',
  'FUNC_PROTO', 'VAR', 'DATASEC', 'FLOAT', 'DECL_TAG', 'TYPE_TAG', 'ENUM64',
] as const;

export const BTF_INT_SIGNED = 1;
export const BTF_INT_CHAR = 2;
export const BTF_INT_BOOL = 4;

export interface BtfMember {
  readonly nameOff: number;
  readonly type: number;
  /** The raw offset word (with kind_flag: bitfield size << 24 | bit offset). */
  readonly offset: number;
  readonly bitOffset: number;
  readonly bitfieldSize: number;
}

export interface BtfEnumValue {
  readonly nameOff: number;
  /** ENUM: the raw u32; ENUM64: lo32 | hi32 << 32, as an unsigned bigint. */
  readonly val: bigint;
}

export interface BtfParam {
  readonly nameOff: number;
  readonly type: number;
}

export interface BtfVarSecinfo {
  readonly type: number;
  readonly offset: number;
  readonly size: number;
}

/** One parsed struct btf_type (id 0 is the implicit void). */
export interface BtfType {
  readonly id: number;
  readonly kind: number;
  readonly nameOff: number;
  readonly info: number;
  readonly vlen: number;
  readonly kflag: boolean;
  /** The size_or_type word: a size for INT/STRUCT/UNION/ENUM/DATASEC/FLOAT/ENUM64, a type id otherwise. */
  readonly sizeOrType: number;
  /** INT: encoding, bit offset, number of bits (the u32 after the header). */
  readonly int?: { readonly encoding: number; readonly offset: number; readonly bits: number; readonly raw: number };
  readonly array?: { readonly type: number; readonly indexType: number; readonly nelems: number };
  readonly members?: readonly BtfMember[];
  readonly enums?: readonly BtfEnumValue[];
  readonly params?: readonly BtfParam[];
  readonly linkage?: number;
  readonly secinfo?: readonly BtfVarSecinfo[];
  readonly componentIdx?: number;
}

export const VOID: BtfType = { id: 0, kind: KIND.UNKN, nameOff: 0, info: 0, vlen: 0, kflag: false, sizeOrType: 0 };

export const isModifier = (t: BtfType): boolean =>
  t.kind === KIND.TYPEDEF || t.kind === KIND.VOLATILE || t.kind === KIND.CONST || t.kind === KIND.RESTRICT ||
  t.kind === KIND.TYPE_TAG;
export const hasSize = (t: BtfType): boolean =>
  t.kind === KIND.INT || t.kind === KIND.STRUCT || t.kind === KIND.UNION || t.kind === KIND.ENUM ||
  t.kind === KIND.DATASEC || t.kind === KIND.FLOAT || t.kind === KIND.ENUM64;
export const isStructOrUnion = (t: BtfType): boolean => t.kind === KIND.STRUCT || t.kind === KIND.UNION;
/** btf_type_nosize: void, fwd, func and func_proto have no size. */
export const isNoSize = (t: BtfType): boolean =>
  t.kind === KIND.UNKN || t.kind === KIND.FWD || t.kind === KIND.FUNC || t.kind === KIND.FUNC_PROTO;
/** btf_type_is_resolve_source_only: types nothing may refer to as a data type. */
export const isResolveSourceOnly = (t: BtfType): boolean =>
  t.kind === KIND.VAR || t.kind === KIND.DECL_TAG || t.kind === KIND.DATASEC;
/** btf_type_needs_resolve. */
export const needsResolve = (t: BtfType): boolean =>
  isModifier(t) || t.kind === KIND.PTR || isStructOrUnion(t) || t.kind === KIND.ARRAY || t.kind === KIND.VAR ||
  t.kind === KIND.FUNC_PROTO || t.kind === KIND.DECL_TAG || t.kind === KIND.DATASEC;

/** btf_type_int_is_regular: whole bytes 1/2/4/8 at offset 0. */
export function intIsRegular(t: BtfType): boolean {
  if (t.kind !== KIND.INT || !t.int) return false;
  const { bits, offset } = t.int;
  const bytes = (bits + 7) >> 3;
  return (bits & 7) === 0 && offset === 0 && (bytes === 1 || bytes === 2 || bytes === 4 || bytes === 8);
}
