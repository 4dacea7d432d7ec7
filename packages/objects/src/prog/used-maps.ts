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

/**
 * `fd_array` (BPF_PROG_LOAD): the fds BPF_PSEUDO_MAP_IDX / _IDX_VALUE immediates index into. With `fd_array_cnt`
 * (Linux 6.14+) every map in the array is bound to the program up front, used or not.
 */
export interface FdArray {
  readonly fds: ArrayLike<number>;
  readonly cnt: number;
}

export function resolveMaps(proc: Process, insns: readonly Instruction[], log: VerifierLog, fdArray?: FdArray): ResolvedMaps {
  const out: Instruction[] = [];
  const used: MapObject[] = [];
  const byInsn = new Map<number, MapObject>();
  const mapOfFd = (fd: number): MapObject => {
    try {
      return proc.mapFromFd(fd, 'BPF_PROG_LOAD');
    } catch (e) {
      log.write(`fd ${fd} is not pointing to valid bpf_map\n`);
      throw e;
    }
  };
  if (fdArray && fdArray.cnt) {
    // process_fd_array: every entry must be a map (or BTF, which the simulator has not).
    for (let i = 0; i < fdArray.cnt; i++) {
      if (i >= fdArray.fds.length) throw new BpfError('EFAULT', `fd_array holds ${fdArray.fds.length} fds, fd_array_cnt says ${fdArray.cnt}`);
      const m = mapOfFd(fdArray.fds[i]);
      if (!used.includes(m)) used.push(m);
    }
  }
  let slot = 0;
  insns.forEach((insn, i) => {
    const here = slot;
    slot += insn.opcode === LDDW ? 2 : 1;
    if (insn.opcode !== LDDW || insn.src === 0 || insn.src === BPF_PSEUDO_FUNC) {
      out.push(insn);
      return;
    }
    if (insn.src === BPF_PSEUDO_BTF_ID) {
      log.write(`pseudo btf_id ${insn.imm} in ldimm64 isn't KIND_VAR or KIND_FUNC\n`);
      throw new BpfError('EINVAL', `insn ${here}: BPF_PSEUDO_BTF_ID needs kernel BTF, which the simulator has not`);
    }
    let fd: number;
    if (insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_VALUE) fd = insn.imm;
    else if (insn.src === BPF_PSEUDO_MAP_IDX || insn.src === BPF_PSEUDO_MAP_IDX_VALUE) {
      // add_fd_from_fd_array: an index needs fd_array (EPROTO without one, checked on 6.18).
      if (!fdArray) {
        log.write('fd_idx without fd_array is invalid\n');
        throw new BpfError('EPROTO', `insn ${here}: map index ${insn.imm} but no fd_array`);
      }
      const idx = insn.imm >>> 0;
      if (idx >= fdArray.fds.length) throw new BpfError('EFAULT', `insn ${here}: fd_array[${idx}] is past the ${fdArray.fds.length} fds given`);
      fd = fdArray.fds[idx];
    } else {
      log.write('unrecognized bpf_ld_imm64 insn\n');
      throw new BpfError('EINVAL', `insn ${here}: unrecognized bpf_ld_imm64 src_reg ${insn.src}`);
    }
    const map = mapOfFd(fd);
    let address = map.address;
    if (insn.src === BPF_PSEUDO_MAP_VALUE || insn.src === BPF_PSEUDO_MAP_IDX_VALUE) {
      address = directValueAddress(proc, map, (insn.imm2 ?? 0) >>> 0, here, log);
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
