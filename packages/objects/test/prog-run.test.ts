// Programs that use maps through helpers, run by BPF_PROG_TEST_RUN on both engines.
import { describe, expect, it } from 'vitest';
import {
  addImm, arrayMap, call, errnoOf, exit, hashMap, jeqImm, ldMapFd, ldxdw, mov64, movReg, readU64, retImm, setup,
  socketFilter, stw, stxdw, u32le, u64le, fromHex, hex,
} from './support.js';

/** key = 1 on the stack; v = lookup(map, &key); if (!v) return 0; *v += 5; return *v (low 32 bits). */
function incrementProgram(mapFd: number) {
  return [
    stw(10, -4, 1), // *(u32 *)(r10 - 4) = 1
    movReg(2, 10),
    addImm(2, -4),
    ldMapFd(1, mapFd),
    call(1), // bpf_map_lookup_elem
    jeqImm(0, 0, 4),
    ldxdw(1, 0, 0),
    addImm(1, 5),
    stxdw(0, 1, 0),
    movReg(0, 1),
    exit,
  ];
}

for (const jit of [false, true]) {
  describe(`programs using maps (${jit ? 'jit' : 'interpreter'})`, () => {
    it('map_lookup_elem returns the live value: a program write is seen by the syscall side', () => {
      const { proc } = setup({ jit });
      const m = hashMap(proc);
      proc.mapUpdate(m, u32le(1), u64le(10n));
      const p = socketFilter(proc, incrementProgram(m));
      expect(proc.progTestRun(p, { data_in: new Uint8Array(14) }).retval).toBe(15);
      expect(proc.progTestRun(p, { data_in: new Uint8Array(14) }).retval).toBe(20);
      expect(readU64(proc.mapLookup(m, u32le(1)))).toBe(20n);
    });

    it('a missing key makes lookup return NULL', () => {
      const { proc } = setup({ jit });
      const m = hashMap(proc);
      const p = socketFilter(proc, incrementProgram(m));
      expect(proc.progTestRun(p, { data_in: new Uint8Array(14) }).retval).toBe(0);
    });

    it('map_update_elem from a program inserts; map_delete_elem removes', () => {
      const { proc } = setup({ jit });
      const m = hashMap(proc);
      // key 7 at fp-4, value 99 at fp-16; update(map, &key, &value, BPF_ANY)
      const upd = [
        stw(10, -4, 7),
        mov64(1, 99),
        stxdw(10, 1, -16),
        movReg(2, 10), addImm(2, -4),
        movReg(3, 10), addImm(3, -16),
        ldMapFd(1, m),
        mov64(4, 0),
        call(2),
        exit,
      ];
      const p = socketFilter(proc, upd);
      expect(proc.progTestRun(p, { data_in: new Uint8Array(14) }).retval).toBe(0);
      expect(readU64(proc.mapLookup(m, u32le(7)))).toBe(99n);
      const del = [stw(10, -4, 7), movReg(2, 10), addImm(2, -4), ldMapFd(1, m), call(3), exit];
      const d = socketFilter(proc, del);
      expect(proc.progTestRun(d, { data_in: new Uint8Array(14) }).retval).toBe(0);
      expect(errnoOf(() => proc.mapLookup(m, u32le(7)))).toBe('ENOENT');
      // deleting again: the helper returns -ENOENT (as u32 in retval: 0xfffffffe)
      expect(proc.progTestRun(d, { data_in: new Uint8Array(14) }).retval).toBe(0xfffffffe);
    });

    it('LD_ABS reads the packet after the Ethernet header (socket filter skb)', () => {
      const { proc } = setup({ jit });
      // r6 = r1; r0 = *(u8 *)skb[0] (LD_ABS B 0); exit
      const p = socketFilter(proc, fromHex('bf16000000000000' + '3000000000000000' + '9500000000000000'));
      const pkt = new Uint8Array(20).map((_, i) => i);
      expect(proc.progTestRun(p, { data_in: pkt }).retval).toBe(14);
    });

    it('bpf_tail_call jumps into the program stored in a prog_array', () => {
      const { proc } = setup({ jit });
      const target = socketFilter(proc, retImm(77));
      const pa = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: 4 });
      proc.mapUpdate(pa, u32le(2), u32le(target));
      // r2 = prog_array; r3 = index; tail_call(ctx, r2, r3); return 1 (fall-through)
      const caller = (idx: number) => [ldMapFd(2, pa), mov64(3, idx), call(12), mov64(0, 1), exit];
      expect(proc.progTestRun(socketFilter(proc, caller(2)), { data_in: new Uint8Array(14) }).retval).toBe(77);
      expect(proc.progTestRun(socketFilter(proc, caller(3)), { data_in: new Uint8Array(14) }).retval).toBe(1);
    });
  });
}

/** prog_flags BPF_F_SLEEPABLE: a syscall program must have it (check_attach_btf_id). */
const BPF_F_SLEEPABLE = 1 << 4;

