// Simulated kernel events that tracing programs attach to: tracepoints ("sched:sched_switch") and kernel functions
// for kprobes ("do_sys_openat2"). A test fires an event with its arguments; every program attached to it runs with
// the context its type gets:
//   - raw_tracepoint programs (BPF_RAW_TRACEPOINT_OPEN with the event part of the name, "sched_switch"): the
//     arguments as an array of u64 (struct bpf_raw_tracepoint_args);
//   - tracepoint programs (a perf event on the tracepoint + LINK_CREATE BPF_PERF_EVENT): the trace record, i.e. the
//     8-byte common header (u16 common_type = the event's id, u8 flags, u8 preempt_count, s32 common_pid) followed
//     by the fields — here each argument as one u64 field, unless the caller passes the record bytes itself;
//   - kprobe programs (a perf event on the function): x86-64 struct pt_regs with the arguments in di, si, dx, cx,
//     r8, r9 (PT_REGS_PARM1..6) and ip the function's (simulated) address.
// Perf events are opened with perfEventOpen(proc, …), which returns an fd as perf_event_open(2) would — on a probe,
// or a BPF-output software event on one cpu (for perf_event_array + bpf_perf_event_output).
import { BpfError } from './errno.js';
import type { Kernel } from './kernel.js';
import type { Process } from './process.js';
import type { ProgObject } from './prog/program.js';
import type { LinkObject } from './links/link.js';
import type { OpenFile } from './fd-table.js';
import { runProgram } from './progs/run.js';
import { VmFault } from '@bpfsim/vm';

export type ProbeKind = 'tracepoint' | 'kprobe';

export interface ProbeEvent {
  readonly kind: ProbeKind;
  /** "sched:sched_switch" for tracepoints, the function name for kprobes. */
  readonly name: string;
  /** Tracepoint id (common_type, /sys/kernel/tracing/events/…/id) or the function's address. */
  readonly id: number;
  /** Programs attached through perf events (kprobe / tracepoint programs), in attach order. */
  readonly perfProgs: { prog: ProgObject; link?: LinkObject; event: PerfEvent }[];
  /** Raw tracepoint links (tracepoints only). */
  readonly rawLinks: LinkObject[];
}

/** An open perf event (what perf_event_open returns an fd for). */
export interface PerfEvent {
  /** The tracepoint or function it traces; undefined for a BPF-output software event. */
  readonly probe: ProbeEvent | undefined;
  /** The cpu a BPF-output event is bound to (perf_buffer opens one per cpu). */
  readonly cpu?: number;
  /** The program attached to this event (one per event: perf_event_attach_bpf_prog → EEXIST). */
  attached: { prog: ProgObject; link?: LinkObject } | undefined;
}

export interface FireOptions {
  /** The process the event happens in (what get_current_pid_tgid & co. report); default none. */
  proc?: Process;
  cpu?: number;
  /** Tracepoint programs: the record's bytes after the 8-byte common header, instead of one u64 per argument. */
  record?: Uint8Array;
}

export interface FireResult {
  readonly progId: number;
  readonly kind: 'raw_tracepoint' | 'tracepoint' | 'kprobe';
  /** The program's r0 (the kernel ignores it for raw tracepoints and uses it as a filter for perf events). */
  readonly r0: bigint;
}

const DEFAULT_TRACEPOINTS = [
  'sched:sched_switch', 'sched:sched_wakeup', 'sched:sched_process_exec', 'sched:sched_process_exit',
  'sched:sched_process_fork', 'syscalls:sys_enter_openat', 'syscalls:sys_exit_openat', 'syscalls:sys_enter_write',
  'net:netif_receive_skb', 'irq:irq_handler_entry', 'block:block_rq_issue',
];
const DEFAULT_FUNCTIONS = ['do_sys_openat2', 'vfs_read', 'vfs_write', 'do_unlinkat', 'tcp_v4_connect', 'tcp_sendmsg', 'kfree_skb'];

