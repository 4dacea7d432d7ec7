// /sys/kernel/tracing/trace_pipe as bpf_trace_printk fills it: one line per event in the ftrace text format
// (kernel/trace/trace_output.c trace_print_context + the bpf_trace_printk event, whose TP_printk ends in "\n"):
//
//             comm-pid     [cpu] ..... secs.usecs: bpf_trace_printk: message
//
// The latency-flags column is always "....." and the time is the kernel's virtual clock (progs/helpers/time.ts), so
// the same programs on the same inputs produce the same text. Reading consumes, like trace_pipe.
export interface TraceContext {
  readonly comm: string;
  readonly pid: number;
  readonly cpu: number;
  readonly ns: bigint;
}

export class TracePipe {
  private buf = '';
  private all = '';

  /** Appends one event line. */
  write(ctx: TraceContext, event: string, message: string): void {
    const secs = ctx.ns / 1_000_000_000n;
    const usecs = (ctx.ns % 1_000_000_000n) / 1000n;
    const line = `${ctx.comm.padStart(16)}-${String(ctx.pid).padEnd(7)} [${String(ctx.cpu).padStart(3, '0')}] ..... ` +
      `${String(secs).padStart(5)}.${String(usecs).padStart(6, '0')}: ${event}: ${message}\n`;
    this.buf += line;
    this.all += line;
  }

  /** read(2) on trace_pipe: everything not read yet, then it is gone. */
  read(): string {
    const s = this.buf;
    this.buf = '';
    return s;
  }

  /** Everything written since boot (/sys/kernel/tracing/trace without the header). */
  get text(): string {
    return this.all;
  }
}

const pipes = new WeakMap<object, TracePipe>();

/** The trace pipe of a kernel (created on first use). */
export function tracePipeOf(kernel: object): TracePipe {
  let p = pipes.get(kernel);
  if (!p) pipes.set(kernel, (p = new TracePipe()));
  return p;
}
