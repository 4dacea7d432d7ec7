// One bpf_iter session: what a read(2) of an iterator fd (BPF_ITER_CREATE) or of a pinned iterator link's file does,
// modelled on kernel/bpf/bpf_iter.c bpf_seq_read (NOT the generic seq_read):
// - output goes to one buffer of PAGE_SIZE << 3 bytes; a read first drains what an earlier read left there;
// - otherwise it runs the program on objects until the buffer holds at least `n` bytes (or the walk ends), and copies
//   min(count, n) bytes out, keeping the rest for the next read;
// - an object whose output does not fit (seq_has_overflowed) is dropped from this read and retried on the next one
//   with an empty buffer; if it does not fit an empty buffer either, the read fails with E2BIG;
// - the program returns 0 (go on) or 1, which bpf_iter_run_prog turns into -EAGAIN: "retry this object" — the read
//   ends there (EAGAIN if nothing was produced yet) and the next read starts again at that object;
// - at most MAX_ITER_OBJECTS objects per read (EAGAIN if none of them produced output);
// - after the last object the program runs once more with a NULL object (the stop call), exactly once per session
//   (done_stop) unless that output overflowed, in which case it is redone on the next read.
// The session holds a reference on the PROGRAM (prepare_seq_file: bpf_prog_inc), not on the link: LINK_UPDATE does
// not affect open sessions, and the program outlives a freed link until the session closes.
import { VmFault } from '@bpfsim/vm';
import { BpfError, type Errno } from '../errno.js';
import type { Kernel } from '../kernel.js';
import type { ProgObject } from '../prog/program.js';
import { runProgram } from '../progs/run.js';
import { ITER_META, RegionPlan } from './layout.js';
import { SeqBuffer } from './seq-file.js';
import { releaseAux, retainAux, type IterAux, type IterPosition, type IterTarget } from './targets.js';

/** MAX_ITER_OBJECTS: objects one read may visit. */
export const MAX_ITER_OBJECTS = 1_000_000;

/** The seq_file pointer (meta->seq) of every live session, by its region bytes: how bpf_seq_* find their buffer. */
const sessionsBySeq = new WeakMap<Uint8Array, IterSession>();

export function sessionOfSeq(bytes: Uint8Array): IterSession | undefined {
  return sessionsBySeq.get(bytes);
}

/** atomic64_inc_return(&session_id): one counter per kernel, the first session is 1. */
const lastSessionId = new WeakMap<Kernel, bigint>();

/** -errno as show() returns it, with the message of the fault when the program faulted. */
type ShowResult = 0 | { errno: Errno; why: string };

export class IterSession {
  readonly sessionId: bigint;
  /** The seq_file the program's meta->seq points at (opaque bytes; the helpers look the session up by them). */
  readonly seqHandle = new Uint8Array(8);
  readonly seq: SeqBuffer;
  private seqNum = 0n;
  private doneStop = false;
  private cursor = 0;
  private closed = false;
  private readonly aux: IterAux;

