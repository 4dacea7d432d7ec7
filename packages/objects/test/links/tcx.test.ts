// tcx links: sched_cls programs on a device's ingress/egress, run in order until one decides.
import { describe, expect, it } from 'vitest';
import { tcxRun, TCX_DROP, TCX_NEXT, TCX_PASS } from '@bpfsim/objects';
import { tcxDeviceGone } from '../../src/links/tcx.js';
import { errnoOf, ipv4Frame, load, setup } from '../progs/support.js';

function world() {
  const { kernel, proc } = setup();
  const dev = kernel.netdevs.add('veth0');
  const prog = (r0: number) => load(proc, 'BPF_PROG_TYPE_SCHED_CLS', `r0 = ${r0}\nexit`);
  const attach = (p: number, dir = 'BPF_TCX_INGRESS') => proc.linkCreate(p, dir, { target_ifindex: dev.ifindex });
  const run = (dir: 'ingress' | 'egress' = 'ingress') => tcxRun(kernel, dev.ifindex, ipv4Frame(), dir);
  return { kernel, proc, dev, prog, attach, run };
}

describe('tcx', () => {
  it('programs run in attach order until one returns something other than TCX_NEXT', () => {
    const w = world();
    const [next, drop, pass] = [w.prog(-1), w.prog(2), w.prog(0)];
    expect(w.run().action).toBe(TCX_NEXT); // nothing attached
    w.attach(next);
    w.attach(drop);
    w.attach(pass);
    const v = w.run();
    expect(v.action).toBe(TCX_DROP);
    expect(v.ran.map((p) => p.id)).toEqual([w.proc.progInfo(next).id, w.proc.progInfo(drop).id]);
    expect(w.run('egress').action).toBe(TCX_NEXT); // egress has its own list
  });

  it('unknown return codes end the run but count as TCX_NEXT (tcx_action_code)', () => {
    const w = world();
    w.attach(w.prog(1)); // TC_ACT_RECLASSIFY
    w.attach(w.prog(2));
    const v = w.run();
    expect(v.action).toBe(TCX_NEXT);
    expect(v.ran).toHaveLength(1);
  });

  it('a program sees the frame from the MAC header and may rewrite it', () => {
    const w = world();
    w.attach(load(w.proc, 'BPF_PROG_TYPE_SCHED_CLS', `
      r2 = *(u32 *)(r1 + 76)
      r3 = *(u32 *)(r1 + 80)
      r4 = r2
      r4 += 14
      if r4 > r3 goto +3
      r5 = 0x42
      *(u8 *)(r2 + 0) = r5
      r0 = 0
      exit`));
    const v = w.run();
    expect(v.action).toBe(TCX_PASS);
    expect(v.frame[0]).toBe(0x42);
  });

  it('same program twice on a hook: EEXIST; wrong type EINVAL; unknown device ENODEV; placement flags EINVAL', () => {
    const w = world();
    const p = w.prog(0);
    w.attach(p);
    expect(errnoOf(() => w.attach(p))).toBe('EEXIST');
    w.attach(p, 'BPF_TCX_EGRESS'); // the other direction is another hook
    expect(errnoOf(() => w.attach(load(w.proc, 'BPF_PROG_TYPE_XDP', 'r0 = 2\nexit')))).toBe('EINVAL');
    expect(errnoOf(() => w.proc.linkCreate(p, 'BPF_TCX_INGRESS', { target_ifindex: 77 }))).toBe('ENODEV');
    expect(errnoOf(() => w.proc.linkCreate(w.prog(0), 'BPF_TCX_INGRESS', { target_ifindex: w.dev.ifindex, flags: 1 << 3 }))).toBe('EINVAL');
  });

  it('LINK_UPDATE swaps the program in place; LINK_DETACH removes it (ifindex 0); closing the link too', () => {
    const w = world();
    const [a, b] = [w.prog(0), w.prog(2)];
    const l1 = w.attach(w.prog(-1));
    const l2 = w.attach(a);
    w.proc.linkUpdate(l2, b);
    expect(w.run().action).toBe(TCX_DROP);
    expect(w.proc.fdinfo(l2)).toContain(`ifindex:\t${w.dev.ifindex}\nattach_type:\t46\n`);
    w.proc.linkDetach(l2);
    expect(w.run().action).toBe(TCX_NEXT);
    expect(w.proc.linkInfo(l2)).toMatchObject({ ifindex: 0, attach_type: 46 });
    expect(errnoOf(() => w.proc.linkUpdate(l2, a))).toBe('ENOLINK');
    w.proc.close(l1);
    expect(w.run().ran).toHaveLength(0);
  });

  it('when the device goes, its tcx links are detached: fd valid, ifindex 0, LINK_DETACH a no-op', () => {
    const w = world();
    const link = w.attach(w.prog(2));
    tcxDeviceGone(w.dev);
    expect(w.run().action).toBe(TCX_NEXT);
    expect(w.proc.linkInfo(link)).toMatchObject({ ifindex: 0 });
    w.proc.linkDetach(link);
    w.proc.close(link);
  });
});
