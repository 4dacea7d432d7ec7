// bpf_preload (kernel/bpf/preload/): the two iterator links every new bpffs instance starts with, `maps.debug` and
// `progs.debug` (populate_bpffs, called from bpf_fill_super). The programs are those of
// kernel/bpf/preload/iterators/iterators.bpf.c, written here by hand in LLVM assembly against the struct offsets of
// layout.ts, and loaded, linked and pinned through the same paths user programs take.
//
// Who holds what (differs from the kernel on purpose, see below):
// - the kernel's bpf_preload module loads both programs once at boot, keeps one reference to each link for as long as
//   the module is loaded, and every populate_bpffs pins them again with bpf_link_inc();
// - here a link exists only while some bpffs pin holds it: `populate()` hands each pin one reference, and loads a
//   link (with its program) anew only when the previous one has been freed (every pin of it is gone: unlinked, or
//   its bpffs destroyed). So nothing outlives the last mount, and a simulation without bpffs mounts has no extra
//   programs. The IDs differ from a real machine's (where the preload programs get the first IDs at boot), and a
//   link re-created later gets a new ID.
//
// Known differences in the printed text (kernel: dump_bpf_prog prints get_name(aux->btf, func_info[0].type_id,
// aux->name), aux->attach_func_name and aux->linked_prog->aux->name):
// - the simulator's struct bpf_prog_aux has no btf/func_info or linked_prog fields (layout.ts); they read as NULL,
//   so the name is always aux->name and the last column is empty (`%s` of NULL prints nothing, as
//   bpf_bprintf_prepare does when the copy faults).
// - aux->attach_func_name is set for iterator programs (`bpf_iter_bpf_map`, as the kernel shows); other tracing
//   programs carry only a numeric attach_btf_id (no vmlinux BTF to name it), so their "attached" column is empty.
import { assembleLlvm } from '@bpfsim/isa';
import { ALL_CAPS } from '../caps.js';
import type { Kernel } from '../kernel.js';
import type { LinkObject } from '../links/link.js';
import { Process } from '../process.js';
import type { PinnableObject } from '../vfs.js';
import { BPF_MAP, BPF_PROG, BPF_PROG_AUX, ITER_META } from './layout.js';
import { BPF_FUNC_seq_printf } from './helpers.js';

/** The header and per-object line formats of iterators.bpf.c (BPF_SEQ_PRINTF). */
export const PRELOAD_FORMATS = {
  mapsHeader: '  id name             max_entries\n',
  mapsLine: '%4u %-16s%6d\n',
  progsHeader: '  id name             attached\n',
  progsLine: '%4u %-16s %s %s\n',
} as const;

/** File names populate_bpffs gives the links (bpf_preload_info.link_name). */
export const PRELOAD_FILES = ['maps.debug', 'progs.debug'] as const;

// The u64 argument array of bpf_seq_printf lives at r10-96; format strings go below it.
const DATA = -96;

/** Stores `text` NUL-terminated at [r10 + at, …) with 8-byte immediates; returns the lines and its length. */
function stackString(text: string, at: number): { lines: string[]; len: number } {
  const bytes = new TextEncoder().encode(text + '\0');
  const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
  padded.set(bytes);
  const view = new DataView(padded.buffer);
  const lines: string[] = [];
  for (let k = 0; k < padded.length; k += 8) {
    lines.push(`r0 = 0x${view.getBigUint64(k, true).toString(16)} ll`, `*(u64 *)(r10 - ${-(at + k)}) = r0`);
  }
  return { lines, len: bytes.length };
}

/**
 * BPF_SEQ_PRINTF(seq, fmt, args…) as LLVM assembly lines: r9 must hold ctx->meta; `args` are registers (or `0`),
 * stored as u64 at r10-96…; the format goes below them. Clobbers r0-r5.
 */
export function seqPrintfAsm(fmt: string, args: readonly string[] = []): string[] {
  const fmtAt = DATA - Math.ceil((new TextEncoder().encode(fmt).length + 1) / 8) * 8;
  const lines = args.map((r, i) => (r === '0' ? `r0 = 0\n*(u64 *)(r10 - ${-(DATA + 8 * i)}) = r0` : `*(u64 *)(r10 - ${-(DATA + 8 * i)}) = ${r}`));
  const s = stackString(fmt, fmtAt);
  lines.push(...s.lines);
  lines.push(`r1 = *(u64 *)(r9 + ${ITER_META.seq})`, 'r2 = r10', `r2 += ${fmtAt}`, `r3 = ${s.len}`);
  lines.push(...(args.length ? ['r4 = r10', `r4 += ${DATA}`] : ['r4 = 0']), `r5 = ${8 * args.length}`, `call ${BPF_FUNC_seq_printf}`);
  return lines;
}

/**
 * dump_bpf_map: `if (!map) return 0; if (seq_num == 0) header; "%4u %-16s%6d\n", map->id, map->name,
 * map->max_entries`.
 */
