// Random sequences of cgroup link and attach operations, run on the real kernel and on bpfsim: fast-check makes a
// sequence (LINK_CREATE — also with BPF_F_BEFORE / AFTER / ID / LINK / PREORDER — LINK_UPDATE / LINK_DETACH / close
// on four link slots, legacy PROG_ATTACH / PROG_DETACH, PROG_QUERY with and without BPF_F_QUERY_EFFECTIVE, a link's
// fdinfo and bpf_link_info, rmdir of the leaf cgroup),
// oracle/cgroup-link-ops.c runs it with raw bpf(2) on cgroups base, base/a, base/a/b it makes under its own cgroup2
// mount in a private mount + network namespace, and the interpreter below runs it on bpfsim; the transcripts (ids
// through a symbol table) must be equal. Skips with a message without root, a C compiler, unshare or cgroup2
// (BPFSIM_NO_KERNEL=1 forces the skip); the bpfsim side is checked against a recorded kernel transcript either way.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { load, setup } from '../progs/support.js';
import {
  type CgroupOracle,
  compileCgroupOracle,
  firstLine,
  removeOracle,
  runCgroupOracle,
  startedThenFailed,
} from './cgroup2-oracle.js';

type Op =
  | { op: 'link'; slot: number; prog: number; cg: number; type: number }
  | { op: 'linkrel'; slot: number; prog: number; cg: number; type: number; flags: number; anchor: number }
  | { op: 'update'; slot: number; prog: number; flags: number; old: number }
  | { op: 'detach' | 'close' | 'show'; slot: number }
  | { op: 'attach'; prog: number; cg: number; type: number; flags: number }
  | { op: 'pdetach'; prog: number; cg: number; type: number }
  | { op: 'query'; cg: number; type: number; effective: number }
  | { op: 'rmdir_b' };

/** The line oracle/cgroup-link-ops.c reads (and echoes before its answer). */
function opLine(o: Op): string {
  switch (o.op) {
    case 'link':
      return `link ${o.slot} ${o.prog} ${o.cg} ${o.type}`;
    case 'linkrel':
      return `linkrel ${o.slot} ${o.prog} ${o.cg} ${o.type} ${o.flags} ${o.anchor}`;
    case 'update':
      return `update ${o.slot} ${o.prog} ${o.flags} ${o.old}`;
    case 'detach':
    case 'close':
    case 'show':
      return `${o.op} ${o.slot}`;
    case 'attach':
      return `attach ${o.prog} ${o.cg} ${o.type} ${o.flags}`;
    case 'pdetach':
      return `pdetach ${o.prog} ${o.cg} ${o.type}`;
    case 'query':
      return `query ${o.cg} ${o.type} ${o.effective}`;
    case 'rmdir_b':
      return 'rmdir_b';
  }
}

/** A compiled oracle, or why there is none. */
function compileOracle(): { bin?: string; dir?: string; why?: string } {
  const o = compileCgroupOracle('cgroup-link-ops', 'bpfsim-cgops-');
  if ('why' in o) return o;
  try {
    runOnKernel(o, [{ op: 'query', cg: 0, type: 0, effective: 0 }]);
  } catch (e) {
    removeOracle(o);
    return { why: `unshare/cgroup2/bpf(2) unavailable: ${firstLine(e)}` };
  }
  return o;
}

let runs = 0;
function runOnKernel(o: CgroupOracle, ops: readonly Op[]): string {
  const base = `bpfsim-ops-${process.pid}-${runs++}`;
  const input = ops.map((x) => `${opLine(x)}\n`).join('');
  try {
    return runCgroupOracle(o, { base, leftovers: ['a/b', 'a', ''], input });
  } catch (e) {
    // a helper that started and then failed is a failure to report (compileOracle's probe run makes it a skip)
    const failed = startedThenFailed(e);
    if (failed !== undefined) return failed;
    throw e;
  }
}