describe('BPF_PROG_TEST_RUN (socket_filter)', () => {
  it('returns the packet with the Ethernet header zeroed and reports sizes, as the 6.18 kernel does', () => {
    const { proc } = setup();
    const p = socketFilter(proc, retImm(0));
    const pkt = new Uint8Array(64).map((_, i) => i);
    const data_out = new Uint8Array(256);
    const attr: Record<string, unknown> = { prog_fd: p, data_in: pkt, data_out, data_size_out: 256 };
    proc.bpf('BPF_PROG_TEST_RUN', attr);
    expect(attr.retval).toBe(0);
    expect(attr.data_size_out).toBe(64);
    expect(attr.duration).toBeGreaterThan(0);
    const expected = pkt.slice();
    expected.fill(0, 0, 14);
    expect(hex(data_out.subarray(0, 64))).toBe(hex(expected));
  });

  it('a data_out smaller than the packet gets the first bytes, data_size_out the full size, and ENOSPC', () => {
    const { proc } = setup();
    const p = socketFilter(proc, retImm(0));
    const pkt = new Uint8Array(64).map((_, i) => i);
    const data_out = new Uint8Array(8).fill(0xaa);
    const attr: Record<string, unknown> = { prog_fd: p, data_in: pkt, data_out, data_size_out: 8 };
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', attr))).toBe('ENOSPC');
    expect(attr.data_size_out).toBe(64);
    expect([...data_out]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('rejects packets shorter than ETH_HLEN, a missing data_in, flags, and non-program fds', () => {
    const { proc } = setup();
    const p = socketFilter(proc, retImm(0));
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: p, data_in: new Uint8Array(13) }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: p }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: p, data_in: new Uint8Array(14), flags: 1 }))).toBe('EINVAL');
    const m = arrayMap(proc);
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: m, data_in: new Uint8Array(14) }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: 99, data_in: new Uint8Array(14) }))).toBe('EBADF');
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: p, data_in: new Uint8Array(14), ctx_size_in: 4 }))).toBe('EINVAL');
  });

  it('program types without test_run are ENOTSUPP', () => {
    const { proc } = setup();
    const p = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_KPROBE', insns: retImm(0) });
    expect(errnoOf(() => proc.progTestRun(p, { data_in: new Uint8Array(14) }))).toBe('ENOTSUPP');
  });
});

describe('BPF_PROG_TEST_RUN (syscall programs)', () => {
  it('runs with r1 = ctx and copies the ctx the program wrote back into ctx_in', () => {
    const { proc } = setup();
    // *(u64 *)(r1 + 0) = 0x1122; r0 = 3; exit
    const p = proc.progLoad({
      prog_type: 'BPF_PROG_TYPE_SYSCALL',
      insns: [mov64(2, 0x1122), stxdw(1, 2, 0), mov64(0, 3), exit],
      prog_flags: BPF_F_SLEEPABLE,
    });
    const ctx = new Uint8Array(16);
    const attr: Record<string, unknown> = { prog_fd: p, ctx_in: ctx };
    proc.bpf('BPF_PROG_TEST_RUN', attr);
    expect(attr.retval).toBe(3);
    expect(readU64(ctx)).toBe(0x1122n);
  });

  it('refuses data, repeat and ctx_out', () => {
    const { proc } = setup();
    const p = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_SYSCALL', insns: retImm(0), prog_flags: BPF_F_SLEEPABLE });
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: p, repeat: 2 }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: p, data_in: new Uint8Array(4) }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: p, ctx_out: new Uint8Array(4) }))).toBe('EINVAL');
  });
});

describe('BPF_ENABLE_STATS', () => {
  it('run_cnt and run_time_ns accumulate only while a stats fd is open', () => {
    let t = 0n;
    const { proc } = setup({ clock: () => (t += 100n) });
    const p = socketFilter(proc, retImm(1));
    proc.progTestRun(p, { data_in: new Uint8Array(14) });
    expect(proc.progInfo(p).run_cnt).toBe(0n);
    const s = proc.enableStats();
    proc.progTestRun(p, { data_in: new Uint8Array(14), repeat: 3 });
    const info = proc.progInfo(p);
    expect(info.run_cnt).toBe(3n);
    expect(info.run_time_ns).toBeGreaterThan(0n);
    const dup = proc.dup(s);
    proc.close(s);
    proc.progTestRun(p, { data_in: new Uint8Array(14) });
    expect(proc.progInfo(p).run_cnt).toBe(4n); // the dup still holds the stats file open
    proc.close(dup);
    proc.progTestRun(p, { data_in: new Uint8Array(14) });
    expect(proc.progInfo(p).run_cnt).toBe(4n);
    expect(proc.fdinfo(p)).toContain('run_cnt:\t4\n');
  });

  it('needs CAP_SYS_ADMIN and knows only BPF_STATS_RUN_TIME', () => {
    const { kernel, proc } = setup();
    expect(errnoOf(() => proc.bpf('BPF_ENABLE_STATS', { type: 1 }))).toBe('EINVAL');
    const user = kernel.spawn({ uid: 1000, gid: 1000, caps: ['CAP_BPF'] });
    expect(errnoOf(() => user.enableStats())).toBe('EPERM');
  });
});

describe('map-in-map from a program', () => {
  it('lookup in an array_of_maps yields the inner map, usable for a second lookup', () => {
    const { proc } = setup();
    const inner = arrayMap(proc, 2, 8);
    proc.mapUpdate(inner, u32le(1), u64le(1234n));
    const outer = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY_OF_MAPS', key_size: 4, value_size: 4, max_entries: 2, inner_map_fd: inner });
    proc.mapUpdate(outer, u32le(0), u32le(inner));
    // r1 = lookup(outer, &0); if NULL return 0; r0 = lookup(r1, &1); if NULL return 0; return *r0
    const prog = [
      stw(10, -4, 0), movReg(2, 10), addImm(2, -4), ldMapFd(1, outer), call(1), jeqImm(0, 0, 7),
      stw(10, -8, 1), movReg(1, 0), movReg(2, 10), addImm(2, -8), call(1), jeqImm(0, 0, 1),
      ldxdw(0, 0, 0), exit,
    ];
    const p = socketFilter(proc, prog);
    expect(proc.progTestRun(p, { data_in: new Uint8Array(14) }).retval).toBe(1234);
  });
});
