// Helper functions programs call (kernel/bpf/helpers.c and friends), with what the load-time check needs:
// the name, whether it is gpl_only, and which program types may call it. objects-progs registers the rest here.
import type { HelperCall, HelperFn, HelperTable } from '@bpfsim/vm';
import { errnoNumber } from '../errno.js';
import type { MapObject } from '../map-object.js';
import type { RunEnv } from './run.js';
import { registerStandardHelpers } from './helpers/index.js';
import { registerIterHelpers } from '../iter/helpers.js';

export interface HelperSpec {
  readonly id: number;
  /** The name the verifier log prints (`bpf_map_lookup_elem`). */
  readonly name: string;
  /** bpf_func_proto.gpl_only: refused to programs whose license is not GPL-compatible. */
  readonly gplOnly: boolean;
  /** Program types that may call it (the type's get_func_proto); undefined = every type. */
  readonly progTypes?: readonly number[];
  /**
   * Expected attach types that may call it, for func_protos that look at prog->expected_attach_type (e.g.
   * tracing_prog_func_proto offers bpf_seq_printf only to BPF_TRACE_ITER programs); undefined = every one.
   */
  readonly attachTypes?: readonly number[];
  readonly fn: HelperFn;
}

export class HelperRegistry {
  private readonly specs = new Map<number, HelperSpec>();
  private cached: Map<number, HelperFn> | undefined;

  register(spec: HelperSpec): void {
    this.specs.set(spec.id, spec);
    this.cached = undefined;
  }

  get(id: number): HelperSpec | undefined {
    return this.specs.get(id);
  }

  /** Every registered helper, by id. */
  list(): HelperSpec[] {
    return [...this.specs.values()].sort((a, b) => a.id - b.id);
  }

  /**
   * The helper as a program of `progType` (loaded with `expectedAttachType`, when given) sees it — undefined when
   * that type's func_proto does not offer it.
   */
  forProgType(id: number, progType: number, expectedAttachType?: number): HelperSpec | undefined {
    const s = this.specs.get(id);
    if (!s || (s.progTypes && !s.progTypes.includes(progType))) return undefined;
    if (s.attachTypes && expectedAttachType !== undefined && !s.attachTypes.includes(expectedAttachType)) return undefined;
    return s;
  }

  /** The VM's helper table (id → implementation). */
  get table(): HelperTable {
    if (!this.cached) this.cached = new Map([...this.specs].map(([id, s]) => [id, s.fn]));
    return this.cached;
  }
}

const neg = (e: Parameters<typeof errnoNumber>[0]): bigint => BigInt.asUintN(64, BigInt(-errnoNumber(e)));
const toU64 = (n: number): bigint => BigInt.asUintN(64, BigInt(n));

/** The map an r1 argument points at (a `struct bpf_map *` the program got from ld_imm64). */
export function mapArg(addr: bigint, call: HelperCall): MapObject {
  const env = call.env as RunEnv;
  const at = call.mem.resolve(addr);
  const map = at && at.offset === 0 ? env.kernel.mapsByHandle.get(at.region.bytes) : undefined;
  if (!map) throw new Error(`r1 = 0x${addr.toString(16)} is not a map pointer`);
  return map;
}

const BPF_F_RDONLY_PROG = 1 << 7;

