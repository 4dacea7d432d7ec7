// BPF_PROG_LOAD (kernel/bpf/syscall.c bpf_prog_load + the parts of bpf_check core owns), in the kernel's order.
// Every check runs before anything is created; a failed load leaves no object, no ID and no reference behind.
import { DecodeError, EncodeError, decode, encode, type Instruction } from '@bpfsim/isa';
import { BpfError, isBpfError } from '../errno.js';
import { buffer, checkAttr, cString, describeValue, objName, u32, type BpfAttr } from '../attr.js';
import { attachTypeNumber, progTypeNumber, PROG_LOAD_FLAGS_MASK, BPF_F_TOKEN_FD, BPF_F_XDP_HAS_FRAGS } from '../uapi.js';
import { bpfCapable, netCapable, perfmonCapable } from '../caps.js';
import type { Process } from '../process.js';
import { ProgObject } from './program.js';
import { VerifierLog } from './log.js';
import { licenseIsGplCompatible } from './license.js';
import { progTag } from './tag.js';
import { resolveMaps, type FdArray } from './used-maps.js';
import { statsLine, type VerifierMapInfo } from './verifier-hook.js';
import { sleepableViolation } from './sleepable.js';
import { iterTargetForLoad } from '../iter/prog-target.js';
import { BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER } from '../iter/link.js';
import { convertInsnsForLoad } from '../progs/types/runnable.js';

/** BPF_COMPLEXITY_LIMIT_INSNS and BPF_MAXINSNS (the unprivileged limit). */
export const COMPLEXITY_LIMIT_INSNS = 1_000_000;
export const BPF_MAXINSNS = 4096;
const CMD = 'BPF_PROG_LOAD';

/** The program bytes: a Uint8Array (insn_cnt × 8 bytes are read) or Instruction[] (encoded first). */
function programBytes(attr: BpfAttr): { bytes: Uint8Array; insnCnt: number } {
  const raw = attr.insns;
  let bytes: Uint8Array;
  if (raw instanceof Uint8Array) bytes = raw;
  else if (Array.isArray(raw)) {
    try {
      bytes = encode(raw as Instruction[]);
    } catch (e) {
      if (e instanceof EncodeError) throw new BpfError('EINVAL', `${CMD}: insns[${e.index}]: ${e.message}`);
      throw e;
    }
  } else if (raw === undefined || raw === null) bytes = new Uint8Array(0);
  else throw new BpfError('EFAULT', `${CMD}: attr.insns must be a Uint8Array or an Instruction[]`);
  const insnCnt = attr.insn_cnt === undefined ? bytes.length / 8 : u32(attr, 'insn_cnt', CMD);
  return { bytes, insnCnt };
}

