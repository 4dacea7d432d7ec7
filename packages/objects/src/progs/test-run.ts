// BPF_PROG_TEST_RUN for the program types core provides: socket_filter (bpf_prog_test_run_skb) and syscall
// (bpf_prog_test_run_syscall). The syscall layer (syscall/prog.ts) copies results back into the attr.
import { VmFault } from '@bpfsim/vm';
import { BpfError } from '../errno.js';
import type { Kernel } from '../kernel.js';
import type { ProgObject } from '../prog/program.js';
import type { Process } from '../process.js';
import { runProgram } from './run.js';

export interface TestRunRequest {
  readonly kernel: Kernel;
  readonly proc: Process;
  readonly prog: ProgObject;
  readonly dataIn: Uint8Array | undefined;
  readonly ctxIn: Uint8Array | undefined;
  /** attr.repeat as given (0 means once for types that repeat). */
  readonly repeat: number;
  readonly flags: number;
  readonly cpu: number;
  readonly batchSize: number;
  /** Whether the caller asked for ctx_out / data_out (sizes are checked by the syscall layer). */
  readonly wantsCtxOut: boolean;
  readonly duration: number;
}

export interface TestRunResult {
  retval: number;
  /** Average ns per run (0 for types that do not measure, like syscall). */
  duration: number;
  dataOut?: Uint8Array;
  ctxOut?: Uint8Array;
  /** syscall programs write the ctx back into ctx_in (bpf_prog_test_run_syscall copies it to ctx_in). */
  ctxInWriteBack?: Uint8Array;
}

const ETH_HLEN = 14;
/** PAGE_SIZE - NET_SKB_PAD - SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64: the largest test packet. */
const MAX_SKB_TEST_DATA = 4096 - 64 - 320;
/** sizeof(struct __sk_buff). */
export const SK_BUFF_SIZE = 192;

/** Turns a VM fault (impossible for a verified program in the kernel) into an error the caller can see. */
function runOrFault<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof VmFault) throw new BpfError('EFAULT', `program faulted: ${e.message}`);
    throw e;
  }
}

/**
 * bpf_prog_test_run_skb for BPF_PROG_TYPE_SOCKET_FILTER: the packet must hold an Ethernet header; the program sees
 * the skb after eth_type_trans pulled that header (LD_ABS 0 reads the network header), and data_out is the whole
 * packet with the header area zeroed — what the reference kernel returns (FACTS.md: first 14 bytes zeroed).
 */
export function socketFilterTestRun(req: TestRunRequest): TestRunResult {
  if (req.flags || req.cpu || req.batchSize) throw new BpfError('EINVAL', 'BPF_PROG_TEST_RUN: flags, cpu and batch_size must be 0 for skb programs');
  const data = req.dataIn;
  if (!data || data.length < ETH_HLEN) {
    throw new BpfError('EINVAL', `BPF_PROG_TEST_RUN: data_in must hold at least an Ethernet header (${ETH_HLEN} bytes), got ${data?.length ?? 0}`);
  }
  if (data.length > MAX_SKB_TEST_DATA) throw new BpfError('EINVAL', `BPF_PROG_TEST_RUN: data_in of ${data.length} bytes exceeds ${MAX_SKB_TEST_DATA}`);
  const ctx = new Uint8Array(SK_BUFF_SIZE);
  if (req.ctxIn) {
    if (req.ctxIn.length > SK_BUFF_SIZE && req.ctxIn.subarray(SK_BUFF_SIZE).some((b) => b !== 0)) {
      throw new BpfError('E2BIG', `BPF_PROG_TEST_RUN: ctx_in larger than struct __sk_buff (${SK_BUFF_SIZE}) with non-zero tail`);
    }
    ctx.set(req.ctxIn.subarray(0, SK_BUFF_SIZE));
  }
  const packet = data.slice();
  const l3 = packet.subarray(ETH_HLEN);
  const view = new DataView(ctx.buffer);
  view.setUint32(0, l3.length, true); // __sk_buff.len
  view.setUint32(16, (packet[12] << 8) | packet[13], true); // protocol, as the skb stores it (network order value)
  view.setUint32(40, 1, true); // ifindex: the loopback device test_run uses
  let retval = 0;
  const t0 = req.kernel.nowNs();
  const repeat = Math.max(1, req.repeat);
  for (let i = 0; i < repeat; i++) {
    const r = runOrFault(() =>
      runProgram(req.kernel, req.prog, {
        proc: req.proc,
        regions: [{ kind: 'ctx', name: 'ctx', bytes: ctx, writable: true, packet: l3 }],
      }),
    );
    retval = Number(r.r0 & 0xffffffffn);
  }
  const elapsed = req.kernel.nowNs() - t0;
  const out = packet.slice();
  out.fill(0, 0, ETH_HLEN);
  return {
    retval,
    duration: Math.max(1, Number(elapsed / BigInt(repeat))),
    dataOut: out,
    ctxOut: req.wantsCtxOut ? ctx.slice() : undefined,
  };
}

/**
 * bpf_prog_test_run_syscall: no data, no repeat, no ctx_out; the ctx (ctx_in, at most U16_MAX bytes, may be
 * absent → r1 = NULL) is writable by the program and copied back into ctx_in.
 */
export function syscallTestRun(req: TestRunRequest): TestRunResult {
  if (req.dataIn || req.wantsCtxOut || req.duration || req.repeat || req.flags) {
    throw new BpfError('EINVAL', 'BPF_PROG_TEST_RUN: syscall programs take only ctx_in (no data, repeat, ctx_out, duration or flags)');
  }
  if (req.ctxIn && req.ctxIn.length > 0xffff) throw new BpfError('EINVAL', `BPF_PROG_TEST_RUN: ctx_size_in ${req.ctxIn.length} > U16_MAX`);
  const ctx = req.ctxIn?.slice();
  const r = runOrFault(() =>
    runProgram(req.kernel, req.prog, {
      proc: req.proc,
      regions: ctx && ctx.length ? [{ kind: 'ctx', name: 'ctx', bytes: ctx, writable: true }] : [],
      args: (addrs) => [addrs[0] ?? 0n],
    }),
  );
  return { retval: Number(r.r0 & 0xffffffffn), duration: 0, ctxInWriteBack: ctx };
}
