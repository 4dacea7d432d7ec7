// Type lookups on a parsed BTF (btf_type_id_size, btf_type_skip_modifiers, btf_str_by_offset).
import { KIND, hasSize, isModifier, isNoSize, type BtfType } from './kinds.js';
import type { ParsedBtf } from './parse.js';

/** btf_type_id_size on a parsed BTF. */
export function typeIdSize(
  btf: Pick<ParsedBtf, 'types' | 'resolvedIds' | 'resolvedSizes'>,
  id: number,
): { type: BtfType; id: number; size: number } | undefined {
  let t = btf.types[id];
  if (!t || isNoSize(t)) return undefined;
  const sizeOf = (x: BtfType): number | undefined =>
    hasSize(x) ? x.sizeOrType : x.kind === KIND.ARRAY ? btf.resolvedSizes.get(x.id) : x.kind === KIND.PTR ? 8 : undefined;
  let size = sizeOf(t);
  if (size === undefined) {
    if (!isModifier(t) && t.kind !== KIND.VAR) return undefined;
    const rid = btf.resolvedIds.get(id);
    if (rid === undefined) return undefined;
    id = rid;
    t = btf.types[id];
    if (!t || isNoSize(t)) return undefined;
    size = sizeOf(t);
    if (size === undefined) return undefined;
  }
  return { type: t, id, size };
}

/** Skips typedef/const/volatile/restrict/type_tag (btf_type_skip_modifiers). */
export function skipModifiers(types: readonly BtfType[], id: number): { type: BtfType | undefined; id: number } {
  let t = types[id];
  for (let i = 0; t && isModifier(t) && i < 64; i++) {
    id = t.sizeOrType;
    t = types[id];
  }
  return { type: t, id };
}

/** The NUL-terminated string at `off` (names are bytes; Latin-1 keeps them one char per byte). */
export function cstr(bytes: Uint8Array, off: number): string {
  let end = off;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return new TextDecoder('latin1').decode(bytes.subarray(off, end));
}
