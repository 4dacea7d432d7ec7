// Property: for random sequences of bpffs operations (mkdir, rmdir, pin, get, unlink, rename, readdir, stat) over a
// handful of names, bpfsim answers exactly what the kernel answers — errno, readdir order, modes and link counts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { availability, differences, warnIfSkipped } from '../../../../testing/kernel-oracle/harness';
import { kernelRun, type ScriptCommand } from '../../../../testing/kernel-oracle/oracle';
import { MAP, as, get, mapCreate as mc, pin } from '../../../../testing/kernel-oracle/script';
import { BpffsOnlyKernel, withBpffs } from './sim-kernel';

warnIfSkipped();

// a small tree so that operations collide: /sys/fs/bpf/{a,b,c}[/{a,b,c}]
const name = fc.constantFrom('a', 'b', 'c');
const path = fc
  .tuple(name, fc.option(name, { nil: undefined }))
  .map(([x, y]) => `/sys/fs/bpf/${x}${y ? `/${y}` : ''}`);
// not the mount root itself: the kernel's holds bpf_preload's maps.debug/progs.debug (see fs-only.test.ts)
const dir = name.map((x) => `/sys/fs/bpf/${x}`);
const mode = fc.constantFrom(0o755, 0o700, 0o1777);

const fsOp: fc.Arbitrary<ScriptCommand> = fc.oneof(
  fc.record({ p: path, m: mode }).map(({ p, m }) => ({ cmd: 'mkdir', path: p, mode: m })),
  path.map((p) => ({ cmd: 'rmdir', path: p })),
  path.map((p) => ({ cmd: 'unlink', path: p })),
  fc.record({ a: path, b: path }).map(({ a, b }) => ({ cmd: 'rename', from: a, to: b })),
  dir.map((p) => ({ cmd: 'readdir', path: p })),
  path.map((p) => ({ cmd: 'stat', path: p })),
);
const pinOp: fc.Arbitrary<ScriptCommand> = fc.oneof(
  fsOp,
  path.map((p) => pin('m', p)),
  path.map((p) => get(p)),
  path.map((p) => ({ cmd: 'read', path: p })),
);

const anyMode = fc.constantFrom(0o755, 0o700, 0o1777, 0o777, 0o600, 0o644, 0o666, 0o711);
/** Root prepares a tree (directories, pins, random modes); uid 65534 with CAP_BPF then works in it. */
const rootSetup: fc.Arbitrary<ScriptCommand> = fc.oneof(
  fc.record({ p: path, m: mode }).map(({ p, m }) => ({ cmd: 'mkdir', path: p, mode: m })),
  path.map((p) => pin('m', p)),
  fc.record({ p: path, m: anyMode }).map(({ p, m }) => ({ cmd: 'chmod', path: p, mode: m })),
);
const userOp: fc.Arbitrary<ScriptCommand> = fc.oneof(
  fsOp,
  path.map((p) => pin('um', p)),
  fc.record({ p: path, f: fc.constantFrom(0, 8, 16) }).map(({ p, f }) => get(p, { file_flags: f })),
  fc.record({ p: path, m: anyMode }).map(({ p, m }) => ({ cmd: 'chmod', path: p, mode: m })),
);

describe.skipIf(!availability.ok)('kernel diff: random bpffs operation sequences', () => {
  it('directories only (bpffs alone): bpfsim answers like the kernel', () => {
    fc.assert(
      fc.property(fc.array(fsOp, { minLength: 1, maxLength: 30 }), (ops) => {
        const diff = differences(ops, kernelRun(ops), { Kernel: BpffsOnlyKernel });
        expect(diff, `bpfsim differs from the kernel:\n${diff}`).toBe('');
      }),
      { numRuns: 20 },
    );
  });

  it('with pins of one map: bpfsim answers like the kernel', () => {
    fc.assert(
      fc.property(fc.array(pinOp, { minLength: 1, maxLength: 30 }), (ops) => {
        const script = [as(mc(MAP.ARRAY, 4, 4, 1), 'm'), ...ops];
        const diff = differences(script, kernelRun(script), withBpffs);
        expect(diff, `bpfsim differs from the kernel:\n${diff}`).toBe('');
      }),
      { numRuns: 20 },
    );
  });

  it('root sets up, an unprivileged CAP_BPF process acts: bpfsim answers like the kernel', () => {
    fc.assert(
      fc.property(
        fc.array(rootSetup, { maxLength: 12 }),
        fc.array(userOp, { minLength: 1, maxLength: 20 }),
        (setup, ops) => {
          // after drop_privs bpfsim continues in a new process, so the user only touches its own map 'um'
          const script = [
            as(mc(MAP.ARRAY, 4, 4, 1), 'm'),
            ...setup,
            { cmd: 'drop_privs', uid: 65534, gid: 65534, caps: 'CAP_BPF' },
            as(mc(MAP.ARRAY, 4, 4, 1), 'um'),
            ...ops,
          ];
          const diff = differences(script, kernelRun(script), withBpffs);
          expect(diff, `bpfsim differs from the kernel:\n${diff}`).toBe('');
        },
      ),
      { numRuns: 25 },
    );
  });
});
