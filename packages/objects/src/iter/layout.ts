// The kernel structs an iterator program reads through its ctx (struct bpf_iter__<target>), as simulated memory.
//
// A real iterator program reads `ctx->map->id` through BTF (PTR_TO_BTF_ID): the offsets come from vmlinux BTF via
// CO-RE. The simulator has no BTF, so it lays out each struct at the offsets Linux 6.18 has on the reference machine
// (bpftool btf dump file /sys/kernel/btf/vmlinux format raw) and fills the fields it models; everything else reads
// as zero. A program compiled with CO-RE against that kernel therefore reads the same fields here.
//
// Each struct is a read-only region mapped for one program invocation; pointer fields (prog->aux, link->prog) are
// patched with the addresses of the regions they point at once those are mapped (RegionPlan).
import type { RegionSpec } from '@bpfsim/vm';
import type { MapObject } from '../map-object.js';
import type { ProgObject } from '../prog/program.js';
import type { LinkObject } from '../links/link.js';
import type { Process } from '../process.js';
import type { OpenFile } from '../fd-table.js';

/** struct bpf_iter_meta { struct seq_file *seq; u64 session_id; u64 seq_num; } */
export const ITER_META = { size: 24, seq: 0, sessionId: 8, seqNum: 16 } as const;

/** struct bpf_map (6.18: size 296). */
export const BPF_MAP = {
  size: 296,
  mapType: 64,
  keySize: 68,
  valueSize: 72,
  maxEntries: 76,
  mapExtra: 80,
  mapFlags: 88,
  id: 92,
  name: 136,
  frozen: 257,
} as const;

/** struct bpf_prog (6.18: size 96); `jited` is bit 0 of byte 2 (bitfield at bit offset 16). */
export const BPF_PROG = { size: 96, pages: 0, jitedByte: 2, type: 4, expectedAttachType: 8, len: 12, aux: 80 } as const;

/** struct bpf_prog_aux (6.18: size 1304). */
export const BPF_PROG_AUX = {
  size: 1304,
  usedMapCnt: 8,
  id: 32,
  attachBtfId: 48,
  /** const char *attach_func_name (bits_offset 1856): the BTF name of the attach target, NULL when none. */
  attachFuncName: 232,
  prog: 960,
  loadTime: 984,
  verifiedInsns: 992,
  name: 1016,
} as const;

/** struct bpf_link (6.18: size 88). */
export const BPF_LINK = { size: 88, id: 8, type: 16, prog: 32, attachType: 44 } as const;

/** struct task_struct (6.18: size 3264). */
export const TASK_STRUCT = { size: 3264, pid: 1264, tgid: 1268, comm: 1752 } as const;

/** struct file (6.18: size 184). */
export const FILE_STRUCT = { size: 184, fMode: 4, fOp: 8, fFlags: 40, fPos: 112 } as const;

/**
 * What `file->f_op` reads for each kind of simulated file: stand-ins for the addresses of bpf_map_fops,
 * bpf_prog_fops, bpf_link_fops, bpf_iter_fops and a tty's fops. A program can compare them with each other; they are
 * not the reference machine's (its addresses are randomised by KASLR).
 */
export const FOPS_ADDRESS = {
  map: 0xffffffff82c10000n,
  prog: 0xffffffff82c10100n,
  link: 0xffffffff82c10200n,
  seq: 0xffffffff82c10300n,
  stats: 0xffffffff82c10400n,
  other: 0xffffffff82c20000n,
} as const;

/** FMODE_READ | FMODE_WRITE as f_mode holds them. */
const FMODE_READ = 1;
const FMODE_WRITE = 2;

/** Regions to map for one invocation, and the pointer fields to fill with their addresses once mapped. */
export class RegionPlan {
  readonly specs: RegionSpec[] = [];
  private readonly patches: { region: number; offset: number; target: number }[] = [];

  add(spec: RegionSpec): number {
    this.specs.push(spec);
    return this.specs.length - 1;
  }

  /** A read-only zeroed struct of `size` bytes; returns its index and bytes. */
  struct(name: string, size: number): { index: number; bytes: Uint8Array; view: DataView } {
    const bytes = new Uint8Array(size);
    const index = this.add({ kind: 'mem', name, bytes, writable: false });
    return { index, bytes, view: new DataView(bytes.buffer) };
  }

  /** Region `region` holds, at `offset`, the address of region `target`. */
  pointer(region: number, offset: number, target: number): void {
    this.patches.push({ region, offset, target });
  }

  /** Writes the addresses of the mapped regions into the pointer fields. */
  patch(addrs: readonly bigint[]): void {
    for (const p of this.patches) {
      const b = this.specs[p.region].bytes;
      new DataView(b.buffer, b.byteOffset, b.byteLength).setBigUint64(p.offset, addrs[p.target], true);
    }
  }
}

const putName = (bytes: Uint8Array, off: number, name: string, max = 16): void => {
  bytes.set(new TextEncoder().encode(name).subarray(0, max - 1), off);
};

