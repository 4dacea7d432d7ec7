// Cgroup programs (kernel/bpf/cgroup.c): the attach-mode rules, effective lists, PROG_QUERY, detach, replace,
// cgroup links and their lifecycle, and running the effective programs on a packet.
import { describe, expect, it } from 'vitest';
import type { Process } from '@bpfsim/objects';
import { errnoOf, ipv4Frame, load, setup, u32At, u32le } from '../progs/support.js';

const NONE = 0;
const OVERRIDE = 1;
const MULTI = 2;
const REPLACE = 4;
const INGRESS = 'BPF_CGROUP_INET_INGRESS';
const CG_SKB = 'BPF_PROG_TYPE_CGROUP_SKB';

function world() {
  const { kernel, proc } = setup();
  for (const p of ['/a', '/a/b', '/a/b/c']) kernel.cgroups.mkdir(p);
  const fd = (path: string) => kernel.cgroups.open(proc, path);
  const prog = (r0 = 1) => load(proc, CG_SKB, `r0 = ${r0}\nexit`);
  const attach = (cg: number, p: number, flags = 0, extra: Record<string, unknown> = {}) =>
    proc.bpf('BPF_PROG_ATTACH', { target_fd: cg, attach_bpf_fd: p, attach_type: INGRESS, attach_flags: flags, ...extra });
  const detach = (cg: number, p: number) => proc.bpf('BPF_PROG_DETACH', { target_fd: cg, attach_bpf_fd: p, attach_type: INGRESS });
  const id = (p: number) => proc.progInfo(p).id;
  const effective = (path: string) => kernel.cgroups.effectivePrograms(path, 0).map((x) => x.id);
  return { kernel, proc, fd, prog, attach, detach, id, effective };
}

function query(proc: Process, cg: number, opts: { effective?: boolean; cnt?: number } = {}) {
  const ids = new Uint8Array(4 * (opts.cnt ?? 8));
  const attr: Record<string, unknown> = { target_fd: cg, attach_type: INGRESS, query_flags: opts.effective ? 1 : 0, prog_ids: ids, prog_cnt: opts.cnt ?? 8 };
  proc.bpf('BPF_PROG_QUERY', attr);
  const n = Math.min(attr.prog_cnt as number, opts.cnt ?? 8);
  return { flags: attr.attach_flags, cnt: attr.prog_cnt, ids: Array.from({ length: n }, (_, i) => u32At(ids, 4 * i)), revision: attr.revision };
}

