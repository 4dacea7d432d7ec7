// Differential: filesystem scripts on the real kernel's bpffs (private mount namespace, see runner.py) and on bpfsim.
// Skips, saying why, where the kernel side cannot run (not Linux, not root, no unshare/python3, no bpffs).
import { describe, expect, it } from 'vitest';
import { kernelUnavailable, runOnKernel, runOnSim, type FsOp } from './fs-script.js';

const why = kernelUnavailable();
if (why) console.warn(`bpffs kernel differential tests skipped: ${why}`);

const B = '/sys/fs/bpf';
const W = '/tmp/w';

function same(script: FsOp[]) {
  const kernel = runOnKernel(script);
  if (typeof kernel === 'string') throw new Error(kernel);
  const sim = runOnSim(script);
  // Compare step by step so a failure names the operation.
  const rows = script.map((op, i) => ({ op: JSON.stringify(op), kernel: kernel[i], sim: sim[i] }));
  expect(rows.map((r) => ({ op: r.op, result: r.sim }))).toEqual(rows.map((r) => ({ op: r.op, result: r.kernel })));
}

describe.skipIf(why !== undefined)('bpffs against the kernel', () => {
  it('directories: modes, nlink, readdir order, rename and removal errors', () => {
    same([
      { op: 'stat', path: B },
      { op: 'mkdir', path: `${B}/a` },
      { op: 'mkdir', path: `${B}/b`, mode: 0o750 },
      { op: 'mkdir', path: `${B}/c`, mode: 0o1777 },
      { op: 'mkdir', path: `${B}/a/x` },
      { op: 'stat', path: `${B}/a` },
      { op: 'stat', path: `${B}/b` },
      { op: 'stat', path: `${B}/c` },
      { op: 'stat', path: B },
      { op: 'readdir', path: B },
      { op: 'rename', from: `${B}/b`, to: `${B}/z` },
      { op: 'readdir', path: B },
      { op: 'rename', from: `${B}/z`, to: `${B}/a` },
      { op: 'rename', from: `${B}/c`, to: `${B}/z` },
      { op: 'readdir', path: B },
      { op: 'rename', from: `${B}/a`, to: `${B}/a/x/y` },
      { op: 'rename', from: `${B}/a/x`, to: `${B}/a` },
      { op: 'rename', from: `${B}/a`, to: `${B}/d.x` },
      { op: 'rename', from: `${B}/.`, to: `${B}/q` },
      { op: 'rename', from: `${B}/a`, to: `${W}/a` },
      { op: 'rmdir', path: `${B}/a` },
      { op: 'rmdir', path: `${B}/a/.` },
      { op: 'rmdir', path: `${B}/a/..` },
      { op: 'rmdir', path: `${B}/nope` },
      { op: 'unlink', path: `${B}/a` },
      { op: 'unlink', path: `${B}/.` },
      { op: 'mkdir', path: `${B}/a` },
      { op: 'mkdir', path: `${B}/e.f` },
      { op: 'mkdir', path: `${B}/${'n'.repeat(256)}` },
      { op: 'mkdir', path: `${B}/${'n'.repeat(255)}` },
      { op: 'mkdir', path: `${B}/new/` },
      { op: 'stat', path: `${B}/none.x` },
      { op: 'rmdir', path: `${B}/a/x` },
      { op: 'stat', path: `${B}/a` },
      { op: 'chmod', path: `${B}/a`, mode: 0 },
      { op: 'mkdir', path: `${B}/a/dotted.ok` },
      { op: 'umask', mask: 0o077 },
      { op: 'mkdir', path: `${B}/u` },
      { op: 'stat', path: `${B}/u` },
    ]);
  });

  it('pins: modes, umask, errors, get flags, cat', () => {
    same([
      { op: 'pin', path: `${B}/m` },
      { op: 'stat', path: `${B}/m` },
      { op: 'pin', path: `${B}/m` },
      { op: 'pin', path: B },
      { op: 'pin', path: `${B}/nodir/m` },
      { op: 'pin', path: `${B}/m/x` },
      { op: 'pin', path: `${B}/m9/` },
      { op: 'pin', path: `${B}/a.b` },
      { op: 'pin', path: `${W}/m` },
      { op: 'pin', path: '/tmp/m' },
      { op: 'get', path: `${B}/m`, flags: 8 },
      { op: 'get', path: `${B}/m`, flags: 16 },
      { op: 'get', path: B },
      { op: 'get', path: W },
      { op: 'get', path: `${B}/none` },
      { op: 'cat', path: `${B}/m` },
      { op: 'cat', path: B },
      { op: 'umask', mask: 0o266 },
      { op: 'pin', path: `${B}/m2` },
      { op: 'stat', path: `${B}/m2` },
      { op: 'link', from: `${B}/m2`, to: `${B}/m3` },
      { op: 'stat', path: `${B}/m2` },
      { op: 'rename', from: `${B}/m3`, to: `${B}/m` },
      { op: 'readdir', path: B },
      { op: 'chmod', path: `${B}/m`, mode: 0o644 },
      { op: 'as', uid: 65534, gid: 65534 },
      { op: 'get', path: `${B}/m` },
      { op: 'get', path: `${B}/m`, flags: 8 },
      { op: 'cat', path: `${B}/m` },
    ]);
  });

  it('symlinks and hard links', () => {
    same([
      { op: 'mkdir', path: `${B}/d` },
      { op: 'symlink', target: 'd', path: `${B}/s` },
      { op: 'lstat', path: `${B}/s` },
      { op: 'stat', path: `${B}/s` },
      { op: 'mkdir', path: `${B}/s/inner` },
      { op: 'readdir', path: `${B}/d` },
      { op: 'symlink', target: 'l2', path: `${B}/l1` },
      { op: 'symlink', target: 'l1', path: `${B}/l2` },
      { op: 'stat', path: `${B}/l1` },
      { op: 'mkdir', path: `${B}/l1` },
      { op: 'link', from: `${B}/d`, to: `${B}/dl` },
      { op: 'link', from: `${B}/s`, to: `${B}/s2` },
      { op: 'lstat', path: `${B}/s` },
      { op: 'link', from: `${B}/s`, to: `${W}/s3` },
      { op: 'unlink', path: `${B}/s/` },
      { op: 'rmdir', path: `${B}/s` },
      { op: 'unlink', path: `${B}/s` },
      { op: 'symlink', target: '/tmp/w', path: `${W}/self` },
      { op: 'lstat', path: `${W}/self` },
      { op: 'readdir', path: B },
    ]);
  });

  it('mounts: stacking, bind mounts, EBUSY, EXDEV, options', () => {
    same([
      { op: 'mkdir', path: `${B}/keep` },
      { op: 'mkdir', path: `${W}/m1` },
      { op: 'mkdir', path: `${W}/m2` },
      { op: 'mount', path: `${W}/m1`, data: 'mode=0700,uid=65534,gid=100' },
      { op: 'stat', path: `${W}/m1` },
      { op: 'mkdir', path: `${W}/m1/sub` },
      { op: 'mount', path: `${W}/m1/sub` },
      { op: 'umount', path: `${W}/m1` },
      { op: 'umount', path: `${W}/m1/sub` },
      { op: 'mount', path: `${W}/m1` },
      { op: 'readdir', path: `${W}/m1` },
      { op: 'umount', path: `${W}/m1` },
      { op: 'readdir', path: `${W}/m1` },
      { op: 'umount', path: `${W}/m1/sub` },
      { op: 'bind', from: `${B}/keep`, to: `${W}/m2` },
      { op: 'mkdir', path: `${W}/m2/through-bind` },
      { op: 'readdir', path: `${B}/keep` },
      { op: 'rename', from: `${B}/keep/through-bind`, to: `${W}/m2/moved` },
      { op: 'rename', from: `${W}/m2/through-bind`, to: `${W}/m2/moved` },
      { op: 'rmdir', path: `${W}/m2` },
      { op: 'rename', from: `${W}/m2`, to: `${W}/m3` },
      { op: 'umount', path: `${W}/m2/moved` },
      { op: 'umount', path: `${W}/m2` },
      { op: 'readdir', path: `${W}/m2` },
      { op: 'mount', path: `${B}/nope` },
      { op: 'umount', path: W },
      { op: 'umount', path: `${W}/nope` },
    ]);
  });

  it('an unprivileged process (uid/gid 65534, no capabilities)', () => {
    same([
      { op: 'mkdir', path: `${B}/pub`, mode: 0o755 },
      { op: 'mkdir', path: `${B}/priv`, mode: 0o700 },
      { op: 'mkdir', path: `${B}/priv/x` },
      { op: 'mkdir', path: `${B}/open`, mode: 0o777 },
      { op: 'chmod', path: `${B}/open`, mode: 0o777 },
      { op: 'mkdir', path: `${B}/open/rootdir` },
      { op: 'as', uid: 65534, gid: 65534 },
      { op: 'mkdir', path: `${B}/mine` },
      { op: 'stat', path: `${B}/mine` },
      { op: 'mkdir', path: `${B}/pub/x` },
      { op: 'readdir', path: `${B}/priv` },
      { op: 'stat', path: `${B}/priv/x` },
      { op: 'rmdir', path: `${B}/pub` },
      { op: 'rename', from: `${B}/priv`, to: `${B}/p2` },
      { op: 'rmdir', path: `${B}/open/rootdir` },
      { op: 'rename', from: `${B}/open/rootdir`, to: `${B}/open/r2` },
      { op: 'rename', from: `${B}/mine`, to: `${B}/mine2` },
      { op: 'mount', path: `${B}/mine2` },
      { op: 'umount', path: B },
      { op: 'pin', path: `${B}/mypin` },
      { op: 'stat', path: `${B}/mypin` },
      { op: 'pin', path: `${W}/x` }, // not a bpffs, and no write permission: EPERM comes first
      { op: 'pin', path: `${B}/pub/x` },
      { op: 'get', path: `${B}/mypin` },
      { op: 'cat', path: `${B}/mypin` },
      { op: 'unlink', path: `${B}/mypin` },
      { op: 'chmod', path: `${B}/pub`, mode: 0o777 },
      { op: 'rmdir', path: `${B}/mine2` },
    ]);
  });
});

