// The seq_file helpers of iterator programs (kernel/trace/bpf_trace.c): bpf_seq_printf (126), bpf_seq_write (127).
// Both are gpl_only and offered to BPF_PROG_TYPE_TRACING programs with expected_attach_type BPF_TRACE_ITER only
// (tracing_prog_func_proto looks at prog->expected_attach_type). bpf_seq_printf_btf (128)
// needs BTF, which the simulator does not have, so it is not registered.
import { VmFault, type HelperCall } from '@bpfsim/vm';
import { errnoNumber, type Errno } from '../errno.js';
import type { HelperRegistry } from '../progs/helpers.js';
import { bprintf, MAX_BPRINTF_VARARGS } from './bprintf.js';
import { sessionOfSeq } from './session.js';
import type { SeqBuffer } from './seq-file.js';

export const BPF_FUNC_seq_printf = 126;
export const BPF_FUNC_seq_write = 127;
const BPF_PROG_TYPE_TRACING = 26;
const BPF_TRACE_ITER = 28;

const neg = (e: Errno): bigint => BigInt.asUintN(64, BigInt(-errnoNumber(e)));

/** The seq_file r1 points at (meta->seq); the verifier guarantees it is one, so anything else is a program bug. */
function seqArg(addr: bigint, call: HelperCall): SeqBuffer {
  const at = call.mem.resolve(addr);
  const session = at && at.offset === 0 ? sessionOfSeq(at.region.bytes) : undefined;
  if (!session || session.isClosed) throw new Error(`r1 = 0x${addr.toString(16)} is not a seq_file pointer (meta->seq)`);
  return session.seq;
}

/** Program memory for the formatter: undefined where a read would fault (strncpy_from_kernel_nofault). */
const nofault = (call: HelperCall) => ({
  read(addr: bigint, size: number): Uint8Array | undefined {
    try {
      return call.mem.read(addr, size);
    } catch (e) {
      if (e instanceof VmFault) return undefined; // an address outside program memory: the nofault read fails
      throw e;
    }
  },
});

export function registerIterHelpers(r: HelperRegistry): void {
  r.register({
    id: BPF_FUNC_seq_printf,
    name: 'bpf_seq_printf',
    gplOnly: true,
    progTypes: [BPF_PROG_TYPE_TRACING],
    attachTypes: [BPF_TRACE_ITER],
    // bpf_seq_printf(m, fmt, fmt_size, data, data_len): data is an array of data_len / 8 u64 arguments.
    fn: (r1, r2, r3, r4, r5, call) => {
      const seq = seqArg(r1, call);
      const fmtSize = Number(r3 & 0xffffffffn);
      const dataLen = Number(r5 & 0xffffffffn);
      if (dataLen & 7 || dataLen > MAX_BPRINTF_VARARGS * 8 || (dataLen && r4 === 0n)) return neg('EINVAL');
      const fmt = call.mem.read(r2, fmtSize);
      const raw = dataLen ? call.mem.read(r4, dataLen) : new Uint8Array(0);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const args = Array.from({ length: dataLen / 8 }, (_, i) => view.getBigUint64(i * 8, true));
      const res = bprintf(fmt, args, nofault(call));
      if (!res.ok) return neg(res.errno);
      seq.write(res.bytes); // seq_bprintf: all or nothing, like seq_write
      return seq.overflowed ? neg('EOVERFLOW') : 0n;
    },
  });
  r.register({
    id: BPF_FUNC_seq_write,
    name: 'bpf_seq_write',
    gplOnly: true,
    progTypes: [BPF_PROG_TYPE_TRACING],
    attachTypes: [BPF_TRACE_ITER],
    fn: (r1, r2, r3, _r4, _r5, call) => {
      const seq = seqArg(r1, call);
      const data = call.mem.read(r2, Number(r3 & 0xffffffffn));
      return seq.write(data) ? 0n : neg('EOVERFLOW');
    },
  });
}