describe('cgroup attach modes (__cgroup_bpf_attach / hierarchy_allows_attach)', () => {
  // [parent mode, child mode, result of attaching to the child once the parent has one program]
  const MATRIX: [number, number, string][] = [
    [NONE, NONE, 'EPERM'], [NONE, OVERRIDE, 'EPERM'], [NONE, MULTI, 'EPERM'],
    [OVERRIDE, NONE, 'ok'], [OVERRIDE, OVERRIDE, 'ok'], [OVERRIDE, MULTI, 'ok'],
    [MULTI, NONE, 'ok'], [MULTI, OVERRIDE, 'ok'], [MULTI, MULTI, 'ok'],
  ];
  it.each(MATRIX)('parent mode %i, child mode %i → %s', (parentMode, childMode, want) => {
    const w = world();
    w.attach(w.fd('/a'), w.prog(), parentMode);
    const got = (() => {
      try {
        w.attach(w.fd('/a/b'), w.prog(), childMode);
        return 'ok';
      } catch (e) {
        return (e as { errno: string }).errno;
      }
    })();
    expect(got).toBe(want);
    // A grandchild is judged by the nearest ancestor with a program.
    if (want === 'ok' && childMode === NONE) expect(errnoOf(() => w.attach(w.fd('/a/b/c'), w.prog(), MULTI))).toBe('EPERM');
  });

  // [existing mode in the cgroup, new mode] → result
  const SAME: [number, number, string][] = [
    [NONE, NONE, 'replaced'], [NONE, OVERRIDE, 'EPERM'], [NONE, MULTI, 'EPERM'],
    [OVERRIDE, OVERRIDE, 'replaced'], [OVERRIDE, NONE, 'EPERM'], [OVERRIDE, MULTI, 'EPERM'],
    [MULTI, MULTI, 'appended'], [MULTI, NONE, 'EPERM'], [MULTI, OVERRIDE, 'EPERM'],
  ];
  it.each(SAME)('cgroup with mode %i, attaching with mode %i → %s', (existing, mode, want) => {
    const w = world();
    const cg = w.fd('/a');
    const first = w.prog();
    w.attach(cg, first, existing);
    const second = w.prog();
    if (want === 'EPERM') {
      expect(errnoOf(() => w.attach(cg, second, mode))).toBe('EPERM');
      expect(query(w.proc, cg).ids).toEqual([w.id(first)]);
      return;
    }
    w.attach(cg, second, mode);
    expect(query(w.proc, cg).ids).toEqual(want === 'replaced' ? [w.id(second)] : [w.id(first), w.id(second)]);
  });

  it('invalid flag combinations are EINVAL; the same program twice in multi mode is EINVAL', () => {
    const w = world();
    const cg = w.fd('/a');
    const p = w.prog();
    expect(errnoOf(() => w.attach(cg, p, OVERRIDE | MULTI))).toBe('EINVAL');
    expect(errnoOf(() => w.attach(cg, p, REPLACE))).toBe('EINVAL');
    expect(errnoOf(() => w.attach(cg, p, MULTI | REPLACE))).toBe('EINVAL'); // no replace_bpf_fd: fd 0 is not a program
    expect(errnoOf(() => w.attach(cg, p, 1 << 20))).toBe('EINVAL');
    w.attach(cg, p, MULTI);
    expect(errnoOf(() => w.attach(cg, p, MULTI))).toBe('EINVAL');
  });

  it('BPF_F_REPLACE swaps a program in place; replacing one that is not attached is ENOENT', () => {
    const w = world();
    const cg = w.fd('/a');
    const [p1, p2, p3, p4] = [w.prog(), w.prog(), w.prog(), w.prog()];
    w.attach(cg, p1, MULTI);
    w.attach(cg, p2, MULTI);
    w.attach(cg, p3, MULTI | REPLACE, { replace_bpf_fd: p1 });
    expect(query(w.proc, cg).ids).toEqual([w.id(p3), w.id(p2)]);
    expect(errnoOf(() => w.attach(cg, p4, MULTI | REPLACE, { replace_bpf_fd: p1 }))).toBe('ENOENT');
  });

  it('wrong program type or attach type: EINVAL; a bad target fd: EBADF', () => {
    const w = world();
    const sf = load(w.proc, 'BPF_PROG_TYPE_SOCKET_FILTER', 'r0 = 0\nexit');
    expect(errnoOf(() => w.attach(w.fd('/a'), sf))).toBe('EINVAL');
    const egressOnly = w.proc.progLoad({ prog_type: CG_SKB, expected_attach_type: 'BPF_CGROUP_INET_EGRESS', insns: [{ opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 1 }, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }] });
    expect(errnoOf(() => w.attach(w.fd('/a'), egressOnly))).toBe('EINVAL');
    expect(errnoOf(() => w.attach(w.prog(), w.prog()))).toBe('EBADF'); // a program fd is not a cgroup
    expect(errnoOf(() => w.attach(99, w.prog()))).toBe('EBADF');
  });
});

describe('effective programs (compute_effective_progs)', () => {
  it('multi parents add their programs after the child\'s; override parents yield to the child', () => {
    const w = world();
    const [a1, a2, b] = [w.prog(), w.prog(), w.prog()];
    w.attach(w.fd('/a'), a1, MULTI);
    w.attach(w.fd('/a'), a2, MULTI);
    w.attach(w.fd('/a/b'), b, NONE);
    expect(w.effective('/a/b')).toEqual([w.id(b), w.id(a1), w.id(a2)]);
    expect(w.effective('/a/b/c')).toEqual([w.id(b), w.id(a1), w.id(a2)]);
    expect(w.effective('/a')).toEqual([w.id(a1), w.id(a2)]);
    expect(w.effective('/')).toEqual([]);
  });

  it('an override parent is replaced, not extended, by a program lower down', () => {
    const w = world();
    const [a, c] = [w.prog(), w.prog()];
    w.attach(w.fd('/a'), a, OVERRIDE);
    expect(w.effective('/a/b/c')).toEqual([w.id(a)]);
    w.attach(w.fd('/a/b/c'), c, MULTI);
    expect(w.effective('/a/b/c')).toEqual([w.id(c)]);
    expect(w.effective('/a/b')).toEqual([w.id(a)]);
  });

  it('a new cgroup inherits the effective programs; detaching recomputes every descendant', () => {
    const w = world();
    const a = w.prog();
    const cg = w.fd('/a');
    w.attach(cg, a, MULTI);
    w.kernel.cgroups.mkdir('/a/b/c/d');
    expect(w.effective('/a/b/c/d')).toEqual([w.id(a)]);
    w.detach(cg, a);
    expect(w.effective('/a/b/c/d')).toEqual([]);
  });

  it('PROG_QUERY: attach_flags, prog_cnt, ids; the effective query; ENOSPC with a short array; EPERM unprivileged', () => {
    const w = world();
    const [a, b, c] = [w.prog(), w.prog(), w.prog()];
    w.attach(w.fd('/a'), a, MULTI);
    w.attach(w.fd('/a/b'), b, MULTI);
    w.attach(w.fd('/a/b'), c, MULTI);
    const own = query(w.proc, w.fd('/a/b'));
    // a new cgroup starts at revision 1 (cgroup_bpf_inherit; checked on 6.18 by cgroup-link.kernel.test.ts)
    expect(own).toMatchObject({ flags: MULTI, cnt: 2, ids: [w.id(b), w.id(c)], revision: 3 });
    const eff = query(w.proc, w.fd('/a/b'), { effective: true });
    expect(eff).toMatchObject({ flags: 0, cnt: 3, ids: [w.id(b), w.id(c), w.id(a)] });
    const ids = new Uint8Array(4);
    const attr: Record<string, unknown> = { target_fd: w.fd('/a/b'), attach_type: INGRESS, query_flags: 1, prog_ids: ids, prog_cnt: 1 };
    expect(errnoOf(() => w.proc.bpf('BPF_PROG_QUERY', attr))).toBe('ENOSPC');
    expect(attr.prog_cnt).toBe(3);
    expect(u32At(ids, 0)).toBe(w.id(b));
    const user = w.kernel.spawn({ uid: 1000, caps: [] });
    expect(errnoOf(() => user.bpf('BPF_PROG_QUERY', { target_fd: 0, attach_type: INGRESS }))).toBe('EPERM');
  });
});

