// The XDP attach rules of net/core/dev.c dev_xdp_attach (reached from netlink's do_setlink → dev_change_xdp_fd and
// from bpf_xdp_link_attach) as a table: starting state of a device, the request, the errno and the state after.
// The rows were observed on Linux 6.18 with oracle/xdp-netdev.c (netdev.kernel.test.ts) on a veth (native XDP) and
// lo, whose driver has no ndo_bpf like dummy's; "REPLACE without IFLA_XDP_EXPECTED_FD" is do_setlink's check, which
// libbpf cannot reach (it always sends an expected fd with XDP_FLAGS_REPLACE).
import { describe, expect, it } from 'vitest';
import {
  setXdpProgram,
  XDP_FLAGS_DRV_MODE as DRV,
  XDP_FLAGS_HW_MODE as HW,
  XDP_FLAGS_REPLACE as REPLACE,
  XDP_FLAGS_SKB_MODE as SKB,
  XDP_FLAGS_UPDATE_IF_NOEXIST as NOEXIST,
} from '@bpfsim/objects';
import { load, setup } from '../progs/support.js';

type Prog = 'A' | 'B' | 'C';
/** Before: nothing, a legacy program in a mode, or an XDP link (no mode flag). */
type State = '-' | `${'drv' | 'skb'}:${Prog}` | `link:${Prog}`;
interface Row {
  readonly dev: 'veth' | 'dummy';
  readonly before: State;
  /** legacy: program (or 'off' for fd -1), flags, expected program (with REPLACE; 'none' = -1); link: flags. */
  readonly op: { legacy: Prog | 'off'; flags: number; expected?: Prog | 'none' } | { link: Prog; flags: number };
  readonly errno: string;
  readonly after: State;
  readonly why: string;
}

const rows: Row[] = [
  { dev: 'veth', before: '-', op: { legacy: 'A', flags: 0 }, errno: 'ok', after: 'drv:A', why: 'no mode flag: native when the driver has ndo_bpf' },
  { dev: 'dummy', before: '-', op: { legacy: 'A', flags: 0 }, errno: 'ok', after: 'skb:A', why: 'no ndo_bpf: generic' },
  { dev: 'veth', before: 'drv:A', op: { legacy: 'B', flags: 0 }, errno: 'ok', after: 'drv:B', why: 'replaces without asking' },
  { dev: 'veth', before: 'drv:A', op: { legacy: 'B', flags: NOEXIST }, errno: 'EBUSY', after: 'drv:A', why: 'XDP program already attached' },
  { dev: 'veth', before: '-', op: { legacy: 'B', flags: NOEXIST }, errno: 'ok', after: 'drv:B', why: 'nothing there' },
  { dev: 'veth', before: 'drv:A', op: { legacy: 'B', flags: REPLACE, expected: 'C' }, errno: 'EEXIST', after: 'drv:A', why: 'active program does not match expected' },
  { dev: 'veth', before: 'drv:A', op: { legacy: 'B', flags: REPLACE, expected: 'A' }, errno: 'ok', after: 'drv:B', why: 'expected matches' },
  { dev: 'veth', before: 'drv:A', op: { legacy: 'B', flags: REPLACE, expected: 'none' }, errno: 'EEXIST', after: 'drv:A', why: 'expected none, one there' },
  { dev: 'veth', before: '-', op: { legacy: 'B', flags: REPLACE, expected: 'none' }, errno: 'ok', after: 'drv:B', why: 'expected none, none there' },
  { dev: 'veth', before: 'drv:A', op: { legacy: 'off', flags: REPLACE, expected: 'A' }, errno: 'ok', after: '-', why: 'replace with nothing' },
  { dev: 'veth', before: 'drv:A', op: { legacy: 'B', flags: REPLACE }, errno: 'EINVAL', after: 'drv:A', why: 'REPLACE without IFLA_XDP_EXPECTED_FD' },
  { dev: 'veth', before: 'drv:A', op: { legacy: 'B', flags: SKB }, errno: 'EEXIST', after: 'drv:A', why: "native and generic can't be active at once" },
  { dev: 'veth', before: 'skb:A', op: { legacy: 'B', flags: 0 }, errno: 'EEXIST', after: 'skb:A', why: 'default mode is native, generic is active' },
  { dev: 'veth', before: 'skb:A', op: { legacy: 'off', flags: 0 }, errno: 'ok', after: 'skb:A', why: 'nothing in native mode to remove: no-op' },
  { dev: 'veth', before: 'drv:A', op: { legacy: 'off', flags: SKB }, errno: 'ok', after: 'drv:A', why: 'nothing in generic mode to remove: no-op' },
  { dev: 'veth', before: 'skb:A', op: { legacy: 'off', flags: SKB }, errno: 'ok', after: '-', why: 'removed in its mode' },
  { dev: 'veth', before: 'drv:A', op: { legacy: 'A', flags: DRV | NOEXIST }, errno: 'EBUSY', after: 'drv:A', why: 'NOEXIST counts the same program too' },
  { dev: 'veth', before: '-', op: { legacy: 'A', flags: HW }, errno: 'EINVAL', after: '-', why: 'veth_xdp refuses XDP_SETUP_PROG_HW' },
  { dev: 'dummy', before: '-', op: { legacy: 'A', flags: HW }, errno: 'EOPNOTSUPP', after: '-', why: 'no ndo_bpf' },
  { dev: 'dummy', before: '-', op: { legacy: 'A', flags: DRV }, errno: 'EOPNOTSUPP', after: '-', why: 'no native XDP' },
  { dev: 'dummy', before: '-', op: { legacy: 'off', flags: HW }, errno: 'ok', after: '-', why: 'nothing changes: the driver is not asked' },
  { dev: 'veth', before: '-', op: { legacy: 'A', flags: SKB | DRV }, errno: 'EINVAL', after: '-', why: 'only one mode flag' },
  { dev: 'veth', before: '-', op: { legacy: 'A', flags: 1 << 5 }, errno: 'EINVAL', after: '-', why: 'outside XDP_FLAGS_MASK' },
  { dev: 'veth', before: 'link:A', op: { legacy: 'B', flags: 0 }, errno: 'EBUSY', after: 'link:A', why: "can't replace active BPF XDP link" },
  { dev: 'veth', before: 'link:A', op: { legacy: 'off', flags: 0 }, errno: 'EBUSY', after: 'link:A', why: "can't replace active BPF XDP link" },
  { dev: 'veth', before: 'link:A', op: { legacy: 'B', flags: SKB }, errno: 'EEXIST', after: 'link:A', why: 'native and generic' },
  { dev: 'veth', before: 'link:A', op: { legacy: 'off', flags: SKB }, errno: 'ok', after: 'link:A', why: 'no-op in the other mode' },
  { dev: 'veth', before: 'drv:A', op: { link: 'B', flags: 0 }, errno: 'EBUSY', after: 'drv:A', why: "can't replace active XDP program with BPF link" },
  { dev: 'veth', before: 'drv:A', op: { link: 'B', flags: SKB }, errno: 'EEXIST', after: 'drv:A', why: 'native and generic' },
  { dev: 'veth', before: 'link:A', op: { link: 'B', flags: 0 }, errno: 'EBUSY', after: 'link:A', why: 'one link per mode' },
  { dev: 'veth', before: '-', op: { link: 'B', flags: NOEXIST }, errno: 'EINVAL', after: '-', why: 'links take mode flags only' },
  { dev: 'veth', before: '-', op: { link: 'B', flags: HW }, errno: 'EINVAL', after: '-', why: 'veth refuses offload' },
  { dev: 'dummy', before: '-', op: { link: 'B', flags: DRV }, errno: 'EOPNOTSUPP', after: '-', why: 'no native XDP' },
  { dev: 'dummy', before: '-', op: { link: 'B', flags: 0 }, errno: 'ok', after: 'link:B', why: 'generic' },
];

