// Simulated network devices: creating and deleting them, what deletion does to what is attached (the kernel's
// unregister_netdevice → tcx_uninstall + dev_xdp_uninstall), and frames received by a device. The errnos and the
// auto-detach behaviour were recorded on Linux 6.18 (netdev.kernel.test.ts replays them against the live kernel).
import { describe, expect, it } from 'vitest';
import {
  setXdpProgram,
  tcxRun,
  xdpReceive,
  XDP_ABORTED,
  XDP_DROP,
  XDP_FLAGS_DRV_MODE,
  XDP_FLAGS_SKB_MODE,
  XDP_PASS,
  XDP_REDIRECT,
  XDP_TX,
  TCX_DROP,
  TCX_NEXT,
} from '@bpfsim/objects';
import { errnoOf, ipv4Frame, load, setup } from '../progs/support.js';

const XDP = 'BPF_PROG_TYPE_XDP';

function world() {
  const { kernel, proc } = setup();
  const [v0, v1] = kernel.netdevs.addVethPair('v0', 'v1');
  const xdp = (r0: number) => load(proc, XDP, `r0 = ${r0}\nexit`);
  const cls = (r0: number) => load(proc, 'BPF_PROG_TYPE_SCHED_CLS', `r0 = ${r0}\nexit`);
  const frees = (kind: string) => kernel.events.filter((e) => e.type === 'free' && e.kind === kind).map((e) => e.id);
  const progId = (fd: number) => proc.progInfo(fd).id;
  return { kernel, proc, v0, v1, xdp, cls, frees, progId };
}

