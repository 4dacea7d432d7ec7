// The text of btf_verifier_log_type's details: what each kind's log_details op prints after "[id] KIND name".
import { BTF_INT_BOOL, BTF_INT_CHAR, BTF_INT_SIGNED, KIND, type BtfType } from './kinds.js';

/** The kind-specific part of a verifier log line (each kind's log_details op). */
export function typeDetails(t: BtfType, name: (off: number) => string): string {
  switch (t.kind) {
    case KIND.INT: {
      const i = t.int!;
      return `size=${t.sizeOrType} bits_offset=${i.offset} nr_bits=${i.bits} encoding=${encodingStr(i.encoding)}`;
    }
    case KIND.ARRAY:
      return `type_id=${t.array!.type} index_type_id=${t.array!.indexType} nr_elems=${t.array!.nelems}`;
    case KIND.STRUCT: case KIND.UNION: case KIND.ENUM: case KIND.ENUM64: case KIND.DATASEC:
      return `size=${t.sizeOrType} vlen=${t.vlen}`;
    case KIND.FWD:
      return t.kflag ? 'union' : 'struct';
    case KIND.FUNC_PROTO:
      return `return=${t.sizeOrType} args=(${protoArgs(t, name)})`;
    case KIND.VAR:
      return `type_id=${t.sizeOrType} linkage=${t.linkage}`;
    case KIND.FLOAT:
      return `size=${t.sizeOrType}`;
    case KIND.DECL_TAG:
      return `type=${t.sizeOrType} component_idx=${t.componentIdx}`;
    default:
      return `type_id=${t.sizeOrType}`;
  }
}

/** btf_func_proto_log's argument list. */
function protoArgs(t: BtfType, name: (off: number) => string): string {
  const args = t.params ?? [];
  if (args.length === 0) return 'void';
  if (args.length === 1 && !args[0].type) return 'vararg';
  const parts = args.map((a, i) => (i === args.length - 1 && i > 0 && !a.type ? 'vararg' : `${a.type} ${name(a.nameOff)}`));
  return parts.join(', ');
}

function encodingStr(e: number): string {
  return e === 0 ? '(none)' : e === BTF_INT_SIGNED ? 'SIGNED' : e === BTF_INT_CHAR ? 'CHAR' : e === BTF_INT_BOOL ? 'BOOL' : 'UNKN';
}