const fmt = (r: Row): string => `${r.dev} ${r.before} + ${JSON.stringify(r.op)} → ${r.errno} ${r.after} (${r.why})`;

describe('dev_xdp_attach rules', () => {
  it.each(rows.map((r) => [fmt(r), r] as const))('%s', (_name, row) => {
    const { kernel, proc } = setup();
    const dev = kernel.netdevs.add('x0', { kind: row.dev });
    const fds = { A: 0, B: 0, C: 0 } as Record<Prog, number>;
    for (const p of ['A', 'B', 'C'] as const) fds[p] = load(proc, 'BPF_PROG_TYPE_XDP', 'r0 = 2\nexit');
    const nameOf = (id: number) => (['A', 'B', 'C'] as const).find((p) => proc.progInfo(fds[p]).id === id);
    const state = (): State => {
      const x = dev.xdp;
      if (!x) return '-';
      return x.link ? `link:${nameOf(x.prog.id)!}` : `${x.mode}:${nameOf(x.prog.id)!}`;
    };
    const [how, p] = row.before.split(':') as [string, Prog];
    if (how === 'link') proc.linkCreate(fds[p], 'BPF_XDP', { target_ifindex: dev.ifindex });
    else if (how !== '-') setXdpProgram(proc, dev.ifindex, fds[p], { flags: how === 'skb' ? SKB : DRV });
    expect(state()).toBe(row.before);
    let errno = 'ok';
    try {
      if ('link' in row.op) proc.linkCreate(fds[row.op.link], 'BPF_XDP', { target_ifindex: dev.ifindex, flags: row.op.flags });
      else {
        const { legacy, flags, expected } = row.op;
        const expectedFd = expected === undefined ? undefined : expected === 'none' ? -1 : fds[expected];
        setXdpProgram(proc, dev.ifindex, legacy === 'off' ? -1 : fds[legacy], { flags, expectedFd });
      }
    } catch (e) {
      errno = (e as { errno?: string }).errno ?? String(e);
    }
    expect(errno).toBe(row.errno);
    expect(state()).toBe(row.after);
  });
});