export const DUMP_BPF_MAP_ASM = [
  'r9 = *(u64 *)(r1 + 0)', // ctx->meta
  'r8 = *(u64 *)(r1 + 8)', // ctx->map
  'if r8 == 0 goto out',
  `r7 = *(u64 *)(r9 + ${ITER_META.seqNum})`,
  'if r7 != 0 goto line',
  ...seqPrintfAsm(PRELOAD_FORMATS.mapsHeader),
  'line:',
  `r1 = *(u32 *)(r8 + ${BPF_MAP.id})`,
  'r2 = r8',
  `r2 += ${BPF_MAP.name}`,
  `r3 = *(u32 *)(r8 + ${BPF_MAP.maxEntries})`,
  ...seqPrintfAsm(PRELOAD_FORMATS.mapsLine, ['r1', 'r2', 'r3']),
  'out:',
  'r0 = 0',
  'exit',
].join('\n');

/**
 * dump_bpf_prog: `if (!prog) return 0; aux = prog->aux; if (seq_num == 0) header; "%4u %-16s %s %s\n", aux->id,
 * name, aux->attach_func_name, aux->linked_prog->aux->name` — the last is NULL in the simulator (see above).
 */
export const DUMP_BPF_PROG_ASM = [
  'r9 = *(u64 *)(r1 + 0)', // ctx->meta
  'r8 = *(u64 *)(r1 + 8)', // ctx->prog
  'if r8 == 0 goto out',
  `r8 = *(u64 *)(r8 + ${BPF_PROG.aux})`,
  `r7 = *(u64 *)(r9 + ${ITER_META.seqNum})`,
  'if r7 != 0 goto line',
  ...seqPrintfAsm(PRELOAD_FORMATS.progsHeader),
  'line:',
  `r1 = *(u32 *)(r8 + ${BPF_PROG_AUX.id})`,
  'r2 = r8',
  `r2 += ${BPF_PROG_AUX.name}`,
  `r3 = *(u64 *)(r8 + ${BPF_PROG_AUX.attachFuncName})`,
  ...seqPrintfAsm(PRELOAD_FORMATS.progsLine, ['r1', 'r2', 'r3', '0']),
  'out:',
  'r0 = 0',
  'exit',
].join('\n');

const PROGRAMS = [
  { file: 'maps.debug', name: 'dump_bpf_map', target: 'bpf_map', asm: DUMP_BPF_MAP_ASM },
  { file: 'progs.debug', name: 'dump_bpf_prog', target: 'bpf_prog', asm: DUMP_BPF_PROG_ASM },
] as const;

export interface PreloadEntry {
  readonly name: string;
  readonly obj: PinnableObject;
  /** The entry carries one reference already taken for the pin: the filesystem must not retain it again. */
  readonly owned: true;
}

export interface BpfPreload {
  /** populate_bpffs for one new bpffs instance: one reference of each link per call, handed to its pin. */
  populate(): PreloadEntry[];
  /** The links currently alive (for tests): empty once every pin is gone. */
  links(): LinkObject[];
}

/**
 * The bpf_preload of `kernel`. Programs are loaded by a kernel-internal task (pid 0, never listed by the task
 * iterators, as bpf_preload_kern.c runs its light skeleton from the module's init), whose fds are closed at once.
 */
export function bpfPreload(kernel: Kernel): BpfPreload {
  const current: (LinkObject | undefined)[] = PROGRAMS.map(() => undefined);
  /** Loads program `i` and its link; the returned link holds one extra reference (the pin's). */
  const load = (i: number): LinkObject => {
    const p = PROGRAMS[i];
    const task = new Process(kernel, 0, { uid: 0, gid: 0, caps: [...ALL_CAPS], comm: 'bpf_preload' }, undefined);
    const fds: number[] = [];
    try {
      const progFd = task.bpf('BPF_PROG_LOAD', {
        prog_type: 'BPF_PROG_TYPE_TRACING',
        expected_attach_type: 'BPF_TRACE_ITER',
        iter_target: p.target,
        insns: assembleLlvm(p.asm),
        license: 'GPL',
        prog_name: p.name,
      });
      fds.push(progFd);
      const linkFd = task.bpf('BPF_LINK_CREATE', { prog_fd: progFd, attach_type: 'BPF_TRACE_ITER' });
      fds.push(linkFd);
      const link = task.linkFromFd(linkFd, 'bpf_preload');
      link.retain(); // survives the close below: becomes the pin's reference
      return link;
    } finally {
      for (const fd of fds) task.close(fd);
    }
  };
  return {
    populate() {
      // A link still pinned somewhere is pinned again (bpf_link_inc); one whose every pin is gone is loaded anew.
      const taken: LinkObject[] = [];
      try {
        PROGRAMS.forEach((_, i) => {
          const l = current[i];
          if (l && !l.freed) l.retain();
          else current[i] = load(i);
          taken.push(current[i]!);
        });
      } catch (e) {
        for (const l of taken) l.release();
        throw e;
      }
      return taken.map((obj, i) => ({ name: PROGRAMS[i].file, obj, owned: true as const }));
    },
    links: () => current.filter((l): l is LinkObject => l !== undefined && !l.freed),
  };
}
