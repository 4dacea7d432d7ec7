// A simulated process: credentials, an fd table, and the bpf(2) entry point (raw and typed).
import { BpfError } from './errno.js';
import type { BpfAttr } from './attr.js';
import type { Capability, Credentials } from './caps.js';
import { FdTable, OpenFile, type FdEntry, type FileMode, type FileTarget } from './fd-table.js';
import type { MapObject } from './map-object.js';
import type { ProgObject } from './prog/program.js';
import type { LinkObject } from './links/link.js';
import type { VfsCaller, VfsProcessApi } from './vfs.js';
import type { Kernel } from './kernel.js';
import { dispatch } from './syscall/index.js';
import { fdinfoText } from './fdinfo.js';
import { TypedBpf } from './typed.js';
import type { ProbeEvents } from './events-sim.js';

/** What perf_event_open can open here (see ProbeEvents.perfEventOpen). */
export type PerfEventOpenTarget = Parameters<ProbeEvents['perfEventOpen']>[1];

export interface SpawnOptions {
  uid?: number;
  gid?: number;
  caps?: Iterable<Capability>;
  comm?: string;
}

const STDIO = ['stdin', 'stdout', 'stderr'] as const;

export class Process extends TypedBpf implements VfsCaller {
  readonly fds: FdTable;
  readonly creds: Credentials;
  /** Opaque, owned by the installed filesystem (VfsHooks.attachProcess sets it). */
  mountNamespace: unknown = undefined;
  /** The task's name (/proc/<pid>/comm, bpf_get_current_comm). */
  comm: string;
  private alive = true;

  constructor(
    readonly kernel: Kernel,
    readonly pid: number,
    opts: SpawnOptions,
    readonly parent: Process | undefined,
  ) {
    super();
    this.creds = { uid: opts.uid ?? 0, gid: opts.gid ?? 0, caps: new Set(opts.caps ?? []) };
    this.comm = opts.comm ?? 'bpfsim';
    this.fds = new FdTable();
  }

  get uid(): number {
    return this.creds.uid;
  }
  get gid(): number {
    return this.creds.gid;
  }
  get exited(): boolean {
    return !this.alive;
  }

  hasCap(cap: Capability): boolean {
    return this.creds.caps.has(cap);
  }

  /** Opens fds 0-2 as non-BPF files, as every real process has them (BPF fds therefore start at 3). */
  openStdio(): void {
    for (const name of STDIO) this.fds.install(new OpenFile({ kind: 'other', name }, { read: true, write: true }), false);
  }

  // ---- bpf(2) ----

  /** The raw syscall: cmd by uapi name or number, attr with union bpf_attr's field names. Throws BpfError. */
  bpf(cmd: number | string, attr: BpfAttr = {}): number {
    this.assertAlive();
    return dispatch(this, cmd, attr);
  }

  // ---- fd operations ----

  close(fd: number): void {
    this.assertAlive();
    this.fds.close(fd);
  }

  /** dup(2): the lowest free fd, sharing the open file; the copy has no O_CLOEXEC. */
  dup(fd: number): number {
    this.assertAlive();
    const e = this.fds.get(fd);
    this.fds.ensureFree();
    e.file.ref();
    return this.fds.install(e.file, false);
  }

  /** fork(2): the child gets every fd (same numbers, same open files) and the parent's mount namespace. */
  fork(opts: { comm?: string } = {}): Process {
    this.assertAlive();
    const child = this.kernel.createProcess(
      { uid: this.uid, gid: this.gid, caps: this.creds.caps, comm: opts.comm ?? this.comm },
      this,
    );
    for (const [fd, e] of this.fds.entries()) {
      e.file.ref();
      child.fds.installAt(fd, e.file, e.cloexec);
    }
    return child;
  }

  /**
   * SCM_RIGHTS: installs a new fd in `to` for the same open file — without O_CLOEXEC, as recvmsg does unless the
   * receiver passes MSG_CMSG_CLOEXEC (`{ cloexec: true }`).
   */
  sendFd(fd: number, to: Process, opts: { cloexec?: boolean } = {}): number {
    this.assertAlive();
    to.assertAlive();
    const e = this.fds.get(fd);
    to.fds.ensureFree();
    e.file.ref();
    return to.fds.install(e.file, opts.cloexec ?? false);
  }

  /** execve(2): every O_CLOEXEC fd (all fds bpf(2) returns) is closed; the rest survive. */
  exec(comm?: string): void {
    this.assertAlive();
    for (const [fd, e] of this.fds.entries()) if (e.cloexec) this.fds.close(fd);
    if (comm !== undefined) this.comm = comm;
  }

