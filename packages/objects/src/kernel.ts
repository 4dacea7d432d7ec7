// The simulated kernel: processes, object ID spaces, the address space programs see, the clock, the event log, and
// the seams other layers plug into (map implementations, verifier, bpffs, program types, attach points).
import { Memory } from '@bpfsim/vm';
import { BpfError } from './errno.js';
import { CyclicIdr } from './ids.js';
import { EventLog, type KernelEvent, type KernelEventType } from './events.js';
import type { BpfMap, EntryRef, MapCreateAttr, MapEnv } from './maps/types.js';
import type { MapObject } from './map-object.js';
import type { ProgObject } from './prog/program.js';
import type { LinkObject } from './links/link.js';
import type { KernelCore } from './kernel-core.js';
import type { VfsHooks } from './vfs.js';
import { Process, type SpawnOptions } from './process.js';
import { ALL_CAPS } from './caps.js';
import { defaultMapFactory, type MapFactory } from './map-factory.js';
import { acceptingVerifier, type Verifier } from './prog/verifier-hook.js';
import { ProgTypeRegistry, defaultProgTypes } from './progs/registry.js';
import { HelperRegistry, defaultHelpers } from './progs/helpers.js';
import { AttachRegistry, defaultAttachPoints } from './links/registry.js';
import { NetDevices } from './links/netdev.js';
import { CgroupHierarchy } from './cgroups.js';
import { ProbeEvents } from './events-sim.js';
import { tracePipeOf, type TracePipe } from './trace-pipe.js';

export interface KernelOptions {
  /** num_possible_cpus() (per-cpu maps hold one value per cpu). Default 2, like the reference machine. */
  ncpus?: number;
  /** Seed of bpf_get_prandom_u32 and anything else random. */
  seed?: number;
  /** Monotonic clock in ns; default: process.hrtime. Tests pass a fake for deterministic durations. */
  clock?: () => bigint;
  /** Run programs with the JIT (prog_jited 1, as the reference kernel has bpf_jit_enable=1) or the interpreter. */
  jit?: boolean;
  /** Builds map implementations (default: maps/). */
  mapFactory?: MapFactory;
  /** The verifier run at BPF_PROG_LOAD (default: accepts every program that decodes). */
  verifier?: Verifier;
  /** kernel.unprivileged_bpf_disabled (default 2, as on the reference machine). */
  unprivilegedBpfDisabled?: 0 | 1 | 2;
}

export class Kernel implements KernelCore {
  readonly ncpus: number;
  readonly events = new EventLog();
  readonly mapIds = new CyclicIdr<MapObject>();
  readonly progIds = new CyclicIdr<ProgObject>();
  readonly linkIds = new CyclicIdr<LinkObject>();
  readonly memory = new Memory();
  readonly mapsByHandle = new WeakMap<Uint8Array, MapObject>();
  readonly mapsByImpl = new WeakMap<BpfMap, MapObject>();
  readonly sysctl: { unprivileged_bpf_disabled: 0 | 1 | 2 };
  readonly jit: boolean;
  readonly progTypes: ProgTypeRegistry;
  readonly helpers: HelperRegistry;
  readonly attachPoints: AttachRegistry;
  readonly netdevs: NetDevices;
  verifier: Verifier;
  vfs: VfsHooks | undefined;
  private readonly processes = new Map<number, Process>();
  private nextPid = 1;
  private readonly clock: () => bigint;
  private readonly bootNs: bigint;
  private rng: number;
  private statsFds = 0;
  /** bpf_trace_printk output (the trace_pipe), one entry per call. */
  readonly trace: string[] = [];
  /** The cgroup v2 hierarchy (objects-progs: src/cgroups.ts). */
  readonly cgroups: CgroupHierarchy = new CgroupHierarchy(this);
  /** /sys/kernel/tracing/trace_pipe in the kernel's text format (objects-progs: src/trace-pipe.ts). */
  readonly tracePipe: TracePipe = tracePipeOf(this);
  /** Tracepoints and kprobe-able functions tests fire (objects-progs: src/events-sim.ts). */
  readonly probes: ProbeEvents = new ProbeEvents(this);
  private readonly mapFactory: MapFactory;
  private current: Process | undefined;

  constructor(opts: KernelOptions = {}) {
    this.ncpus = opts.ncpus ?? 2;
    if (!Number.isInteger(this.ncpus) || this.ncpus < 1) throw new RangeError(`ncpus must be a positive integer, got ${opts.ncpus}`);
    this.clock = opts.clock ?? (() => process.hrtime.bigint());
    this.bootNs = this.clock();
    this.rng = (opts.seed ?? 0x2545f491) >>> 0 || 1;
    this.jit = opts.jit ?? true;
    this.mapFactory = opts.mapFactory ?? defaultMapFactory;
    this.verifier = opts.verifier ?? acceptingVerifier;
    this.sysctl = { unprivileged_bpf_disabled: opts.unprivilegedBpfDisabled ?? 2 };
    this.progTypes = defaultProgTypes();
    this.helpers = defaultHelpers();
    this.netdevs = new NetDevices();
    this.attachPoints = defaultAttachPoints(this.netdevs);
    const kernel = this;
    this.mapEnv = {
      ncpus: this.ncpus,
      resolveFd: (fd, want) => this.resolveEntryFd(fd, want),
      // bpf_bypass_spec_v1() and capable() of `current`, the process making the syscall.
      get bypassSpecV1() {
        const c = kernel.current?.creds;
        return !c || c.caps.has('CAP_PERFMON') || c.caps.has('CAP_SYS_ADMIN');
      },
      capable: (cap) => !this.current || this.current.hasCap(cap),
    };
  }