export function progLoad(proc: Process, attr: BpfAttr): number {
  const kernel = proc.kernel;
  checkAttr(CMD, attr);
  const progType = progTypeNumber(attr.prog_type as number | string | undefined);
  if (progType === undefined) throw new BpfError('EINVAL', `${CMD}: unknown prog_type ${describeValue(attr.prog_type)}`);
  const progFlags = u32(attr, 'prog_flags', CMD);
  if (progFlags & ~PROG_LOAD_FLAGS_MASK) throw new BpfError('EINVAL', `${CMD}: unknown prog_flags bits 0x${(progFlags & ~PROG_LOAD_FLAGS_MASK).toString(16)}`);
  if (progFlags & BPF_F_TOKEN_FD) throw new BpfError('EINVAL', `${CMD}: BPF tokens are not simulated`);

  const { bytes, insnCnt } = programBytes(attr);
  const privileged = bpfCapable(proc.creds);
  if (kernel.sysctl.unprivileged_bpf_disabled && !privileged) {
    throw new BpfError('EPERM', `${CMD}: needs CAP_BPF (kernel.unprivileged_bpf_disabled=${kernel.sysctl.unprivileged_bpf_disabled})`);
  }
  if (insnCnt === 0 || insnCnt > (privileged ? COMPLEXITY_LIMIT_INSNS : BPF_MAXINSNS)) {
    throw new BpfError('E2BIG', `${CMD}: insn_cnt ${insnCnt} must be 1..${privileged ? COMPLEXITY_LIMIT_INSNS : BPF_MAXINSNS}`);
  }
  const privilege = kernel.progTypes.has(progType) ? kernel.progTypes.get(progType).privilege : 'bpf';
  if (privilege !== 'unpriv' && !privileged) throw new BpfError('EPERM', `${CMD}: prog type ${progType} needs CAP_BPF`);
  if (privilege === 'net_admin' && !netCapable(proc.creds)) throw new BpfError('EPERM', `${CMD}: prog type ${progType} needs CAP_NET_ADMIN`);
  if (privilege === 'perfmon' && !perfmonCapable(proc.creds)) throw new BpfError('EPERM', `${CMD}: prog type ${progType} needs CAP_PERFMON`);

  const givenEat = attachTypeNumber(attr.expected_attach_type as number | string | undefined);
  if (givenEat === undefined) throw new BpfError('EINVAL', `${CMD}: unknown expected_attach_type ${describeValue(attr.expected_attach_type)}`);
  const known = kernel.progTypes.has(progType) ? kernel.progTypes.get(progType) : undefined;
  const eat = known?.normalizeExpectedAttachType?.(givenEat) ?? givenEat;
  known?.checkExpectedAttachType?.(eat);
  // The iterator target of a BPF_TRACE_ITER program (check_attach_btf_id → bpf_iter_prog_supported).
  const isIter = progType === BPF_PROG_TYPE_TRACING && eat === BPF_TRACE_ITER;
  if (!isIter && attr.iter_target !== undefined && attr.iter_target !== null) {
    throw new BpfError('EINVAL', `${CMD}: iter_target is only for BPF_PROG_TYPE_TRACING with BPF_TRACE_ITER`);
  }
  const iterTarget = isIter ? iterTargetForLoad(attr, CMD) : undefined;
  const attachBtfId = iterTarget ? iterTarget.btfId : u32(attr, 'attach_btf_id', CMD);

  if (bytes.length < insnCnt * 8) throw new BpfError('EFAULT', `${CMD}: insns holds ${bytes.length / 8} slots, insn_cnt says ${insnCnt}`);
  const image = bytes.slice(0, insnCnt * 8);
  const license = cString(attr, 'license', CMD);
  if (license === undefined) throw new BpfError('EFAULT', `${CMD}: license is NULL`);
  const gplCompatible = licenseIsGplCompatible(license);
  const name = objName(attr, 'prog_name', CMD);
  kernel.progTypes.get(progType); // find_prog_type: EINVAL for a type this kernel does not know

  const fdArray = fdArrayAttr(attr);
  const log = new VerifierLog(u32(attr, 'log_level', CMD), buffer(attr, 'log_buf', CMD), u32(attr, 'log_size', CMD));
  proc.fds.ensureFree();

  // bpf_check: decode, resolve maps, verify; the log is finalized whatever happens, and a log that did not fit
  // turns the result into ENOSPC (bpf_vlog_finalize overrides the verifier's verdict).
  let failure: unknown;
  let prepared: ReturnType<typeof prepare> | undefined;
  try {
    prepared = prepare(proc, image, progType, eat, progFlags, gplCompatible, privileged, log, fdArray);
  } catch (e) {
    failure = e;
  }
  // A simulator bug (not a BpfError) surfaces as itself, not as the ENOSPC of a truncated log.
  if (failure !== undefined && !isBpfError(failure)) throw failure;
  const { truncated, trueSize } = log.finalize();
  attr.log_true_size = trueSize; // bpf_check writes it back whether or not a log was asked for (0 then)
  if (truncated) throw new BpfError('ENOSPC', `${CMD}: verifier log (${trueSize} bytes) does not fit log_size ${log.size}`);
  if (failure !== undefined || !prepared) throw failure;

  const { resolved, verifiedInsns } = prepared;
  // bpf_check_tail_call (bpf_prog_select_runtime): every prog_array the program uses must accept its type and
  // JIT state; the first program to use an array becomes its owner.
  for (const m of resolved.used) {
    if (m.impl.progCompatible && !m.impl.progCompatible({ type: progType, jited: kernel.jit, xdpHasFrags: (progFlags & BPF_F_XDP_HAS_FRAGS) !== 0 })) {
      throw new BpfError('EINVAL', `${CMD}: prog_array ${m.id} is owned by another program type (bpf_prog_map_compatible)`);
    }
  }
  for (const m of resolved.used) m.get(); // the program's references (bpf_map_inc in add_used_map)
  const prog = new ProgObject(kernel, {
    type: progType,
    expectedAttachType: eat,
    name,
    insns: convertInsnsForLoad(progType, resolved.insns), // convert_ctx_accesses (objects-progs)
    tag: progTag(image),
    license,
    gplCompatible,
    usedMaps: resolved.used,
    createdByUid: proc.creds.uid,
    loadTimeNs: kernel.nowNs(),
    verifiedInsns,
    progFlags,
    jited: kernel.jit,
    xlatedSlots: insnCnt,
    xlated: xlatedImage(prepared.decoded, resolved.byInsn),
    maxCtxOffset: prepared.maxCtxOffset,
    attachBtfId,
    iterTarget,
  });
  // The verifier's per-instruction facts index the verified instructions; a rewrite that changed their number
  // (ctx access conversion) invalidates them.
  if (prepared.facts && prepared.facts.length === prog.insns.length) prog.facts = prepared.facts;
  return proc.installObject({ kind: 'prog', obj: prog }, { read: true, write: true });
}

