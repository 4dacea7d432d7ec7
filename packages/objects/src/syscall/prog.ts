// BPF_PROG_LOAD, BPF_PROG_TEST_RUN, BPF_ENABLE_STATS, BPF_PROG_BIND_MAP.
import { BpfError } from '../errno.js';
import { buffer, checkAttr, fdField, u32, type BpfAttr } from '../attr.js';
import { BPF_STATS_RUN_TIME } from '../uapi.js';
import type { Process } from '../process.js';
import { progLoad } from '../prog/load.js';

export { progLoad };

/**
 * bpf_prog_test_run: ctx_in/ctx_size_in and ctx_out/ctx_size_out must come in pairs; the type's test_run op does the
 * rest (ENOTSUPP without one). data_out / ctx_out get min(buffer, result) bytes and data_size_out / ctx_size_out the
 * full size, ENOSPC when the buffer was too small (bpf_test_finish).
 */
export function progTestRun(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_PROG_TEST_RUN';
  checkAttr(cmd, attr);
  const ctxIn = buffer(attr, 'ctx_in', cmd);
  const ctxOut = buffer(attr, 'ctx_out', cmd);
  const ctxSizeIn = attr.ctx_size_in === undefined ? ctxIn?.length ?? 0 : u32(attr, 'ctx_size_in', cmd);
  const ctxSizeOut = attr.ctx_size_out === undefined ? ctxOut?.length ?? 0 : u32(attr, 'ctx_size_out', cmd);
  if (!!ctxSizeIn !== !!ctxIn || !!ctxSizeOut !== !!ctxOut) {
    throw new BpfError('EINVAL', `${cmd}: ctx_in/ctx_size_in and ctx_out/ctx_size_out must be given together`);
  }
  const prog = proc.progFromFd(fdField(attr, 'prog_fd', cmd), cmd);
  const spec = proc.kernel.progTypes.get(prog.type);
  if (!spec.testRun) throw new BpfError('ENOTSUPP', `${cmd}: program type ${prog.type} has no test_run`);
  const dataIn = buffer(attr, 'data_in', cmd);
  const dataSizeIn = attr.data_size_in === undefined ? dataIn?.length ?? 0 : u32(attr, 'data_size_in', cmd);
  if (dataIn && dataIn.length < dataSizeIn) throw new BpfError('EFAULT', `${cmd}: data_in holds ${dataIn.length} bytes, data_size_in says ${dataSizeIn}`);
  if (ctxIn && ctxIn.length < ctxSizeIn) throw new BpfError('EFAULT', `${cmd}: ctx_in holds ${ctxIn.length} bytes, ctx_size_in says ${ctxSizeIn}`);
  const dataOut = buffer(attr, 'data_out', cmd);
  const dataSizeOut = attr.data_size_out === undefined ? dataOut?.length ?? 0 : u32(attr, 'data_size_out', cmd);

  const res = spec.testRun({
    kernel: proc.kernel,
    proc,
    prog,
    dataIn: dataIn?.subarray(0, dataSizeIn),
    ctxIn: ctxIn?.subarray(0, ctxSizeIn),
    repeat: u32(attr, 'repeat', cmd),
    flags: u32(attr, 'flags', cmd),
    cpu: u32(attr, 'cpu', cmd),
    batchSize: u32(attr, 'batch_size', cmd),
    wantsCtxOut: !!ctxOut,
    duration: u32(attr, 'duration', cmd),
  });

  let nospc = false;
  if (res.ctxInWriteBack && ctxIn) ctxIn.set(res.ctxInWriteBack.subarray(0, ctxSizeIn));
  if (res.dataOut) {
    // bpf_test_finish: copy what fits when a buffer was given (size 0 means "no buffer": nothing is copied).
    if (dataOut && dataSizeOut) {
      const n = Math.min(res.dataOut.length, dataSizeOut, dataOut.length);
      dataOut.set(res.dataOut.subarray(0, n));
      if (n < res.dataOut.length) nospc = true;
    }
    attr.data_size_out = res.dataOut.length;
  }
  if (res.ctxOut && ctxOut) {
    const n = Math.min(res.ctxOut.length, ctxSizeOut, ctxOut.length);
    ctxOut.set(res.ctxOut.subarray(0, n));
    if (n < res.ctxOut.length) nospc = true;
    attr.ctx_size_out = res.ctxOut.length;
  }
  attr.retval = res.retval;
  attr.duration = res.duration;
  if (nospc) throw new BpfError('ENOSPC', `${cmd}: output buffer too small (data_size_out ${attr.data_size_out})`);
  return 0;
}

/** bpf_enable_stats: only BPF_STATS_RUN_TIME, CAP_SYS_ADMIN; returns an fd that keeps stats on while open. */
export function enableStats(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_ENABLE_STATS';
  checkAttr(cmd, attr);
  if (!proc.hasCap('CAP_SYS_ADMIN')) throw new BpfError('EPERM', `${cmd}: needs CAP_SYS_ADMIN`);
  const type = u32(attr, 'type', cmd);
  if (type !== BPF_STATS_RUN_TIME) throw new BpfError('EINVAL', `${cmd}: unknown stats type ${type}`);
  proc.fds.ensureFree();
  const onClose = proc.kernel.enableRunTimeStats();
  return proc.installObject({ kind: 'stats', statsType: type, onClose }, { read: true, write: false });
}

/** bpf_prog_bind_map: the program also holds `map` (it appears in its map_ids), once. */
export function progBindMap(proc: Process, attr: BpfAttr): number {
  const cmd = 'BPF_PROG_BIND_MAP';
  checkAttr(cmd, attr);
  if (u32(attr, 'flags', cmd)) throw new BpfError('EINVAL', `${cmd}: flags must be 0`);
  const prog = proc.progFromFd(fdField(attr, 'prog_fd', cmd), cmd);
  const map = proc.mapFromFd(fdField(attr, 'map_fd', cmd), cmd);
  if (!prog.usedMaps.includes(map)) {
    map.get();
    prog.usedMaps.push(map);
  }
  return 0;
}