/** The same operations on bpfsim, printing what the C program prints. */
function runOnSim(ops: readonly Op[]): string {
  const { kernel, proc } = setup();
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
  type Kind = 'p' | 'l' | 'c';
  const syms: [Kind, string, bigint][] = [];
  const def = (kind: Kind, name: string, v: number | bigint) => syms.push([kind, name, BigInt(v)]);
  const sym = (kind: Kind, v: number | bigint): string => {
    if (BigInt(v) === 0n) return '0';
    return syms.find(([k, , x]) => k === kind && x === BigInt(v))?.[1] ?? `unknown(${v})`;
  };
  const paths = ['/base', '/base/a', '/base/a/b'];
  const names = ['base', 'a', 'b'];
  const cg = paths.map((p, i) => {
    def('c', names[i], kernel.cgroups.mkdir(p).id);
    return kernel.cgroups.open(proc, p);
  });
  const P = [0, 1, 2, 3].map((i) => {
    const fd = load(proc, 'BPF_PROG_TYPE_CGROUP_SKB', 'r0 = 1\nexit');
    def('p', `p${i}`, proc.progInfo(fd).id);
    return fd;
  });
  const L = [-1, -1, -1, -1];
  let nlinks = 0;
  let bRemoved = false;
  const fdinfoField = (fd: number, key: string): bigint => BigInt(new RegExp(`${key}:\\t(\\d+)`).exec(proc.fdinfo(fd))![1]);
  const out: string[] = [];
  for (const o of ops) {
    let s = '';
    switch (o.op) {
      case 'link':
      case 'linkrel': {
        const flags = o.op === 'linkrel' ? o.flags : 0;
        let relative = 0;
        if (o.op === 'linkrel' && o.anchor >= 0 && L[o.anchor] >= 0) relative = flags & BPF_F_ID ? proc.linkInfo(L[o.anchor]).id : L[o.anchor];
        if (L[o.slot] >= 0) proc.close(L[o.slot]);
        L[o.slot] = -1;
        s = errno(() => (L[o.slot] = proc.bpf('BPF_LINK_CREATE', { prog_fd: P[o.prog], target_fd: cg[o.cg], attach_type: o.type, flags, relative_fd: relative })));
        if (L[o.slot] >= 0) {
          const id = proc.linkInfo(L[o.slot]).id;
          def('l', `l${nlinks++}`, id);
          s += ` ${sym('l', id)}`;
        }
        break;
      }
      case 'update':
        s = L[o.slot] < 0 ? 'empty' : errno(() => proc.bpf('BPF_LINK_UPDATE', { link_fd: L[o.slot], new_prog_fd: P[o.prog], flags: o.flags, old_prog_fd: o.old < 0 ? 0 : P[o.old] }));
        break;
      case 'detach':
        s = L[o.slot] < 0 ? 'empty' : errno(() => proc.linkDetach(L[o.slot]));
        break;
      case 'close':
        if (L[o.slot] < 0) s = 'empty';
        else {
          proc.close(L[o.slot]);
          L[o.slot] = -1;
          s = 'ok';
        }
        break;
      case 'attach':
        s = errno(() => proc.bpf('BPF_PROG_ATTACH', { target_fd: cg[o.cg], attach_bpf_fd: P[o.prog], attach_type: o.type, attach_flags: o.flags }));
        break;
      case 'pdetach':
        s = errno(() => proc.bpf('BPF_PROG_DETACH', { target_fd: cg[o.cg], attach_bpf_fd: o.prog < 0 ? 0 : P[o.prog], attach_type: o.type }));
        break;
      case 'query': {
        const attr: Record<string, unknown> = { target_fd: cg[o.cg], attach_type: o.type, query_flags: o.effective, prog_ids: new Uint8Array(64), prog_cnt: 16 };
        s = errno(() => proc.bpf('BPF_PROG_QUERY', attr));
        if (s === 'ok') {
          const cnt = attr.prog_cnt as number;
          const v = new DataView((attr.prog_ids as Uint8Array).buffer);
          const ids = Array.from({ length: Math.min(cnt, 16) }, (_, i) => ` ${sym('p', v.getUint32(4 * i, true))}`);
          s += ` cnt ${cnt} flags ${attr.attach_flags as number} revision ${String(attr.revision ?? 0)} ids${ids.join('')}`;
        }
        break;
      }
      case 'show': {
        if (L[o.slot] < 0) {
          s = 'empty';
          break;
        }
        const fd = L[o.slot];
        s = `fdinfo ${sym('l', fdinfoField(fd, 'link_id'))} ${sym('p', fdinfoField(fd, 'prog_id'))} ${sym('c', fdinfoField(fd, 'cgroup_id'))} ${fdinfoField(fd, 'attach_type')}`;
        const i = proc.linkInfo(fd);
        s += ` info ${i.type} ${sym('l', i.id)} ${sym('p', i.prog_id)} ${sym('c', BigInt(i.cgroup_id as bigint))} ${i.attach_type as number}`;
        break;
      }
      case 'rmdir_b':
        if (bRemoved) s = 'gone';
        else {
          s = errno(() => kernel.cgroups.rmdir(paths[2]));
          bRemoved = true;
        }
        break;
    }
    out.push(`${opLine(o)}: ${s}`);
  }
  return `${out.join('\n')}${out.length ? '\n' : ''}`;
}