  constructor(
    private readonly kernel: Kernel,
    readonly prog: ProgObject,
    readonly target: IterTarget,
    linkAux: IterAux,
  ) {
    prog.get();
    this.aux = retainAux(linkAux);
    this.seq = new SeqBuffer();
    const id = (lastSessionId.get(kernel) ?? 0n) + 1n;
    lastSessionId.set(kernel, id);
    this.sessionId = id;
    sessionsBySeq.set(this.seqHandle, this);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** bpf_seq_read: up to `n` bytes; empty at the end. Throws BpfError E2BIG / EAGAIN / EFAULT as the read fails. */
  read(n: number): Uint8Array {
    if (this.closed) throw new BpfError('EBADF', 'read: the iterator session is closed');
    if (!Number.isInteger(n) || n < 0) throw new BpfError('EINVAL', `read: count ${n} must be a non-negative integer`);
    const seq = this.seq;
    if (seq.count) {
      const k = Math.min(seq.count, n);
      const out = seq.buf.slice(seq.from, seq.from + k);
      seq.count -= k;
      seq.from += k;
      return out;
    }
    seq.from = 0;
    let p = this.start();
    if (p) {
      const err = this.show(p);
      if (err !== 0 || seq.overflowed) {
        seq.count = 0;
        throw err === 0 ? e2big(this.target) : new BpfError(err.errno, err.why);
      }
      let objs = 0;
      for (;;) {
        objs++;
        const offs = seq.count;
        p = this.next(p);
        if (!p) break;
        this.seqNum++; // a valid next object: bpf_iter_inc_seq_num
        if (seq.count >= n) break;
        if (objs >= MAX_ITER_OBJECTS) {
          if (offs === 0) throw new BpfError('EAGAIN', `read: ${MAX_ITER_OBJECTS} objects visited without output`);
          break;
        }
        const e = this.show(p);
        if (e !== 0 || seq.overflowed) {
          seq.count = offs;
          if (offs === 0) throw e === 0 ? e2big(this.target) : new BpfError(e.errno, e.why);
          break;
        }
      }
    }
    // stop: with a NULL object the program runs its final call (unless it already ran in this session)
    if (!p) {
      const offs = seq.count;
      // The final call's return value is ignored ((void)__bpf_map_seq_show(seq, v, true)); only a fault counts.
      const r = this.doneStop ? 0 : this.run(undefined);
      const e = r !== 0 && r.errno === 'EAGAIN' ? 0 : r;
      if (e !== 0) {
        seq.count = offs;
        if (offs === 0) throw new BpfError(e.errno, e.why);
      } else if (!seq.overflowed) this.doneStop = true;
      else {
        seq.count = offs;
        if (offs === 0) throw e2big(this.target);
      }
    }
    const k = Math.min(seq.count, n);
    const out = seq.buf.slice(0, k);
    seq.count -= k;
    seq.from = k;
    return out;
  }

  /** Reads to the end in chunks of `chunk` bytes (what `cat` does). */
  readAll(chunk = 4096): Uint8Array {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const b = this.read(chunk);
      if (b.length === 0) break;
      parts.push(b);
      total += b.length;
    }
    const out = new Uint8Array(total);
    let o = 0;
    for (const b of parts) {
      out.set(b, o);
      o += b.length;
    }
    return out;
  }

  /** The file's release (bpf_iter_seq_release): drops the program and the target's references, once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    sessionsBySeq.delete(this.seqHandle);
    releaseAux(this.aux);
    this.prog.put();
  }

  /** seq_ops->start: the object at the cursor (the one a previous read stopped on). */
  private start(): IterPosition | undefined {
    const p = this.target.seek(this.kernel, this.aux, this.cursor, true);
    if (p) this.cursor = p.cursor;
    return p;
  }

  /** seq_ops->next. */
  private next(p: IterPosition): IterPosition | undefined {
    this.cursor = p.cursor + 1;
    const q = this.target.seek(this.kernel, this.aux, this.cursor, false);
    if (q) this.cursor = q.cursor;
    return q;
  }

  /** seq_ops->show: 0, or -EAGAIN when the program asked to retry the object (returned non-zero). */
  private show(p: IterPosition): ShowResult {
    return this.run(p.obj);
  }

  /** bpf_iter_run_prog with a ctx for `obj` (undefined: the NULL call of stop). */
  private run(obj: unknown): ShowResult {
    const plan = new RegionPlan();
    const ctxBytes = new Uint8Array(this.target.ctxSize);
    plan.add({ kind: 'ctx', name: `bpf_iter__${this.target.name}`, bytes: ctxBytes, writable: false });
    const meta = plan.struct('bpf_iter_meta', ITER_META.size);
    meta.view.setBigUint64(ITER_META.sessionId, this.sessionId, true);
    meta.view.setBigUint64(ITER_META.seqNum, this.seqNum, true);
    const seqRegion = plan.add({ kind: 'mem', name: 'seq_file', bytes: this.seqHandle, writable: false });
    plan.pointer(meta.index, ITER_META.seq, seqRegion);
    plan.pointer(0, 0, meta.index);
    this.target.fillCtx(plan, new DataView(ctxBytes.buffer), this.kernel, this.aux, obj);
    try {
      const r = runProgram(this.kernel, this.prog, {
        regions: plan.specs,
        args: (addrs) => {
          plan.patch(addrs);
          return [addrs[0]];
        },
      });
      return r.r0 === 0n ? 0 : { errno: 'EAGAIN', why: `read: the iterator program returned ${r.r0} (retry this object)` };
    } catch (e) {
      if (e instanceof VmFault) return { errno: 'EFAULT', why: `read: the iterator program faulted: ${e.message}` };
      throw e;
    }
  }
}

const e2big = (t: IterTarget): BpfError =>
  new BpfError('E2BIG', `read: the output for one ${t.name} object does not fit the ${32768}-byte seq_file buffer`);
