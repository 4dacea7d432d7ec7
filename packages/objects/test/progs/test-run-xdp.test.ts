// XDP: BPF_PROG_TEST_RUN (bpf_prog_test_run_xdp), struct xdp_md (data 0, data_end 4, data_meta 8,
// ingress_ifindex 12, rx_queue_index 16, egress_ifindex 20; sizeof 24), the head/tail/meta helpers, and a device
// receiving frames through an XDP link.
import { describe, expect, it } from 'vitest';
import { xdpReceive, XDP_DROP, XDP_PASS, XDP_TX } from '../../src/progs/types/xdp.js';
import { errnoOf, load, setup, u32At } from './support.js';

const XDP = 'BPF_PROG_TYPE_XDP';
const frame64 = () => Uint8Array.from({ length: 64 }, (_, i) => i);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Loads a program that calls `helper(ctx, offset)` and returns data_end - data, or 1000 + (-errno) on failure. */
const adjustProg = (helper: string, offset: number) => `
  r6 = r1
  r2 = ${offset}
  call ${helper}
  if r0 != 0 goto +5
  r2 = *(u32 *)(r6 + 0)
  r3 = *(u32 *)(r6 + 4)
  r3 -= r2
  r0 = r3
  exit
  r0 = -r0
  r0 += 1000
  exit`;

