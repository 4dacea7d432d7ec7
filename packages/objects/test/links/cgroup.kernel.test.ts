// The cgroup attach rules against the real kernel: oracle/cgroup-attach.c runs the scenarios below with bpf(2) on
// cgroups it creates in a cgroup2 hierarchy mounted inside a private mount + network namespace (nothing else is
// attached to), and bpfsim runs the same scenarios; the two transcripts must be equal. Skips with a message where
// there is no root, no C compiler, no unshare or no cgroup2 (BPFSIM_NO_KERNEL=1 forces the skip).
import { describe, expect, it } from 'vitest';
import type { Process } from '@bpfsim/objects';
import { load, setup, u32At } from '../progs/support.js';
import { cgroupOracleOnce } from './cgroup2-oracle.js';

function runOnKernel(): { out?: string; why?: string } {
  // as this test always has: any failed run of the oracle is a skip (the cgroup link tests make one a failure)
  return cgroupOracleOnce('cgroup-attach', 'bpfsim-cg-', { unavailable: 'unshare/cgroup2', failedRunSkips: true });
}

/** The same scenarios on bpfsim, printing what the C program prints. */
function runOnSim(): string {
  const { kernel, proc } = setup();
  kernel.cgroups.mkdir('/base');
  kernel.cgroups.mkdir('/base/a');
  kernel.cgroups.mkdir('/base/a/b');
  const a = kernel.cgroups.open(proc, '/base/a');
  const b = kernel.cgroups.open(proc, '/base/a/b');
  const p = Array.from({ length: 6 }, () => load(proc, 'BPF_PROG_TYPE_CGROUP_SKB', 'r0 = 1\nexit'));
  const errno = (fn: () => unknown): string => {
    try {
      fn();
      return 'ok';
    } catch (e) {
      const n = (e as { errno?: string }).errno;
      if (!n) throw e;
      return n;
    }
  };
  const att = (cg: number, prog: number, flags: number, rep = 0) =>
    errno(() => proc.bpf('BPF_PROG_ATTACH', { target_fd: cg, attach_bpf_fd: prog, attach_type: 0, attach_flags: flags, replace_bpf_fd: rep }));
  const det = (cg: number, prog: number) => errno(() => proc.bpf('BPF_PROG_DETACH', { target_fd: cg, attach_bpf_fd: prog, attach_type: 0 }));
  const query = (pr: Process, cg: number, eff: number, cnt = 8) => {
    const attr: Record<string, unknown> = { target_fd: cg, attach_type: 0, query_flags: eff, prog_ids: new Uint8Array(4 * cnt), prog_cnt: cnt };
    const r = errno(() => pr.bpf('BPF_PROG_QUERY', attr));
    return { r, cnt: attr.prog_cnt as number, flags: attr.attach_flags as number, first: u32At(attr.prog_ids as Uint8Array, 0) };
  };
  const clear = (cg: number) => {
    for (const x of p) det(cg, x);
    for (let k = 0; k < 3; k++) det(cg, 0);
  };
  const out: string[] = [];
  for (let P = 0; P < 3; P++) {
    for (let C = 0; C < 3; C++) {
      const r1 = att(a, p[0], P);
      const r2 = att(b, p[1], C);
      out.push(`parent ${P} child ${C}: ${r1} ${r2}`);
      clear(b);
      clear(a);
    }
  }
  for (let E = 0; E < 3; E++) {
    for (let N = 0; N < 3; N++) {
      att(a, p[0], E);
      const r = att(a, p[1], N);
      const q = query(proc, a, 0);
      out.push(`existing ${E} new ${N}: ${r} cnt ${q.cnt} flags ${q.flags}`);
      clear(a);
    }
  }
  out.push(`multi first: ${att(a, p[0], 2)}`);
  out.push(`multi same again: ${att(a, p[0], 2)}`);
  out.push(`override|multi: ${att(a, p[1], 3)}`);
  out.push(`replace without multi: ${att(a, p[1], 4, p[0])}`);
  out.push(`multi|replace no fd: ${att(a, p[1], 6, 0)}`);
  out.push(`multi|replace missing: ${att(a, p[1], 6, p[2])}`);
  out.push(`multi detach fd0: ${det(a, 0)}`);
  out.push(`multi detach missing: ${det(a, p[3])}`);
  att(b, p[4], 2);
  const eff = query(proc, b, 1);
  out.push(`effective b: cnt ${eff.cnt} flags ${eff.flags}`);
  const short = query(proc, b, 1, 1);
  out.push(`short effective query: ${short.r} cnt ${short.cnt}`);
  clear(b);
  clear(a);
  out.push(`none detach empty: ${det(a, p[0])}`);
  att(a, p[0], 0);
  out.push(`none detach fd0: ${det(a, 0)}`);
  return `${out.join('\n')}\n`;
}

const kernel = runOnKernel();
if (kernel.why) console.warn(`cgroup kernel differential test skipped: ${kernel.why}`);

describe('cgroup attach rules on the real kernel', () => {
  it.skipIf(!kernel.out)(`bpfsim answers like the kernel${kernel.why ? ` (skipped: ${kernel.why})` : ''}`, () => {
    expect(runOnSim()).toBe(kernel.out);
  });

  it('the simulator transcript starts with the hierarchy matrix (sanity of the scenario runner)', () => {
    expect(runOnSim().split('\n').slice(0, 4)).toEqual(['parent 0 child 0: ok EPERM', 'parent 0 child 1: ok EPERM', 'parent 0 child 2: ok EPERM', 'parent 1 child 0: ok ok']);
  });
});
