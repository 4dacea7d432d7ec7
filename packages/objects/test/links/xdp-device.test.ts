// XDP on simulated devices: legacy (netlink-style) attachment next to XDP links, the kernel's EBUSY / EEXIST rules
// from dev_xdp_attach, and frames received by the device running whichever program is on it.
import { describe, expect, it } from 'vitest';
import { setXdpProgram, XDP_FLAGS_REPLACE, XDP_FLAGS_UPDATE_IF_NOEXIST, xdpReceive } from '@bpfsim/objects';
import { errnoOf, load, setup } from '../progs/support.js';

const XDP = 'BPF_PROG_TYPE_XDP';

function world() {
  const { kernel, proc } = setup();
  const dev = kernel.netdevs.add('veth0');
  const prog = (action: number) => load(proc, XDP, `r0 = ${action}\nexit`);
  const rx = () => xdpReceive(kernel, dev.ifindex, new Uint8Array(60)).action;
  return { kernel, proc, dev, prog, rx };
}

describe('XDP device attachment', () => {
  it('a legacy program runs on received frames, can be replaced, and taken off with fd -1', () => {
    const w = world();
    const drop = w.prog(1);
    const tx = w.prog(3);
    setXdpProgram(w.proc, w.dev.ifindex, drop);
    expect(w.rx()).toBe(1);
    setXdpProgram(w.proc, w.dev.ifindex, tx);
    expect(w.rx()).toBe(3);
    setXdpProgram(w.proc, w.dev.ifindex, -1);
    expect(w.rx()).toBe(2); // XDP_PASS with nothing attached
  });

  it('XDP_FLAGS_UPDATE_IF_NOEXIST refuses to replace (EBUSY); XDP_FLAGS_REPLACE checks the expected program (EEXIST)', () => {
    const w = world();
    const [a, b, c] = [w.prog(1), w.prog(2), w.prog(3)];
    setXdpProgram(w.proc, w.dev.ifindex, a);
    expect(errnoOf(() => setXdpProgram(w.proc, w.dev.ifindex, b, { flags: XDP_FLAGS_UPDATE_IF_NOEXIST }))).toBe('EBUSY');
    expect(errnoOf(() => setXdpProgram(w.proc, w.dev.ifindex, b, { flags: XDP_FLAGS_REPLACE, expectedFd: c }))).toBe('EEXIST');
    setXdpProgram(w.proc, w.dev.ifindex, b, { flags: XDP_FLAGS_REPLACE, expectedFd: a });
    expect(w.rx()).toBe(2);
    expect(errnoOf(() => setXdpProgram(w.proc, w.dev.ifindex, c, { flags: 0b110 }))).toBe('EINVAL'); // two modes
    expect(errnoOf(() => setXdpProgram(w.proc, w.dev.ifindex, c, { flags: 1 << 5 }))).toBe('EINVAL');
    expect(errnoOf(() => setXdpProgram(w.proc, 99, c))).toBe('ENODEV');
    const sf = load(w.proc, 'BPF_PROG_TYPE_SOCKET_FILTER', 'r0 = 0\nexit');
    expect(errnoOf(() => setXdpProgram(w.proc, w.dev.ifindex, sf))).toBe('EINVAL');
  });

  it('a link-owned program cannot be replaced or removed the legacy way (EBUSY), and a link cannot replace a legacy one', () => {
    const w = world();
    const [a, b] = [w.prog(1), w.prog(3)];
    const link = w.proc.linkCreate(a, 'BPF_XDP', { target_ifindex: w.dev.ifindex });
    expect(errnoOf(() => setXdpProgram(w.proc, w.dev.ifindex, b))).toBe('EBUSY');
    expect(errnoOf(() => setXdpProgram(w.proc, w.dev.ifindex, -1))).toBe('EBUSY');
    expect(w.rx()).toBe(1);
    w.proc.close(link); // the last reference: the link takes its program off the device
    expect(w.rx()).toBe(2);
    setXdpProgram(w.proc, w.dev.ifindex, b);
    expect(errnoOf(() => w.proc.linkCreate(a, 'BPF_XDP', { target_ifindex: w.dev.ifindex }))).toBe('EBUSY');
  });

  it('the device holds its own reference: the program outlives its fd until it is taken off, then is freed once', () => {
    const w = world();
    const p = w.prog(1);
    const id = w.proc.progInfo(p).id;
    setXdpProgram(w.proc, w.dev.ifindex, p);
    const freed: number[] = [];
    w.kernel.on('free', (ev) => ev.kind === 'prog' && freed.push(ev.id));
    w.proc.close(p);
    expect(w.rx()).toBe(1);
    expect(freed).toEqual([]);
    setXdpProgram(w.proc, w.dev.ifindex, -1);
    expect(freed).toEqual([id]);
  });

  it('LINK_UPDATE swaps the program on the device; a different old_prog_fd is EPERM', () => {
    const w = world();
    const [a, b, c] = [w.prog(1), w.prog(3), w.prog(2)];
    const link = w.proc.linkCreate(a, 'BPF_XDP', { target_ifindex: w.dev.ifindex });
    expect(errnoOf(() => w.proc.linkUpdate(link, b, { old_prog_fd: c, flags: 4 }))).toBe('EPERM');
    w.proc.linkUpdate(link, b, { old_prog_fd: a, flags: 4 });
    expect(w.rx()).toBe(3);
  });
});