  // ---- processes ----

  /**
   * A new process (fds 0-2 open as stdio, so BPF fds start at 3). Default: root. Without `caps`, uid 0 gets every
   * capability and any other uid none, as after a plain exec.
   */
  spawn(opts: SpawnOptions = {}): Process {
    const uid = opts.uid ?? 0;
    const p = this.createProcess({ ...opts, uid, gid: opts.gid ?? 0, caps: opts.caps ?? (uid === 0 ? ALL_CAPS : []) }, undefined);
    p.openStdio();
    return p;
  }

  /** Internal: used by spawn and fork. */
  createProcess(opts: SpawnOptions, parent: Process | undefined): Process {
    const p = new Process(this, this.nextPid++, opts, parent);
    this.processes.set(p.pid, p);
    this.vfs?.attachProcess(p, parent);
    return p;
  }

  /** Internal: a process exited. */
  reap(p: Process): void {
    this.vfs?.detachProcess?.(p);
    this.processes.delete(p.pid);
  }

  process(pid: number): Process | undefined {
    return this.processes.get(pid);
  }

  get liveProcesses(): Process[] {
    return [...this.processes.values()];
  }

  /** `current` during a syscall: map entries that hold fds (prog_array, map-in-map) resolve them in its table. */
  withCurrent<T>(p: Process, fn: () => T): T {
    const saved = this.current;
    this.current = p;
    try {
      return fn();
    } finally {
      this.current = saved;
    }
  }

  // ---- seams ----

  installVfs(hooks: VfsHooks): void {
    this.vfs = hooks;
    for (const p of this.processes.values()) hooks.attachProcess(p, undefined);
  }

  setVerifier(v: Verifier): void {
    this.verifier = v;
  }

  on<T extends KernelEventType>(type: T, fn: (ev: Extract<KernelEvent, { type: T }>) => void): () => void {
    return this.events.on(type, fn);
  }

  // ---- objects ----

  /** Live objects of a kind, by ID (what GET_NEXT_ID walks). */
  liveIds(kind: 'map' | 'prog' | 'link'): number[] {
    return (kind === 'map' ? this.mapIds : kind === 'prog' ? this.progIds : this.linkIds).ids();
  }

  /** Builds a map implementation with this kernel as its MapEnv. */
  createMapImpl(attr: MapCreateAttr): BpfMap {
    return this.mapFactory(attr, this.mapEnv);
  }

  /** What map implementations see of this kernel. */
  readonly mapEnv: MapEnv;

  /** MapEnv.resolveFd: an fd written as a map entry value, looked up in the calling process. */
  private resolveEntryFd(fd: number, want: 'map' | 'prog' | 'perf_event'): EntryRef {
    const proc = this.current;
    if (!proc) throw new BpfError('EBADF', `fd ${fd}: no current process`);
    const { file } = proc.entry(fd);
    const t = file.target;
    if (want === 'map' && t.kind === 'map') {
      const m = t.obj;
      return { id: m.id, target: m.impl, retain: () => m.get(), release: () => m.put() };
    }
    if (want === 'prog' && t.kind === 'prog') {
      const p = t.obj;
      return { id: p.id, target: p, prog: { type: p.type, jited: p.jited }, retain: () => p.get(), release: () => p.put() };
    }
    if (want === 'perf_event') {
      // perf_event_fd_array_get_ptr → perf_event_get: an fd that is not a perf event is EBADF (f_op check), and the
      // entry holds a reference to the perf event's file (bpf_event_entry_gen keeps perf_file until the entry goes).
      const target = this.probes.perfEventTarget(file);
      if (!target) throw new BpfError('EBADF', `fd ${fd} is not a perf event fd`);
      return { id: 0, target, retain: () => file.ref(), release: () => file.unref() };
    }
    throw new BpfError('EINVAL', `fd ${fd} is not a ${want} fd`);
  }

  // ---- time, randomness, stats ----

  nowNs(): bigint {
    return this.clock() - this.bootNs;
  }

  bootTimeNs(): bigint {
    return this.bootNs;
  }

  random32(): number {
    // xorshift32: deterministic per seed.
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x >>> 0;
    return this.rng;
  }

  statsEnabled(): boolean {
    return this.statsFds > 0;
  }

  /** BPF_ENABLE_STATS: returns the release function the fd calls on its last close. */
  enableRunTimeStats(): () => void {
    this.statsFds++;
    let open = true;
    return () => {
      if (open) {
        open = false;
        this.statsFds--;
      }
    };
  }
}