describe('detach and lifetimes', () => {
  it('detach rules: none-mode detaches its program with any fd; multi needs the program; missing → ENOENT', () => {
    const w = world();
    const cg = w.fd('/a');
    expect(errnoOf(() => w.detach(cg, w.prog()))).toBe('ENOENT');
    const p = w.prog();
    w.attach(cg, p, NONE);
    w.detach(cg, 0); // fd 0 (stdin) is no program: still detaches the only one
    expect(query(w.proc, cg).cnt).toBe(0);
    const [m1, m2] = [w.prog(), w.prog()];
    w.attach(cg, m1, MULTI);
    expect(errnoOf(() => w.detach(cg, 0))).toBe('EINVAL');
    expect(errnoOf(() => w.detach(cg, m2))).toBe('ENOENT');
    w.detach(cg, m1);
    expect(query(w.proc, cg)).toMatchObject({ cnt: 0, flags: 0 }); // flags reset with the last program
    w.attach(cg, m2, NONE); // so any mode may come next
  });

  it('an attached program outlives its fd and is freed exactly once when detached', () => {
    const w = world();
    const cg = w.fd('/a');
    const p = w.prog();
    const id = w.id(p);
    w.attach(cg, p, MULTI);
    const freed: number[] = [];
    w.kernel.on('free', (ev) => ev.kind === 'prog' && freed.push(ev.id));
    w.proc.close(p);
    expect(freed).toEqual([]);
    const again = w.proc.getFdById('prog', id);
    w.detach(cg, again);
    w.proc.close(again);
    expect(freed).toEqual([id]);
  });

  it('rmdir: EBUSY with children or processes; removing a cgroup releases its programs', () => {
    const w = world();
    expect(errnoOf(() => w.kernel.cgroups.rmdir('/a/b'))).toBe('EBUSY');
    const child = w.proc.fork();
    w.kernel.cgroups.join(child, '/a/b/c');
    expect(w.kernel.cgroups.cgroupOf(child).path).toBe('/a/b/c');
    expect(errnoOf(() => w.kernel.cgroups.rmdir('/a/b/c'))).toBe('EBUSY');
    child.exit();
    const p = w.prog();
    const id = w.id(p);
    w.attach(w.fd('/a/b/c'), p, MULTI);
    w.proc.close(p);
    const freed: number[] = [];
    w.kernel.on('free', (ev) => ev.kind === 'prog' && freed.push(ev.id));
    w.kernel.cgroups.rmdir('/a/b/c');
    expect(freed).toEqual([id]);
    expect(errnoOf(() => w.kernel.cgroups.rmdir('/a/b/c'))).toBe('ENOENT');
    expect(errnoOf(() => w.kernel.cgroups.mkdir('/a/b'))).toBe('EEXIST');
    expect(errnoOf(() => w.kernel.cgroups.mkdir('/x/y'))).toBe('ENOENT');
    expect(errnoOf(() => w.kernel.cgroups.rmdir('/'))).toBe('EBUSY');
  });
});

