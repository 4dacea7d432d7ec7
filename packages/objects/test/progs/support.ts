// Shared by the program-type and helper tests: a deterministic kernel, assembling with map fds, packets.
import { assembleLlvm, type Instruction } from '@bpfsim/isa';
import { Kernel, type KernelOptions, type Process } from '@bpfsim/objects';

/** A kernel whose clock advances 1000 ns per reading (deterministic durations and timestamps). */
export function fakeClock(step = 1000n): () => bigint {
  let t = 0n;
  return () => (t += step);
}

export function setup(opts: KernelOptions = {}): { kernel: Kernel; proc: Process } {
  const kernel = new Kernel({ clock: fakeClock(), seed: 42, ...opts });
  return { kernel, proc: kernel.spawn({ comm: 'tester' }) };
}

/** Assembles pseudo-C; `{name}` placeholders are replaced first (e.g. map fds: `r1 = map_fd({m})`). */
export function asm(text: string, vars: Record<string, number> = {}): Instruction[] {
  return assembleLlvm(text.replace(/\{(\w+)\}/g, (_m, k: string) => String(vars[k])));
}

export function load(proc: Process, progType: string, text: string, vars: Record<string, number> = {}, extra: Record<string, unknown> = {}): number {
  return proc.progLoad({ prog_type: progType, insns: asm(text, vars), license: 'GPL', ...extra } as never);
}

/** An Ethernet + IPv4 frame: dst/src MAC, ethertype 0x0800, a 20-byte IP header with the given addresses, payload. */
export function ipv4Frame(opts: { dstMac?: number[]; saddr?: number[]; daddr?: number[]; payload?: number[] } = {}): Uint8Array {
  const eth = [...(opts.dstMac ?? [0, 0, 0, 0, 0, 0]), 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
  const payload = opts.payload ?? [0xde, 0xad, 0xbe, 0xef];
  const ip = [0x45, 0, 0, 20 + payload.length, 0, 0, 0, 0, 64, 17, 0, 0, ...(opts.saddr ?? [10, 0, 0, 1]), ...(opts.daddr ?? [10, 0, 0, 2])];
  return new Uint8Array([...eth, ...ip, ...payload]);
}

export const u32At = (b: Uint8Array, off: number): number => new DataView(b.buffer, b.byteOffset).getUint32(off, true);
export const u64le = (v: bigint): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};
export const u32le = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};

export function errnoOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const errno = (e as { errno?: string }).errno;
    if (errno) return errno;
    throw e;
  }
  throw new Error('expected a BpfError, call succeeded');
}

/**
 * Assembly that stores `s` (NUL-terminated, zero-padded to 8 bytes) on the stack ending at r10 - `top`, using r9.
 * Returns the lines and the string's frame offset (negative).
 */
export function stackString(s: string, top = 0): { code: string; off: number } {
  const bytes = new TextEncoder().encode(`${s}\0`);
  const len = Math.ceil(bytes.length / 8) * 8;
  const padded = new Uint8Array(len);
  padded.set(bytes);
  const off = -(top + len);
  const v = new DataView(padded.buffer);
  const lines: string[] = [];
  for (let i = 0; i < len; i += 8) {
    lines.push(`r9 = 0x${v.getBigUint64(i, true).toString(16)} ll`, `*(u64 *)(r10 ${off + i}) = r9`);
  }
  return { code: lines.join('\n'), off };
}

/** Runs a raw_tracepoint program through BPF_PROG_TEST_RUN with u64 arguments; returns r0 (u32). */
export function runRawTp(proc: Process, fd: number, args: readonly bigint[] = [0n]): number {
  const ctx = new Uint8Array(8 * args.length);
  args.forEach((a, i) => new DataView(ctx.buffer).setBigUint64(i * 8, a, true));
  return proc.progTestRun(fd, { ctx_in: ctx }).retval;
}