describe('network devices', () => {
  it('add / addVethPair / remove: ifindexes are not reused, names are checked, lo cannot go', () => {
    const { kernel } = setup();
    expect(kernel.netdevs.get(1)).toMatchObject({ name: 'lo', kind: 'loopback' });
    const [a, b] = kernel.netdevs.addVethPair('a0', 'b0');
    expect([b.ifindex, a.ifindex]).toEqual([2, 3]); // the peer is created first, as `ip link add a0 type veth peer name b0`
    expect(a.peer).toBe(b);
    kernel.netdevs.remove(b.ifindex); // either end takes the other with it (veth_dellink)
    expect(kernel.netdevs.list().map((d) => d.name)).toEqual(['lo']);
    expect([a.registered, b.registered]).toEqual([false, false]);
    expect(kernel.netdevs.add('a0').ifindex).toBe(4);
    const d = kernel.netdevs.add('d0', { kind: 'dummy' });
    kernel.netdevs.remove(d.ifindex);
    expect(kernel.netdevs.byName('d0')).toBeUndefined();
    expect(errnoOf(() => kernel.netdevs.remove(d.ifindex))).toBe('ENODEV');
    expect(errnoOf(() => kernel.netdevs.remove(1))).toBe('EOPNOTSUPP');
    expect(errnoOf(() => kernel.netdevs.add('a0'))).toBe('EEXIST');
    for (const bad of ['', 'x'.repeat(16), 'a/b', 'a:b', 'a b', '.', '..']) expect(errnoOf(() => kernel.netdevs.add(bad))).toBe('EINVAL');
    expect(errnoOf(() => kernel.netdevs.addVethPair('p', 'p'))).toBe('EEXIST');
    expect(kernel.netdevs.list().map((x) => x.name)).toEqual(['lo', 'a0']); // failures added nothing
  });

  it('removing the device auto-detaches its XDP link: fd valid, ifindex 0, LINK_DETACH 0, LINK_UPDATE ENOLINK', () => {
    const w = world();
    const [p, q] = [w.xdp(1), w.xdp(3)];
    const pid = w.progId(p);
    const link = w.proc.linkCreate(p, 'BPF_XDP', { target_ifindex: w.v0.ifindex });
    const linkId = w.proc.linkInfo(link).id;
    expect(w.proc.fdinfo(link)).toContain(`ifindex:\t${w.v0.ifindex}\n`);
    w.proc.close(p);
    w.kernel.netdevs.remove(w.v0.ifindex);
    expect(w.v0.xdp).toBeUndefined();
    expect(w.proc.fdinfo(link)).toContain('ifindex:\t0\n');
    expect(w.proc.linkInfo(link)).toMatchObject({ id: linkId, ifindex: 0 });
    expect(errnoOf(() => w.proc.linkUpdate(link, q))).toBe('ENOLINK');
    expect(errnoOf(() => w.proc.linkUpdate(link, q, { old_prog_fd: q, flags: 4 }))).toBe('ENOLINK'); // before EPERM
    w.proc.linkDetach(link);
    w.proc.linkDetach(link);
    expect(w.frees('prog')).toEqual([]); // the link still holds its program
    w.proc.close(link);
    expect(w.frees('link')).toEqual([linkId]);
    expect(w.frees('prog')).toEqual([pid]);
    expect(errnoOf(() => w.proc.linkCreate(q, 'BPF_XDP', { target_ifindex: w.v0.ifindex }))).toBe('EINVAL');
  });

  it('a legacy program loses the device reference: freed on removal if nothing else holds it, else later, once', () => {
    const w = world();
    const [p, q] = [w.xdp(1), w.xdp(2)];
    const [pid, qid] = [w.progId(p), w.progId(q)];
    setXdpProgram(w.proc, w.v0.ifindex, p);
    setXdpProgram(w.proc, w.v1.ifindex, q, { flags: XDP_FLAGS_SKB_MODE });
    w.proc.close(p);
    expect(w.frees('prog')).toEqual([]);
    w.kernel.netdevs.remove(w.v1.ifindex); // takes v0 along
    expect(w.frees('prog')).toEqual([pid]);
    expect(errnoOf(() => w.proc.getFdById('prog', pid))).toBe('ENOENT');
    w.proc.close(q);
    expect(w.frees('prog')).toEqual([pid, qid]);
    expect(errnoOf(() => setXdpProgram(w.proc, w.v0.ifindex, -1))).toBe('ENODEV');
  });

  it('removing the device detaches its tcx links on both hooks; their fds stay usable', () => {
    const w = world();
    const ing = w.proc.linkCreate(w.cls(2), 'BPF_TCX_INGRESS', { target_ifindex: w.v0.ifindex });
    const eg = w.proc.linkCreate(w.cls(2), 'BPF_TCX_EGRESS', { target_ifindex: w.v0.ifindex });
    const other = w.proc.linkCreate(w.cls(2), 'BPF_TCX_INGRESS', { target_ifindex: 1 });
    expect(tcxRun(w.kernel, w.v0.ifindex, ipv4Frame(), 'egress').action).toBe(TCX_DROP);
    w.kernel.netdevs.remove(w.v0.ifindex);
    for (const l of [ing, eg]) {
      expect(w.proc.linkInfo(l)).toMatchObject({ ifindex: 0 });
      expect(w.proc.fdinfo(l)).toContain('ifindex:\t0\n');
      expect(errnoOf(() => w.proc.linkUpdate(l, w.cls(0)))).toBe('ENOLINK');
      w.proc.linkDetach(l);
    }
    expect(w.proc.linkInfo(other)).toMatchObject({ ifindex: 1 });
    expect(tcxRun(w.kernel, 1, ipv4Frame(), 'ingress').action).toBe(TCX_DROP);
    expect(errnoOf(() => tcxRun(w.kernel, w.v0.ifindex, ipv4Frame(), 'ingress'))).toBe('ENODEV');
    w.proc.close(ing);
    w.proc.close(eg);
    expect(w.frees('link')).toHaveLength(2);
  });

  it('a removed device is gone everywhere: receive, test_run ingress_ifindex, LINK_CREATE', () => {
    const w = world();
    const p = w.xdp(2);
    w.kernel.netdevs.remove(w.v0.ifindex);
    expect(errnoOf(() => xdpReceive(w.kernel, w.v0.ifindex, ipv4Frame()))).toBe('ENODEV');
    const ctx = new Uint8Array(24);
    new DataView(ctx.buffer).setUint32(12, w.v0.ifindex, true);
    expect(errnoOf(() => w.proc.progTestRun(p, { data_in: ipv4Frame(), ctx_in: ctx }))).toBe('ENODEV');
    expect(errnoOf(() => w.proc.linkCreate(w.cls(0), 'BPF_TCX_INGRESS', { target_ifindex: w.v0.ifindex }))).toBe('ENODEV');
  });

  it('a LINK_CREATE refused after the link was primed uses up a link ID (bpf_link_prime / bpf_link_cleanup)', () => {
    const w = world();
    const p = w.xdp(2);
    const first = w.proc.linkInfo(w.proc.linkCreate(p, 'BPF_XDP', { target_ifindex: w.v0.ifindex })).id;
    expect(errnoOf(() => w.proc.linkCreate(w.xdp(2), 'BPF_XDP', { target_ifindex: w.v0.ifindex }))).toBe('EBUSY'); // primed
    expect(errnoOf(() => w.proc.linkCreate(p, 'BPF_XDP', { target_ifindex: w.v0.ifindex, flags: 1 }))).toBe('EINVAL'); // not yet
    expect(errnoOf(() => w.proc.linkCreate(p, 'BPF_XDP', { target_ifindex: 99 }))).toBe('EINVAL'); // not yet
    const c = w.cls(0);
    const second = w.proc.linkInfo(w.proc.linkCreate(c, 'BPF_TCX_INGRESS', { target_ifindex: w.v0.ifindex })).id;
    expect(second).toBe(first + 2);
    expect(errnoOf(() => w.proc.linkCreate(c, 'BPF_TCX_INGRESS', { target_ifindex: w.v0.ifindex }))).toBe('EEXIST'); // primed
    expect(errnoOf(() => w.proc.linkCreate(c, 'BPF_TCX_INGRESS', { target_ifindex: 99 }))).toBe('ENODEV'); // not yet
    expect(w.proc.linkInfo(w.proc.linkCreate(c, 'BPF_TCX_EGRESS', { target_ifindex: w.v0.ifindex })).id).toBe(second + 2);
    expect(w.kernel.liveIds('link')).toEqual([first, second, second + 2]);
  });

  it('a device without native XDP (lo, dummy) runs programs in generic mode only', () => {
    const w = world();
    const d = w.kernel.netdevs.add('d0', { kind: 'dummy' });
    const p = w.xdp(1);
    for (const ifindex of [1, d.ifindex]) {
      expect(errnoOf(() => setXdpProgram(w.proc, ifindex, p, { flags: XDP_FLAGS_DRV_MODE }))).toBe('EOPNOTSUPP');
      expect(errnoOf(() => w.proc.linkCreate(p, 'BPF_XDP', { target_ifindex: ifindex, flags: XDP_FLAGS_DRV_MODE }))).toBe('EOPNOTSUPP');
      setXdpProgram(w.proc, ifindex, p);
      expect(w.kernel.netdevs.get(ifindex)!.xdp).toMatchObject({ mode: 'skb' });
      expect(xdpReceive(w.kernel, ifindex, ipv4Frame()).action).toBe(XDP_DROP);
      setXdpProgram(w.proc, ifindex, -1, { flags: XDP_FLAGS_SKB_MODE });
      expect(w.kernel.netdevs.get(ifindex)!.xdp).toBeUndefined();
    }
    setXdpProgram(w.proc, w.v0.ifindex, p);
    expect(w.v0.xdp).toMatchObject({ mode: 'drv' }); // veth has ndo_bpf
  });
});