/** Helpers every kernel has (bpf_base_func_proto), implemented on the map interface. */
export function defaultHelpers(): HelperRegistry {
  const r = new HelperRegistry();
  r.register({
    id: 1,
    name: 'bpf_map_lookup_elem',
    gplOnly: false,
    fn: (r1, r2, _r3, _r4, _r5, call) => {
      const map = mapArg(r1, call);
      const key = call.mem.read(r2, map.impl.keySize);
      const env = call.env as RunEnv;
      if (map.impl.lookupInnerMap) {
        // array_of_maps / hash_of_maps: the value is the inner map itself (its kernel address), or NULL.
        const inner = map.impl.lookupInnerMap(key);
        return inner ? env.kernel.mapsByImpl.get(inner)?.address ?? 0n : 0n;
      }
      const value = map.impl.lookupForProgram(key, env.cpu);
      if (!value) return 0n;
      return call.mem.map({
        kind: 'map_value',
        name: `map_value(id=${map.id})`,
        bytes: value,
        writable: (map.impl.mapFlags & BPF_F_RDONLY_PROG) === 0,
      });
    },
  });
  r.register({
    id: 2,
    name: 'bpf_map_update_elem',
    gplOnly: false,
    fn: (r1, r2, r3, r4, _r5, call) => {
      const map = mapArg(r1, call);
      const key = call.mem.read(r2, map.impl.keySize);
      const value = call.mem.read(r3, map.impl.valueSize);
      return toU64(map.impl.updateFromProgram(key, value, Number(r4 & 0xffffffffn), (call.env as RunEnv).cpu));
    },
  });
  r.register({
    id: 3,
    name: 'bpf_map_delete_elem',
    gplOnly: false,
    fn: (r1, r2, _r3, _r4, _r5, call) => {
      const map = mapArg(r1, call);
      const key = call.mem.read(r2, map.impl.keySize);
      return toU64(map.impl.deleteFromProgram(key, (call.env as RunEnv).cpu));
    },
  });
  // bpf_ktime_get_ns is not gpl_only (a "Proprietary" program may call it: FACTS.md).
  r.register({ id: 5, name: 'bpf_ktime_get_ns', gplOnly: false, fn: (_1, _2, _3, _4, _5, call) => (call.env as RunEnv).kernel.nowNs() });
  r.register({
    id: 6,
    name: 'bpf_trace_printk',
    gplOnly: true,
    fn: (r1, r2, r3, r4, r5, call) => {
      const env = call.env as RunEnv;
      const size = Number(r2 & 0xffffffffn);
      if (size === 0) return neg('EINVAL');
      const fmtBytes = call.mem.read(r1, size);
      const nul = fmtBytes.indexOf(0);
      if (nul < 0) return neg('EINVAL'); // bpf_bprintf_prepare: the format must be NUL-terminated within size
      const text = formatPrintk(new TextDecoder().decode(fmtBytes.subarray(0, nul)), [r3, r4, r5], call);
      env.kernel.trace.push(text);
      return toU64(new TextEncoder().encode(text).length);
    },
  });
  r.register({ id: 7, name: 'bpf_get_prandom_u32', gplOnly: false, fn: (_1, _2, _3, _4, _5, call) => BigInt((call.env as RunEnv).kernel.random32()) });
  r.register({ id: 8, name: 'bpf_get_smp_processor_id', gplOnly: false, fn: (_1, _2, _3, _4, _5, call) => BigInt((call.env as RunEnv).cpu) });
  // bpf_tail_call: the VM resolves it through RunOptions.tailCalls (progs/run.ts); reaching this means no resolver.
  r.register({ id: 12, name: 'bpf_tail_call', gplOnly: false, fn: () => neg('ENOENT') });
  r.register({ id: 125, name: 'bpf_ktime_get_boot_ns', gplOnly: false, fn: (_1, _2, _3, _4, _5, call) => (call.env as RunEnv).kernel.nowNs() });
  registerStandardHelpers(r);
  registerIterHelpers(r);
  return r;
}

/** A small subset of bpf_trace_printk's format (%d %i %u %x %llx %lld %llu %s %%), enough to test output. */
function formatPrintk(fmt: string, args: bigint[], call: HelperCall): string {
  let i = 0;
  return fmt.replace(/%(l{0,2})([diuxs%])/g, (_m, l: string, c: string) => {
    if (c === '%') return '%';
    const a = args[i++] ?? 0n;
    const wide = l.length === 2;
    if (c === 's') {
      const out: number[] = [];
      for (let k = 0n; k < 256n; k++) {
        const b = call.mem.read(a + k, 1)[0];
        if (b === 0) break;
        out.push(b);
      }
      return new TextDecoder().decode(new Uint8Array(out));
    }
    const v = wide ? a : a & 0xffffffffn;
    if (c === 'x') return v.toString(16);
    if (c === 'u') return v.toString();
    return (wide ? BigInt.asIntN(64, v) : BigInt.asIntN(32, v)).toString();
  });
}
