// PROG_TEST_RUN contexts against the real kernel (testing/kernel-oracle): __sk_buff and xdp_md field values, packet
// pointers, ctx_in/ctx_out rules and the XDP adjust helpers. Each expectation was computed by hand from the uapi
// header and net/bpf/test_run.c; "the kernel answers as FACTS.md records" checks them on the machine's kernel and
// "bpfsim answers like the kernel" compares the simulator row by row. Skips where bpf(2) is not available.
import { assembleLlvm, encode } from '@bpfsim/isa';
import { kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { as, progLoad, testRun } from '../../../../testing/kernel-oracle/script';
import { Kernel } from '../kernel-diff/sim-kernel';
import { ipv4Frame } from './support.js';

const code = (text: string): string => Buffer.from(encode(assembleLlvm(text))).toString('hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const SCHED_CLS = 3;
const SOCKET_FILTER = 1;
const XDP = 6;
const CGROUP_SKB = 8;
const frame = hex(ipv4Frame()); // 38 bytes: MAC 00.. → PACKET_HOST, IPv4 10.0.0.1 → 10.0.0.2, UDP
const bcast = hex(ipv4Frame({ dstMac: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] }));
const field = (off: number) => code(`r0 = *(u32 *)(r1 + ${off})\nexit`);
const fits = (n: number) => code(`r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr2 += ${n}\nr0 = 0\nif r2 > r3 goto +1\nr0 = 1\nexit`);
/** 1 when the u32 field at `off` equals `v`, else 0. */
const is = (off: number, v: number) => code(`r2 = *(u32 *)(r1 + ${off})\nr0 = 0\nif r2 != ${v} goto +1\nr0 = 1\nexit`);
const ctx192 = (fields: Record<number, number>): string => {
  const b = new Uint8Array(192);
  for (const [off, v] of Object.entries(fields)) new DataView(b.buffer).setUint32(Number(off), v, true);
  return hex(b);
};

kernelDiff(
  'skb test_run contexts',
  [
    step(as(progLoad(SCHED_CLS, field(0)), 'len'), 'ok'),
    step(testRun('len', frame), { retval: 38 }),
    step(as(progLoad(SOCKET_FILTER, field(0)), 'sflen'), 'ok'),
    step(testRun('sflen', frame), { retval: 24 }),
    step(as(progLoad(SCHED_CLS, field(16)), 'proto'), 'ok'),
    step(testRun('proto', frame), { retval: 8 }),
    step(as(progLoad(SCHED_CLS, field(4)), 'pkttype'), 'ok'),
    step(testRun('pkttype', frame), { retval: 0 }),
    step(testRun('pkttype', bcast), { retval: 2 }), // lo's broadcast address is zero: ff:.. is multicast there
    step(as(progLoad(SCHED_CLS, field(40)), 'ifindex'), 'ok'),
    step(testRun('ifindex', frame), { retval: 1 }),
    step(as(progLoad(SCHED_CLS, fits(38)), 'fit38'), 'ok'),
    step(testRun('fit38', frame), { retval: 1 }),
    step(as(progLoad(SCHED_CLS, fits(39)), 'fit39'), 'ok'),
    step(testRun('fit39', frame), { retval: 0 }),
    step(as(progLoad(SOCKET_FILTER, code('r6 = r1\nr0 = *(u8 *)skb[9]\nexit')), 'ldabs'), 'ok'),
    step(testRun('ldabs', frame), { retval: 17 }),
    // cgroup_skb programs must return 0 or 1: compare inside the program
    step(as(progLoad(CGROUP_SKB, is(88, 2)), 'family'), 'ok'),
    step(testRun('family', frame), { retval: 1 }),
    step(as(progLoad(CGROUP_SKB, is(92, 0x0200000a)), 'rip4'), 'ok'),
    step(testRun('rip4', frame), { retval: 1 }),
    step(as(progLoad(CGROUP_SKB, is(96, 0x0100000a)), 'lip4'), 'ok'),
    step(testRun('lip4', frame), { retval: 1 }),
    // mark += cb[0]; return mark — with ctx_in mark 7, cb[0] 0x11, and ctx_out back
    step(as(progLoad(SCHED_CLS, code('r2 = *(u32 *)(r1 + 8)\nr3 = *(u32 *)(r1 + 48)\nr2 += r3\n*(u32 *)(r1 + 8) = r2\nr0 = r2\nexit')), 'mark'), 'ok'),
    step(testRun('mark', frame, { ctx_in: ctx192({ 8: 7, 48: 0x11 }), ctx_size_out: 192 }), { retval: 0x18 }),
    step(testRun('mark', frame, { ctx_in: ctx192({ 0: 1 }) }), 'EINVAL'),
    step(testRun('mark', frame, { ctx_in: ctx192({ 16: 1 }) }), 'EINVAL'),
    step(testRun('mark', frame, { ctx_in: ctx192({ 40: 77 }) }), 'ENODEV'),
    step(testRun('mark', frame, { ctx_in: ctx192({ 160: 10 }) }), 'EINVAL'),
  ],
  { Kernel, normalize: { drop: ['duration'] } },
);

const frame64 = hex(Uint8Array.from({ length: 64 }, (_, i) => i));
const adjust = (helper: number, off: number) =>
  code(`r6 = r1\nr2 = ${off}\ncall ${helper}\nif r0 != 0 goto +5\nr2 = *(u32 *)(r6 + 0)\nr3 = *(u32 *)(r6 + 4)\nr3 -= r2\nr0 = r3\nexit\nr0 = 1000\nexit`);

kernelDiff(
  'xdp test_run contexts and adjust helpers',
  [
    step(as(progLoad(XDP, field(12)), 'ingress'), 'ok'),
    step(testRun('ingress', frame64), { retval: 1 }),
    step(as(progLoad(XDP, adjust(44, -16)), 'grow'), 'ok'),
    step(testRun('grow', frame64, { data_size_out: 256 }), { retval: 80, data_size_out: 80 }),
    step(as(progLoad(XDP, adjust(44, 20)), 'shrink'), 'ok'),
    step(testRun('shrink', frame64, { data_size_out: 256 }), { retval: 44, data_size_out: 44 }),
    step(as(progLoad(XDP, adjust(44, -217)), 'toofar'), 'ok'),
    step(testRun('toofar', frame64, { data_size_out: 256 }), { retval: 1000 }),
    step(as(progLoad(XDP, adjust(44, -216)), 'edge'), 'ok'), // data lands right after struct xdp_frame (40 bytes)
    step(testRun('edge', frame64, { data_size_out: 512 }), { retval: 280, data_size_out: 280 }),
    step(as(progLoad(XDP, adjust(65, 3456)), 'tailmax'), 'ok'), // up to PAGE_SIZE - 320 (shared info) - 256
    step(testRun('tailmax', frame64, { data_size_out: 4096 }), { retval: 3520 }),
    step(as(progLoad(XDP, adjust(65, 3457)), 'tailover'), 'ok'),
    step(testRun('tailover', frame64, { data_size_out: 4096 }), { retval: 1000 }),
    step(as(progLoad(XDP, adjust(65, -10)), 'trim'), 'ok'),
    step(testRun('trim', frame64, { data_size_out: 256 }), { retval: 54, data_size_out: 54 }),
    step(as(progLoad(XDP, adjust(65, 8)), 'tailgrow'), 'ok'),
    step(testRun('tailgrow', frame64, { data_size_out: 256 }), { retval: 72, data_size_out: 72 }),
    step(as(progLoad(XDP, adjust(54, -8)), 'meta'), 'ok'),
    step(testRun('meta', frame64, { data_size_out: 256 }), { retval: 64, data_size_out: 72 }),
    step(testRun('ingress', frame64, { ctx_in: hex(new Uint8Array([8, 0, 0, 0, 64, 0, 0, 0, ...new Array(16).fill(0)])), ctx_size_out: 24 }), { retval: 1 }),
    step(testRun('ingress', frame64, { ctx_in: hex(new Uint8Array([6, 0, 0, 0, 64, 0, 0, 0, ...new Array(16).fill(0)])) }), 'EINVAL'),
    step(testRun('ingress', frame64, { ctx_in: hex(new Uint8Array([0, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0])) }), 'EINVAL'),
    step(testRun('ingress', hex(new Uint8Array(13))), 'EINVAL'),
  ],
  { Kernel, normalize: { drop: ['duration'] } },
);
