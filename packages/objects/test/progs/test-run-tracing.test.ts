// BPF_PROG_TEST_RUN for raw_tracepoint (bpf_prog_test_run_raw_tp) and tracing (bpf_prog_test_run_tracing) programs,
// and the types without test_run.
import { describe, expect, it } from 'vitest';
import { errnoOf, load, setup } from './support.js';

const RAW_TP = 'BPF_PROG_TYPE_RAW_TRACEPOINT';
const args = (...v: bigint[]) => {
  const b = new Uint8Array(8 * v.length);
  v.forEach((x, i) => new DataView(b.buffer).setBigUint64(i * 8, x, true));
  return b;
};

describe('raw_tracepoint test_run', () => {
  it('ctx_in is the u64 argument array; retval is r0', () => {
    const { proc } = setup();
    const p = load(proc, RAW_TP, 'r2 = *(u64 *)(r1 + 0)\nr3 = *(u64 *)(r1 + 8)\nr2 -= r3\nr0 = r2\nexit');
    expect(proc.progTestRun(p, { ctx_in: args(50n, 8n) }).retval).toBe(42);
  });

  it('ctx_size_in must cover what the program reads (max_ctx_offset) and stay within 12 arguments', () => {
    const { proc } = setup();
    const p = load(proc, RAW_TP, 'r0 = *(u64 *)(r1 + 8)\nexit');
    expect(errnoOf(() => proc.progTestRun(p, { ctx_in: args(1n) }))).toBe('EINVAL');
    expect(proc.progTestRun(p, { ctx_in: args(1n, 2n) }).retval).toBe(2);
    expect(errnoOf(() => proc.progTestRun(p, { ctx_in: new Uint8Array(104) }))).toBe('EINVAL');
    const none = load(proc, RAW_TP, 'r0 = 3\nexit');
    expect(proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: none })).toBe(0);
  });

  it('data, ctx_out, repeat are refused; cpu needs BPF_F_TEST_RUN_ON_CPU and an online cpu', () => {
    const { proc } = setup({ ncpus: 2 });
    const p = load(proc, RAW_TP, 'call bpf_get_smp_processor_id\nexit');
    expect(errnoOf(() => proc.progTestRun(p, { data_in: new Uint8Array(14) }))).toBe('EINVAL');
    expect(errnoOf(() => proc.progTestRun(p, { ctx_in: args(0n), repeat: 2 }))).toBe('EINVAL');
    expect(errnoOf(() => proc.progTestRun(p, { ctx_in: args(0n), ctx_size_out: 8 }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: p, cpu: 1 }))).toBe('EINVAL');
    const attr: Record<string, unknown> = { prog_fd: p, cpu: 1, flags: 1 };
    proc.bpf('BPF_PROG_TEST_RUN', attr);
    expect(attr.retval).toBe(1);
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: p, cpu: 2, flags: 1 }))).toBe('ENXIO');
  });
});

describe('tracing and other types', () => {
  it('fentry programs: retval 0 (the test functions ran as expected); fmod_ret is not simulated (ENOTSUPP)', () => {
    const { proc } = setup();
    const fentry = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_TRACING', expected_attach_type: 'BPF_TRACE_FENTRY', insns: [{ opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }] });
    expect(proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: fentry })).toBe(0);
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: fentry, flags: 1 }))).toBe('EINVAL');
    const fmodret = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_TRACING', expected_attach_type: 'BPF_MODIFY_RETURN', insns: [{ opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }] });
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: fmodret }))).toBe('ENOTSUPP');
  });

  it('kprobe and tracepoint programs have no test_run (ENOTSUPP)', () => {
    const { proc } = setup();
    for (const t of ['BPF_PROG_TYPE_KPROBE', 'BPF_PROG_TYPE_TRACEPOINT']) {
      const p = load(proc, t, 'r0 = 0\nexit');
      expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: p }))).toBe('ENOTSUPP');
    }
  });
});
