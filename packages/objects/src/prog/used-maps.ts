// resolve_pseudo_ldimm64: every ld_imm64 whose src names a map (BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE) gets the
// map from the loader's fd table and its constant rewritten to the map's kernel address (or the address of the
// value + offset). Nothing is retained here; the caller takes references once the whole load has succeeded.
import {
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  LDDW,
  splitImmediate64,
  type Instruction,
} from '@bpfsim/isa';
import { BpfError } from '../errno.js';
import type { MapObject } from '../map-object.js';
import type { Process } from '../process.js';
import type { VerifierLog } from './log.js';
import { BPF_MAP_TYPE_ARRAY } from '../uapi.js';

export interface ResolvedMaps {
  /** Instructions with map constants replaced by kernel addresses. */
  insns: Instruction[];
  /** Distinct maps in first-use order (bpf_prog_aux.used_maps). */
  used: MapObject[];
  /** Instruction index → map, for the verifier. */
  byInsn: Map<number, MapObject>;
}

export function resolveMaps(proc: Process, insns: readonly Instruction[], log: VerifierLog): ResolvedMaps {
  const out: Instruction[] = [];
  const used: MapObject[] = [];
  const byInsn = new Map<number, MapObject>();
  let slot = 0;
  insns.forEach((insn, i) => {
    const here = slot;
    slot += insn.opcode === LDDW ? 2 : 1;
    if (insn.opcode !== LDDW || insn.src === 0 || insn.src === BPF_PSEUDO_FUNC) {
      out.push(insn);
      return;
    }
    if (insn.src === BPF_PSEUDO_MAP_IDX || insn.src === BPF_PSEUDO_MAP_IDX_VALUE) {
      log.write(`${here}: fd_array not given, cannot resolve map index ${insn.imm}\n`);
      throw new BpfError('EINVAL', `insn ${here}: BPF_PSEUDO_MAP_IDX needs fd_array, which this kernel does not take`);
    }
    if (insn.src === BPF_PSEUDO_BTF_ID) {
      log.write(`${here}: kernel is missing BTF, cannot resolve ksym\n`);
      throw new BpfError('EINVAL', `insn ${here}: BPF_PSEUDO_BTF_ID needs kernel BTF, which the simulator has not`);
    }
    if (insn.src !== BPF_PSEUDO_MAP_FD && insn.src !== BPF_PSEUDO_MAP_VALUE) {
      log.write('unrecognized bpf_ld_imm64 insn\n');
      throw new BpfError('EINVAL', `insn ${here}: unrecognized bpf_ld_imm64 src_reg ${insn.src}`);
    }
    const fd = insn.imm;
    let map: MapObject;
    try {
      map = proc.mapFromFd(fd, 'BPF_PROG_LOAD');
    } catch (e) {
      log.write(`fd ${fd} is not pointing to valid bpf_map\n`);
      throw e;
    }
    let address = map.address;
    if (insn.src === BPF_PSEUDO_MAP_VALUE) {
      const off = (insn.imm2 ?? 0) >>> 0;
      address = directValueAddress(proc, map, off, here, log);
    }
    if (!used.includes(map)) used.push(map);
    byInsn.set(i, map);
    const { imm, imm2 } = splitImmediate64(address);
    // convert_pseudo_ld_imm64: once resolved the instruction is a plain 64-bit constant load (src_reg 0).
    out.push({ ...insn, src: 0, imm, imm2 });
  });
  return { insns: out, used, byInsn };
}

/** map->ops->map_direct_value_addr: only single-element arrays have one (array_map_direct_value_addr). */
function directValueAddress(proc: Process, map: MapObject, off: number, slot: number, log: VerifierLog): bigint {
  if (map.impl.mapType !== BPF_MAP_TYPE_ARRAY) {
    log.write('no direct value access support for this map type\n');
    throw new BpfError('EINVAL', `insn ${slot}: map ${map.id} has no direct value access (only arrays do)`);
  }
  if (map.impl.maxEntries !== 1) {
    log.write(`invalid access to map value pointer, value_size=${map.impl.valueSize} off=${off}\n`);
    throw new BpfError('ENOTSUPP', `insn ${slot}: direct value access needs an array with max_entries 1 (checked on 6.18: ENOTSUPP)`);
  }
  if (off >= map.impl.valueSize) {
    log.write(`invalid access to map value pointer, value_size=${map.impl.valueSize} off=${off}\n`);
    throw new BpfError('EINVAL', `insn ${slot}: offset ${off} is past value_size ${map.impl.valueSize}`);
  }
  const value = map.impl.lookupForProgram(new Uint8Array(4), 0);
  if (!value) throw new BpfError('EINVAL', `insn ${slot}: array ${map.id} has no element 0`);
  const base = proc.kernel.memory.map({
    kind: 'map_value',
    name: `map_value(id=${map.id})`,
    bytes: value,
    writable: (map.impl.mapFlags & (1 << 7)) === 0,
  });
  return base + BigInt(off);
}