describe('cgroup links', () => {
  it('LINK_CREATE attaches in multi mode next to legacy multi programs; legacy detach cannot remove a link', () => {
    const w = world();
    const cg = w.fd('/a');
    const legacy = w.prog();
    w.attach(cg, legacy, MULTI);
    const lp = w.prog();
    const link = w.proc.linkCreate(lp, INGRESS, { target_fd: cg });
    expect(query(w.proc, cg).ids).toEqual([w.id(legacy), w.id(lp)]);
    expect(errnoOf(() => w.detach(cg, lp))).toBe('ENOENT');
    expect(w.proc.linkInfo(link)).toMatchObject({ cgroup_id: BigInt(w.kernel.cgroups.get('/a')!.id), attach_type: 0 });
    expect(w.proc.fdinfo(link)).toContain(`cgroup_id:\t${w.kernel.cgroups.get('/a')!.id}\nattach_type:\t0\n`);
  });

  it('a link cannot join a cgroup whose programs were attached without BPF_F_ALLOW_MULTI (EPERM), nor the reverse', () => {
    const w = world();
    w.attach(w.fd('/a'), w.prog(), NONE);
    expect(errnoOf(() => w.proc.linkCreate(w.prog(), INGRESS, { target_fd: w.fd('/a') }))).toBe('EPERM');
    expect(errnoOf(() => w.proc.linkCreate(w.prog(), INGRESS, { target_fd: w.fd('/a/b') }))).toBe('EPERM'); // parent: none
    w.kernel.cgroups.mkdir('/z');
    w.proc.linkCreate(w.prog(), INGRESS, { target_fd: w.fd('/z') });
    expect(errnoOf(() => w.attach(w.fd('/z'), w.prog(), OVERRIDE))).toBe('EPERM');
    expect(errnoOf(() => w.proc.linkCreate(load(w.proc, 'BPF_PROG_TYPE_SOCKET_FILTER', 'r0 = 0\nexit'), INGRESS, { target_fd: w.fd('/z') }))).toBe('EINVAL');
  });

  it('LINK_UPDATE swaps the program the cgroup runs; old_prog_fd must match (EPERM)', () => {
    const w = world();
    const cg = w.fd('/a');
    const [pass, drop, other] = [w.prog(1), w.prog(0), w.prog(1)];
    const link = w.proc.linkCreate(pass, INGRESS, { target_fd: cg });
    expect(w.kernel.cgroups.runIngress('/a/b', ipv4Frame())).toBe(0);
    expect(errnoOf(() => w.proc.linkUpdate(link, drop, { old_prog_fd: other, flags: REPLACE }))).toBe('EPERM');
    w.proc.linkUpdate(link, drop, { old_prog_fd: pass, flags: REPLACE });
    expect(w.effective('/a/b')).toEqual([w.id(drop)]);
    expect(w.kernel.cgroups.runIngress('/a/b', ipv4Frame())).toBe(-1);
  });

  it('LINK_DETACH takes it off the cgroup; the fd stays valid with cgroup_id 0; closing frees the program once', () => {
    const w = world();
    const cg = w.fd('/a');
    const p = w.prog();
    const pid = w.id(p);
    const link = w.proc.linkCreate(p, INGRESS, { target_fd: cg });
    w.proc.close(p);
    w.proc.linkDetach(link);
    expect(w.effective('/a')).toEqual([]);
    expect(w.proc.linkInfo(link)).toMatchObject({ cgroup_id: 0n });
    expect(errnoOf(() => w.proc.linkUpdate(link, w.prog()))).toBe('ENOLINK');
    const freed: number[] = [];
    w.kernel.on('free', (ev) => ev.kind === 'prog' && freed.push(ev.id));
    w.proc.close(link);
    expect(freed).toEqual([pid]);
  });

  it('removing the cgroup auto-detaches its links: fd valid, cgroup_id 0, program kept until the link goes', () => {
    const w = world();
    const p = w.prog();
    const link = w.proc.linkCreate(p, INGRESS, { target_fd: w.fd('/a/b/c') });
    w.kernel.cgroups.rmdir('/a/b/c');
    expect(w.proc.linkInfo(link)).toMatchObject({ cgroup_id: 0n, prog_id: w.id(p) });
    expect(w.proc.fdinfo(link)).toContain('cgroup_id:\t0\n');
    w.proc.linkDetach(link); // already detached: no-op
    w.proc.close(link);
    expect(w.id(p)).toBeGreaterThan(0);
  });

  it('closing the last link fd detaches it', () => {
    const w = world();
    const link = w.proc.linkCreate(w.prog(), INGRESS, { target_fd: w.fd('/a') });
    expect(w.effective('/a')).toHaveLength(1);
    w.proc.close(link);
    expect(w.effective('/a')).toEqual([]);
  });
});