const BPF_F_BEFORE = 1 << 3;
const BPF_F_AFTER = 1 << 4;
const BPF_F_ID = 1 << 5;
const BPF_F_PREORDER = 1 << 6;
const BPF_F_LINK = 1 << 13;
const slot = fc.integer({ min: 0, max: 3 });
const prog = fc.integer({ min: 0, max: 3 });
const cgIdx = fc.integer({ min: 0, max: 2 });
const type = fc.integer({ min: 0, max: 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('link' as const), slot, prog, cg: cgIdx, type }), weight: 5 },
  {
    arbitrary: fc.record({
      op: fc.constant('linkrel' as const),
      slot,
      prog,
      cg: cgIdx,
      type,
      flags: fc.constantFrom(
        BPF_F_BEFORE, BPF_F_AFTER, BPF_F_BEFORE | BPF_F_LINK, BPF_F_AFTER | BPF_F_LINK, BPF_F_AFTER | BPF_F_LINK | BPF_F_ID,
        BPF_F_PREORDER, BPF_F_BEFORE | BPF_F_LINK | BPF_F_PREORDER, BPF_F_AFTER | BPF_F_BEFORE, BPF_F_AFTER | BPF_F_ID,
      ),
      anchor: fc.integer({ min: -1, max: 3 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('update' as const), slot, prog, flags: fc.constantFrom(0, 4, 4, 8), old: fc.integer({ min: -1, max: 3 }) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constantFrom('detach' as const, 'close' as const), slot }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('show' as const), slot }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('attach' as const), prog, cg: cgIdx, type, flags: fc.constantFrom(0, 1, 2, 2, 3) }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('pdetach' as const), prog: fc.integer({ min: -1, max: 3 }), cg: cgIdx, type }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('query' as const), cg: cgIdx, type, effective: fc.integer({ min: 0, max: 1 }) }), weight: 3 },
  { arbitrary: fc.constant({ op: 'rmdir_b' as const }), weight: 1 },
);

const oracle = compileOracle();
if (oracle.why) console.warn(`cgroup link random kernel differential test skipped: ${oracle.why}`);
afterAll(() => {
  if (oracle.dir) removeOracle({ dir: oracle.dir });
});

describe('random cgroup link operations against the real kernel', () => {
  it.skipIf(!oracle.bin)(`bpfsim answers every operation like Linux${oracle.why ? ` (skipped: ${oracle.why})` : ''}`, () => {
    const o = { bin: oracle.bin!, dir: oracle.dir! };
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 5, maxLength: 30 }), (ops) => {
        expect(runOnSim(ops)).toBe(runOnKernel(o, ops));
      }),
      { numRuns: 12 },
    );
  });

  it('the bpfsim side replays a sequence recorded on Linux 6.18 (runs without a kernel)', () => {
    expect(runOnSim(RECORDED_OPS.map(parseOp))).toBe(RECORDED_6_18);
  });
});