describe('frames received by a device', () => {
  it('every action comes back as the kernel enum, from link-attached and legacy programs; nothing attached is XDP_PASS', () => {
    const w = world();
    const frame = ipv4Frame();
    const nothing = xdpReceive(w.kernel, w.v0.ifindex, frame);
    expect(nothing).toEqual({ action: XDP_PASS, frame });
    expect(nothing.frame).not.toBe(frame);
    for (const action of [XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT]) {
      const p = w.xdp(action);
      const link = w.proc.linkCreate(p, 'BPF_XDP', { target_ifindex: w.v0.ifindex });
      expect(xdpReceive(w.kernel, w.v0.ifindex, frame).action).toBe(action);
      w.proc.close(link);
      setXdpProgram(w.proc, w.v1.ifindex, p, { flags: XDP_FLAGS_SKB_MODE });
      expect(xdpReceive(w.kernel, w.v1.ifindex, frame).action).toBe(action);
      setXdpProgram(w.proc, w.v1.ifindex, -1, { flags: XDP_FLAGS_SKB_MODE });
    }
    setXdpProgram(w.proc, w.v0.ifindex, w.xdp(5)); // not an xdp_action: handled as XDP_ABORTED
    expect(xdpReceive(w.kernel, w.v0.ifindex, frame).action).toBe(XDP_ABORTED);
    expect(errnoOf(() => xdpReceive(w.kernel, w.v0.ifindex, new Uint8Array(13)))).toBe('EINVAL');
    expect(errnoOf(() => xdpReceive(w.kernel, w.v0.ifindex, new Uint8Array(4096)))).toBe('EINVAL');
  });

  it('the program sees its device as ingress_ifindex and the frame comes back as it left it (adjust_head / adjust_tail)', () => {
    const w = world();
    // pop 14 bytes off the front (bpf_xdp_adjust_head(ctx, 14)), grow the tail by 2 (adjust_tail(ctx, 2)),
    // write ingress_ifindex into the new first byte, return XDP_TX
    const p = load(w.proc, XDP, `
      r6 = r1
      r2 = 14
      call bpf_xdp_adjust_head
      if r0 != 0 goto +13
      r1 = r6
      r2 = 2
      call bpf_xdp_adjust_tail
      if r0 != 0 goto +9
      r2 = *(u32 *)(r6 + 0)
      r3 = *(u32 *)(r6 + 4)
      r4 = r2
      r4 += 1
      if r4 > r3 goto +6
      r5 = *(u32 *)(r6 + 12)
      *(u8 *)(r2 + 0) = r5
      r0 = 3
      exit
      r0 = 0
      exit
      r0 = 1
      exit`);
    setXdpProgram(w.proc, w.v0.ifindex, p);
    const frame = ipv4Frame({ payload: [1, 2, 3, 4, 5, 6] });
    const v = xdpReceive(w.kernel, w.v0.ifindex, frame);
    expect(v.action).toBe(XDP_TX);
    // hand-computed: the IP header and payload (frame[14..]), first byte replaced by the ifindex, two zero bytes more
    const expected = new Uint8Array([...frame.slice(14), 0, 0]);
    expected[0] = w.v0.ifindex;
    expect(v.frame).toEqual(expected);
    expect(frame[14]).toBe(0x45); // the caller's frame is not modified
  });

  it('LINK_UPDATE changes what the device runs; after removal nothing runs', () => {
    const w = world();
    const link = w.proc.linkCreate(w.xdp(1), 'BPF_XDP', { target_ifindex: w.v0.ifindex });
    w.proc.linkUpdate(link, w.xdp(3));
    expect(xdpReceive(w.kernel, w.v0.ifindex, ipv4Frame()).action).toBe(XDP_TX);
    expect(tcxRun(w.kernel, w.v0.ifindex, ipv4Frame(), 'ingress').action).toBe(TCX_NEXT);
  });
});
