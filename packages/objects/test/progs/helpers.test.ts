// Helper implementations against the simulated kernel, each with hand-computed expectations, on both engines.
import { describe, expect, it } from 'vitest';
import { Kernel, type Process } from '@bpfsim/objects';
import { RingbufMap } from '../../src/maps/ringbuf.js';
import { INITIAL_JIFFIES, virtualClock } from '../../src/progs/helpers/time.js';
import { errnoOf, load, runRawTp, setup, stackString, u32le, u64le } from './support.js';

const RAW_TP = 'BPF_PROG_TYPE_RAW_TRACEPOINT';
const readU64 = (b: Uint8Array, off = 0) => new DataView(b.buffer, b.byteOffset).getBigUint64(off, true);

/** A kernel whose clock reads 0 at boot and `now` afterwards. */
function fixedClockKernel(now: bigint, jit: boolean): { kernel: Kernel; proc: Process } {
  let first = true;
  const kernel = new Kernel({ jit, seed: 7, clock: () => (first ? ((first = false), 0n) : now) });
  return { kernel, proc: kernel.spawn({ uid: 1000, gid: 100, comm: 'tester', caps: ['CAP_BPF', 'CAP_PERFMON', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN'] }) };
}

for (const jit of [false, true]) {
  describe(`helpers (${jit ? 'jit' : 'interpreter'})`, () => {
    it('bpf_trace_printk formats like the kernel and writes a trace_pipe line', () => {
      const { kernel, proc } = fixedClockKernel(1n, jit);
      virtualClock(kernel).set(1_234_567_891n); // trace lines are stamped with the virtual clock
      const fmt = stackString('x=%d u=%u s=%s c=%c\n');
      const arg = stackString('hi', -fmt.off);
      // 4 conversions is one too many for trace_printk: the first call below uses %c's slot for nothing — so split.
      const fmt3 = stackString('x=%d u=%u s=%s\n', -arg.off);
      const p = load(proc, RAW_TP, `
        ${fmt.code}
        ${arg.code}
        ${fmt3.code}
        r1 = r10
        r1 += ${fmt3.off}
        r2 = ${-fmt3.off - (-arg.off)}
        r3 = -5
        r4 = -1
        r5 = r10
        r5 += ${arg.off}
        call bpf_trace_printk
        exit`);
      const n = runRawTp(proc, p);
      expect(n).toBe('x=-5 u=4294967295 s=hi\n'.length);
      expect(kernel.tracePipe.read()).toBe('          tester-1       [000] .....     1.234567: bpf_trace_printk: x=-5 u=4294967295 s=hi\n\n');
      expect(kernel.tracePipe.read()).toBe(''); // consumed
    });

    it('bpf_trace_printk refuses a format without NUL in fmt_size, and more than 3 conversions', () => {
      const { kernel, proc } = fixedClockKernel(1n, jit);
      const fmt = stackString('%d%d%d%d');
      const p = load(proc, RAW_TP, `${fmt.code}\nr1 = r10\nr1 += ${fmt.off}\nr2 = ${-fmt.off}\ncall bpf_trace_printk\nexit`);
      expect(runRawTp(proc, p)).toBe(-22 >>> 0);
      const q = load(proc, RAW_TP, `${fmt.code}\nr1 = r10\nr1 += ${fmt.off}\nr2 = 8\ncall bpf_trace_printk\nexit`);
      expect(runRawTp(proc, q)).toBe(-22 >>> 0); // "%d%d%d%d" fills all 8 bytes: no NUL within fmt_size
      expect(kernel.tracePipe.text).toBe('');
    });

    it('bpf_snprintf truncates to str_size - 1 plus NUL and returns the full length + 1', () => {
      const { proc } = fixedClockKernel(1n, jit);
      const fmt = stackString('%d-%s', 16);
      const s = stackString('abcdefgh', -fmt.off);
      // data[0] = 12345 at fp-8.. no: args array at fp-64 (two u64), out buffer at fp-80 (8 bytes)
      const p = load(proc, 'BPF_PROG_TYPE_SOCKET_FILTER', `
        ${fmt.code}
        ${s.code}
        r1 = 12345
        *(u64 *)(r10 - 64) = r1
        r1 = r10
        r1 += ${s.off}
        *(u64 *)(r10 - 56) = r1
        r1 = r10
        r1 += -80
        r2 = 8
        r3 = r10
        r3 += ${fmt.off}
        r4 = r10
        r4 += -64
        r5 = 16
        call bpf_snprintf
        r6 = r0
        r1 = *(u64 *)(r10 - 80)
        *(u64 *)(r10 - 16) = r1
        r0 = r6
        exit`);
      // "12345-abcdefgh" is 14 bytes: returns 15, buffer holds "1234567"? no: "12345-a" + NUL
      expect(proc.progTestRun(p, { data_in: new Uint8Array(14) }).retval).toBe(15);
    });

    it('bpf_snprintf writes the truncated text into the buffer', () => {
      const { proc } = fixedClockKernel(1n, jit);
      const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 1 });
      const fmt = stackString('v=%lx', 16);
      const p = load(proc, 'BPF_PROG_TYPE_SOCKET_FILTER', `
        ${fmt.code}
        r1 = 0xabcdef ll
        *(u64 *)(r10 - 40) = r1
        r1 = 0
        *(u32 *)(r10 - 4) = r1
        r2 = r10
        r2 += -4
        r1 = map_fd({m})
        call bpf_map_lookup_elem
        if r0 == 0 goto +9
        r1 = r0
        r2 = 8
        r3 = r10
        r3 += ${fmt.off}
        r4 = r10
        r4 += -40
        r5 = 8
        call bpf_snprintf
        exit
        r0 = 0
        exit`, { m });
      expect(proc.progTestRun(p, { data_in: new Uint8Array(14) }).retval).toBe('v=abcdef'.length + 1);
      expect(new TextDecoder().decode(proc.mapLookup(m, u32le(0)))).toBe('v=abcde\0');
    });

    it('clocks read the virtual clock: each call advances it 1 µs; coarse is tick-aligned, jiffies64 counts 4 ms ticks', () => {
      const read = (name: string, at: bigint) => {
        const { kernel, proc } = fixedClockKernel(1n, jit);
        virtualClock(kernel).set(at);
        const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 1 });
        const p = load(proc, RAW_TP, `
          call ${name}
          r6 = r0
          r1 = 0
          *(u32 *)(r10 - 4) = r1
          r2 = r10
          r2 += -4
          r1 = map_fd({m})
          call bpf_map_lookup_elem
          if r0 == 0 goto +1
          *(u64 *)(r0 + 0) = r6
          r0 = 0
          exit`, { m });
        runRawTp(proc, p);
        return readU64(proc.mapLookup(m, u32le(0)));
      };
      const T = 10_006_000_123n; // + 1 µs step = 10.006001123 s = 2501 ticks and a half
      expect(read('bpf_ktime_get_ns', T)).toBe(T + 1000n);
      expect(read('bpf_ktime_get_boot_ns', T)).toBe(T + 1000n);
      expect(read('bpf_ktime_get_tai_ns', T)).toBe(T + 1000n + 37_000_000_000n);
      expect(read('bpf_ktime_get_coarse_ns', T)).toBe(10_004_000_000n);
      expect(read('bpf_jiffies64', T)).toBe(INITIAL_JIFFIES + 2501n);
      expect(INITIAL_JIFFIES).toBe(4294892296n); // (u32)(-300 * 250) = 2^32 - 75000
      expect(read('bpf_get_numa_node_id', T)).toBe(0n);
    });

    it('the virtual clock makes time deterministic even on a kernel with the real host clock', () => {
      const twice = () => {
        const k = new Kernel({ jit }); // default clock: process.hrtime
        const pr = k.spawn();
        const p = load(pr, RAW_TP, 'call bpf_ktime_get_ns\nr6 = r0\ncall bpf_ktime_get_ns\nr0 -= r6\nr0 <<= 32\nr0 |= r6\nexit');
        const r = pr.progTestRun(p, { ctx_in: new Uint8Array(8) }).retval;
        return [r, runRawTp(pr, p)];
      };
      // retval is u32: the low half, r6 = first reading (1000, then 3000 on the second run)
      expect(twice()).toEqual([1000, 3000]);
      expect(twice()).toEqual(twice());
    });

    it('current task: pid_tgid, uid_gid and comm of the process running test_run', () => {
      const { proc } = fixedClockKernel(1n, jit);
      const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 32, max_entries: 1 });
      const p = load(proc, RAW_TP, `
        r1 = 0
        *(u32 *)(r10 - 4) = r1
        r2 = r10
        r2 += -4
        r1 = map_fd({m})
        call bpf_map_lookup_elem
        if r0 == 0 goto +12
        r6 = r0
        call bpf_get_current_pid_tgid
        *(u64 *)(r6 + 0) = r0
        call bpf_get_current_uid_gid
        *(u64 *)(r6 + 8) = r0
        r1 = r6
        r1 += 16
        r2 = 16
        call bpf_get_current_comm
        r0 = 0
        exit
        r0 = 1
        exit`, { m });
      expect(runRawTp(proc, p)).toBe(0);
      const v = proc.mapLookup(m, u32le(0));
      expect(readU64(v, 0)).toBe((BigInt(proc.pid) << 32n) | BigInt(proc.pid));
      expect(readU64(v, 8)).toBe((100n << 32n) | 1000n);
      expect(new TextDecoder().decode(v.subarray(16))).toBe('tester\0\0\0\0\0\0\0\0\0\0');
    });

    it('get_prandom_u32 follows the kernel seed: same seed, same numbers', () => {
      const draw = (seed: number) => {
        const k = new Kernel({ jit, seed });
        const pr = k.spawn();
        const p = load(pr, RAW_TP, 'call bpf_get_prandom_u32\nexit');
        return [runRawTp(pr, p), runRawTp(pr, p), runRawTp(pr, p)];
      };
      expect(draw(99)).toEqual(draw(99));
      expect(draw(99)).not.toEqual(draw(100));
    });

    it('queue maps: push, peek and pop from a program', () => {
      const { proc } = fixedClockKernel(1n, jit);
      const q = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_QUEUE', key_size: 0, value_size: 8, max_entries: 2 });
      const push = load(proc, 'BPF_PROG_TYPE_SOCKET_FILTER', `
        r1 = *(u32 *)(r1 + 0)
        *(u64 *)(r10 - 8) = r1
        r2 = r10
        r2 += -8
        r3 = 0
        r1 = map_fd({q})
        call bpf_map_push_elem
        exit`, { q });
      expect(proc.progTestRun(push, { data_in: new Uint8Array(20) }).retval).toBe(0); // len 6 (20 - 14)
      expect(proc.progTestRun(push, { data_in: new Uint8Array(24) }).retval).toBe(0); // len 10
      expect(proc.progTestRun(push, { data_in: new Uint8Array(24) }).retval).toBe(-7 >>> 0); // full: -E2BIG
      const pop = (helper: string) => load(proc, 'BPF_PROG_TYPE_SOCKET_FILTER', `
        r2 = r10
        r2 += -8
        r1 = map_fd({q})
        call ${helper}
        if r0 != 0 goto +2
        r0 = *(u64 *)(r10 - 8)
        exit
        r0 = 99
        exit`, { q });
      expect(proc.progTestRun(pop('bpf_map_peek_elem'), { data_in: new Uint8Array(14) }).retval).toBe(6);
      expect(proc.progTestRun(pop('bpf_map_pop_elem'), { data_in: new Uint8Array(14) }).retval).toBe(6);
      expect(proc.progTestRun(pop('bpf_map_pop_elem'), { data_in: new Uint8Array(14) }).retval).toBe(10);
      expect(proc.progTestRun(pop('bpf_map_pop_elem'), { data_in: new Uint8Array(14) }).retval).toBe(99); // -ENOENT
    });

    it('ring buffer: reserve/submit, output, and discard; records come out through the consumer in order', () => {
      const { proc } = fixedClockKernel(1n, jit);
      const rb = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_RINGBUF', key_size: 0, value_size: 0, max_entries: 4096 });
      const p = load(proc, RAW_TP, `
        r1 = map_fd({rb})
        r2 = 8
        r3 = 0
        call bpf_ringbuf_reserve
        if r0 == 0 goto +20
        r1 = 0x1122334455667788 ll
        *(u64 *)(r0 + 0) = r1
        r1 = r0
        r2 = 0
        call bpf_ringbuf_submit
        r1 = map_fd({rb})
        r2 = 4
        r3 = 0
        call bpf_ringbuf_reserve
        if r0 == 0 goto +11
        r1 = r0
        r2 = 0
        call bpf_ringbuf_discard
        r1 = 0xabcd
        *(u32 *)(r10 - 4) = r1
        r1 = map_fd({rb})
        r2 = r10
        r2 += -4
        r3 = 4
        r4 = 0
        call bpf_ringbuf_output
        exit
        r0 = 77
        exit`, { rb });
      expect(runRawTp(proc, p)).toBe(0);
      const impl = proc.mapFromFd(rb, 'test').impl as RingbufMap;
      const got: string[] = [];
      impl.consume((s) => void got.push(Buffer.from(s).toString('hex')));
      expect(got).toEqual(['8877665544332211', 'cdab0000']);
      const q = load(proc, RAW_TP, 'r1 = map_fd({rb})\nr2 = 1\ncall bpf_ringbuf_query\nexit', { rb }); // BPF_RB_RING_SIZE
      expect(runRawTp(proc, q)).toBe(4096);
    });

    it('bpf_spin_lock: a second lock of a held lock faults the run (the verifier would refuse it)', () => {
      const { proc } = fixedClockKernel(1n, jit);
      const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 1 });
      const prog = (locks: number) => load(proc, 'BPF_PROG_TYPE_SOCKET_FILTER', `
        r1 = 0
        *(u32 *)(r10 - 4) = r1
        r2 = r10
        r2 += -4
        r1 = map_fd({m})
        call bpf_map_lookup_elem
        if r0 == 0 goto +${4 + 2 * locks}
        r6 = r0
        ${'r1 = r6\ncall bpf_spin_lock\n'.repeat(locks)}
        r1 = r6
        call bpf_spin_unlock
        r0 = *(u32 *)(r6 + 0)
        exit
        r0 = 9
        exit`, { m });
      expect(proc.progTestRun(prog(1), { data_in: new Uint8Array(14) }).retval).toBe(0); // released: word back to 0
      expect(errnoOf(() => proc.progTestRun(prog(2), { data_in: new Uint8Array(14) }))).toBe('EFAULT');
    });

    it('bpf_loop calls the callback until it returns 1 and returns the number of calls', () => {
      const { proc } = fixedClockKernel(1n, jit);
      // callback(i, ctx): *ctx += i; stop when i == 3  → 0+1+2+3 = 6, 4 calls
      const p = load(proc, RAW_TP, `
        r1 = 0
        *(u64 *)(r10 - 8) = r1
        r1 = 10
        r2 = func(pc+9)
        r3 = r10
        r3 += -8
        r4 = 0
        call bpf_loop
        r1 = *(u64 *)(r10 - 8)
        r0 <<= 8
        r0 |= r1
        exit
        r3 = *(u64 *)(r2 + 0)
        r3 += r1
        *(u64 *)(r2 + 0) = r3
        r0 = 0
        if r1 != 3 goto +1
        r0 = 1
        exit`);
      expect(runRawTp(proc, p)).toBe((4 << 8) | 6);
      const big = load(proc, RAW_TP, 'r1 = 0x800001 ll\nr2 = func(pc+5)\nr3 = 0\nr4 = 0\ncall bpf_loop\nexit\nr0 = 0\nexit');
      expect(runRawTp(proc, big)).toBe(-7 >>> 0); // > BPF_MAX_LOOPS: -E2BIG
      const flags = load(proc, RAW_TP, 'r1 = 1\nr2 = func(pc+5)\nr3 = 0\nr4 = 1\ncall bpf_loop\nexit\nr0 = 0\nexit');
      expect(runRawTp(proc, flags)).toBe(-22 >>> 0);
    });

    it('bpf_for_each_map_elem visits every element with live values', () => {
      const { proc } = fixedClockKernel(1n, jit);
      const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 4 });
      for (let i = 0; i < 4; i++) proc.mapUpdate(m, u32le(i), u64le(BigInt(10 * (i + 1))));
      // callback(map, key, value, ctx): *ctx += *value; *value += *key → sum 100; values become 10, 21, 32, 43
      const p = load(proc, RAW_TP, `
        r1 = 0
        *(u64 *)(r10 - 8) = r1
        r1 = map_fd({m})
        r2 = func(pc+9)
        r3 = r10
        r3 += -8
        r4 = 0
        call bpf_for_each_map_elem
        r1 = *(u64 *)(r10 - 8)
        r0 <<= 16
        r0 |= r1
        exit
        r5 = *(u64 *)(r4 + 0)
        r6 = *(u64 *)(r3 + 0)
        r5 += r6
        *(u64 *)(r4 + 0) = r5
        r7 = *(u32 *)(r2 + 0)
        r6 += r7
        *(u64 *)(r3 + 0) = r6
        r0 = 0
        exit`, { m });
      expect(runRawTp(proc, p)).toBe((4 << 16) | 100);
      expect([0, 1, 2, 3].map((i) => readU64(proc.mapLookup(m, u32le(i))))).toEqual([10n, 21n, 32n, 43n]);
    });

    it('bpf_probe_read_kernel copies from program memory; a bad address zeroes the buffer and returns -EFAULT', () => {
      const { proc } = fixedClockKernel(1n, jit);
      const p = load(proc, RAW_TP, `
        r1 = 0x0102030405060708 ll
        *(u64 *)(r10 - 8) = r1
        r1 = r10
        r1 += -16
        r2 = 8
        r3 = r10
        r3 += -8
        call bpf_probe_read_kernel
        r6 = *(u64 *)(r10 - 16)
        r1 = r10
        r1 += -8
        r2 = 8
        r3 = 0x1000
        call bpf_probe_read_kernel
        r7 = *(u64 *)(r10 - 8)
        r0 += r7
        r6 >>= 56
        r0 += r6
        exit`);
      // second call: -EFAULT (-14) and fp-8 zeroed; first copied 0x01.. → top byte 1: -14 + 0 + 1
      expect(runRawTp(proc, p)).toBe(-13 >>> 0);
    });

    it('perf_event_output to an empty perf event array slot is -ENOENT; out of range is -E2BIG', () => {
      const { proc } = fixedClockKernel(1n, jit);
      const pa = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PERF_EVENT_ARRAY', key_size: 4, value_size: 4, max_entries: 2 });
      const out = (flags: string) => load(proc, RAW_TP, `
        r6 = r1
        *(u64 *)(r10 - 8) = r6
        r4 = r10
        r4 += -8
        r1 = r6
        r2 = map_fd({pa})
        r3 = ${flags}
        r5 = 8
        call bpf_perf_event_output
        exit`, { pa });
      expect(runRawTp(proc, out('0xffffffff ll'))).toBe(-2 >>> 0); // BPF_F_CURRENT_CPU → cpu 0, no event there
      expect(runRawTp(proc, out('5'))).toBe(-7 >>> 0);
    });
  });
}