function parseOp(line: string): Op {
  const [op, ...n] = line.split(' ');
  const x = n.map(Number);
  switch (op) {
    case 'link':
      return { op, slot: x[0], prog: x[1], cg: x[2], type: x[3] };
    case 'linkrel':
      return { op, slot: x[0], prog: x[1], cg: x[2], type: x[3], flags: x[4], anchor: x[5] };
    case 'update':
      return { op, slot: x[0], prog: x[1], flags: x[2], old: x[3] };
    case 'detach':
    case 'close':
    case 'show':
      return { op, slot: x[0] };
    case 'attach':
      return { op, prog: x[0], cg: x[1], type: x[2], flags: x[3] };
    case 'pdetach':
      return { op, prog: x[0], cg: x[1], type: x[2] };
    case 'query':
      return { op, cg: x[0], type: x[1], effective: x[2] };
    default:
      return { op: 'rmdir_b' };
  }
}

/** A hand-picked sequence: links (placed too) and legacy programs across the hierarchy, updates, detach, rmdir. */
const RECORDED_OPS = [
  'link 0 0 1 0',
  'link 1 1 0 0',
  'linkrel 3 2 0 0 8200 1',
  'linkrel 2 3 0 0 64 -1',
  'linkrel 2 3 0 0 16 2',
  'query 0 0 0',
  'query 2 0 1',
  'close 2',
  'close 3',
  'show 0',
  'attach 2 2 0 0',
  'attach 2 1 0 0',
  'attach 3 2 1 1',
  'attach 2 2 1 0',
  'query 2 1 0',
  'update 0 3 4 0',
  'update 0 3 4 1',
  'update 0 2 8 -1',
  'show 0',
  'query 1 0 0',
  'query 2 0 1',
  'pdetach -1 2 0',
  'link 2 0 2 0',
  'link 3 0 2 1',
  'rmdir_b',
  'show 2',
  'show 3',
  'update 2 1 0 -1',
  'link 2 0 2 0',
  'detach 1',
  'show 1',
  'query 1 0 1',
  'close 0',
  'pdetach -1 1 0',
  'query 1 0 0',
  'close 3',
  'show 3',
];

/** oracle/cgroup-link-ops.c's output for RECORDED_OPS on Linux 6.18.44. */
const RECORDED_6_18 = `link 0 0 1 0: ok l0
link 1 1 0 0: ok l1
linkrel 3 2 0 0 8200 1: ok l2
linkrel 2 3 0 0 64 -1: ok l3
linkrel 2 3 0 0 16 2: EINVAL
query 0 0 0: ok cnt 2 flags 2 revision 5 ids p2 p1
query 2 0 1: ok cnt 3 flags 0 revision 0 ids p0 p2 p1
close 2: empty
close 3: ok
show 0: fdinfo l0 p0 a 0 info 3 l0 p0 a 0
attach 2 2 0 0: ok
attach 2 1 0 0: EPERM
attach 3 2 1 1: ok
attach 2 2 1 0: EPERM
query 2 1 0: ok cnt 1 flags 1 revision 2 ids p3
update 0 3 4 0: ok
update 0 3 4 1: EPERM
update 0 2 8 -1: EINVAL
show 0: fdinfo l0 p3 a 0 info 3 l0 p3 a 0
query 1 0 0: ok cnt 1 flags 2 revision 3 ids p3
query 2 0 1: ok cnt 3 flags 0 revision 0 ids p2 p3 p1
pdetach -1 2 0: ok
link 2 0 2 0: ok l4
link 3 0 2 1: EPERM
rmdir_b: ok
show 2: fdinfo l4 p0 0 0 info 3 l4 p0 0 0
show 3: empty
update 2 1 0 -1: ENOLINK
link 2 0 2 0: ENOENT
detach 1: ok
show 1: fdinfo l1 p1 0 0 info 3 l1 p1 0 0
query 1 0 1: ok cnt 1 flags 0 revision 0 ids p3
close 0: ok
pdetach -1 1 0: ENOENT
query 1 0 0: ok cnt 0 flags 0 revision 4 ids
close 3: empty
show 3: empty
`;