export function mapStruct(plan: RegionPlan, m: MapObject): number {
  const s = plan.struct(`bpf_map(id=${m.id})`, BPF_MAP.size);
  const i = m.impl;
  s.view.setUint32(BPF_MAP.mapType, i.mapType, true);
  s.view.setUint32(BPF_MAP.keySize, i.keySize, true);
  s.view.setUint32(BPF_MAP.valueSize, i.valueSize, true);
  s.view.setUint32(BPF_MAP.maxEntries, i.maxEntries, true);
  s.view.setBigUint64(BPF_MAP.mapExtra, i.mapExtra, true);
  s.view.setUint32(BPF_MAP.mapFlags, i.mapFlags, true);
  s.view.setUint32(BPF_MAP.id, m.id, true);
  putName(s.bytes, BPF_MAP.name, i.name);
  s.bytes[BPF_MAP.frozen] = i.frozen ? 1 : 0;
  return s.index;
}

/** What check_attach_btf_id records in prog->aux about the attach target. */
export interface ProgAttach {
  /** aux->attach_btf_id (0: none). */
  readonly btfId: number;
  /** aux->attach_func_name, e.g. `bpf_iter_bpf_map` (undefined: the pointer stays NULL). */
  readonly funcName?: string;
}

/**
 * struct bpf_prog and its bpf_prog_aux (prog->aux and aux->prog point at each other; aux->attach_func_name points
 * at a NUL-terminated copy of the name, in the kernel a string of vmlinux BTF).
 */
export function progStruct(plan: RegionPlan, p: ProgObject, attach: ProgAttach = { btfId: 0 }): number {
  const s = plan.struct(`bpf_prog(id=${p.id})`, BPF_PROG.size);
  s.view.setUint16(BPF_PROG.pages, Math.ceil((72 + p.xlatedSlots * 8) / 4096), true);
  s.bytes[BPF_PROG.jitedByte] = p.jited ? 1 : 0;
  s.view.setUint32(BPF_PROG.type, p.type, true);
  s.view.setUint32(BPF_PROG.expectedAttachType, p.expectedAttachType, true);
  s.view.setUint32(BPF_PROG.len, p.xlatedSlots, true);
  const aux = plan.struct(`bpf_prog_aux(id=${p.id})`, BPF_PROG_AUX.size);
  aux.view.setUint32(BPF_PROG_AUX.usedMapCnt, p.usedMaps.length, true);
  aux.view.setUint32(BPF_PROG_AUX.id, p.id, true);
  aux.view.setUint32(BPF_PROG_AUX.attachBtfId, attach.btfId, true);
  if (attach.funcName !== undefined) {
    const name = new TextEncoder().encode(attach.funcName);
    const str = plan.struct(`attach_func_name(prog id=${p.id})`, name.length + 1);
    str.bytes.set(name);
    plan.pointer(aux.index, BPF_PROG_AUX.attachFuncName, str.index);
  }
  aux.view.setBigUint64(BPF_PROG_AUX.loadTime, p.loadTimeNs, true);
  aux.view.setUint32(BPF_PROG_AUX.verifiedInsns, p.verifiedInsns, true);
  putName(aux.bytes, BPF_PROG_AUX.name, p.name);
  plan.pointer(s.index, BPF_PROG.aux, aux.index);
  plan.pointer(aux.index, BPF_PROG_AUX.prog, s.index);
  return s.index;
}

export function linkStruct(plan: RegionPlan, l: LinkObject, attachOf: (p: ProgObject) => ProgAttach): number {
  const s = plan.struct(`bpf_link(id=${l.id})`, BPF_LINK.size);
  s.view.setUint32(BPF_LINK.id, l.id, true);
  s.view.setUint32(BPF_LINK.type, l.linkType, true);
  s.view.setUint32(BPF_LINK.attachType, l.attachType, true);
  plan.pointer(s.index, BPF_LINK.prog, progStruct(plan, l.prog, attachOf(l.prog)));
  return s.index;
}

export function taskStruct(plan: RegionPlan, p: Process): number {
  const s = plan.struct(`task_struct(pid=${p.pid})`, TASK_STRUCT.size);
  s.view.setInt32(TASK_STRUCT.pid, p.pid, true);
  s.view.setInt32(TASK_STRUCT.tgid, p.pid, true); // one thread per simulated process: tgid == pid
  putName(s.bytes, TASK_STRUCT.comm, p.comm);
  return s.index;
}

/** anon_inode_getfile keeps only O_ACCMODE | O_NONBLOCK in f_flags (O_CLOEXEC lives in the fd table). */
export function fileStruct(plan: RegionPlan, fd: number, file: OpenFile): number {
  const s = plan.struct(`file(fd=${fd})`, FILE_STRUCT.size);
  s.view.setUint32(FILE_STRUCT.fMode, (file.mode.read ? FMODE_READ : 0) | (file.mode.write ? FMODE_WRITE : 0), true);
  s.view.setBigUint64(FILE_STRUCT.fOp, FOPS_ADDRESS[file.target.kind as keyof typeof FOPS_ADDRESS] ?? FOPS_ADDRESS.other, true);
  const acc = file.mode.read && file.mode.write ? 2 : file.mode.write ? 1 : 0;
  s.view.setUint32(FILE_STRUCT.fFlags, acc, true);
  return s.index;
}
