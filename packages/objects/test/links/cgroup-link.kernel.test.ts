// Cgroup links against the real kernel: oracle/cgroup-link.c runs the steps below with raw bpf(2) on a cgroup it
// creates in a cgroup2 hierarchy mounted inside a private mount + network namespace (nothing else is attached to
// it, and it is removed at the end), and bpfsim runs the same steps. Both print the link fds' /proc/self/fdinfo
// text and bpf_link_info with machine-dependent numbers (ids, mnt_id, ino, cgroup ids) replaced through a symbol
// table, so the transcripts must be equal line for line. Covers LINK_CREATE (and its refusals), LINK_UPDATE (with
// BPF_F_REPLACE), PROG_QUERY (and BPF_F_QUERY_EFFECTIVE), a legacy PROG_ATTACH beside a link, LINK_DETACH,
// GET_NEXT_ID / GET_FD_BY_ID, rmdir of the cgroup while a link fd is open (auto-detach), freeing, and placement
// (BPF_F_BEFORE / BPF_F_AFTER / BPF_F_ID / BPF_F_LINK anchors, BPF_F_PREORDER) of links. Skips with a
// message without root, a C compiler, unshare or a cgroup2 mount (BPFSIM_NO_KERNEL=1 forces the skip); the
// transcript recorded on Linux 6.18 is checked either way.
import { describe, expect, it } from 'vitest';
import type { Process } from '@bpfsim/objects';
import { load, setup } from '../progs/support.js';
import { cgroupOracleOnce } from './cgroup2-oracle.js';

function runOnKernel(): { out?: string; why?: string } {
  // the oracle makes its cgroups under its own base cgroup, removed afterwards with whatever a crash left in it
  const base = `bpfsim-link-${process.pid}-${Date.now()}`;
  return cgroupOracleOnce('cgroup-link', 'bpfsim-cglink-', { base, leftovers: ['r', 'c/d', 'c', ''], unavailable: 'unshare/cgroup2/bpf(2)' });
}

const BPF_F_ALLOW_OVERRIDE = 1;
const BPF_F_ALLOW_MULTI = 2;
const BPF_F_REPLACE = 4;
const BPF_F_QUERY_EFFECTIVE = 1;
const BPF_F_RDONLY = 1 << 3;
const BPF_F_BEFORE = 1 << 3;
const BPF_F_AFTER = 1 << 4;
const BPF_F_ID = 1 << 5;
const BPF_F_PREORDER = 1 << 6;
const BPF_F_LINK = 1 << 13;
const IN = 0;
const EG = 1;

