// BPF_PROG_LOAD, program tags and info, GPL-only helpers, PROG_TEST_RUN (FACTS.md "Programs").
import { expect } from 'vitest';
import { kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { callHelper, exitInsn, hex, insn, mov64Imm } from '../../../../testing/kernel-oracle/oracle';
import { MAP, PROG, as, info, mapCreate as mc, progLoad, testRun } from '../../../../testing/kernel-oracle/script';
import { Kernel } from './sim-kernel';

const ret0 = mov64Imm(0, 0) + exitInsn();
const ret1 = mov64Imm(0, 1) + exitInsn();
const ret2 = mov64Imm(0, 2) + exitInsn();
const packet = hex(Array.from({ length: 64 }, (_, i) => i));
/** `r1 = map_by_fd($m); r0 = 0; exit` — the fd is patched in by the `fixups` field. */
const usesMap = insn(0x18, 1, 1, 0, 0) + insn(0, 0, 0, 0, 0) + ret0;

kernelDiff(
  'program tags and bpf_prog_info',
  [
    step(as(progLoad(PROG.SOCKET_FILTER, ret0), 'p0'), 'ok'),
    step(info('p0'), { type: 1, tag: '59f4a931744dcdc6', xlated_prog_len: 16, verified_insns: 2, gpl_compatible: 1, nr_map_ids: 0, name: '', created_by_uid: 0, run_cnt: 0, load_time_nonzero: 1 }),
    step(as(progLoad(PROG.XDP, ret2), 'p2'), 'ok'),
    step(info('p2'), { type: 6, tag: '614b434cd8324ecc' }),
    step(as(progLoad(PROG.SCHED_CLS, ret1), 'p1'), 'ok'),
    step(info('p1'), { type: 3, tag: 'b11459a0e11ca14c' }),
    step(as(progLoad(PROG.SOCKET_FILTER, ret0, 'Proprietary'), 'pp'), 'ok'),
    step(info('pp'), { tag: '59f4a931744dcdc6', gpl_compatible: 0 }),
    step(as(progLoad(PROG.SOCKET_FILTER, ret0, 'Dual BSD/GPL'), 'pd'), 'ok'),
    step(info('pd'), { gpl_compatible: 1 }),
    step(as(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { prog_name: 'my_prog' }), 'pn'), 'ok'),
    step(info('pn'), { name: 'my_prog' }),
    step(as(mc(MAP.HASH, 4, 8, 4), 'hm'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, usesMap, 'GPL', { fixups: '0=$hm' }), 'pm'), 'ok'),
    // the tag zeroes the map fd; xlated shows the map's id in the lddw (normalized as "$hm.id")
    step(info('pm', { xlated: true }), { tag: '0bd0168676c7c779', nr_map_ids: 1, xlated_prog_len: 32 }),
  ],
  {
    Kernel,
    // jited lengths are the x86 JIT's business, not something a simulator reproduces
    normalize: { drop: ['jited_prog_len'] },
  },
);

kernelDiff(
  'BPF_PROG_LOAD errors found before verification',
  [
    step(progLoad(PROG.SOCKET_FILTER, ret0, null), 'EFAULT'),
    step(progLoad(PROG.SOCKET_FILTER, ''), 'E2BIG'),
    step(progLoad(PROG.SOCKET_FILTER, insn(0xff, 0, 0, 0, 0) + exitInsn()), 'EINVAL'),
    step(progLoad(999, ret0), 'EINVAL'),
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { prog_name: 'my-prog' }), 'EINVAL'),
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { prog_flags: 1 << 20 }), 'EINVAL'),
    step(progLoad(PROG.SOCKET_FILTER, insn(0x18, 1, 1, 0, 99) + insn(0, 0, 0, 0, 0) + ret0), 'EBADF'),
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { log_level: 32, log_size: 4096 }), 'EINVAL'),
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { log_level: 1 }), 'ok'),
  ],
  { Kernel },
);

kernelDiff(
  'BPF_PROG_LOAD errors the verifier finds',
  [
    step(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 0)), 'EINVAL'), // last insn is not an exit or jmp
    step(progLoad(PROG.SOCKET_FILTER, exitInsn()), 'EACCES'), // R0 !read_ok
  ],
  { Kernel, simMissing: 'bpfsim loads both programs: the verifier (packages/verifier) is not built yet' },
);

kernelDiff(
  'GPL-only helpers and non-GPL programs',
  [
    // bpf_trace_printk (#6) is gpl_only
    step(progLoad(PROG.SOCKET_FILTER, mov64Imm(1, 0) + mov64Imm(2, 0) + callHelper(6) + ret0, 'Proprietary'), 'EINVAL'),
    // bpf_ktime_get_ns (#5) is not
    step(progLoad(PROG.SOCKET_FILTER, callHelper(5) + ret0, 'Proprietary'), 'ok'),
    step(progLoad(PROG.SOCKET_FILTER, callHelper(5) + ret0, 'GPL'), 'ok'),
  ],
  {
    Kernel,
    simMissing:
      'bpfsim refuses bpf_ktime_get_ns (#5) from a Proprietary program with EINVAL (the kernel accepts it: the helper is not gpl_only)',
  },
);

