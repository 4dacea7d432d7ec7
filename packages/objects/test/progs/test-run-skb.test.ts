// BPF_PROG_TEST_RUN for skb programs (net/bpf/test_run.c bpf_prog_test_run_skb). Field offsets come from
// /usr/include/linux/bpf.h (checked with offsetof: len 0, pkt_type 4, mark 8, protocol 16, priority 32,
// ingress_ifindex 36, ifindex 40, cb 48, data 76, data_end 80, family 88, remote_ip4 92, local_ip4 96, tstamp 152,
// wire_len 160, gso_segs 164, gso_size 176, hwtstamp 184; sizeof 192).
import { describe, expect, it } from 'vitest';
import { errnoOf, ipv4Frame, load, setup, u32At } from './support.js';

const SCHED_CLS = 'BPF_PROG_TYPE_SCHED_CLS';
const SOCKET_FILTER = 'BPF_PROG_TYPE_SOCKET_FILTER';

/** A program returning the u32 __sk_buff field at `off`. */
const field = (off: number) => `r0 = *(u32 *)(r1 + ${off})\nexit`;

for (const jit of [false, true]) {
  describe(`skb test_run (${jit ? 'jit' : 'interpreter'})`, () => {
    it('a tc program sees the whole frame: len, protocol (__be16 as stored), ifindex 1, pkt_type', () => {
      const { proc } = setup({ jit });
      const frame = ipv4Frame(); // 14 + 20 + 4 = 38 bytes, dst MAC 00:..:00 = the device's → PACKET_HOST
      const run = (text: string, f = frame) => proc.progTestRun(load(proc, SCHED_CLS, text), { data_in: f }).retval;
      expect(run(field(0))).toBe(38);
      expect(run(field(16))).toBe(0x0008); // htons(ETH_P_IP)
      expect(run(field(40))).toBe(1);
      expect(run(field(4))).toBe(0);
      // lo's broadcast address is all zeros (loopback_setup), so ff:ff:ff:ff:ff:ff is PACKET_MULTICAST there
      expect(run(field(4), ipv4Frame({ dstMac: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] }))).toBe(2);
      expect(run(field(4), ipv4Frame({ dstMac: [0x01, 0, 0x5e, 0, 0, 1] }))).toBe(2); // PACKET_MULTICAST
      expect(run(field(4), ipv4Frame({ dstMac: [0x02, 0, 0, 0, 0, 9] }))).toBe(3); // PACKET_OTHERHOST
      expect(run(field(88))).toBe(2); // AF_INET
      expect(run(field(92))).toBe(0x0200000a); // remote_ip4 = daddr 10.0.0.2 as stored (network order)
      expect(run(field(96))).toBe(0x0100000a); // local_ip4 = saddr 10.0.0.1
    });

    it('a socket filter sees skb->data at the network header: len excludes the MAC header, LD_ABS reads from L3', () => {
      const { proc } = setup({ jit });
      const frame = ipv4Frame();
      expect(proc.progTestRun(load(proc, SOCKET_FILTER, field(0)), { data_in: frame }).retval).toBe(24);
      // ldb [9] = IP protocol byte (17, UDP) of the network header
      const ldabs = load(proc, SOCKET_FILTER, 'r6 = r1\nr0 = *(u8 *)skb[9]\nexit');
      expect(proc.progTestRun(ldabs, { data_in: frame }).retval).toBe(17);
    });

    it('direct packet access: data/data_end bound the frame and tc programs may rewrite it', () => {
      const { proc } = setup({ jit });
      // if (data + 14 > data_end) return 0; eth->h_dest[0] = 0xaa; return ethertype high byte
      const p = load(proc, SCHED_CLS, `
        r2 = *(u32 *)(r1 + 76)
        r3 = *(u32 *)(r1 + 80)
        r4 = r2
        r4 += 14
        if r4 > r3 goto +5
        r5 = 0xaa
        *(u8 *)(r2 + 0) = r5
        r0 = *(u8 *)(r2 + 12)
        r0 <<= 8
        exit
        r0 = 0
        exit`);
      const frame = ipv4Frame();
      const out = proc.progTestRun(p, { data_in: frame });
      expect(out.retval).toBe(0x0800);
      expect(out.data_out![0]).toBe(0xaa);
      expect(Buffer.from(out.data_out!.subarray(1))).toEqual(Buffer.from(frame.subarray(1)));
      // data_end - data = frame length
      const len = load(proc, SCHED_CLS, 'r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr3 -= r2\nr0 = r3\nexit');
      expect(proc.progTestRun(len, { data_in: frame }).retval).toBe(38);
    });

    it('data_out of a non-L2 program has the MAC header zeroed (as the kernel pushes and memsets it)', () => {
      const { proc } = setup({ jit });
      const frame = Uint8Array.from({ length: 64 }, (_, i) => i);
      const out = proc.progTestRun(load(proc, SOCKET_FILTER, 'r0 = 0\nexit'), { data_in: frame, data_size_out: 256 });
      expect(Buffer.from(out.data_out!).toString('hex')).toBe(`${'00'.repeat(14)}${Buffer.from(frame.subarray(14)).toString('hex')}`);
    });

    it('ctx_in: mark, priority, cb, tstamp go in; the program sees them; ctx_out reports what it changed', () => {
      const { proc } = setup({ jit });
      const ctx = new Uint8Array(192);
      const v = new DataView(ctx.buffer);
      v.setUint32(8, 7, true); // mark
      v.setUint32(32, 3, true); // priority
      v.setUint32(48, 0x11, true); // cb[0]
      // mark += cb[0]; cb[4] = 0x55; priority = 9; return mark
      const p = load(proc, SCHED_CLS, `
        r2 = *(u32 *)(r1 + 8)
        r3 = *(u32 *)(r1 + 48)
        r2 += r3
        *(u32 *)(r1 + 8) = r2
        r4 = 0x55
        *(u32 *)(r1 + 64) = r4
        r4 = 9
        *(u32 *)(r1 + 32) = r4
        r0 = r2
        exit`);
      const out = proc.progTestRun(p, { data_in: ipv4Frame(), ctx_in: ctx, ctx_size_out: 192 });
      expect(out.retval).toBe(0x18);
      const o = out.ctx_out!;
      expect(o.length).toBe(192);
      expect(u32At(o, 8)).toBe(0x18);
      expect(u32At(o, 32)).toBe(9);
      expect(u32At(o, 64)).toBe(0x55);
      expect(u32At(o, 40)).toBe(1); // ifindex
      expect(u32At(o, 160)).toBe(38); // wire_len = skb->len
      expect(u32At(o, 0)).toBe(0); // len is not copied back
    });

    it('ctx_in fields test_run does not take must be zero (EINVAL); a too-long ctx with a non-zero tail is E2BIG', () => {
      const { proc } = setup({ jit });
      const p = load(proc, SCHED_CLS, 'r0 = 0\nexit');
      for (const off of [0, 4, 16, 44, 68, 76, 88, 168, 180]) {
        const ctx = new Uint8Array(192);
        ctx[off] = 1;
        expect(errnoOf(() => proc.progTestRun(p, { data_in: ipv4Frame(), ctx_in: ctx })), `offset ${off}`).toBe('EINVAL');
      }
      const long = new Uint8Array(200);
      long[196] = 1;
      expect(errnoOf(() => proc.progTestRun(p, { data_in: ipv4Frame(), ctx_in: long }))).toBe('E2BIG');
      const longZero = new Uint8Array(200);
      expect(proc.progTestRun(p, { data_in: ipv4Frame(), ctx_in: longZero }).retval).toBe(0);
      const wire = new Uint8Array(192);
      new DataView(wire.buffer).setUint32(160, 10, true); // wire_len < len
      expect(errnoOf(() => proc.progTestRun(p, { data_in: ipv4Frame(), ctx_in: wire }))).toBe('EINVAL');
    });

    it('ctx_in.ifindex names the device: unknown → ENODEV, known → the program sees it', () => {
      const { kernel, proc } = setup({ jit });
      const dev = kernel.netdevs.add('veth0');
      const p = load(proc, SCHED_CLS, field(40));
      const ctx = new Uint8Array(192);
      new DataView(ctx.buffer).setUint32(40, 99, true);
      expect(errnoOf(() => proc.progTestRun(p, { data_in: ipv4Frame(), ctx_in: ctx }))).toBe('ENODEV');
      new DataView(ctx.buffer).setUint32(40, dev.ifindex, true);
      expect(proc.progTestRun(p, { data_in: ipv4Frame(), ctx_in: ctx }).retval).toBe(dev.ifindex);
      // an Ethernet device has the ff:ff:ff:ff:ff:ff broadcast address: PACKET_BROADCAST
      const pktType = load(proc, SCHED_CLS, field(4));
      const bcast = ipv4Frame({ dstMac: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] });
      expect(proc.progTestRun(pktType, { data_in: bcast, ctx_in: ctx }).retval).toBe(1);
    });

    it('data_in shorter than ETH_HLEN or longer than a page allows is EINVAL; flags/cpu must be 0', () => {
      const { proc } = setup({ jit });
      const p = load(proc, SCHED_CLS, 'r0 = 1\nexit');
      expect(errnoOf(() => proc.progTestRun(p, { data_in: new Uint8Array(13) }))).toBe('EINVAL');
      expect(errnoOf(() => proc.progTestRun(p, { data_in: new Uint8Array(3713) }))).toBe('EINVAL');
      expect(proc.progTestRun(p, { data_in: new Uint8Array(3712) }).retval).toBe(1);
      expect(errnoOf(() => proc.progTestRun(p, { data_in: new Uint8Array(14), flags: 1 }))).toBe('EINVAL');
      expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: p }))).toBe('EINVAL');
    });

    it('data_out too small: what fits is copied, data_size_out says the full size, ENOSPC', () => {
      const { proc } = setup({ jit });
      const p = load(proc, SCHED_CLS, 'r0 = 1\nexit');
      const frame = Uint8Array.from({ length: 64 }, (_, i) => i);
      const attr: Record<string, unknown> = { prog_fd: p, data_in: frame, data_out: new Uint8Array(8), data_size_out: 8 };
      expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', attr))).toBe('ENOSPC');
      expect(attr.data_size_out).toBe(64);
      expect(Buffer.from(attr.data_out as Uint8Array).toString('hex')).toBe('0001020304050607');
      expect(attr.retval).toBe(1);
    });

    it('repeat runs the program repeat times (stateful map counter) and duration is the average per run', () => {
      let t = 0n;
      const { proc } = setup({ jit, clock: () => (t += 500n) });
      const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 1 });
      const p = load(proc, SCHED_CLS, `
        r1 = 0
        *(u32 *)(r10 - 4) = r1
        r2 = r10
        r2 += -4
        r1 = map_fd({m})
        call bpf_map_lookup_elem
        if r0 == 0 goto +3
        r1 = 1
        lock *(u64 *)(r0 + 0) += r1
        r0 = *(u64 *)(r0 + 0)
        exit`, { m });
      const out = proc.progTestRun(p, { data_in: ipv4Frame(), repeat: 5 });
      expect(out.retval).toBe(5);
      expect(out.duration).toBe(100); // two clock readings 500 ns apart, over 5 runs
    });
  });
}
