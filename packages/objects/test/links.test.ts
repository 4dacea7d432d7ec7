// Links through the XDP attach point: create, one program per device, update, detach, lifetime, info, fdinfo.
import { describe, expect, it } from 'vitest';
import { LINK_INFO_SIZE } from '@bpfsim/objects';
import { FakeVfs } from './fake-vfs.js';
import { errnoOf, hex, retImm, setup, socketFilter } from './support.js';

const xdp = (proc: ReturnType<typeof setup>['proc'], imm = 2) => proc.progLoad({ prog_type: 'BPF_PROG_TYPE_XDP', insns: retImm(imm), expected_attach_type: 'BPF_XDP' });

describe('XDP links', () => {
  it('attaches a program to a device; the link holds the program; closing the link detaches and frees', () => {
    const { kernel, proc } = setup();
    const eth0 = kernel.netdevs.add('eth0');
    const p = xdp(proc);
    const p2 = xdp(proc);
    const l = proc.linkCreate(p, 'BPF_XDP', { target_ifindex: eth0.ifindex });
    expect(eth0.xdp?.prog.id).toBe(proc.progInfo(p).id);
    proc.close(p);
    expect(kernel.liveIds('prog').length).toBe(2);
    expect(proc.linkInfo(l)).toEqual({ type: 6, id: 1, prog_id: 1, ifindex: eth0.ifindex });
    expect(proc.fdinfo(l)).toBe(
      `pos:\t0\nflags:\t02000000\nmnt_id:\t17\nino:\t1038\nlink_type:\txdp\nlink_id:\t1\nprog_tag:\t614b434cd8324ecc\nprog_id:\t1\nifindex:\t${eth0.ifindex}\n`,
    );
    proc.linkDetach(l);
    expect(proc.fdinfo(l)).toContain(`prog_id:\t1\nifindex:\t0\n`); // still holds the program, off the device
    expect(proc.linkInfo(l).ifindex).toBe(0);
    expect(errnoOf(() => proc.linkUpdate(l, p2))).toBe('ENOLINK');
    proc.linkDetach(l); // detaching twice is fine
    proc.close(p2);
    proc.close(l);
    expect(eth0.xdp).toBeUndefined();
    expect(kernel.liveIds('prog')).toEqual([]);
    expect(kernel.liveIds('link')).toEqual([]);
  });

  it('one XDP program per device (EBUSY); no such device and wrong program type (EINVAL), as on 6.18', () => {
    const { kernel, proc } = setup();
    const p = xdp(proc);
    proc.linkCreate(p, 'BPF_XDP', { target_ifindex: 1 });
    expect(errnoOf(() => proc.linkCreate(p, 'BPF_XDP', { target_ifindex: 1 }))).toBe('EBUSY');
    expect(errnoOf(() => proc.linkCreate(p, 'BPF_XDP', { target_ifindex: 999 }))).toBe('EINVAL');
    const sf = socketFilter(proc);
    expect(errnoOf(() => proc.linkCreate(sf, 'BPF_XDP', { target_ifindex: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => proc.linkCreate(p, 'BPF_CGROUP_INET_INGRESS', { target_fd: 0 }))).toBe('EINVAL');
    expect(kernel.liveIds('link')).toEqual([1]);
  });

  it('LINK_UPDATE swaps the program (old reference dropped); BPF_F_REPLACE checks the old one (EPERM)', () => {
    const { kernel, proc } = setup();
    const a = xdp(proc, 1);
    const b = xdp(proc, 2);
    const l = proc.linkCreate(a, 'BPF_XDP', { target_ifindex: 1 });
    proc.close(a);
    expect(errnoOf(() => proc.linkUpdate(l, b, { flags: 4, old_prog_fd: b }))).toBe('EPERM');
    proc.linkUpdate(l, b);
    expect(kernel.liveIds('prog')).toEqual([2]);
    expect(kernel.netdevs.get(1)!.xdp?.prog.id).toBe(2);
    expect(errnoOf(() => proc.linkUpdate(l, b, { old_prog_fd: b }))).toBe('EINVAL');
    expect(errnoOf(() => proc.linkUpdate(b, b))).toBe('EINVAL');
  });

  it('LINK_DETACH takes the program off the device; the link lives on until its fds and pins go', () => {
    const { kernel, proc } = setup();
    const vfs = new FakeVfs();
    kernel.installVfs(vfs);
    const p = xdp(proc);
    const l = proc.linkCreate(p, 'BPF_XDP', { target_ifindex: 1 });
    proc.objPin(l, '/sys/fs/bpf/link');
    proc.linkDetach(l);
    expect(kernel.netdevs.get(1)!.xdp).toBeUndefined();
    proc.close(l);
    proc.close(p);
    expect(kernel.liveIds('link')).toEqual([1]);
    const again = proc.objGet('/sys/fs/bpf/link');
    const info = new Uint8Array(LINK_INFO_SIZE);
    proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: again, info, info_len: LINK_INFO_SIZE });
    expect(hex(info.subarray(0, 20))).toBe('06000000' + '01000000' + '01000000' + '00000000' + '00000000');
    expect(errnoOf(() => proc.objGet('/sys/fs/bpf/link', 1 << 3))).toBe('EINVAL');
    proc.close(again);
    vfs.unlink('/sys/fs/bpf/link');
    expect(kernel.liveIds('link')).toEqual([]);
    expect(kernel.liveIds('prog')).toEqual([]);
    expect(errnoOf(() => proc.linkDetach(p))).toBe('EBADF');
  });

  it('GET_NEXT_ID and GET_FD_BY_ID cover links', () => {
    const { proc } = setup();
    const l = proc.linkCreate(xdp(proc), 'BPF_XDP', { target_ifindex: 1 });
    expect(proc.getNextId('link', 0)).toBe(1);
    const again = proc.getFdById('link', 1);
    expect(proc.linkInfo(again).id).toBe(proc.linkInfo(l).id);
    expect(errnoOf(() => proc.getFdById('link', 2))).toBe('ENOENT');
  });
});
