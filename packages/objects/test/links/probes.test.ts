// Tracepoints and kprobes on simulated events: BPF_RAW_TRACEPOINT_OPEN links, perf-event links (LINK_CREATE with
// BPF_PERF_EVENT on an fd from kernel.probes.perfEventOpen), and kernel.probes.fire running them with their context.
import { describe, expect, it } from 'vitest';
import { PT_REGS_PARM_OFFSETS } from '../../src/events-sim.js';
import { errnoOf, load, setup, stackString } from '../progs/support.js';

const RAW_TP = 'BPF_PROG_TYPE_RAW_TRACEPOINT';

describe('raw tracepoints', () => {
  it('BPF_RAW_TRACEPOINT_OPEN attaches by event name; fire passes the u64 arguments', () => {
    const { kernel, proc } = setup();
    const p = load(proc, RAW_TP, 'r2 = *(u64 *)(r1 + 0)\nr3 = *(u64 *)(r1 + 8)\nr0 = r2\nr0 += r3\nexit');
    const link = proc.bpf('BPF_RAW_TRACEPOINT_OPEN', { name: 'sched_switch', prog_fd: p });
    expect(kernel.probes.fire('sched:sched_switch', [40n, 2n])).toEqual([{ progId: proc.progInfo(p).id, kind: 'raw_tracepoint', r0: 42n }]);
    expect(kernel.probes.fire('sched:sched_wakeup', [1n])).toEqual([]);
    expect(proc.fdinfo(link)).toContain('tp_name:\tsched_switch\n');
    expect(proc.linkInfo(link)).toMatchObject({ type: 1, tp_name: 'sched_switch' });
    proc.linkDetach(link);
    expect(kernel.probes.fire('sched:sched_switch', [40n, 2n])).toEqual([]);
  });

  it('errors: unknown tracepoint ENOENT, NULL name EFAULT, wrong program type EINVAL, unknown attr field EINVAL', () => {
    const { proc } = setup();
    const p = load(proc, RAW_TP, 'r0 = 0\nexit');
    expect(errnoOf(() => proc.bpf('BPF_RAW_TRACEPOINT_OPEN', { name: 'no_such_tp', prog_fd: p }))).toBe('ENOENT');
    expect(errnoOf(() => proc.bpf('BPF_RAW_TRACEPOINT_OPEN', { prog_fd: p }))).toBe('EFAULT');
    const sf = load(proc, 'BPF_PROG_TYPE_SOCKET_FILTER', 'r0 = 0\nexit');
    expect(errnoOf(() => proc.bpf('BPF_RAW_TRACEPOINT_OPEN', { name: 'sched_switch', prog_fd: sf }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_RAW_TRACEPOINT_OPEN', { name: 'sched_switch', prog_fd: p, flags: 1 }))).toBe('EINVAL');
  });

  it('closing the link fd detaches and drops the program reference', () => {
    const { kernel, proc } = setup();
    const p = load(proc, RAW_TP, 'r0 = 7\nexit');
    const id = proc.progInfo(p).id;
    const link = proc.bpf('BPF_RAW_TRACEPOINT_OPEN', { name: 'sched_process_exec', prog_fd: p });
    proc.close(p);
    expect(kernel.probes.fire('sched:sched_process_exec')).toHaveLength(1);
    const freed: number[] = [];
    kernel.on('free', (ev) => ev.kind === 'prog' && freed.push(ev.id));
    proc.close(link);
    expect(freed).toEqual([id]);
    expect(kernel.probes.fire('sched:sched_process_exec')).toEqual([]);
  });
});

describe('kprobes and tracepoints through perf events', () => {
  it('a kprobe program sees pt_regs: arguments in di, si, dx, cx, r8, r9', () => {
    const { kernel, proc } = setup();
    expect(PT_REGS_PARM_OFFSETS).toEqual([112, 104, 96, 88, 72, 64]);
    // return PARM1 * 10 + PARM2 + PARM6
    const p = load(proc, 'BPF_PROG_TYPE_KPROBE', `
      r2 = *(u64 *)(r1 + 112)
      r3 = *(u64 *)(r1 + 104)
      r4 = *(u64 *)(r1 + 64)
      r2 *= 10
      r2 += r3
      r2 += r4
      r0 = r2
      exit`);
    const pfd = kernel.probes.perfEventOpen(proc, { kprobe: 'do_sys_openat2' });
    const link = proc.linkCreate(p, 'BPF_PERF_EVENT', { target_fd: pfd });
    expect(kernel.probes.fire('do_sys_openat2', [4n, 2n, 0n, 0n, 0n, 100n])[0]).toMatchObject({ kind: 'kprobe', r0: 142n });
    expect(proc.linkInfo(link)).toMatchObject({ type: 7, perf_event_type: 3, func_name: 'do_sys_openat2' });
    expect(errnoOf(() => proc.linkDetach(link))).toBe('EOPNOTSUPP');
    expect(errnoOf(() => proc.linkUpdate(link, p))).toBe('EINVAL');
  });

  it('a tracepoint program sees the record: common header (type, pid) then the fields', () => {
    const { kernel, proc } = setup();
    const p = load(proc, 'BPF_PROG_TYPE_TRACEPOINT', 'r2 = *(u16 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = *(u64 *)(r1 + 8)\nr0 = r4\nr0 += r3\nexit');
    const pfd = kernel.probes.perfEventOpen(proc, { tracepoint: 'syscalls:sys_enter_openat' });
    proc.linkCreate(p, 'BPF_PERF_EVENT', { target_fd: pfd });
    expect(kernel.probes.fire('syscalls:sys_enter_openat', [1000n], { proc })[0].r0).toBe(1000n + BigInt(proc.pid));
  });

  it('perf event rules: one program per event (EEXIST), program type must fit the event (EINVAL), fds are checked', () => {
    const { kernel, proc } = setup();
    const kp = load(proc, 'BPF_PROG_TYPE_KPROBE', 'r0 = 0\nexit');
    const tp = load(proc, 'BPF_PROG_TYPE_TRACEPOINT', 'r0 = 0\nexit');
    const pfd = kernel.probes.perfEventOpen(proc, { kprobe: 'vfs_read' });
    expect(errnoOf(() => proc.linkCreate(tp, 'BPF_PERF_EVENT', { target_fd: pfd }))).toBe('EINVAL');
    proc.linkCreate(kp, 'BPF_PERF_EVENT', { target_fd: pfd });
    expect(errnoOf(() => proc.linkCreate(kp, 'BPF_PERF_EVENT', { target_fd: pfd }))).toBe('EEXIST');
    const pfd2 = kernel.probes.perfEventOpen(proc, { kprobe: 'vfs_read' });
    proc.linkCreate(kp, 'BPF_PERF_EVENT', { target_fd: pfd2 }); // a second event on the same function is fine
    expect(kernel.probes.fire('vfs_read')).toHaveLength(2);
    expect(errnoOf(() => proc.linkCreate(kp, 'BPF_PERF_EVENT', { target_fd: kp }))).toBe('EBADF');
    expect(errnoOf(() => kernel.probes.perfEventOpen(proc, { kprobe: 'no_such_function' }))).toBe('ENOENT');
    expect(errnoOf(() => kernel.probes.perfEventOpen(proc, { tracepoint: 'vfs_read' }))).toBe('ENOENT');
    const user = kernel.spawn({ uid: 1000, caps: [] });
    expect(errnoOf(() => kernel.probes.perfEventOpen(user, { kprobe: 'vfs_read' }))).toBe('EACCES');
  });

  it('BPF-output perf events (for perf_event_array) report their cpu to the map and run no programs', () => {
    const { kernel, proc } = setup({ ncpus: 2 });
    const out1 = kernel.probes.perfEventOpen(proc, { bpfOutput: { cpu: 1 } });
    expect(kernel.probes.perfEventTarget(proc.entry(out1).file)).toEqual({ cpu: 1, isBpfOutput: true });
    const kfd = kernel.probes.perfEventOpen(proc, { kprobe: 'vfs_write' });
    expect(kernel.probes.perfEventTarget(proc.entry(kfd).file)).toMatchObject({ isBpfOutput: false });
    expect(kernel.probes.perfEventTarget(proc.entry(0).file)).toBeUndefined();
    expect(errnoOf(() => kernel.probes.perfEventOpen(proc, { bpfOutput: { cpu: 2 } }))).toBe('EINVAL');
    const kp = load(proc, 'BPF_PROG_TYPE_KPROBE', 'r0 = 0\nexit');
    expect(errnoOf(() => proc.linkCreate(kp, 'BPF_PERF_EVENT', { target_fd: out1 }))).toBe('EINVAL');
  });

  it('tests can define their own events; programs print to the trace pipe with the firing process', () => {
    let t = 0n;
    const { kernel, proc } = setup({ clock: () => (t += 2_000_000_000n) });
    kernel.probes.define('tracepoint', 'myapp:request');
    const fmt = stackString('req %d\n');
    const p = load(proc, RAW_TP, `r6 = *(u64 *)(r1 + 0)\n${fmt.code}\nr1 = r10\nr1 += ${fmt.off}\nr2 = ${-fmt.off}\nr3 = r6\ncall bpf_trace_printk\nr0 = 0\nexit`);
    proc.bpf('BPF_RAW_TRACEPOINT_OPEN', { name: 'request', prog_fd: p });
    const worker = kernel.spawn({ comm: 'worker' });
    kernel.probes.fire('myapp:request', [17n], { proc: worker, cpu: 1 });
    expect(kernel.tracePipe.read()).toMatch(/^ {10}worker-2 {7}\[001\] \.{5} +\d+\.\d{6}: bpf_trace_printk: req 17\n\n$/);
    expect(errnoOf(() => kernel.probes.define('tracepoint', 'myapp:request'))).toBe('EEXIST');
    expect(errnoOf(() => kernel.probes.fire('myapp:nothing'))).toBe('ENOENT');
  });
});