for (const jit of [false, true]) {
  describe(`xdp (${jit ? 'jit' : 'interpreter'})`, () => {
    it('retval is the action; data_out is the frame; the program sees ingress_ifindex 1 and rx queue 0', () => {
      const { proc } = setup({ jit });
      const out = proc.progTestRun(load(proc, XDP, 'r0 = 2\nexit'), { data_in: frame64(), data_size_out: 256 });
      expect(out.retval).toBe(XDP_PASS);
      expect(hex(out.data_out!)).toBe(hex(frame64()));
      expect(proc.progTestRun(load(proc, XDP, 'r0 = *(u32 *)(r1 + 12)\nexit'), { data_in: frame64() }).retval).toBe(1);
      expect(proc.progTestRun(load(proc, XDP, 'r0 = *(u32 *)(r1 + 16)\nexit'), { data_in: frame64() }).retval).toBe(0);
    });

    it('data, data_end and data_meta are pointers: data_end - data = length, data_meta = data without metadata', () => {
      const { proc } = setup({ jit });
      const p = load(proc, XDP, `
        r2 = *(u32 *)(r1 + 0)
        r3 = *(u32 *)(r1 + 4)
        r4 = *(u32 *)(r1 + 8)
        r3 -= r2
        r2 -= r4
        r2 <<= 16
        r0 = r3
        r0 |= r2
        exit`);
      expect(proc.progTestRun(p, { data_in: frame64() }).retval).toBe(64);
    });

    it('bpf_xdp_adjust_head grows into the headroom (up to 256 - sizeof(xdp_frame)) and shrinks to ETH_HLEN', () => {
      const { proc } = setup({ jit });
      const run = (off: number) => proc.progTestRun(load(proc, XDP, adjustProg('bpf_xdp_adjust_head', off)), { data_in: frame64(), data_size_out: 512 });
      const grow = run(-16);
      expect(grow.retval).toBe(80);
      expect(hex(grow.data_out!)).toBe(`${'00'.repeat(16)}${hex(frame64())}`);
      const shrink = run(20);
      expect(shrink.retval).toBe(44);
      expect(hex(shrink.data_out!)).toBe(hex(frame64().subarray(20)));
      expect(run(-216).retval).toBe(64 + 216); // data at 40 = sizeof(struct xdp_frame): allowed
      expect(run(-217).retval).toBe(1022); // -EINVAL
      expect(run(51).retval).toBe(1022); // would leave 13 < ETH_HLEN bytes
    });

    it('bpf_xdp_adjust_tail trims and grows (zero-filled) up to the page minus the shared info', () => {
      const { proc } = setup({ jit });
      const run = (off: number) => proc.progTestRun(load(proc, XDP, adjustProg('bpf_xdp_adjust_tail', off)), { data_in: frame64(), data_size_out: 4096 });
      const trim = run(-10);
      expect(trim.retval).toBe(54);
      expect(hex(trim.data_out!)).toBe(hex(frame64().subarray(0, 54)));
      const grow = run(8);
      expect(grow.retval).toBe(72);
      expect(hex(grow.data_out!)).toBe(`${hex(frame64())}${'00'.repeat(8)}`);
      expect(run(4096 - 320 - 256 - 64).retval).toBe(4096 - 320 - 256);
      expect(run(4096 - 320 - 256 - 64 + 1).retval).toBe(1022);
      expect(run(-51).retval).toBe(1022);
    });

    it('bpf_xdp_adjust_meta makes room for metadata (multiple of 4, at most 32) that data_out then carries', () => {
      const { proc } = setup({ jit });
      const run = (off: number) => proc.progTestRun(load(proc, XDP, adjustProg('bpf_xdp_adjust_meta', off)), { data_in: frame64(), data_size_out: 512 });
      const ok = run(-8);
      expect(ok.retval).toBe(64); // data..data_end unchanged
      expect(ok.data_out!.length).toBe(72); // data_meta..data_end
      expect(run(-6).retval).toBe(1013); // -EACCES: not a multiple of 4
      expect(run(-36).retval).toBe(1013); // more than 32
      expect(run(4).retval).toBe(1022); // meta after data: -EINVAL
    });

    it('ctx_in: data = metadata length taken from the front of data_in; ctx_out reports data/data_end relative to meta', () => {
      const { proc } = setup({ jit });
      const ctx = new Uint8Array(24);
      const v = new DataView(ctx.buffer);
      v.setUint32(0, 8, true); // 8 bytes of metadata
      v.setUint32(4, 64, true);
      // return (data - data_meta) << 8 | *(u8 *)data_meta
      const p = load(proc, XDP, `
        r2 = *(u32 *)(r1 + 0)
        r4 = *(u32 *)(r1 + 8)
        r0 = r2
        r0 -= r4
        r0 <<= 8
        r5 = *(u8 *)(r4 + 0)
        r0 |= r5
        exit`);
      const out = proc.progTestRun(p, { data_in: frame64(), ctx_in: ctx, ctx_size_out: 24, data_size_out: 256 });
      expect(out.retval).toBe((8 << 8) | 0);
      expect(u32At(out.ctx_out!, 0)).toBe(8);
      expect(u32At(out.ctx_out!, 4)).toBe(64);
      expect(out.data_out!.length).toBe(64);
    });

    it('ctx_in checks: data_meta set, data > data_end, odd metadata, egress_ifindex, bad device or queue', () => {
      const { kernel, proc } = setup({ jit });
      const p = load(proc, XDP, 'r0 = 2\nexit');
      const run = (fields: Record<number, number>) => {
        const ctx = new Uint8Array(24);
        for (const [off, val] of Object.entries(fields)) new DataView(ctx.buffer).setUint32(Number(off), val, true);
        return errnoOf(() => proc.progTestRun(p, { data_in: frame64(), ctx_in: ctx }));
      };
      expect(run({ 8: 4 })).toBe('EINVAL');
      expect(run({ 0: 8, 4: 4 })).toBe('EINVAL');
      expect(run({ 0: 6, 4: 64 })).toBe('EINVAL');
      expect(run({ 4: 65 })).toBe('EINVAL'); // data_end > data_size_in
      expect(run({ 20: 1 })).toBe('EINVAL');
      expect(run({ 16: 1 })).toBe('EINVAL'); // rx queue without ingress device
      expect(run({ 12: 42 })).toBe('ENODEV');
      const dev = kernel.netdevs.add('veth1');
      expect(run({ 12: dev.ifindex, 16: 1 })).toBe('EINVAL'); // one rx queue
      const seen = load(proc, XDP, 'r0 = *(u32 *)(r1 + 12)\nexit');
      const ctx = new Uint8Array(24);
      new DataView(ctx.buffer).setUint32(12, dev.ifindex, true);
      expect(proc.progTestRun(seen, { data_in: frame64(), ctx_in: ctx }).retval).toBe(dev.ifindex);
    });

    it('flags other than BPF_F_TEST_XDP_LIVE_FRAMES are EINVAL, batch_size without it EINVAL, short frames EINVAL', () => {
      const { proc } = setup({ jit });
      const p = load(proc, XDP, 'r0 = 2\nexit');
      expect(errnoOf(() => proc.progTestRun(p, { data_in: frame64(), flags: 1 }))).toBe('EINVAL');
      expect(errnoOf(() => proc.bpf('BPF_PROG_TEST_RUN', { prog_fd: p, data_in: frame64(), batch_size: 4 }))).toBe('EINVAL');
      expect(errnoOf(() => proc.progTestRun(p, { data_in: new Uint8Array(13) }))).toBe('EINVAL');
      expect(errnoOf(() => proc.progTestRun(p, { data_in: new Uint8Array(3521) }))).toBe('EINVAL');
      expect(proc.progTestRun(p, { data_in: new Uint8Array(3520) }).retval).toBe(2);
    });

    it('a device with an XDP link runs it on every received frame; after LINK_DETACH frames pass untouched', () => {
      const { kernel, proc } = setup({ jit });
      const dev = kernel.netdevs.add('veth0');
      // drop frames whose first byte is 0xff; rewrite byte 1 and XDP_TX the rest
      const p = load(proc, XDP, `
        r2 = *(u32 *)(r1 + 0)
        r3 = *(u32 *)(r1 + 4)
        r4 = r2
        r4 += 14
        if r4 > r3 goto +7
        r5 = *(u8 *)(r2 + 0)
        if r5 == 0xff goto +4
        r5 = 0x77
        *(u8 *)(r2 + 1) = r5
        r0 = 3
        exit
        r0 = 1
        exit
        r0 = 2
        exit`);
      expect(xdpReceive(kernel, dev.ifindex, frame64()).action).toBe(XDP_PASS); // nothing attached
      const link = proc.linkCreate(p, 'BPF_XDP', { target_ifindex: dev.ifindex });
      const drop = new Uint8Array(64).fill(0xff);
      expect(xdpReceive(kernel, dev.ifindex, drop).action).toBe(XDP_DROP);
      const tx = xdpReceive(kernel, dev.ifindex, frame64());
      expect(tx.action).toBe(XDP_TX);
      expect(tx.frame[1]).toBe(0x77);
      expect(xdpReceive(kernel, 1, drop).action).toBe(XDP_PASS); // other device
      proc.linkDetach(link);
      expect(xdpReceive(kernel, dev.ifindex, drop).action).toBe(XDP_PASS);
      expect(proc.linkInfo(link)).toMatchObject({ ifindex: 0 });
      expect(errnoOf(() => xdpReceive(kernel, 99, drop))).toBe('ENODEV');
    });
  });
}