describe('helper availability', () => {
  it('program types get the helpers their func_proto offers: xdp_adjust_head only in XDP, current_pid_tgid not in socket filters', () => {
    const { proc } = setup();
    expect(errnoOf(() => load(proc, 'BPF_PROG_TYPE_SOCKET_FILTER', 'r1 = 0\nr2 = 0\ncall bpf_xdp_adjust_head\nexit'))).toBe('EINVAL');
    expect(errnoOf(() => load(proc, 'BPF_PROG_TYPE_SOCKET_FILTER', 'call bpf_get_current_pid_tgid\nexit'))).toBe('EINVAL');
    expect(load(proc, 'BPF_PROG_TYPE_KPROBE', 'call bpf_get_current_pid_tgid\nexit')).toBeGreaterThan(2);
  });

  it('GPL-only helpers (trace_printk, probe_read_kernel) are refused to non-GPL programs; ktime_get_ns is not GPL-only', () => {
    const { proc } = setup();
    const nonGpl = (text: string) => proc.progLoad({ prog_type: RAW_TP, insns: [...asmOf(text)], license: 'Proprietary' });
    expect(errnoOf(() => nonGpl('r1 = 0\nr2 = 0\ncall bpf_trace_printk\nexit'))).toBe('EINVAL');
    expect(errnoOf(() => nonGpl('r1 = 0\nr2 = 0\nr3 = 0\ncall bpf_probe_read_kernel\nexit'))).toBe('EINVAL');
    expect(nonGpl('call bpf_ktime_get_ns\nexit')).toBeGreaterThan(2);
  });
});

import { assembleLlvm } from '@bpfsim/isa';
const asmOf = (t: string) => assembleLlvm(t);
