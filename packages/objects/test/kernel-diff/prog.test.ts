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
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { prog_name: 'abcdefghijklmnop' }), 'EINVAL'),
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { prog_name: 'abcdefghijklmno' }), 'ok'),
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
    // reads of never-written registers on the path every run takes (the default verifier's entry-path check)
    step(progLoad(PROG.SOCKET_FILTER, insn(0xbf, 0, 2, 0, 0) + exitInsn()), 'EACCES'), // r0 = r2: R2 !read_ok
    step(progLoad(PROG.SOCKET_FILTER, mov64Imm(2, 1) + insn(0x0f, 0, 2, 0, 0) + exitInsn()), 'EACCES'), // r0 += r2
    step(progLoad(PROG.SOCKET_FILTER, insn(0x05, 0, 0, 0, 0) + mov64Imm(3, 1) + exitInsn()), 'EACCES'), // ja +0
    // r0 = r10; r0 -= r10: pointer - pointer is a scalar for privileged loaders (the entry-path check gives no verdict)
    step(progLoad(PROG.SOCKET_FILTER, insn(0xbf, 0, 10, 0, 0) + insn(0x1f, 0, 10, 0, 0) + exitInsn()), 'ok'),
    step(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 1) + insn(0x87, 0, 0, 0, 0) + exitInsn()), 'ok'), // r0 = -r0
    step(progLoad(PROG.SOCKET_FILTER, insn(0x18, 0, 0, 0, 5) + insn(0, 0, 0, 0, 0) + exitInsn()), 'ok'), // r0 = 5 ll
    // a socket filter cannot be sleepable (check_attach_btf_id, before any instruction is looked at)
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { prog_flags: 16 }), 'EINVAL'),
  ],
  { Kernel },
);

kernelDiff(
  'verifier logs written before do_check: sleepable rules (check_attach_btf_id), unknown opcodes',
  [
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { prog_flags: 16, log_level: 1, log_size: 4096 }),
      { errno: 'EINVAL', log: expect.stringContaining('can be sleepable\n') }),
    step(progLoad(31, ret0, 'GPL', { log_level: 1, log_size: 4096 }),
      { errno: 'EINVAL', log: expect.stringContaining('Syscall programs can only be sleepable\n') }),
    // an opcode outside the instruction table is refused before do_check, so no state lines either
    step(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 0) + insn(0xff, 0, 0, 0, 0) + exitInsn(), 'GPL', { log_level: 1, log_size: 4096 }),
      { errno: 'EINVAL', log: expect.stringContaining('unknown opcode ff\n') }),
  ],
  { Kernel },
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
  { Kernel },
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
  // Verdicts and errnos match (see above); the text cannot until a real verifier exists.
  {
    Kernel,
    simMissing:
      "the default verifier does not print the kernel's per-instruction state lines ('0: R1=ctx() R10=fp0', " +
      "'0: (b7) r1 = 0 ; R1=0', '0: (95) exit') before the GPL and R0 !read_ok errors; packages/verifier is not built yet",
  },
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
  { Kernel },
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
  { Kernel },
);

kernelDiff(
  'a verifier log buffer that is too small',
  [
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { log_level: 1, log_size: 10 }), { errno: 'ENOSPC', log: 'k_read 0\n' }),
    step(progLoad(PROG.SOCKET_FILTER, ret0, 'GPL', { log_level: 9, log_size: 10 }), { errno: 'ENOSPC', log: 'processed' }),
  ],
  { Kernel },
);

// Programs calling map helpers from PROG_TEST_RUN: bpf_map_update_elem (#2) writes what the syscall then reads,
// bpf_map_lookup_elem (#1) reads what the syscall wrote.
const stackKey0 = insn(0x62, 10, 0, -4, 0); // *(u32 *)(r10 - 4) = 0
const keyPtr = insn(0xbf, 2, 10, 0, 0) + insn(0x07, 2, 0, 0, -4); // r2 = r10; r2 += -4
const ldMap = insn(0x18, 1, 1, 0, 0) + insn(0, 0, 0, 0, 0); // r1 = map (fd patched by `fixups: '1=$m'`)
/** *(u64 *)(r10 - 16) = 42; update(map, &key, &value, BPF_ANY); return 0 */
const writer =
  stackKey0 + insn(0x7a, 10, 0, -16, 42) + ldMap + keyPtr +
  insn(0xbf, 3, 10, 0, 0) + insn(0x07, 3, 0, 0, -16) + mov64Imm(4, 0) + callHelper(2) + ret0;
