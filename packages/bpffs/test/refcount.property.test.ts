// Property: whatever sequence of mkdir/pin/get/rename/link/unlink/rmdir/mount/bind/umount/unshare/fork/exit/open/close
// runs, no object is released more often than it was retained, and once every fd is closed, every process has
// exited and every mount is gone, every object is back to zero references (no leak, no double free).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBpfError, type FileHandle } from '@bpfsim/bpffs';
import { ALL_CAPS, FakeObject, caller, setup, type TestCaller } from './fakes.js';

const BASES = ['/sys/fs/bpf', '/tmp/a', '/tmp/b'];
const TAILS = ['', '/x', '/x/y', '/p', '/q', '/x/p'];
const pathArb = fc.tuple(fc.constantFrom(...BASES), fc.constantFrom(...TAILS)).map(([b, t]) => b + t);
/** Names where pins tend to be: pin/get/unlink/open mostly aim here so they meet each other. */
const leafArb = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...BASES), fc.constantFrom('/p', '/q', '/x/p')).map(([b, t]) => b + t) },
  { weight: 1, arbitrary: pathArb },
);
const proc = fc.nat(5);
const objIdx = fc.nat(3);

type Op =
  | { op: 'mkdir' | 'unlink' | 'rmdir' | 'open' | 'umount' | 'mount'; p: number; path: string }
  | { op: 'pin'; p: number; path: string; o: number }
  | { op: 'get'; p: number; path: string; keep: boolean }
  | { op: 'rename' | 'link' | 'symlink' | 'bind'; p: number; path: string; to: string }
  | { op: 'lazy'; p: number; path: string }
  | { op: 'unshare' | 'fork' | 'exit' | 'close'; p: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('mkdir', 'rmdir', 'umount', 'mount'), p: proc, path: pathArb }) as fc.Arbitrary<Op>,
  fc.record({ op: fc.constantFrom('unlink', 'open'), p: proc, path: leafArb }) as fc.Arbitrary<Op>,
  { weight: 2, arbitrary: fc.record({ op: fc.constant('pin'), p: proc, path: leafArb, o: objIdx }) as fc.Arbitrary<Op> },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('get'), p: proc, path: leafArb, keep: fc.boolean() }) as fc.Arbitrary<Op> },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('rename', 'link', 'symlink', 'bind'), p: proc, path: pathArb, to: pathArb }) as fc.Arbitrary<Op> },
  // the same two paths under one base: renames and links within a mount succeed more often
  {
    weight: 2,
    arbitrary: fc
      .record({ op: fc.constantFrom('rename', 'link'), p: proc, base: fc.constantFrom(...BASES), a: fc.constantFrom(...TAILS), b: fc.constantFrom(...TAILS) })
      .map(({ op, p, base, a, b }) => ({ op, p, path: base + a, to: base + b }) as Op),
  },
  fc.record({ op: fc.constant('lazy'), p: proc, path: pathArb }) as fc.Arbitrary<Op>,
  fc.record({ op: fc.constantFrom('unshare', 'fork', 'exit', 'close'), p: proc }) as fc.Arbitrary<Op>,
);

/** Successful operations per kind over all runs: guards against a generator whose operations all fail. */
const successes = new Map<string, number>();

function run(profile: '4.4' | 'modern', ops: Op[]): void {
  // `init` only sets up and tears down (its namespace is the initial one); the others act, unshare and exit.
  const { fs, root: init, spawn } = setup({ profile });
  fs.fsFor(init).mkdir('/tmp/a');
  fs.fsFor(init).mkdir('/tmp/b');
  const root = spawn(caller(0, 0, ALL_CAPS), init);
  const objects = [0, 1, 2, 3].map((i) => new FakeObject(i % 2 ? 'prog' : 'map', i + 1, { readText: () => `obj ${i}\n` }));
  const procs: TestCaller[] = [root];
  const handles: Array<{ owner: TestCaller; h: FileHandle }> = [];
  const held: FakeObject[] = [];
  const pick = (i: number) => procs[i % procs.length];

  for (const op of ops) {
    const c = pick(op.p);
    const f = fs.fsFor(c);
    try {
      switch (op.op) {
        case 'mkdir': f.mkdir(op.path); break;
        case 'unlink': f.unlink(op.path); break;
        case 'rmdir': f.rmdir(op.path); break;
        case 'open': handles.push({ owner: c, h: f.open(op.path) }); break;
        case 'umount': fs.umount(c, op.path); break;
        case 'lazy': fs.umount(c, op.path, { lazy: true }); break;
        case 'mount': fs.mount(c, 'bpf', op.path); break;
        case 'pin': fs.pin(c, op.path, objects[op.o]); break;
        case 'get': {
          const o = fs.get(c, op.path, { read: true, write: true }) as FakeObject;
          if (op.keep) held.push(o);
          else o.release();
          break;
        }
        case 'rename': f.rename(op.path, op.to); break;
        case 'link': f.link(op.path, op.to); break;
        case 'symlink': f.symlink(op.path, op.to); break;
        case 'bind': fs.bindMount(c, op.path, op.to); break;
        case 'unshare': fs.unshare(c, 'mnt'); break;
        case 'fork': if (procs.length < 6) procs.push(spawn(caller(0, 0, ALL_CAPS), c)); break;
        case 'exit':
          if (procs.length > 1) {
            fs.detachProcess(c); // closes its open files too
            procs.splice(procs.indexOf(c), 1);
            handles.splice(0, handles.length, ...handles.filter((x) => x.owner !== c));
          }
          break;
        case 'close': {
          const x = handles.shift();
          if (x) fs.fsFor(x.owner).close(x.h);
          break;
        }
      }
      successes.set(op.op, (successes.get(op.op) ?? 0) + 1);
    } catch (e) {
      if (!isBpfError(e)) throw e; // a double free or an internal error fails the property
    }
    for (const o of objects) expect(o.releases).toBeLessThanOrEqual(o.retains);
  }

  // Tear everything down: fds, processes, then every mount of the initial namespace.
  for (const { owner, h } of handles) fs.fsFor(owner).close(h);
  for (const o of held) o.release();
  for (const c of procs) fs.detachProcess(c);
  for (let guard = 0; guard < 100; guard++) {
    const left = fs.mounts(init).filter((m) => m.target !== '/');
    if (left.length === 0) break;
    for (const m of left) {
      try {
        fs.umount(init, m.target, { lazy: true });
      } catch (e) {
        if (!isBpfError(e)) throw e;
      }
    }
  }
  expect(fs.mounts(init).map((m) => m.target)).toEqual(['/']);
  expect(fs.stats()).toEqual({ liveSuperblocks: 1, openFiles: 0, namespaces: 1 });
  for (const o of objects) expect([o.id, o.refs]).toEqual([o.id, 0]);
}

describe('references: never released more than retained, all back to zero at the end', () => {
  for (const profile of ['modern', '4.4'] as const) {
    it(`profile ${profile}`, () => {
      successes.clear();
      fc.assert(fc.property(fc.array(opArb, { minLength: 20, maxLength: 80 }), (ops) => run(profile, ops)), { numRuns: 250 });
      if (process.env.BPFFS_PROP_STATS) console.log(profile, Object.fromEntries(successes));
      for (const op of ['mkdir', 'pin', 'get', 'rename', 'link', 'unlink', 'rmdir', 'mount', 'bind', 'umount', 'lazy', 'unshare', 'open', 'exit']) {
        expect(successes.get(op) ?? 0, `successful ${op} operations`).toBeGreaterThan(2);
      }
    });
  }
});