function prepare(
  proc: Process,
  image: Uint8Array,
  progType: number,
  eat: number,
  progFlags: number,
  gplCompatible: boolean,
  privileged: boolean,
  log: VerifierLog,
  fdArray: FdArray | undefined,
) {
  let insns: Instruction[];
  try {
    insns = decode(image);
  } catch (e) {
    if (e instanceof DecodeError) {
      // An opcode outside the instruction table is refused before do_check (resolve_pseudo_ldimm64:
      // bpf_opcode_in_insntable → "unknown opcode %02x"); other encoding errors keep the decoder's description.
      const opcode = e.field === 'opcode' && /unknown opcode/.test(e.message) ? image[e.index * 8] : undefined;
      log.write(`${opcode !== undefined ? `unknown opcode ${opcode.toString(16).padStart(2, '0')}` : e.message}\n${statsLine(0)}`);
      throw new BpfError('EINVAL', `${CMD}: ${e.message}`);
    }
    throw e;
  }
  // check_attach_btf_id runs before any instruction is looked at.
  const sleepable = sleepableViolation(progType, eat, progFlags);
  if (sleepable) {
    log.write(`${sleepable}\n${statsLine(0)}`);
    throw new BpfError('EINVAL', `${CMD}: ${sleepable}`);
  }
  let resolved: ReturnType<typeof resolveMaps>;
  try {
    resolved = resolveMaps(proc, insns, log, fdArray);
  } catch (e) {
    log.write(statsLine(0)); // bpf_check prints its statistics whatever ended it
    throw e;
  }
  const mapsByInsn = new Map<number, VerifierMapInfo>();
  for (const [i, m] of resolved.byInsn) {
    mapsByInsn.set(i, { id: m.id, mapType: m.impl.mapType, keySize: m.impl.keySize, valueSize: m.impl.valueSize, maxEntries: m.impl.maxEntries, mapFlags: m.impl.mapFlags });
  }
  const helpers = proc.kernel.helpers;
  const result = proc.kernel.verifier({
    insns,
    progType,
    expectedAttachType: eat,
    gplCompatible,
    privileged,
    mapsByInsn,
    helper: (id) => helpers.forProgType(id, progType, eat),
    helperName: (id) => helpers.get(id)?.name,
    helperExists: (id) => helpers.get(id) !== undefined,
    log,
  });
  return { resolved, decoded: insns, verifiedInsns: result.verifiedInsns, facts: result.facts, maxCtxOffset: result.maxCtxOffset };
}

/**
 * What bpf_prog_info.xlated_prog_insns shows (bpf_insn_prepare_dump): the loaded instructions with map pointers
 * replaced by the map's ID (and the value offset in the second slot for BPF_PSEUDO_MAP_VALUE). Input: the
 * instructions as decoded, before map fds were rewritten.
 */
function xlatedImage(insns: readonly Instruction[], byInsn: ReadonlyMap<number, { id: number }>): Uint8Array {
  const dump = insns.map((insn, i) => {
    const m = byInsn.get(i);
    if (!m) return insn;
    return { ...insn, imm: m.id, imm2: insn.src === 2 ? insn.imm2 ?? 0 : 0 };
  });
  return encode(dump, { validate: false });
}

/** attr.fd_array (an int array: Int32Array or number[]) and fd_array_cnt. */
function fdArrayAttr(attr: BpfAttr): FdArray | undefined {
  const raw = attr.fd_array;
  const cnt = u32(attr, 'fd_array_cnt', CMD);
  if (raw === undefined || raw === null || raw === 0) {
    if (cnt) throw new BpfError('EINVAL', `${CMD}: fd_array_cnt without fd_array`);
    return undefined;
  }
  if (raw instanceof Int32Array || (Array.isArray(raw) && raw.every((x) => Number.isInteger(x)))) return { fds: raw as ArrayLike<number>, cnt };
  throw new BpfError('EFAULT', `${CMD}: fd_array must be an Int32Array or an array of fds`);
}
