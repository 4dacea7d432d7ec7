// Iterator programs for the tests, in LLVM assembly. Conventions: on entry r6 = ctx, r9 = ctx->meta, r8 = the
// object pointer (ctx + 8, NULL in the final call). seqPrintf stores its u64 arguments at r10-96.. and the format
// below them, then calls bpf_seq_printf(meta->seq, fmt, len, data, 8 * nargs).
import { assembleLlvm } from '@bpfsim/isa';
import type { Process } from '@bpfsim/objects';

export const dec = new TextDecoder();

/** Stores `s` NUL-terminated at [r10 + at, …) using 8-byte immediates. */
export function stackBytes(bytes: Uint8Array, at: number): string[] {
  const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
  padded.set(bytes);
  const lines: string[] = [];
  const v = new DataView(padded.buffer);
  for (let k = 0; k < padded.length; k += 8) {
    lines.push(`r0 = 0x${v.getBigUint64(k, true).toString(16)} ll`, `*(u64 *)(r10 ${at + k >= 0 ? '+' : '-'} ${Math.abs(at + k)}) = r0`);
  }
  return lines;
}

const DATA = -96;

/** bpf_seq_printf(meta->seq, fmt, …) with the given registers as arguments (at most 12). */
export function seqPrintf(fmt: string, regs: string[] = []): string {
  const bytes = new TextEncoder().encode(fmt + '\0');
  const fmtAt = DATA - Math.ceil(bytes.length / 8) * 8;
  const lines = regs.map((r, i) => `*(u64 *)(r10 - ${-(DATA + 8 * i)}) = ${r}`);
  lines.push(...stackBytes(bytes, fmtAt));
  lines.push('r1 = *(u64 *)(r9 + 0)', 'r2 = r10', `r2 += ${fmtAt}`, `r3 = ${bytes.length}`);
  lines.push(regs.length ? `r4 = r10\nr4 += ${DATA}` : 'r4 = 0', `r5 = ${8 * regs.length}`, 'call 126');
  return lines.join('\n');
}

/** Program prologue: r6 = ctx, r9 = meta, r8 = ctx->obj; jumps to `onNull` when the object pointer is NULL. */
export const prologue = (onNull = 'done'): string =>
  ['r6 = r1', 'r9 = *(u64 *)(r6 + 0)', 'r8 = *(u64 *)(r6 + 8)', `if r8 == 0 goto ${onNull}`].join('\n');

export function loadIter(proc: Process, target: string, asm: string, name = ''): number {
  return proc.bpf('BPF_PROG_LOAD', {
    prog_type: 'BPF_PROG_TYPE_TRACING',
    expected_attach_type: 'BPF_TRACE_ITER',
    iter_target: target,
    insns: assembleLlvm(asm),
    license: 'GPL',
    prog_name: name,
  });
}

export function iterLink(proc: Process, progFd: number, iterInfo?: object | Uint8Array): number {
  return proc.bpf('BPF_LINK_CREATE', { prog_fd: progFd, attach_type: 'BPF_TRACE_ITER', iter_info: iterInfo });
}

export const iterCreate = (proc: Process, linkFd: number): number => proc.bpf('BPF_ITER_CREATE', { link_fd: linkFd });

/** read(2) until EOF in chunks of `chunk` bytes. */
export function readAll(proc: Process, fd: number, chunk = 4096): string {
  let s = '';
  for (;;) {
    const b = proc.read(fd, chunk);
    if (b.length === 0) return s;
    s += dec.decode(b);
  }
}

/** Text of one new session of the link. */
export function catLink(proc: Process, linkFd: number, chunk = 4096): string {
  const fd = iterCreate(proc, linkFd);
  try {
    return readAll(proc, fd, chunk);
  } finally {
    proc.close(fd);
  }
}
