// XDP attach flags, XDP/tcx links and device removal against the real kernel: oracle/xdp-netdev.c runs the steps
// below with libbpf (bpf_xdp_attach over netlink, bpf_link_create/update/detach) inside a private network namespace
// holding a veth pair v0/v1 the test creates (nothing else is ever attached to), deleting v0 with `ip link del`
// part-way; bpfsim runs the same steps on a simulated veth pair. The two transcripts must be equal. Skips with a
// message where there is no root, no C compiler or libbpf, no unshare or no `ip` (BPFSIM_NO_KERNEL=1 forces it).
import { execFileSync } from 'node:child_process';
import { underLinkIdLock } from '../../../../testing/kernel-oracle/link-id-lock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { XDP_FLAGS_DRV_MODE, XDP_FLAGS_HW_MODE, XDP_FLAGS_REPLACE, XDP_FLAGS_SKB_MODE, XDP_FLAGS_UPDATE_IF_NOEXIST, setXdpProgram } from '@bpfsim/objects';
import { load, setup } from '../progs/support.js';

function runOnKernel(): { out?: string; why?: string } {
  if (process.env.BPFSIM_NO_KERNEL === '1') return { why: 'BPFSIM_NO_KERNEL=1' };
  if (process.getuid?.() !== 0) return { why: 'not root' };
  const dir = mkdtempSync(join(tmpdir(), 'bpfsim-xdp-'));
  try {
    const bin = join(dir, 'xdp-netdev');
    try {
      execFileSync('cc', ['-O1', '-o', bin, join(__dirname, 'oracle', 'xdp-netdev.c'), '-lbpf'], { stdio: 'pipe' });
    } catch (e) {
      return { why: `cannot compile oracle/xdp-netdev.c with libbpf: ${(e as Error).message.split('\n')[0]}` };
    }
    // a new network namespace: lo and the veth pair are its own, and everything goes with the namespace. Exit 77:
    // no veth support (skip); 78: the oracle itself failed (the test fails and shows why).
    const script = `ip link add v0 type veth peer name v1 || exit 77; '${bin}' || exit 78`;
    try {
      return { out: execFileSync(...underLinkIdLock('unshare', ['-n', 'sh', '-c', script]), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string; message: string };
      if (err.status === 78) return { out: `${err.stdout ?? ''}\noracle failed: ${err.stderr ?? ''}` };
      return { why: `unshare -n / ip link add veth unavailable: ${(err.stderr || err.message).split('\n')[0]}` };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same steps on bpfsim, printing what the C program prints. */
function runOnSim(): string {
  const { kernel, proc } = setup();
  const [dv0, dv1] = kernel.netdevs.addVethPair('v0', 'v1');
  const [v0, v1, lo] = [dv0.ifindex, dv1.ifindex, 1];
  const out: string[] = [];
  const say = (s: string) => out.push(s);
  const res = (fn: () => unknown): string => {
    try {
      fn();
      return 'ok';
    } catch (e) {
      const n = (e as { errno?: string }).errno;
      if (!n) throw e;
      return n;
    }
  };
  const P = Array.from({ length: 6 }, () => load(proc, 'BPF_PROG_TYPE_XDP', 'r0 = 2\nexit'));
  const ID = P.map((fd) => proc.progInfo(fd).id);
  const name = (id: number | undefined) => (id === undefined ? '-' : ID.includes(id) ? `p${ID.indexOf(id)}` : '?');
  const devmap = load(proc, 'BPF_PROG_TYPE_XDP', 'r0 = 2\nexit', {}, { expected_attach_type: 33 });
  const sf = load(proc, 'BPF_PROG_TYPE_SOCKET_FILTER', 'r0 = 0\nexit');
  const cls = load(proc, 'BPF_PROG_TYPE_SCHED_CLS', 'r0 = 0\nexit');
  // libbpf's bpf_xdp_attach: a non-zero old_prog_fd turns XDP_FLAGS_REPLACE on
  const att = (ifindex: number, fd: number, flags: number, expected = 0) =>
    res(() => setXdpProgram(proc, ifindex, fd, expected ? { flags: flags | XDP_FLAGS_REPLACE, expectedFd: expected } : { flags }));
  const query = (what: string, ifindex: number) => {
    const x = kernel.netdevs.get(ifindex)!.xdp;
    const id = (m: string) => (x?.mode === m ? x.prog.id : undefined);
    say(`${what}: drv ${name(id('drv'))} skb ${name(id('skb'))}`);
  };
  const linkCreate = (prog: number, ifindex: number, type: string, flags: number, keep?: (fd: number) => void) =>
    res(() => {
      const fd = proc.linkCreate(prog, type, { target_ifindex: ifindex, flags });
      keep?.(fd);
    });
  const linkIfindex = (fd: number) => (proc.linkInfo(fd).ifindex ? 'dev' : '0');
  const fdinfoIfindex = (fd: number) => (/ifindex:\t(\d+)/.exec(proc.fdinfo(fd))![1] === '0' ? '0' : 'dev');
  const upd = (link: number, prog: number, old = 0) => res(() => proc.linkUpdate(link, prog, old ? { old_prog_fd: old, flags: 4 } : {}));
  const alive = (id: number) => {
    const r = res(() => proc.close(proc.getFdById('prog', id)));
    return r === 'ok' ? 'alive' : r;
  };

  say(`veth default: ${att(v0, P[0], 0)}`);
  query('  after', v0);
  say(`veth update-if-noexist: ${att(v0, P[1], XDP_FLAGS_UPDATE_IF_NOEXIST)}`);
  say(`veth replace, wrong expected: ${att(v0, P[1], 0, P[2])}`);
  say(`veth replace, right expected: ${att(v0, P[1], 0, P[0])}`);
  say(`veth replace, expected none: ${att(v0, P[2], 0, -1)}`);
  say(`veth skb mode while drv: ${att(v0, P[2], XDP_FLAGS_SKB_MODE)}`);
  say(`veth hw mode: ${att(v0, P[2], XDP_FLAGS_HW_MODE)}`);
  say(`veth two modes: ${att(v0, P[2], XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE)}`);
  say(`veth unknown flag: ${att(v0, P[2], 1 << 5)}`);
  say(`veth remove in skb mode: ${att(v0, -1, XDP_FLAGS_SKB_MODE)}`);
  query('  after', v0);
  say(`veth same program again: ${att(v0, P[1], XDP_FLAGS_DRV_MODE)}`);
  say(`veth devmap program: ${att(v0, devmap, 0)}`);
  say(`veth socket filter: ${att(v0, sf, 0)}`);
  say(`veth remove: ${att(v0, -1, 0)}`);
  query('  after', v0);
  say(`veth remove nothing: ${att(v0, -1, 0)}`);
  say(`veth skb mode: ${att(v0, P[0], XDP_FLAGS_SKB_MODE)}`);
  say(`veth default while skb: ${att(v0, P[1], 0)}`);
  say(`veth remove default while skb: ${att(v0, -1, 0)}`);
  query('  after', v0);
  say(`veth replace expected none, in skb: ${att(v0, P[1], XDP_FLAGS_SKB_MODE, -1)}`);
  say(`veth remove in skb mode: ${att(v0, -1, XDP_FLAGS_SKB_MODE)}`);
  query('  after', v0);
  say(`veth replace expected none, empty: ${att(v0, P[0], 0, -1)}`);
  say(`veth remove: ${att(v0, -1, 0)}`);
  att(v0, P[0], 0);
  say(`veth noexist, same program: ${att(v0, P[0], XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST)}`);
  say(`veth replace with nothing: ${att(v0, -1, 0, P[0])}`);
  query('  after', v0);

  say(`lo drv mode: ${att(lo, P[0], XDP_FLAGS_DRV_MODE)}`);
  say(`lo hw mode: ${att(lo, P[0], XDP_FLAGS_HW_MODE)}`);
  say(`lo default: ${att(lo, P[0], 0)}`);
  query('  after', lo);
  say(`lo remove: ${att(lo, -1, 0)}`);
  say(`lo remove nothing in hw mode: ${att(lo, -1, XDP_FLAGS_HW_MODE)}`);

  let l0 = -1;
  let l1 = -1;
  att(v0, P[0], 0);
  say(`link over legacy, same mode: ${linkCreate(P[1], v0, 'BPF_XDP', 0)}`);
  say(`link over legacy, skb mode: ${linkCreate(P[1], v0, 'BPF_XDP', XDP_FLAGS_SKB_MODE)}`);
  att(v0, -1, 0);
  say(`link flags update-if-noexist: ${linkCreate(P[1], v0, 'BPF_XDP', XDP_FLAGS_UPDATE_IF_NOEXIST)}`);
  say(`link hw mode: ${linkCreate(P[1], v0, 'BPF_XDP', XDP_FLAGS_HW_MODE)}`);
  say(`link lo drv mode: ${linkCreate(P[1], lo, 'BPF_XDP', XDP_FLAGS_DRV_MODE)}`);
  say(`link devmap program: ${linkCreate(devmap, v0, 'BPF_XDP', 0)}`);
  say(`link: ${linkCreate(P[1], v0, 'BPF_XDP', 0, (fd) => (l0 = fd))}`);
  query('  after', v0);
  say(`legacy over link: ${att(v0, P[2], 0)}`);
  say(`legacy remove over link: ${att(v0, -1, 0)}`);
  say(`legacy skb over drv link: ${att(v0, P[2], XDP_FLAGS_SKB_MODE)}`);
  say(`legacy remove skb beside drv link: ${att(v0, -1, XDP_FLAGS_SKB_MODE)}`);
  say(`second link: ${linkCreate(P[2], v0, 'BPF_XDP', 0)}`);
  say(`second link skb: ${linkCreate(P[2], v0, 'BPF_XDP', XDP_FLAGS_SKB_MODE)}`);
  const a = proc.linkInfo(l0).id;
  linkCreate(P[3], lo, 'BPF_XDP', 0, (fd) => (l1 = fd));
  say(`failed link creates used ids: ${proc.linkInfo(l1).id - a - 1}`);
  proc.close(l1);

  let t0 = -1;
  say(`tcx link: ${linkCreate(cls, v0, 'BPF_TCX_INGRESS', 0, (fd) => (t0 = fd))}`);
  say(`legacy on the peer: ${att(v1, P[5], 0)}`);
  proc.close(P[5]);
  say(`peer program, fd closed: ${alive(ID[5])}`);
  att(lo, P[4], 0);
  proc.close(P[4]);
  say(`before: fdinfo ${fdinfoIfindex(l0)} info ${linkIfindex(l0)}`);
  kernel.netdevs.remove(v0); // ip link del v0
  say(`after: fdinfo ${fdinfoIfindex(l0)} info ${linkIfindex(l0)}`);
  say(`tcx after: fdinfo ${fdinfoIfindex(t0)} info ${linkIfindex(t0)}`);
  say(`peer program after removal: ${alive(ID[5])}`);
  say(`link's program: ${alive(ID[1])}`);
  say(`update same program: ${upd(l0, P[1])}`);
  say(`update other program: ${upd(l0, P[2])}`);
  say(`update wrong old: ${upd(l0, P[2], P[3])}`);
  say(`tcx update: ${upd(t0, load(proc, 'BPF_PROG_TYPE_SCHED_CLS', 'r0 = 2\nexit'))}`);
  say(`detach: ${res(() => proc.linkDetach(l0))}`);
  say(`detach again: ${res(() => proc.linkDetach(l0))}`);
  say(`tcx detach: ${res(() => proc.linkDetach(t0))}`);
  say(`xdp link on removed device: ${linkCreate(P[2], v0, 'BPF_XDP', 0)}`);
  say(`tcx link on removed device: ${linkCreate(cls, v0, 'BPF_TCX_INGRESS', 0)}`);
  say(`lo program: ${alive(ID[4])}`);
  att(lo, -1, 0);
  say(`lo program removed: ${alive(ID[4])}`);
  return out.join('\n') + '\n';
}

describe('XDP flags, links and device removal against the real kernel', () => {
  const kernelRun = runOnKernel();

  it.skipIf(kernelRun.out === undefined)(`bpfsim prints what Linux prints${kernelRun.why ? ` (skipped: ${kernelRun.why})` : ''}`, () => {
    expect(runOnSim()).toBe(kernelRun.out);
  });

  it('the simulator side matches the transcript recorded on Linux 6.18 (runs without a kernel)', () => {
    expect(runOnSim()).toBe(RECORDED_6_18);
  });
});

/** oracle/xdp-netdev.c's output on Linux 6.18 (x86-64, veth pair in a private netns). */
const RECORDED_6_18 = `veth default: ok
  after: drv p0 skb -
veth update-if-noexist: EBUSY
veth replace, wrong expected: EEXIST
veth replace, right expected: ok
veth replace, expected none: EEXIST
veth skb mode while drv: EEXIST
veth hw mode: EINVAL
veth two modes: EINVAL
veth unknown flag: EINVAL
veth remove in skb mode: ok
  after: drv p1 skb -
veth same program again: ok
veth devmap program: EINVAL
veth socket filter: EINVAL
veth remove: ok
  after: drv - skb -
veth remove nothing: ok
veth skb mode: ok
veth default while skb: EEXIST
veth remove default while skb: ok
  after: drv - skb p0
veth replace expected none, in skb: EEXIST
veth remove in skb mode: ok
  after: drv - skb -
veth replace expected none, empty: ok
veth remove: ok
veth noexist, same program: EBUSY
veth replace with nothing: ok
  after: drv - skb -
lo drv mode: EOPNOTSUPP
lo hw mode: EOPNOTSUPP
lo default: ok
  after: drv - skb p0
lo remove: ok
lo remove nothing in hw mode: ok
link over legacy, same mode: EBUSY
link over legacy, skb mode: EEXIST
link flags update-if-noexist: EINVAL
link hw mode: EINVAL
link lo drv mode: EOPNOTSUPP
link devmap program: EINVAL
link: ok
  after: drv p1 skb -
legacy over link: EBUSY
legacy remove over link: EBUSY
legacy skb over drv link: EEXIST
legacy remove skb beside drv link: ok
second link: EBUSY
second link skb: EEXIST
failed link creates used ids: 2
tcx link: ok
legacy on the peer: ok
peer program, fd closed: alive
before: fdinfo dev info dev
after: fdinfo 0 info 0
tcx after: fdinfo 0 info 0
peer program after removal: ENOENT
link's program: alive
update same program: ENOLINK
update other program: ENOLINK
update wrong old: ENOLINK
tcx update: ENOLINK
detach: ok
detach again: ok
tcx detach: ok
xdp link on removed device: EINVAL
tcx link on removed device: ENODEV
lo program: alive
lo program removed: ENOENT
`;