/** sizeof(struct pt_regs) on x86-64 and where the argument registers are. */
export const PT_REGS_SIZE = 168;
export const PT_REGS_PARM_OFFSETS = [112, 104, 96, 88, 72, 64] as const;
const PT_REGS_IP = 128;
/** MAX_BPF_FUNC_ARGS: a raw tracepoint has at most 12 arguments. */
const MAX_ARGS = 12;

export class ProbeEvents {
  private readonly events = new Map<string, ProbeEvent>();
  private readonly perfFiles = new WeakMap<OpenFile, PerfEvent>();
  private nextTpId = 300;
  private nextAddr = 0x81000000;

  constructor(private readonly kernel: Kernel) {
    for (const n of DEFAULT_TRACEPOINTS) this.define('tracepoint', n);
    for (const n of DEFAULT_FUNCTIONS) this.define('kprobe', n);
  }

  /** Adds a tracepoint ("category:event") or a kernel function; EEXIST when it exists. */
  define(kind: ProbeKind, name: string): ProbeEvent {
    if (this.events.has(name)) throw new BpfError('EEXIST', `event ${name} exists`);
    if (kind === 'tracepoint' && !/^\w+:\w+$/.test(name)) throw new BpfError('EINVAL', `tracepoint ${JSON.stringify(name)} must be "category:event"`);
    if (kind === 'kprobe' && !/^\w+$/.test(name)) throw new BpfError('EINVAL', `function name ${JSON.stringify(name)} is not a C identifier`);
    const ev: ProbeEvent = { kind, name, id: kind === 'tracepoint' ? this.nextTpId++ : (this.nextAddr += 0x40), perfProgs: [], rawLinks: [] };
    this.events.set(name, ev);
    return ev;
  }

  get(name: string): ProbeEvent | undefined {
    return this.events.get(name);
  }

  /** bpf_get_raw_tracepoint: the tracepoint whose event part is `tpName` ("sched_switch"). */
  rawTracepoint(tpName: string): ProbeEvent | undefined {
    for (const ev of this.events.values()) if (ev.kind === 'tracepoint' && ev.name.split(':')[1] === tpName) return ev;
    return undefined;
  }