  /** exit(2): closes every fd (dropping what they hold); the process is gone afterwards. */
  exit(): void {
    if (!this.alive) return;
    for (const [fd] of this.fds.entries()) this.fds.close(fd);
    this.alive = false;
    this.kernel.reap(this);
  }

  /**
   * read(2): up to `n` bytes of a readable file — an iterator fd from BPF_ITER_CREATE (empty at the end). BPF object
   * fds have no read (bpf_dummy_read: EINVAL). Errors of the session (E2BIG, EAGAIN…) are thrown as BpfError.
   */
  read(fd: number, n: number): Uint8Array {
    this.assertAlive();
    const { file } = this.fds.get(fd);
    if (file.target.kind !== 'seq') throw new BpfError('EINVAL', `read: fd ${fd} is a ${kindName(file.target)}, which cannot be read`);
    return file.target.read(n);
  }

  /**
   * perf_event_open(2), simulated: a BPF-output software event on one cpu (`{ bpfOutput: { cpu } }`, what a
   * perf_event_array slot holds for bpf_perf_event_output), or an event on a tracepoint / kernel function (for
   * BPF_PERF_EVENT links). Returns the new fd (O_CLOEXEC); needs CAP_PERFMON (EACCES otherwise).
   */
  perfEventOpen(what: PerfEventOpenTarget): number {
    this.assertAlive();
    return this.kernel.probes.perfEventOpen(this, what);
  }

  /** The text of /proc/<pid>/fdinfo/<fd>. */
  fdinfo(fd: number): string {
    this.assertAlive();
    return fdinfoText(this.fds.get(fd));
  }

  // ---- bpffs, when a filesystem is installed ----

  /** The node:fs-flavoured filesystem API the installed vfs offers for this process (ENOSYS without one). */
  get fs(): unknown {
    return this.vfsApi().fs;
  }
  mount(...args: unknown[]): unknown {
    const api = this.vfsApi();
    if (!api.mount) throw new BpfError('ENOSYS', 'the installed filesystem has no mount()');
    return api.mount(...args);
  }
  unshare(what: 'mnt'): unknown {
    const api = this.vfsApi();
    if (!api.unshare) throw new BpfError('ENOSYS', 'the installed filesystem has no unshare()');
    return api.unshare(what);
  }
  private vfsApi(): VfsProcessApi {
    const api = this.kernel.vfs?.processApi?.(this);
    if (!api) throw new BpfError('ENOSYS', 'no filesystem installed (kernel.installVfs) or it offers no process API');
    return api;
  }

  // ---- helpers for syscall implementations ----

  /** Installs a new fd (O_CLOEXEC, as every bpf(2) fd) holding the reference the caller passes in. */
  installObject(target: FileTarget, mode: FileMode): number {
    return this.fds.install(new OpenFile(target, mode), true);
  }

  /** fdget for a syscall: EBADF when the fd is not open. */
  entry(fd: number): FdEntry {
    return this.fds.get(fd);
  }

  /** __bpf_map_get: EBADF for a closed fd, EINVAL for an fd that is not a map. */
  mapFile(fd: number, cmd: string): { file: OpenFile; obj: MapObject } {
    const { file } = this.fds.get(fd);
    if (file.target.kind !== 'map') throw new BpfError('EINVAL', `${cmd}: fd ${fd} is not a map (it is a ${kindName(file.target)})`);
    return { file, obj: file.target.obj };
  }
  mapFromFd(fd: number, cmd: string): MapObject {
    return this.mapFile(fd, cmd).obj;
  }

  /** bpf_prog_get: EBADF for a closed fd, EINVAL for an fd that is not a program. */
  progFromFd(fd: number, cmd: string): ProgObject {
    const { file } = this.fds.get(fd);
    if (file.target.kind !== 'prog') throw new BpfError('EINVAL', `${cmd}: fd ${fd} is not a program (it is a ${kindName(file.target)})`);
    return file.target.obj;
  }

  /** bpf_link_get_from_fd: EBADF / EINVAL likewise. */
  linkFromFd(fd: number, cmd: string): LinkObject {
    const { file } = this.fds.get(fd);
    if (file.target.kind !== 'link') throw new BpfError('EINVAL', `${cmd}: fd ${fd} is not a link (it is a ${kindName(file.target)})`);
    return file.target.obj;
  }

  protected syscallValueSize(fd: number): number {
    return this.mapFile(fd, 'lookup').obj.impl.syscallValueSize;
  }

  private assertAlive(): void {
    if (!this.alive) throw new BpfError('ESRCH', `process ${this.pid} has exited`);
  }
}

function kindName(t: FileTarget): string {
  return t.kind === 'other' ? `${t.name} file` : t.kind === 'stats' ? 'stats fd' : t.kind;
}
