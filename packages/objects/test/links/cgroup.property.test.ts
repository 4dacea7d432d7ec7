// Random sequences of cgroup operations (mkdir, rmdir, PROG_ATTACH/DETACH in every mode, LINK_CREATE/DETACH, closing
// fds) keep two invariants: every cgroup's effective list is what the kernel's rule gives when computed from scratch,
// and every program is freed exactly once, when nothing holds it any more.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Cgroup } from '../../src/cgroups.js';
import { entryProg } from '../../src/cgroups.js';
import { load, setup } from '../progs/support.js';

const PATHS = ['/a', '/a/b', '/a/b/c', '/d'];
type Op =
  | { op: 'attach'; path: number; mode: number }
  | { op: 'detach'; path: number; prog: number }
  | { op: 'link'; path: number }
  | { op: 'closeLink'; which: number }
  | { op: 'rmdir'; path: number }
  | { op: 'mkdir'; path: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('attach' as const), path: fc.nat(3), mode: fc.constantFrom(0, 1, 2) }),
  fc.record({ op: fc.constant('detach' as const), path: fc.nat(3), prog: fc.nat(7) }),
  fc.record({ op: fc.constant('link' as const), path: fc.nat(3) }),
  fc.record({ op: fc.constant('closeLink' as const), which: fc.nat(7) }),
  fc.record({ op: fc.constant('rmdir' as const), path: fc.nat(3) }),
  fc.record({ op: fc.constant('mkdir' as const), path: fc.nat(3) }),
);

/** The kernel's rule, written independently: own programs, then each ancestor's if it allows multi, until one
 *  without multi that has programs would be reached after something was collected. */
function expectedEffective(cg: Cgroup, type: number): number[] {
  const chain: Cgroup[] = [];
  for (let p: Cgroup | undefined = cg; p; p = p.parent) chain.push(p);
  const ids: number[] = [];
  for (const p of chain) {
    const own = (p.progs.get(type) ?? []).map((e) => entryProg(e)!.id);
    const multi = ((p.flags.get(type) ?? 0) & 2) !== 0;
    if (ids.length === 0 || multi) ids.push(...own);
  }
  return ids;
}

describe('cgroup operations (property)', () => {
  it('effective lists match the rule and programs are freed exactly once', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
        const { kernel, proc } = setup();
        for (const p of PATHS) kernel.cgroups.mkdir(p);
        const freed = new Map<number, number>();
        kernel.on('free', (ev) => ev.kind === 'prog' && freed.set(ev.id, (freed.get(ev.id) ?? 0) + 1));
        const progIds: number[] = [];
        const links: number[] = [];
        const newProg = () => {
          const fd = load(proc, 'BPF_PROG_TYPE_CGROUP_SKB', 'r0 = 1\nexit');
          progIds.push(proc.progInfo(fd).id);
          return fd;
        };
        for (const o of ops) {
          const path = PATHS['path' in o ? o.path : 0];
          const cg = kernel.cgroups.get(path);
          try {
            if (o.op === 'mkdir') kernel.cgroups.mkdir(path);
            else if (o.op === 'rmdir') kernel.cgroups.rmdir(path);
            else if (o.op === 'closeLink') {
              const fd = links.splice(o.which % Math.max(1, links.length), 1)[0];
              if (fd !== undefined) proc.close(fd);
            } else if (cg) {
              const dir = kernel.cgroups.open(proc, path);
              try {
                if (o.op === 'attach') {
                  const p = newProg();
                  try {
                    proc.bpf('BPF_PROG_ATTACH', { target_fd: dir, attach_bpf_fd: p, attach_type: 0, attach_flags: o.mode });
                  } finally {
                    proc.close(p);
                  }
                } else if (o.op === 'link') {
                  const p = newProg();
                  try {
                    links.push(proc.linkCreate(p, 'BPF_CGROUP_INET_INGRESS', { target_fd: dir }));
                  } finally {
                    proc.close(p);
                  }
                } else if (o.op === 'detach') {
                  const id = progIds[o.prog % Math.max(1, progIds.length)];
                  const p = id !== undefined && !freed.has(id) ? proc.getFdById('prog', id) : 0;
                  try {
                    proc.bpf('BPF_PROG_DETACH', { target_fd: dir, attach_bpf_fd: p, attach_type: 0 });
                  } finally {
                    if (p) proc.close(p);
                  }
                }
              } finally {
                proc.close(dir);
              }
            }
          } catch (e) {
            if (!(e as { errno?: string }).errno) throw e;
          }
          for (const p of [...PATHS, '/']) {
            const c = kernel.cgroups.get(p);
            if (c) expect(kernel.cgroups.effectivePrograms(p, 0).map((x) => x.id)).toEqual(expectedEffective(c, 0));
          }
          for (const [, n] of freed) expect(n).toBe(1);
        }
        // Tear down: close links, remove every cgroup → everything is freed exactly once.
        for (const fd of links) proc.close(fd);
        for (const p of [...PATHS].reverse()) if (kernel.cgroups.get(p)) kernel.cgroups.rmdir(p);
        for (const id of progIds) expect(freed.get(id), `program ${id}`).toBe(1);
      }),
      { numRuns: 100 },
    );
  });
});
