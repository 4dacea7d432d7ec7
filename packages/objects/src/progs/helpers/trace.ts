// bpf_trace_printk, bpf_trace_vprintk (kernel/trace/bpf_trace.c) and bpf_snprintf (kernel/bpf/helpers.c): formatted
// text into the trace pipe or a program buffer, with the kernel's format rules (iter/bprintf.ts, shared with
// bpf_seq_printf).
import type { HelperCall } from '@bpfsim/vm';
import type { HelperSpec } from '../helpers.js';
import { tracePipeOf } from '../../trace-pipe.js';
import { virtualClock } from './time.js';
import { bprintf, type BprintfMemory } from '../../iter/bprintf.js';
import { EINVAL, ENOSPC, envOf, helper, ret } from './define.js';

/** MAX_BPRINTF_VARARGS: bpf_snprintf and bpf_trace_vprintk take at most 12 u64 arguments. */
const MAX_BPRINTF_VARARGS = 12;
/** MAX_BPRINTF_BUF: the formatted text is cut at 511 bytes plus NUL. */
const MAX_BPRINTF_BUF = 512;
const decoder = new TextDecoder();

/** Program memory for %s and friends: unreadable addresses are a fault the formatter handles. */
const nofault = (call: HelperCall): BprintfMemory => ({
  read(addr, size) {
    const at = call.mem.resolve(addr);
    if (!at || at.offset + size > at.region.bytes.length) return undefined;
    return at.region.bytes.slice(at.offset, at.offset + size);
  },
});

/** The bytes from `addr` to the end of its region (a format whose size the program does not pass). */
function restOfRegion(call: HelperCall, addr: bigint): Uint8Array | undefined {
  const at = call.mem.resolve(addr);
  return at ? at.region.bytes.subarray(at.offset) : undefined;
}

/** u64 arguments from a data array of data_len bytes (trace_vprintk, snprintf); undefined for a bad length. */
function argArray(call: HelperCall, data: bigint, lenArg: bigint): bigint[] | undefined {
  const len = Number(lenArg & 0xffffffffn);
  if (len % 8 || len > MAX_BPRINTF_VARARGS * 8 || (len && !data)) return undefined;
  const raw = len ? call.mem.read(data, len) : new Uint8Array(0);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return Array.from({ length: len / 8 }, (_, i) => v.getBigUint64(i * 8, true));
}

/** bpf_bprintf_prepare + bstr_printf into the MAX_BPRINTF_BUF buffer: the text, or undefined (-EINVAL/-ENOSPC). */
function format(call: HelperCall, fmt: Uint8Array, args: readonly bigint[]): { text?: string; errno?: number } {
  const res = bprintf(fmt, args, nofault(call));
  if (!res.ok) return { errno: res.errno === 'ENOSPC' ? ENOSPC : EINVAL };
  return { text: decoder.decode(res.bytes.subarray(0, MAX_BPRINTF_BUF - 1)) };
}

/** Writes the line to the trace pipe; returns the message length (bstr_printf's return). */
function emit(call: HelperCall, text: string): bigint {
  const env = envOf(call);
  tracePipeOf(env.kernel).write(
    { comm: env.proc?.comm ?? '<idle>', pid: env.proc?.pid ?? 0, cpu: env.cpu, ns: virtualClock(env.kernel).now() },
    'bpf_trace_printk',
    text,
  );
  env.kernel.trace.push(text);
  return BigInt(new TextEncoder().encode(text).length);
}

export function traceHelpers(): HelperSpec[] {
  return [
    // long bpf_trace_printk(fmt, fmt_size, a1, a2, a3): at most three conversions.
    helper('trace_printk', (r1, r2, r3, r4, r5, call) => {
      const size = Number(r2 & 0xffffffffn);
      if (!size) return ret(EINVAL);
      const { text, errno } = format(call, call.mem.read(r1, size), [r3, r4, r5]);
      return text === undefined ? ret(errno!) : emit(call, text);
    }),
    // long bpf_trace_vprintk(fmt, fmt_size, data, data_len)
    helper('trace_vprintk', (r1, r2, r3, r4, _5, call) => {
      const args = argArray(call, r3, r4);
      const size = Number(r2 & 0xffffffffn);
      if (!args || !size) return ret(EINVAL);
      const { text, errno } = format(call, call.mem.read(r1, size), args);
      return text === undefined ? ret(errno!) : emit(call, text);
    }),
    // long bpf_snprintf(str, str_size, fmt, data, data_len): returns the length the whole text needs, NUL included.
    helper('snprintf', (r1, r2, r3, r4, r5, call) => {
      const args = argArray(call, r4, r5);
      const fmt = restOfRegion(call, r3);
      if (!args || !fmt) return ret(EINVAL);
      const res = bprintf(fmt, args, nofault(call));
      if (!res.ok) return ret(res.errno === 'ENOSPC' ? ENOSPC : EINVAL);
      const size = Number(r2 & 0xffffffffn);
      if (size) {
        // bstr_printf into str_size bytes: the text cut to size - 1, always NUL-terminated.
        const n = Math.min(res.bytes.length, size - 1);
        const out = new Uint8Array(n + 1);
        out.set(res.bytes.subarray(0, n));
        call.mem.write(r1, out);
      }
      return BigInt(res.bytes.length + 1);
    }),
  ];
}