/** v = lookup(map, &key); return v ? *(u32 *)v : 99 */
const reader =
  stackKey0 + ldMap + keyPtr + callHelper(1) +
  insn(0x15, 0, 0, 2, 0) + insn(0x61, 0, 0, 0, 0) + exitInsn() + mov64Imm(0, 99) + exitInsn();
const pkt = '00'.repeat(64);

kernelDiff(
  'socket_filter programs using map helpers from PROG_TEST_RUN',
  [
    step(as(mc(MAP.ARRAY, 4, 8, 1), 'm'), 'ok'),
    step(as(mc(MAP.HASH, 4, 8, 1), 'h'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, reader, 'GPL', { fixups: '1=$m' }), 'ra'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, reader, 'GPL', { fixups: '1=$h' }), 'rh'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, writer, 'GPL', { fixups: '2=$h' }), 'wh'), 'ok'),
    step(testRun('ra', pkt), { ret: 0, retval: 0 }), // array elements exist and start zeroed
    step(testRun('rh', pkt), { ret: 0, retval: 99 }), // empty hash: lookup gives NULL
    step(testRun('wh', pkt), { ret: 0, retval: 0 }),
    step({ cmd: 'BPF_MAP_LOOKUP_ELEM', map_fd: '$h', key: '00000000' }, { value: '2a00000000000000' }),
    step(testRun('rh', pkt), { ret: 0, retval: 42 }),
    step({ cmd: 'BPF_MAP_UPDATE_ELEM', map_fd: '$m', key: '00000000', value: '0700000000000000' }, 'ok'),
    step(testRun('ra', pkt), { ret: 0, retval: 7 }),
    step(info('rh', { xlated: true }), { nr_map_ids: 1 }),
  ],
  // The kernel's verifier inlines array lookups and counts states its own way: translated code and
  // verified_insns are not what this test compares.
  { Kernel, normalize: { drop: ['jited_prog_len', 'xlated_prog_insns', 'xlated_prog_len', 'verified_insns'] } },
);

/** bpf_tail_call(ctx, prog_array, 0); return 1 — falls through when the slot is empty */
const tailCaller = insn(0x18, 2, 1, 0, 0) + insn(0, 0, 0, 0, 0) + mov64Imm(3, 0) + callHelper(12) + mov64Imm(0, 1) + exitInsn();

kernelDiff(
  'tail calls through a prog_array from PROG_TEST_RUN',
  [
    step(as(mc(MAP.PROG_ARRAY, 4, 4, 2), 'pa'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 5) + exitInsn()), 'target'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, tailCaller, 'GPL', { fixups: '0=$pa' }), 'caller'), 'ok'),
    step(testRun('caller', pkt), { ret: 0, retval: 1 }), // empty slot: the call falls through
    step({ cmd: 'BPF_MAP_UPDATE_ELEM', map_fd: '$pa', key: '00000000', value: '$target' }, 'ok'),
    step(testRun('caller', pkt), { ret: 0, retval: 5 }),
    step({ cmd: 'BPF_MAP_DELETE_ELEM', map_fd: '$pa', key: '00000000' }, 'ok'),
    step(testRun('caller', pkt), { ret: 0, retval: 1 }),
    // a program of another type cannot join this prog_array (its owner type is socket_filter now)
    step(as(progLoad(PROG.SCHED_CLS, mov64Imm(0, 5) + exitInsn()), 'cls'), 'ok'),
    step({ cmd: 'BPF_MAP_UPDATE_ELEM', map_fd: '$pa', key: '01000000', value: '$cls' }, 'EINVAL'),
  ],
  { Kernel },
);