/** The same steps on bpfsim, printing what the C program prints. */
function runOnSim(): string {
  const { kernel, proc } = setup();
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
  // names per kind of number: p prog id, l link id, c cgroup id, m mnt_id, i ino
  type Kind = 'p' | 'l' | 'c' | 'm' | 'i';
  const syms: [Kind, string, bigint][] = [];
  const def = (kind: Kind, name: string, v: number | bigint) => syms.push([kind, name, BigInt(v)]);
  const sym = (kind: Kind, v: number | bigint): string => {
    if (BigInt(v) === 0n) return '0';
    return syms.find(([k, , x]) => k === kind && x === BigInt(v))?.[1] ?? `unknown(${v})`;
  };
  const objId = (fd: number): number => {
    const info: Record<string, unknown> = {};
    proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: fd, info });
    return info.id as number;
  };
  const linkCreate = (prog: number, target: number, type: number, flags: number): { fd: number; r: string } => {
    let fd = -1;
    const r = res(() => (fd = proc.linkCreate(prog, type, { target_fd: target, flags })));
    return { fd, r };
  };
  const linkUpdate = (link: number, prog: number, flags: number, old: number) =>
    res(() => proc.bpf('BPF_LINK_UPDATE', { link_fd: link, new_prog_fd: prog, flags, old_prog_fd: old }));
  const linkDetach = (link: number) => res(() => proc.linkDetach(link));
  const progAttach = (cg: number, prog: number, type: number, flags: number) =>
    res(() => proc.bpf('BPF_PROG_ATTACH', { target_fd: cg, attach_bpf_fd: prog, attach_type: type, attach_flags: flags }));
  const progDetach = (cg: number, prog: number, type: number) =>
    res(() => proc.bpf('BPF_PROG_DETACH', { target_fd: cg, attach_bpf_fd: prog, attach_type: type }));
  const readU32s = (b: Uint8Array, n: number) => Array.from({ length: n }, (_, i) => new DataView(b.buffer).getUint32(4 * i, true));
  const query = (what: string, pr: Process, cg: number, type: number, qflags: number) => {
    const attr: Record<string, unknown> = { target_fd: cg, attach_type: type, query_flags: qflags, prog_ids: new Uint8Array(32), prog_cnt: 8 };
    const r = res(() => pr.bpf('BPF_PROG_QUERY', attr));
    if (r !== 'ok') return say(`${what}: ${r}`);
    const cnt = attr.prog_cnt as number;
    const ids = readU32s(attr.prog_ids as Uint8Array, Math.min(cnt, 8)).map((id) => ` ${sym('p', id)}`);
    say(`${what}: cnt ${cnt} flags ${attr.attach_flags as number} ids${ids.join('')}`);
  };
  const queryLinks = (what: string, cg: number, type: number, qflags: number) => {
    const attr: Record<string, unknown> = {
      target_fd: cg, attach_type: type, query_flags: qflags, prog_ids: new Uint8Array(32), prog_cnt: 8, link_ids: new Uint8Array(32).fill(0xff), // untouched entries stay 0xffffffff
    };
    const r = res(() => proc.bpf('BPF_PROG_QUERY', attr));
    if (r !== 'ok') return say(`${what}: ${r}`);
    const cnt = attr.prog_cnt as number;
    const ids = readU32s(attr.link_ids as Uint8Array, Math.min(cnt, 8)).map((id) => ` ${id === 0xffffffff ? 'untouched' : sym('l', id)}`);
    say(`${what}: cnt ${cnt} revision ${String(attr.revision ?? 0)} link_ids${ids.join('')}`);
  };
  const queryProgFlags = (what: string, cg: number, type: number) => {
    const attr: Record<string, unknown> = {
      target_fd: cg, attach_type: type, prog_ids: new Uint8Array(64), prog_cnt: 16, prog_attach_flags: new Uint8Array(64).fill(0xff),
    };
    const r = res(() => proc.bpf('BPF_PROG_QUERY', attr));
    if (r !== 'ok') return say(`${what}: ${r}`);
    const cnt = Math.min(attr.prog_cnt as number, 16);
    const ids = readU32s(attr.prog_ids as Uint8Array, cnt);
    const flags = readU32s(attr.prog_attach_flags as Uint8Array, cnt);
    say(`${what}:${ids.map((id, i) => ` ${sym('p', id)}/0x${flags[i].toString(16)}`).join('')}`);
  };
  const info = (what: string, link: number) => {
    const attr: Record<string, unknown> = { bpf_fd: link, info: new Uint8Array(64), info_len: 64 };
    const r = res(() => proc.bpf('BPF_OBJ_GET_INFO_BY_FD', attr));
    if (r !== 'ok') return say(`${what}: ${r}`);
    const v = new DataView((attr.info as Uint8Array).buffer);
    say(
      `${what}: info_len ${attr.info_len as number} type ${v.getUint32(0, true)} id ${sym('l', v.getUint32(4, true))} ` +
        `prog_id ${sym('p', v.getUint32(8, true))} cgroup_id ${sym('c', v.getBigUint64(16, true))} attach_type ${v.getUint32(24, true)}`,
    );
  };
  const masked: Record<string, Kind> = { 'mnt_id:': 'm', 'ino:': 'i', 'link_id:': 'l', 'prog_id:': 'p', 'cgroup_id:': 'c' };
  const fdinfo = (what: string, fd: number) => {
    say(`${what}:`);
    for (const line of proc.fdinfo(fd).split('\n').filter((l) => l)) {
      const [k, v] = line.split('\t');
      say(`  ${k}\\t${masked[k] ? sym(masked[k], BigInt(v)) : v}`);
    }
  };
  const fdinfoField = (fd: number, key: string): bigint => BigInt(new RegExp(`${key}\\t(\\d+)`).exec(proc.fdinfo(fd))![1]);
  const idLive = (kind: 'prog' | 'link', id: number) => proc.getNextId(kind, id - 1) === id;
  // bpfsim frees synchronously: the kernel's polling loop ends at once
  const waitGone = (kind: 'prog' | 'link', id: number) => (idLive(kind, id) ? 'still there' : 'gone');

  kernel.cgroups.mkdir('/bpfsim-link');
  kernel.cgroups.mkdir('/bpfsim-link/c');
  const c = kernel.cgroups.open(proc, '/bpfsim-link/c');
  def('c', 'cg', kernel.cgroups.get('/bpfsim-link/c')!.id);
  def('c', 'base_cg', kernel.cgroups.get('/bpfsim-link')!.id);
  const p = Array.from({ length: 5 }, (_, i) => {
    const fd = load(proc, 'BPF_PROG_TYPE_CGROUP_SKB', 'r0 = 1\nexit');
    def('p', `p${i}`, objId(fd));
    return fd;
  });
  const sf = load(proc, 'BPF_PROG_TYPE_SOCKET_FILTER', 'r0 = 1\nexit');
  def('p', 'sf', objId(sf));
  def('m', 'anon_mnt', fdinfoField(p[0], 'mnt_id:'));
  def('i', 'anon_ino', fdinfoField(p[0], 'ino:'));

  say(`link socket filter: ${linkCreate(sf, c, IN, 0).r}`);
  say(`link flags ALLOW_MULTI: ${linkCreate(p[0], c, IN, BPF_F_ALLOW_MULTI).r}`);
  say(`link on a non-cgroup fd: ${linkCreate(p[0], p[1], IN, 0).r}`);

  const L0 = linkCreate(p[0], c, IN, 0);
  say(`link ingress: ${L0.r}`);
  const l0 = L0.fd;
  def('l', 'l0', objId(l0));
  const L1 = linkCreate(p[1], c, EG, 0);
  say(`link egress: ${L1.r}`);
  const l1 = L1.fd;
  def('l', 'l1', objId(l1));
  say(`link ids consecutive: ${objId(l1) === objId(l0) + 1 ? 'yes' : 'no'}`);
  fdinfo('fdinfo l0', l0);
  fdinfo('fdinfo l1', l1);
  info('info l0', l0);
  info('info l1', l1);
  query('query ingress', proc, c, IN, 0);
  query('query ingress effective', proc, c, IN, BPF_F_QUERY_EFFECTIVE);
  query('query egress', proc, c, EG, 0);
  queryLinks('query ingress link_ids', c, IN, 0);

  say(`legacy attach flags 0: ${progAttach(c, p[2], IN, 0)}`);
  say(`legacy attach ALLOW_OVERRIDE: ${progAttach(c, p[2], IN, BPF_F_ALLOW_OVERRIDE)}`);
  say(`legacy attach ALLOW_MULTI: ${progAttach(c, p[2], IN, BPF_F_ALLOW_MULTI)}`);
  query('  query ingress', proc, c, IN, 0);
  queryLinks('  query ingress link_ids', c, IN, 0);
  queryLinks('  query ingress link_ids effective', c, IN, BPF_F_QUERY_EFFECTIVE);
  say(`legacy attach the link's program: ${progAttach(c, p[0], IN, BPF_F_ALLOW_MULTI)}`);
  query('  query ingress', proc, c, IN, 0);
  say(`legacy detach without a program: ${progDetach(c, 0, IN)}`);
  say(`legacy detach p0 (legacy copy): ${progDetach(c, p[0], IN)}`);
  say(`legacy detach p0 again (only the link has it): ${progDetach(c, p[0], IN)}`);
  say(`legacy detach p2: ${progDetach(c, p[2], IN)}`);
  query('  query ingress', proc, c, IN, 0);
  const L2 = linkCreate(p[0], c, IN, 0);
  say(`second link, same program: ${L2.r}`);
  def('l', 'l2', objId(L2.fd));
  const idl2 = objId(L2.fd);
  query('  query ingress', proc, c, IN, 0);
  proc.close(L2.fd);
  say(`  second link closed: ${waitGone('link', idl2)}`);
  query('  query ingress', proc, c, IN, 0);

  say(`update to p3: ${linkUpdate(l0, p[3], 0, 0)}`);
  fdinfo('  fdinfo l0', l0);
  info('  info l0', l0);
  query('  query ingress', proc, c, IN, 0);
  queryLinks('  query ingress link_ids', c, IN, 0);
  say(`update replace, wrong old: ${linkUpdate(l0, p[2], BPF_F_REPLACE, p[0])}`);
  say(`update replace, right old: ${linkUpdate(l0, p[2], BPF_F_REPLACE, p[3])}`);
  say(`update old without BPF_F_REPLACE: ${linkUpdate(l0, p[3], 0, p[2])}`);
  say(`update unknown flag: ${linkUpdate(l0, p[3], 8, 0)}`);
  say(`update to a socket filter: ${linkUpdate(l0, sf, 0, 0)}`);
  say(`update to the same program: ${linkUpdate(l0, p[2], 0, 0)}`);
  say(`update with a bad fd: ${linkUpdate(l0, 999, 0, 0)}`);
  info('  info l0', l0);
  say(`  p3 still live: ${idLive('prog', objId(p[3])) ? 'yes' : 'no'}`);
  {
    const big = new Uint8Array(256);
    const a: Record<string, unknown> = { bpf_fd: l0, info: big, info_len: 256 };
    say(`info with a zeroed 256-byte buffer: ${res(() => proc.bpf('BPF_OBJ_GET_INFO_BY_FD', a))} info_len ${a.info_len as number}`);
    big[200] = 1;
    say(`info with a 256-byte buffer, byte 200 set: ${res(() => proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: l0, info: big, info_len: 256 }))}`);
    const small = new Uint8Array(8);
    const b: Record<string, unknown> = { bpf_fd: l0, info: small, info_len: 8 };
    const r = res(() => proc.bpf('BPF_OBJ_GET_INFO_BY_FD', b));
    const v = new DataView(small.buffer);
    say(`info with an 8-byte buffer: ${r} info_len ${b.info_len as number} type ${v.getUint32(0, true)} id ${sym('l', v.getUint32(4, true))}`);
    const d = proc.dup(l0);
    fdinfo('fdinfo of a dup()ed link fd', d);
    proc.close(d);
  }

  kernel.cgroups.mkdir('/bpfsim-link/c/d');
  const d = kernel.cgroups.open(proc, '/bpfsim-link/c/d');
  const b = kernel.cgroups.open(proc, '/bpfsim-link');
  def('c', 'd_cg', kernel.cgroups.get('/bpfsim-link/c/d')!.id);
  const withRevision = (rev: number) => {
    let fd = -1;
    const r = res(() => (fd = proc.bpf('BPF_LINK_CREATE', { prog_fd: p[4], target_fd: b, attach_type: IN, expected_revision: rev })));
    return { fd, r };
  };
  say(`link on the parent, expected_revision 5: ${withRevision(5).r}`);
  const LB = withRevision(1);
  say(`link on the parent, expected_revision 1: ${LB.r}`);
  const lb = LB.fd;
  def('l', 'lb', objId(lb));
  query('  query c effective', proc, c, IN, BPF_F_QUERY_EFFECTIVE);
  query('  query d effective', proc, d, IN, BPF_F_QUERY_EFFECTIVE);
  query('  query d', proc, d, IN, 0);
  say(`  update the parent's link to p3: ${linkUpdate(lb, p[3], 0, 0)}`);
  query('  query d effective', proc, d, IN, BPF_F_QUERY_EFFECTIVE);
  say(`  update c's link to p1: ${linkUpdate(l0, p[1], 0, 0)}`);
  query('  query d effective', proc, d, IN, BPF_F_QUERY_EFFECTIVE);
  say(`  update c's link back to p2: ${linkUpdate(l0, p[2], 0, 0)}`);
  fdinfo('  fdinfo lb', lb);
  say(`  rmdir c while d exists: ${res(() => kernel.cgroups.rmdir('/bpfsim-link/c'))}`);
  say(`  detach the parent's link: ${linkDetach(lb)}`);
  query('  query d effective', proc, d, IN, BPF_F_QUERY_EFFECTIVE);
  const idlb = objId(lb);
  proc.close(lb);
  say(`  parent's link closed: ${waitGone('link', idlb)}`);
  proc.close(d);
  proc.close(b);
  say(`  rmdir d: ${res(() => kernel.cgroups.rmdir('/bpfsim-link/c/d'))}`);

  const next = proc.getNextId('link', objId(l0) - 1);
  say(`next link id after l0-1: ${next === undefined ? 'ENOENT' : sym('l', next)}`);
  {
    let fd = -1;
    say(`link fd by id: ${res(() => (fd = proc.getFdById('link', objId(l0))))}`);
    fdinfo('  fdinfo by id', fd);
    let ro = -1;
    say(`link fd by id, BPF_F_RDONLY: ${res(() => (ro = proc.getFdById('link', objId(l0), BPF_F_RDONLY)))}`);
    if (ro >= 0) proc.close(ro);
    proc.close(fd);
  }

  say(`detach l0: ${linkDetach(l0)}`);
  fdinfo('  fdinfo l0', l0);
  info('  info l0', l0);
  query('  query ingress', proc, c, IN, 0);
  say(`  update after detach: ${linkUpdate(l0, p[3], 0, 0)}`);
  say(`  update replace after detach: ${linkUpdate(l0, p[3], BPF_F_REPLACE, p[0])}`);
  say(`  detach again: ${linkDetach(l0)}`);
  say(`  legacy attach flags 0 now: ${progAttach(c, p[4], IN, 0)}`);
  say(`  link over it: ${linkCreate(p[0], c, IN, 0).r}`);
  say(`  legacy detach: ${progDetach(c, 0, IN)}`);
  const L3 = linkCreate(p[4], c, IN, 0);
  const id3 = objId(L3.fd);
  say(`  next link after the refused one skips an id: ${id3 === idlb + 2 ? 'yes' : id3 === idlb + 1 ? 'no' : '?'}`);
  proc.close(L3.fd);
  say(`  l0's program still live: ${idLive('prog', objId(p[2])) ? 'yes' : 'no'}`);

  const p5 = load(proc, 'BPF_PROG_TYPE_CGROUP_SKB', 'r0 = 1\nexit');
  const id5 = objId(p5);
  def('p', 'p5', id5);
  say(`legacy attach beside the egress link: ${progAttach(c, p5, EG, BPF_F_ALLOW_MULTI)}`);
  proc.close(p5);
  say(`  p5 with its fd closed: ${idLive('prog', id5) ? 'live' : 'gone'}`);
  say(`rmdir while a link is open: ${res(() => kernel.cgroups.rmdir('/bpfsim-link/c'))}`);
  say(`  p5 after rmdir: ${waitGone('prog', id5)}`);
  fdinfo('  fdinfo l1', l1);
  info('  info l1', l1);
  say(`  update after rmdir: ${linkUpdate(l1, p[4], 0, 0)}`);
  say(`  detach after rmdir: ${linkDetach(l1)}`);
  say(`  link create on the removed cgroup: ${linkCreate(p[0], c, IN, 0).r}`);
  query('  query the removed cgroup', proc, c, IN, 0);
  say(`  legacy attach on the removed cgroup: ${progAttach(c, p[0], IN, 0)}`);

  const [id1, idl1, idl0, id2] = [objId(p[1]), objId(l1), objId(l0), objId(p[2])];
  proc.close(p[1]);
  say(`p1 with its fd closed: ${idLive('prog', id1) ? 'live' : 'gone'}`);
  proc.close(l1);
  say(`l1 closed: link ${waitGone('link', idl1)}, p1 ${waitGone('prog', id1)}`);
  say(`  link fd by freed id: ${res(() => proc.getFdById('link', idl1))}`);
  proc.close(p[2]);
  say(`p2 held by the detached l0: ${idLive('prog', id2) ? 'live' : 'gone'}`);
  proc.close(l0);
  say(`l0 closed: link ${waitGone('link', idl0)}, p2 ${waitGone('prog', id2)}`);

  // Relative placement (BPF_F_BEFORE / AFTER / ID / LINK) and BPF_F_PREORDER on a new cgroup r.
  {
    kernel.cgroups.mkdir('/bpfsim-link/r');
    const r = kernel.cgroups.open(proc, '/bpfsim-link/r');
    const bb = kernel.cgroups.open(proc, '/bpfsim-link');
    const q = Array.from({ length: 5 }, (_, i) => {
      const fd = load(proc, 'BPF_PROG_TYPE_CGROUP_SKB', 'r0 = 1\nexit');
      def('p', `q${i}`, objId(fd));
      return fd;
    });
    const rl: number[] = [];
    const rel = (what: string, prog: number, cgfd: number, flags: number, relative: number) => {
      let fd = -1;
      const field = flags & BPF_F_ID ? 'relative_id' : 'relative_fd';
      const r = res(() => (fd = proc.bpf('BPF_LINK_CREATE', { prog_fd: prog, target_fd: cgfd, attach_type: IN, flags, [field]: relative })));
      say(`[relative] ${what}: ${r}`);
      if (fd >= 0) rl.push(fd);
    };
    rel('q0, no flags', q[0], r, 0, 0);
    rel('q1, BPF_F_BEFORE, relative 0', q[1], r, BPF_F_BEFORE, 0);
    rel("q2, BPF_F_AFTER q0's fd", q[2], r, BPF_F_AFTER, q[0]);
    rel("q3, BPF_F_BEFORE|BPF_F_ID q0's id", q[3], r, BPF_F_BEFORE | BPF_F_ID, objId(q[0]));
    rel("q4, BPF_F_AFTER|BPF_F_LINK the first link's fd", q[4], r, BPF_F_AFTER | BPF_F_LINK, rl[0] ?? 0);
    query('[relative]   query r', proc, r, IN, 0);
    rel('q0 again, BPF_F_AFTER a program not attached', q[0], r, BPF_F_AFTER, sf);
    rel('q0 again, BPF_F_BEFORE|BPF_F_AFTER', q[0], r, BPF_F_BEFORE | BPF_F_AFTER, 0);
    rel("q3, BPF_F_BEFORE|BPF_F_LINK|BPF_F_ID the first link's id", q[3], r, BPF_F_BEFORE | BPF_F_LINK | BPF_F_ID, objId(rl[0]));
    rel('q2, BPF_F_AFTER|BPF_F_LINK relative_fd 0', q[2], r, BPF_F_AFTER | BPF_F_LINK, 0);
    rel('q2, BPF_F_AFTER|BPF_F_LINK|BPF_F_ID no such id', q[2], r, BPF_F_AFTER | BPF_F_LINK | BPF_F_ID, 0x7ffffff0);
    rel('q2, BPF_F_AFTER|BPF_F_LINK|BPF_F_ID id 0', q[2], r, BPF_F_AFTER | BPF_F_LINK | BPF_F_ID, 0);
    rel('q2, BPF_F_AFTER|BPF_F_LINK a program fd', q[2], r, BPF_F_AFTER | BPF_F_LINK, q[0]);
    rel('q2, BPF_F_AFTER|BPF_F_LINK a bad fd', q[2], r, BPF_F_AFTER | BPF_F_LINK, 999);
    rel('q2, BPF_F_BEFORE|BPF_F_LINK|BPF_F_PREORDER the first link', q[2], r, BPF_F_BEFORE | BPF_F_LINK | BPF_F_PREORDER, rl[0]);
    rel('q2, BPF_F_PREORDER', q[2], r, BPF_F_PREORDER, 0);
    const pre = rl[rl.length - 1];
    rel('q0, BPF_F_AFTER|BPF_F_LINK|BPF_F_PREORDER the preorder link', q[0], r, BPF_F_AFTER | BPF_F_LINK | BPF_F_PREORDER, pre);
    rel('q1, BPF_F_BEFORE|BPF_F_LINK the preorder link', q[1], r, BPF_F_BEFORE | BPF_F_LINK, pre);
    query('[relative]   query r', proc, r, IN, 0);
    queryProgFlags('[relative]   query r prog_attach_flags', r, IN);
    query('[relative]   query r effective', proc, r, IN, BPF_F_QUERY_EFFECTIVE);
    rel('q3 on the parent, BPF_F_PREORDER', q[3], bb, BPF_F_PREORDER, 0);
    rel('q2 on the parent, no flags', q[2], bb, 0, 0);
    query('[relative]   query r effective', proc, r, IN, BPF_F_QUERY_EFFECTIVE);
  }
  return `${out.join('\n')}\n`;
}