  /**
   * perf_event_open(2) on a tracepoint or a kprobe: an fd for the event (ENOENT for an unknown name; needs
   * CAP_PERFMON, else EACCES as with perf_event_paranoid ≥ 2).
   */
  perfEventOpen(proc: Process, what: { tracepoint: string } | { kprobe: string } | { bpfOutput: { cpu: number } }): number {
    if (!proc.hasCap('CAP_PERFMON') && !proc.hasCap('CAP_SYS_ADMIN')) throw new BpfError('EACCES', 'perf_event_open: needs CAP_PERFMON');
    if ('bpfOutput' in what) {
      // PERF_TYPE_SOFTWARE / PERF_COUNT_SW_BPF_OUTPUT on one cpu: what a perf_event_array slot holds for output.
      const { cpu } = what.bpfOutput;
      if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.kernel.ncpus) throw new BpfError('EINVAL', `perf_event_open: no cpu ${cpu}`);
      const fd = proc.installObject({ kind: 'other', name: 'perf_event:bpf-output' }, { read: true, write: true });
      this.perfFiles.set(proc.entry(fd).file, { probe: undefined, cpu, attached: undefined });
      return fd;
    }
    const name = 'tracepoint' in what ? what.tracepoint : what.kprobe;
    const kind: ProbeKind = 'tracepoint' in what ? 'tracepoint' : 'kprobe';
    const probe = this.events.get(name);
    if (!probe || probe.kind !== kind) throw new BpfError('ENOENT', `perf_event_open: no ${kind} ${name}`);
    const fd = proc.installObject({ kind: 'other', name: `perf_event:${name}` }, { read: true, write: true });
    this.perfFiles.set(proc.entry(fd).file, { probe, attached: undefined });
    return fd;
  }

  /**
   * What a perf_event_array slot learns about the perf event behind an open file (maps/fd-array.ts
   * PerfEventTarget): its cpu and whether it is a BPF-output event. undefined: not a perf event. This is the
   * hook MapEnv.resolveFd(fd, 'perf_event') uses.
   */
  perfEventTarget(file: OpenFile): { cpu?: number; isBpfOutput: boolean } | undefined {
    const ev = this.perfFiles.get(file);
    return ev && { cpu: ev.cpu, isBpfOutput: ev.probe === undefined };
  }

  /** The perf event an fd refers to: EBADF for a closed fd or one that is not a perf event. */
  perfEventFromFd(proc: Process, fd: number, cmd: string): PerfEvent {
    const ev = this.perfFiles.get(proc.entry(fd).file);
    if (!ev) throw new BpfError('EBADF', `${cmd}: fd ${fd} is not a perf event`);
    return ev;
  }

  /** Fires an event: runs every attached program (raw tracepoints first, then perf-event programs, in attach order). */
  fire(name: string, args: readonly (bigint | number)[] = [], opts: FireOptions = {}): FireResult[] {
    const ev = this.events.get(name);
    if (!ev) throw new BpfError('ENOENT', `no event ${name}`);
    if (args.length > MAX_ARGS) throw new BpfError('E2BIG', `${name}: at most ${MAX_ARGS} arguments`);
    const a = args.map((x) => BigInt.asUintN(64, BigInt(x)));
    const out: FireResult[] = [];
    for (const link of ev.rawLinks) {
      const ctx = new Uint8Array(8 * Math.max(1, a.length));
      const v = new DataView(ctx.buffer);
      a.forEach((x, i) => v.setBigUint64(i * 8, x, true));
      out.push({ progId: link.prog.id, kind: 'raw_tracepoint', r0: this.run(link.prog, ctx, opts) });
    }
    for (const { link, prog } of ev.perfProgs) {
      const ctx = ev.kind === 'kprobe' ? this.ptRegs(ev, a) : this.traceRecord(ev, a, opts);
      const p = link?.prog ?? prog;
      out.push({ progId: p.id, kind: ev.kind, r0: this.run(p, ctx, opts) });
    }
    return out;
  }

  private ptRegs(ev: ProbeEvent, a: readonly bigint[]): Uint8Array {
    const regs = new Uint8Array(PT_REGS_SIZE);
    const v = new DataView(regs.buffer);
    a.slice(0, PT_REGS_PARM_OFFSETS.length).forEach((x, i) => v.setBigUint64(PT_REGS_PARM_OFFSETS[i], x, true));
    // A kprobe fires at the function's first instruction (ip = address + 1 after the int3 on x86; bpfsim: address).
    v.setBigUint64(PT_REGS_IP, BigInt(ev.id), true);
    return regs;
  }

  private traceRecord(ev: ProbeEvent, a: readonly bigint[], opts: FireOptions): Uint8Array {
    const body = opts.record ?? (() => {
      const b = new Uint8Array(8 * a.length);
      const v = new DataView(b.buffer);
      a.forEach((x, i) => v.setBigUint64(i * 8, x, true));
      return b;
    })();
    const rec = new Uint8Array(8 + body.length);
    const v = new DataView(rec.buffer);
    v.setUint16(0, ev.id, true);
    v.setInt32(4, opts.proc?.pid ?? 0, true);
    rec.set(body, 8);
    return rec;
  }

  /** One program run; a fault (which a verified program cannot cause) is reported with the event's name. */
  private run(prog: ProgObject, ctx: Uint8Array, opts: FireOptions): bigint {
    try {
      return runProgram(this.kernel, prog, {
        proc: opts.proc,
        cpu: opts.cpu ?? 0,
        regions: [{ kind: 'ctx', name: 'ctx', bytes: ctx, writable: false }],
      }).r0;
    } catch (e) {
      if (e instanceof VmFault) throw new BpfError('EFAULT', `program ${prog.id} faulted: ${e.message}`);
      throw e;
    }
  }
}
