// A refused bpf(2) call changes nothing: same live objects, same reference counts, same fds, same map contents.
import { describe, expect, it } from 'vitest';
import { BpfError, type Kernel } from '@bpfsim/objects';
import { FakeVfs } from './fake-vfs.js';
import { arrayMap, exit, hashMap, ldMapFd, mov64, retImm, setup, socketFilter, u32le, u64le } from './support.js';

function snapshot(kernel: Kernel) {
  const maps = kernel.liveIds('map').map((id) => {
    const m = kernel.mapIds.get(id)!;
    return { id, refcnt: m.refcnt, usercnt: m.usercnt, count: m.impl.count, frozen: m.impl.frozen };
  });
  const progs = kernel.liveIds('prog').map((id) => ({ id, refcnt: kernel.progIds.get(id)!.refcnt }));
  const links = kernel.liveIds('link').map((id) => ({ id, refcnt: kernel.linkIds.get(id)!.refcnt }));
  const fds = kernel.liveProcesses.map((p) => ({ pid: p.pid, fds: p.fds.entries().map(([fd, e]) => [fd, e.file.fileCount]) }));
  const devs = kernel.netdevs.list().map((d) => d.xdp?.prog.id ?? 0);
  return { maps, progs, links, fds, devs, events: kernel.events.events.length };
}

describe('failed commands change nothing', () => {
  it.each<[string, string]>([
    ['update with BPF_NOEXIST on an existing key', 'EEXIST'],
    ['update of a read-only fd', 'EPERM'],
    ['update with a short value buffer', 'EFAULT'],
    ['array update past max_entries', 'E2BIG'],
    ['prog load with one bad map fd among good ones', 'EBADF'],
    ['prog load refused by the GPL check', 'EINVAL'],
    ['prog load with a too small log', 'ENOSPC'],
    ['prog_array update with a map fd', 'EINVAL'],
    ['link create on a busy device', 'EBUSY'],
    ['pin onto an existing path', 'EEXIST'],
    ['GET_FD_BY_ID of a dead id', 'ENOENT'],
    ['freeze of a frozen map', 'EPERM'],
    ['test run with a short packet', 'EINVAL'],
  ])('%s → %s', (what, errno) => {
    const { kernel, proc } = setup();
    const vfs = new FakeVfs();
    kernel.installVfs(vfs);
    const h = hashMap(proc);
    proc.mapUpdate(h, u32le(1), u64le(1n));
    const a = arrayMap(proc, 2);
    const ro = proc.getFdById('map', proc.mapInfo(h).id, 1 << 3);
    const pa = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: 2 });
    const p = socketFilter(proc, [ldMapFd(1, h), mov64(0, 0), exit]);
    const x = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_XDP', insns: retImm(2) });
    proc.linkCreate(x, 'BPF_XDP', { target_ifindex: 1 });
    proc.objPin(h, '/sys/fs/bpf/h');
    const frozen = arrayMap(proc, 1);
    proc.mapFreeze(frozen);
    const before = snapshot(kernel);
    const calls: Record<string, () => unknown> = {
      'update with BPF_NOEXIST on an existing key': () => proc.mapUpdate(h, u32le(1), u64le(2n), 1),
      'update of a read-only fd': () => proc.mapUpdate(ro, u32le(2), u64le(2n)),
      'update with a short value buffer': () => proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: h, key: u32le(3), value: new Uint8Array(3) }),
      'array update past max_entries': () => proc.mapUpdate(a, u32le(2), u64le(2n)),
      'prog load with one bad map fd among good ones': () => socketFilter(proc, [ldMapFd(1, h), ldMapFd(2, a), ldMapFd(3, 77), mov64(0, 0), exit]),
      'prog load refused by the GPL check': () => socketFilter(proc, [ldMapFd(1, h), { opcode: 0x85, dst: 0, src: 0, off: 0, imm: 6 }, exit], 'MIT'),
      'prog load with a too small log': () => proc.progLoad({ prog_type: 1, insns: [ldMapFd(1, h), mov64(0, 0), exit], log_level: 1, log_buf: new Uint8Array(10), log_size: 10 }),
      'prog_array update with a map fd': () => proc.mapUpdate(pa, u32le(0), u32le(h)),
      'link create on a busy device': () => proc.linkCreate(x, 'BPF_XDP', { target_ifindex: 1 }),
      'pin onto an existing path': () => proc.objPin(p, '/sys/fs/bpf/h'),
      'GET_FD_BY_ID of a dead id': () => proc.getFdById('prog', 999),
      'freeze of a frozen map': () => proc.mapFreeze(frozen),
      'test run with a short packet': () => proc.progTestRun(p, { data_in: new Uint8Array(4) }),
    };
    let got = 'success';
    try {
      calls[what]();
    } catch (e) {
      got = e instanceof BpfError ? e.errno : String(e);
    }
    expect(got).toBe(errno);
    expect(snapshot(kernel)).toEqual(before);
  });
});