const kernelRun = runOnKernel();
if (kernelRun.why) console.warn(`cgroup link kernel differential test skipped: ${kernelRun.why}`);
const skipped = kernelRun.why ? ` (skipped: ${kernelRun.why})` : '';

describe('cgroup links against the real kernel', () => {
  it.skipIf(kernelRun.out === undefined)(`bpfsim prints what Linux prints${skipped}`, () => {
    expect(runOnSim()).toBe(kernelRun.out);
  });

  it.skipIf(kernelRun.out === undefined)(`the kernel answers as recorded (FACTS.md, "Links")${skipped}`, () => {
    expect(kernelRun.out).toBe(RECORDED_6_18);
  });

  it('the simulator side matches the transcript recorded on Linux 6.18 (runs without a kernel)', () => {
    expect(runOnSim()).toBe(RECORDED_6_18);
  });
});

/** oracle/cgroup-link.c's output on Linux 6.18.44 (x86-64, own cgroup2 mount in a private mount + net namespace). */
const RECORDED_6_18 = `link socket filter: EINVAL
link flags ALLOW_MULTI: EINVAL
link on a non-cgroup fd: EBADF
link ingress: ok
link egress: ok
link ids consecutive: yes
fdinfo l0:
  pos:\\t0
  flags:\\t02000000
  mnt_id:\\tanon_mnt
  ino:\\tanon_ino
  link_type:\\tcgroup
  link_id:\\tl0
  prog_tag:\\tb11459a0e11ca14c
  prog_id:\\tp0
  cgroup_id:\\tcg
  attach_type:\\t0
fdinfo l1:
  pos:\\t0
  flags:\\t02000000
  mnt_id:\\tanon_mnt
  ino:\\tanon_ino
  link_type:\\tcgroup
  link_id:\\tl1
  prog_tag:\\tb11459a0e11ca14c
  prog_id:\\tp1
  cgroup_id:\\tcg
  attach_type:\\t1
info l0: info_len 64 type 3 id l0 prog_id p0 cgroup_id cg attach_type 0
info l1: info_len 64 type 3 id l1 prog_id p1 cgroup_id cg attach_type 1
query ingress: cnt 1 flags 2 ids p0
query ingress effective: cnt 1 flags 0 ids p0
query egress: cnt 1 flags 2 ids p1
query ingress link_ids: cnt 1 revision 2 link_ids untouched
legacy attach flags 0: EPERM
legacy attach ALLOW_OVERRIDE: EPERM
legacy attach ALLOW_MULTI: ok
  query ingress: cnt 2 flags 2 ids p0 p2
  query ingress link_ids: cnt 2 revision 3 link_ids untouched untouched
  query ingress link_ids effective: cnt 2 revision 0 link_ids untouched untouched
legacy attach the link's program: ok
  query ingress: cnt 3 flags 2 ids p0 p2 p0
legacy detach without a program: EINVAL
legacy detach p0 (legacy copy): ok
legacy detach p0 again (only the link has it): ENOENT
legacy detach p2: ok
  query ingress: cnt 1 flags 2 ids p0
second link, same program: ok
  query ingress: cnt 2 flags 2 ids p0 p0
  second link closed: gone
  query ingress: cnt 1 flags 2 ids p0
update to p3: ok
  fdinfo l0:
  pos:\\t0
  flags:\\t02000000
  mnt_id:\\tanon_mnt
  ino:\\tanon_ino
  link_type:\\tcgroup
  link_id:\\tl0
  prog_tag:\\tb11459a0e11ca14c
  prog_id:\\tp3
  cgroup_id:\\tcg
  attach_type:\\t0
  info l0: info_len 64 type 3 id l0 prog_id p3 cgroup_id cg attach_type 0
  query ingress: cnt 1 flags 2 ids p3
  query ingress link_ids: cnt 1 revision 9 link_ids untouched
update replace, wrong old: EPERM
update replace, right old: ok
update old without BPF_F_REPLACE: EINVAL
update unknown flag: EINVAL
update to a socket filter: EINVAL
update to the same program: ok
update with a bad fd: EBADF
  info l0: info_len 64 type 3 id l0 prog_id p2 cgroup_id cg attach_type 0
  p3 still live: yes
info with a zeroed 256-byte buffer: ok info_len 64
info with a 256-byte buffer, byte 200 set: E2BIG
info with an 8-byte buffer: ok info_len 8 type 3 id l0
fdinfo of a dup()ed link fd:
  pos:\\t0
  flags:\\t00
  mnt_id:\\tanon_mnt
  ino:\\tanon_ino
  link_type:\\tcgroup
  link_id:\\tl0
  prog_tag:\\tb11459a0e11ca14c
  prog_id:\\tp2
  cgroup_id:\\tcg
  attach_type:\\t0
link on the parent, expected_revision 5: ESTALE
link on the parent, expected_revision 1: ok
  query c effective: cnt 2 flags 0 ids p2 p4
  query d effective: cnt 2 flags 0 ids p2 p4
  query d: cnt 0 flags 0 ids
  update the parent's link to p3: ok
  query d effective: cnt 2 flags 0 ids p2 p3
  update c's link to p1: ok
  query d effective: cnt 2 flags 0 ids p1 p3
  update c's link back to p2: ok
  fdinfo lb:
  pos:\\t0
  flags:\\t02000000
  mnt_id:\\tanon_mnt
  ino:\\tanon_ino
  link_type:\\tcgroup
  link_id:\\tlb
  prog_tag:\\tb11459a0e11ca14c
  prog_id:\\tp3
  cgroup_id:\\tbase_cg
  attach_type:\\t0
  rmdir c while d exists: EBUSY
  detach the parent's link: ok
  query d effective: cnt 1 flags 0 ids p2
  parent's link closed: gone
  rmdir d: ok
next link id after l0-1: l0
link fd by id: ok
  fdinfo by id:
  pos:\\t0
  flags:\\t02000000
  mnt_id:\\tanon_mnt
  ino:\\tanon_ino
  link_type:\\tcgroup
  link_id:\\tl0
  prog_tag:\\tb11459a0e11ca14c
  prog_id:\\tp2
  cgroup_id:\\tcg
  attach_type:\\t0
link fd by id, BPF_F_RDONLY: EINVAL
detach l0: ok
  fdinfo l0:
  pos:\\t0
  flags:\\t02000000
  mnt_id:\\tanon_mnt
  ino:\\tanon_ino
  link_type:\\tcgroup
  link_id:\\tl0
  prog_tag:\\tb11459a0e11ca14c
  prog_id:\\tp2
  cgroup_id:\\t0
  attach_type:\\t0
  info l0: info_len 64 type 3 id l0 prog_id p2 cgroup_id 0 attach_type 0
  query ingress: cnt 0 flags 0 ids
  update after detach: ENOLINK
  update replace after detach: ENOLINK
  detach again: ok
  legacy attach flags 0 now: ok
  link over it: EPERM
  legacy detach: ok
  next link after the refused one skips an id: yes
  l0's program still live: yes
legacy attach beside the egress link: ok
  p5 with its fd closed: live
rmdir while a link is open: ok
  p5 after rmdir: gone
  fdinfo l1:
  pos:\\t0
  flags:\\t02000000
  mnt_id:\\tanon_mnt
  ino:\\tanon_ino
  link_type:\\tcgroup
  link_id:\\tl1
  prog_tag:\\tb11459a0e11ca14c
  prog_id:\\tp1
  cgroup_id:\\t0
  attach_type:\\t1
  info l1: info_len 64 type 3 id l1 prog_id p1 cgroup_id 0 attach_type 1
  update after rmdir: ENOLINK
  detach after rmdir: ok
  link create on the removed cgroup: ENOENT
  query the removed cgroup: ENOENT
  legacy attach on the removed cgroup: ENOENT
p1 with its fd closed: live
l1 closed: link gone, p1 gone
  link fd by freed id: ENOENT
p2 held by the detached l0: live
l0 closed: link gone, p2 gone
[relative] q0, no flags: ok
[relative] q1, BPF_F_BEFORE, relative 0: ok
[relative] q2, BPF_F_AFTER q0's fd: EINVAL
[relative] q3, BPF_F_BEFORE|BPF_F_ID q0's id: EINVAL
[relative] q4, BPF_F_AFTER|BPF_F_LINK the first link's fd: ok
[relative]   query r: cnt 3 flags 2 ids q1 q0 q4
[relative] q0 again, BPF_F_AFTER a program not attached: EINVAL
[relative] q0 again, BPF_F_BEFORE|BPF_F_AFTER: EINVAL
[relative] q3, BPF_F_BEFORE|BPF_F_LINK|BPF_F_ID the first link's id: ok
[relative] q2, BPF_F_AFTER|BPF_F_LINK relative_fd 0: EINVAL
[relative] q2, BPF_F_AFTER|BPF_F_LINK|BPF_F_ID no such id: ENOENT
[relative] q2, BPF_F_AFTER|BPF_F_LINK|BPF_F_ID id 0: ENOENT
[relative] q2, BPF_F_AFTER|BPF_F_LINK a program fd: EINVAL
[relative] q2, BPF_F_AFTER|BPF_F_LINK a bad fd: EBADF
[relative] q2, BPF_F_BEFORE|BPF_F_LINK|BPF_F_PREORDER the first link: EINVAL
[relative] q2, BPF_F_PREORDER: ok
[relative] q0, BPF_F_AFTER|BPF_F_LINK|BPF_F_PREORDER the preorder link: ok
[relative] q1, BPF_F_BEFORE|BPF_F_LINK the preorder link: EINVAL
[relative]   query r: cnt 6 flags 2 ids q1 q3 q0 q4 q2 q0
[relative]   query r prog_attach_flags: q1/0x2 q3/0x2 q0/0x2 q4/0x2 q2/0x2 q0/0x2
[relative]   query r effective: cnt 6 flags 0 ids q2 q0 q1 q3 q0 q4
[relative] q3 on the parent, BPF_F_PREORDER: ok
[relative] q2 on the parent, no flags: ok
[relative]   query r effective: cnt 8 flags 0 ids q3 q2 q0 q1 q3 q0 q4 q2
`;