describe.skipIf(why !== undefined)('mount namespaces against the kernel', () => {
  it('unshare copies the mounts; later mounts stay private; rmdir and rename of another namespace mountpoint', () => {
    same([
      { op: 'mkdir', path: `${B}/shared` },
      { op: 'mkdir', path: `${W}/mp` },
      { op: 'mkdir', path: `${W}/q` },
      { op: 'unshare', name: 'B' },
      { op: 'mkdir', path: `${B}/shared/fromB` }, // the same bpffs superblock in both namespaces
      { op: 'mount', path: `${W}/mp` },
      { op: 'mkdir', path: `${W}/mp/inB` },
      { op: 'mount', path: `${W}/q` },
      { op: 'mkdir', path: `${W}/q/qB` },
      { op: 'mount', path: B }, // stacked, in B only
      { op: 'readdir', path: B },
      { op: 'setns', name: 'init' },
      { op: 'readdir', path: B },
      { op: 'readdir', path: `${B}/shared` },
      { op: 'readdir', path: `${W}/mp` },
      { op: 'mount', path: `${W}/mp` },
      { op: 'mkdir', path: `${W}/mp/inInit` },
      { op: 'setns', name: 'B' },
      { op: 'readdir', path: `${W}/mp` },
      { op: 'rmdir', path: `${W}/mp` },
      { op: 'setns', name: 'init' },
      { op: 'umount', path: `${W}/mp` },
      { op: 'rmdir', path: `${W}/mp` }, // not a mountpoint here any more: detaches B's mount
      { op: 'rename', from: `${W}/q`, to: `${W}/q2` }, // B's mount moves with the directory
      { op: 'setns', name: 'B' },
      { op: 'readdir', path: `${W}/mp` },
      { op: 'readdir', path: `${W}/q2` },
      { op: 'readdir', path: W },
      { op: 'unshare', name: 'C' },
      { op: 'readdir', path: `${W}/q2` },
      { op: 'umount', path: B },
      { op: 'readdir', path: B },
      { op: 'setns', name: 'B' },
      { op: 'readdir', path: B },
    ]);
  });
});