kernelDiff(
  'verifier log lines of simple programs',
  [
    step(progLoad(PROG.SOCKET_FILTER, mov64Imm(1, 0) + mov64Imm(2, 0) + callHelper(6) + ret0, 'Proprietary', { log_level: 1, log_size: 4096 }),
      { errno: 'EINVAL', log: expect.stringContaining('cannot call GPL-restricted function from non-GPL compatible program\n') }),
    step(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 0), 'GPL', { log_level: 1, log_size: 4096 }),
      { errno: 'EINVAL', log: expect.stringContaining('last insn is not an exit or jmp\n') }),
    step(progLoad(PROG.SOCKET_FILTER, exitInsn(), 'GPL', { log_level: 1, log_size: 4096 }),
      { errno: 'EACCES', log: expect.stringContaining('R0 !read_ok\n') }),
    step(progLoad(PROG.SOCKET_FILTER, insn(0xff, 0, 0, 0, 0) + exitInsn(), 'GPL', { log_level: 1, log_size: 4096 }),
      { errno: 'EINVAL', log: expect.stringContaining('unknown opcode ff\n') }),
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { log_level: 1, log_size: 4096 }),
      { log: 'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n' }),
  ],
  // The verifier (packages/verifier) is a later wave; until it exists bpfsim's log text cannot match.
  { Kernel, simMissing: 'the verifier log (packages/verifier) is not built yet' },
);

kernelDiff(
  'BPF_PROG_TEST_RUN of a tiny socket_filter program',
  [
    step(as(progLoad(PROG.SOCKET_FILTER, ret0), 'sf'), 'ok'),
    // the Ethernet header is not copied back (first 14 bytes zero)
    step(testRun('sf', packet, { data_size_out: 256 }), { ret: 0, retval: 0, data_size_out: 64, data_out: '00'.repeat(14) + packet.slice(28) }),
    step(testRun('sf', packet, { data_size_out: 256, repeat: 10 }), { ret: 0, retval: 0 }),
    step(testRun('sf', packet, { data_size_out: 8 }), { errno: 'ENOSPC', data_size_out: 64, data_out: '00'.repeat(8) }),
    step(testRun('sf', undefined), 'EINVAL'),
    step(as(mc(MAP.ARRAY, 4, 4, 1), 'm'), 'ok'),
    step(testRun('m', packet), 'EINVAL'),
    // run statistics stay off without BPF_ENABLE_STATS
    step(info('sf'), { run_cnt: 0, run_time_ns: 0 }),
  ],
  { Kernel, normalize: { drop: ['jited_prog_len'] } },
);

kernelDiff(
  'BPF_PROG_TEST_RUN of tiny xdp and sched_cls programs',
  [
    step(as(progLoad(PROG.XDP, ret2), 'xdp'), 'ok'),
    step(as(progLoad(PROG.SCHED_CLS, ret1), 'cls'), 'ok'),
    step(testRun('xdp', packet, { data_size_out: 256 }), { ret: 0, retval: 2, data_size_out: 64, data_out: packet }),
    step(testRun('cls', packet, { data_size_out: 256 }), { ret: 0, retval: 1, data_size_out: 64, data_out: packet }),
    step(testRun('cls', packet.slice(0, 26), { data_size_out: 256 }), 'EINVAL'), // shorter than ETH_HLEN
    step(testRun('xdp', packet), { ret: 0, retval: 2, data_size_out: 64 }),
  ],
  { Kernel, simMissing: 'bpfsim answers ENOTSUPP: PROG_TEST_RUN for xdp and sched_cls is not implemented (objects-progs)' },
);

const SLEEPABLE = 16;
/** `*(u32 *)(r1 + 0) = 42; r0 = *(u32 *)(r1 + 4); exit` */
const ctxWriter = insn(0x62, 1, 0, 0, 42) + insn(0x61, 0, 1, 4, 0) + exitInsn();

kernelDiff(
  'BPF_PROG_TYPE_SYSCALL: context written back into ctx_in',
  [
    step(as(progLoad(31, mov64Imm(0, 7) + exitInsn(), 'GPL', { prog_flags: SLEEPABLE }), 's'), 'ok'),
    step(testRun('s', undefined), { ret: 0, retval: 7, duration: 0, data_size_out: 0 }),
    step(testRun('s', undefined, { ctx_in: '00'.repeat(16) }), { ret: 0, retval: 7, ctx_in_after: '00'.repeat(16) }),
    step(testRun('s', '00'.repeat(16)), 'EINVAL'),
    step(testRun('s', undefined, { repeat: 2 }), 'EINVAL'),
    step(as(progLoad(31, ctxWriter, 'GPL', { prog_flags: SLEEPABLE }), 'w'), 'ok'),
    step(testRun('w', undefined, { ctx_in: '00000000' + '05000000', ctx_size_out: 8 }), 'EINVAL'),
    step(testRun('w', undefined, { ctx_in: '00000000' + '05000000' }), { ret: 0, retval: 5, ctx_in_after: '2a000000' + '05000000' }),
  ],
  { Kernel, normalize: { drop: ['jited_prog_len'] } },
);

kernelDiff(
  'BPF_PROG_TYPE_SYSCALL: load and run checks that depend on the verifier',
  [
    step(progLoad(31, mov64Imm(0, 7) + exitInsn()), 'EINVAL'), // "Syscall programs can only be sleepable"
    step(as(progLoad(31, ctxWriter, 'GPL', { prog_flags: SLEEPABLE }), 'w'), 'ok'),
    // ctx_in shorter than the largest context offset the verifier saw (max_ctx_offset), or no ctx at all
    step(testRun('w', undefined, { ctx_in: '00000000' }), 'EINVAL'),
    step(testRun('w', undefined), 'EINVAL'),
  ],
  {
    Kernel,
    simMissing:
      'bpfsim loads a non-sleepable syscall program, and answers EFAULT (kernel EINVAL) for a ctx_in shorter than the ' +
      "program's context accesses (needs the verifier's max_ctx_offset)",
  },
);

kernelDiff(
  'a verifier log buffer that is too small',
  [
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { log_level: 1, log_size: 10 }), { errno: 'ENOSPC', log: 'k_read 0\n' }),
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { log_level: 9, log_size: 10 }), { errno: 'ENOSPC', log: 'processed' }),
  ],
  { Kernel },
);
