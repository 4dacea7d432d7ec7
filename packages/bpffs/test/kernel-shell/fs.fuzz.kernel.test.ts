// Differential fuzzing: random scripts of directory, link and mount operations run on the real kernel's bpffs and on
// bpfsim must give the same result at every step. Few runs (each starts a process on the kernel side).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kernelUnavailable, runOnKernel, runOnSim, type FsOp } from './fs-script.js';

const why = kernelUnavailable();

const path = fc
  .tuple(fc.constantFrom('/sys/fs/bpf', '/tmp/w'), fc.constantFrom('', '/a', '/b', '/a/b', '/a/c', '/b/a', '/a/..', '/a/./c', '/s', '/s/b', '/a/s', '/a/', '/s/', '/a.b'))
  .map(([base, tail]) => base + tail);

const opArb: fc.Arbitrary<FsOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('mkdir' as const), path, mode: fc.constantFrom(0o777, 0o700, 0o1777, 0o2755) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('rmdir' as const, 'unlink' as const, 'readdir' as const, 'stat' as const, 'lstat' as const), path }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('rename' as const, 'link' as const), from: path, to: path }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('symlink' as const), target: fc.constantFrom('a', 'b', '../a', '../../a', '.', 's', 'a/b', '/tmp/w/a', '/sys/fs/bpf/b', '/sys/fs'), path }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('chmod' as const), path, mode: fc.constantFrom(0o755, 0o700, 0o1777, 0) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('mount' as const), path }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('umount' as const), path, lazy: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('bind' as const, 'rbind' as const), from: path, to: path }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('pin' as const, 'cat' as const), path }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('get' as const), path, flags: fc.constantFrom(0, 8, 16) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('umask' as const), mask: fc.constantFrom(0o022, 0o077, 0o002, 0) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unshare' as const), name: fc.constantFrom('B', 'C') }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('setns' as const), name: fc.constantFrom('init', 'B', 'C') }) },
  // drop privileges for the rest of the script (uid 65534 or a user owning nothing)
  { weight: 1, arbitrary: fc.record({ op: fc.constant('as' as const), uid: fc.constantFrom(65534, 1000), gid: fc.constantFrom(65534, 0) }) },
);

describe.skipIf(why !== undefined)('random scripts: bpfsim answers like the kernel', () => {
  it('every step gives the same result', () => {
    // Privileges are dropped at most once; setns only into a namespace made before, and not after dropping them (the
    // runner could not: setns needs CAP_SYS_ADMIN, while the simulated processes just switch).
    const oneDrop = (ops: FsOp[]) => {
      const made = new Set(['init']);
      let dropped = false;
      return ops.filter((op) => {
        if (op.op === 'as') return dropped ? false : (dropped = true);
        if (op.op === 'unshare' && !dropped) made.add(op.name);
        if (op.op === 'setns') return !dropped && made.has(op.name);
        return true;
      });
    };
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 60 }).map(oneDrop), (script) => {
        const kernel = runOnKernel(script);
        if (typeof kernel === 'string') throw new Error(kernel);
        const sim = runOnSim(script);
        const rows = (r: unknown[]) => script.map((op, i) => `${i}: ${JSON.stringify(op)} → ${JSON.stringify(r[i])}`);
        expect(rows(sim)).toEqual(rows(kernel));
      }),
      { numRuns: 12, interruptAfterTimeLimit: 30_000 },
    );
  });
});