describe('running cgroup_skb programs', () => {
  it('ingress: every effective program runs; any even return value drops (-EPERM)', () => {
    const w = world();
    const m = w.proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 1 });
    const counting = (r0: number) => load(w.proc, CG_SKB, `
      r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = map_fd({m})
      call bpf_map_lookup_elem
      if r0 == 0 goto +2
      r1 = 1
      lock *(u64 *)(r0 + 0) += r1
      r0 = ${r0}
      exit`, { m });
    w.attach(w.fd('/a'), counting(0), MULTI);
    w.attach(w.fd('/a/b'), counting(1), MULTI);
    expect(w.kernel.cgroups.runIngress('/a/b', ipv4Frame())).toBe(-1);
    expect(new DataView(w.proc.mapLookup(m, u32le(0)).buffer).getBigUint64(0, true)).toBe(2n); // both ran
    expect(w.kernel.cgroups.runIngress('/', ipv4Frame())).toBe(0);
  });

  it('the program sees the packet from the network header (len 24 for a 38-byte frame)', () => {
    const w = world();
    // pass only if len == 24
    w.attach(w.fd('/a'), load(w.proc, CG_SKB, 'r0 = 0\nr2 = *(u32 *)(r1 + 0)\nif r2 != 24 goto +1\nr0 = 1\nexit'), MULTI);
    expect(w.kernel.cgroups.runIngress('/a', ipv4Frame())).toBe(0);
    expect(w.kernel.cgroups.runIngress('/a', ipv4Frame({ payload: [1, 2] }))).toBe(-1);
  });

  it('egress: bit 1 asks for congestion notification (NET_XMIT_CN / NET_XMIT_DROP)', () => {
    const w = world();
    const egress = (r0: number) => {
      const p = w.proc.progLoad({ prog_type: CG_SKB, expected_attach_type: 'BPF_CGROUP_INET_EGRESS', insns: [{ opcode: 0xb7, dst: 0, src: 0, off: 0, imm: r0 }, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }] });
      w.proc.bpf('BPF_PROG_ATTACH', { target_fd: w.fd('/a'), attach_bpf_fd: p, attach_type: 'BPF_CGROUP_INET_EGRESS', attach_flags: MULTI });
      return p;
    };
    egress(1);
    expect(w.kernel.cgroups.runEgress('/a', ipv4Frame())).toBe(0);
    egress(3);
    expect(w.kernel.cgroups.runEgress('/a', ipv4Frame())).toBe(2);
    egress(2);
    expect(w.kernel.cgroups.runEgress('/a', ipv4Frame())).toBe(1);
  });
});

describe('running cgroup_device programs', () => {
  it('a device program sees access_type (access << 16 | type), major, minor; any 0 denies (-EPERM)', () => {
    const w = world();
    // allow char 1:3 (/dev/null) for read and write, not mknod; deny everything else
    const p = load(w.proc, 'BPF_PROG_TYPE_CGROUP_DEVICE', `
      r2 = *(u32 *)(r1 + 0)
      r3 = r2
      r3 &= 0xffff
      r2 >>= 16
      r0 = 0
      if r3 != 2 goto +7
      r4 = *(u32 *)(r1 + 4)
      if r4 != 1 goto +5
      r4 = *(u32 *)(r1 + 8)
      if r4 != 3 goto +3
      r2 &= 1
      if r2 != 0 goto +1
      r0 = 1
      exit`, {}, { expected_attach_type: 'BPF_CGROUP_DEVICE' });
    w.proc.bpf('BPF_PROG_ATTACH', { target_fd: w.fd('/a'), attach_bpf_fd: p, attach_type: 'BPF_CGROUP_DEVICE', attach_flags: 0 });
    const check = (path: string, type: 'block' | 'char', major: number, minor: number, access: number) =>
      w.kernel.cgroups.checkDevice(path, { type, major, minor, access });
    const READ = 2;
    const WRITE = 4;
    const MKNOD = 1;
    expect(check('/a/b', 'char', 1, 3, READ | WRITE)).toBe(0);
    expect(check('/a/b', 'char', 1, 3, MKNOD)).toBe(-1);
    expect(check('/a/b', 'char', 1, 5, READ)).toBe(-1);
    expect(check('/a/b', 'block', 1, 3, READ)).toBe(-1);
    expect(check('/', 'block', 8, 0, READ)).toBe(0); // the root runs nothing
  });
});
