// An unprivileged caller (uid/gid 65534, no capabilities) against root, on the rules the kernel applied on 6.18
// (kernel-facts.md: a forked child that dropped to 65534 ran BPF_OBJ_GET, mkdir, unlink, rename, readdir).
import { describe, expect, it } from 'vitest';
import { S_IFDIR } from '@bpfsim/bpffs';
import { FakeObject, caller, expectErrno, setup } from './fakes.js';

const B = '/sys/fs/bpf';

function world() {
  const s = setup();
  const { fs, root } = s;
  const p = fs.fsFor(root);
  const obj = new FakeObject('map', 1);
  fs.pin(root, `${B}/rootpin`, obj);
  p.mkdir(`${B}/priv`, 0o700);
  fs.pin(root, `${B}/priv/m`, obj);
  p.mkdir(`${B}/pub`, 0o755);
  fs.pin(root, `${B}/pub/m`, obj);
  p.chmod(`${B}/pub/m`, 0o644);
  fs.pin(root, `${B}/pub/m666`, obj);
  p.chmod(`${B}/pub/m666`, 0o666);
  p.mkdir(`${B}/open`, 0o777); // & ~022 = 0755
  fs.pin(root, `${B}/open/rootfile`, obj);
  return { ...s, p, q: fs.fsFor(s.nobody), obj };
}

describe('unprivileged caller (uid 65534, no capabilities)', () => {
  it('BPF_OBJ_GET checks the file mode for the requested access', () => {
    const { fs, nobody, obj } = world();
    const rw = { read: true, write: true };
    expectErrno(() => fs.get(nobody, `${B}/rootpin`, rw), 'EACCES');
    expectErrno(() => fs.get(nobody, `${B}/priv/m`, { read: true, write: false }), 'EACCES'); // no x on priv
    expectErrno(() => fs.get(nobody, `${B}/pub/m`, rw), 'EACCES');
    expect(fs.get(nobody, `${B}/pub/m`, { read: true, write: false })).toBe(obj);
    expectErrno(() => fs.get(nobody, `${B}/pub/m`, { read: false, write: true }), 'EACCES');
    expect(fs.get(nobody, `${B}/pub/m666`, rw)).toBe(obj);
  });

  it('creates in the sticky 1777 root but not in a 0755 directory; cannot list a 0700 one', () => {
    const { q } = world();
    q.mkdir(`${B}/nob`);
    expect(q.stat(`${B}/nob`)).toMatchObject({ mode: S_IFDIR | 0o755, uid: 65534, gid: 65534 });
    expectErrno(() => q.mkdir(`${B}/pub/x`), 'EACCES');
    expectErrno(() => q.readdir(`${B}/priv`), 'EACCES');
    expectErrno(() => q.stat(`${B}/priv/m`), 'EACCES');
  });

  it('the sticky bit protects other users entries (EPERM), a plain directory needs w (EACCES)', () => {
    const { q } = world();
    expectErrno(() => q.unlink(`${B}/rootpin`), 'EPERM');
    expectErrno(() => q.rename(`${B}/priv`, `${B}/priv2`), 'EPERM');
    expectErrno(() => q.unlink(`${B}/open/rootfile`), 'EACCES');
    q.mkdir(`${B}/mine`);
    q.rename(`${B}/mine`, `${B}/mine2`); // own entry in a sticky directory
    q.rmdir(`${B}/mine2`);
  });

  it('pins get the creator as owner and 0600 & ~umask', () => {
    const { fs, nobody, q } = world();
    const obj = new FakeObject('prog', 2);
    fs.pin(nobody, `${B}/np`, obj);
    expect(q.stat(`${B}/np`)).toMatchObject({ uid: 65534, gid: 65534, mode: 0o100600 });
    q.umask(0o266);
    fs.pin(nobody, `${B}/np2`, obj);
    expect(q.stat(`${B}/np2`).mode & 0o777).toBe(0o400); // checked on 6.18 with umask 0266
    expect(obj.refs).toBe(2);
  });

  it('mount, umount and unshare need CAP_SYS_ADMIN; chmod needs ownership', () => {
    const { fs, nobody, q } = world();
    expectErrno(() => fs.mount(nobody, 'bpf', '/tmp'), 'EPERM');
    expectErrno(() => fs.umount(nobody, B), 'EPERM');
    expectErrno(() => fs.unshare(nobody, 'mnt'), 'EPERM');
    expectErrno(() => q.chmod(`${B}/rootpin`, 0o666), 'EPERM');
  });
});

describe('root', () => {
  it('CAP_DAC_OVERRIDE bypasses the mode bits; uid 0 without it does not', () => {
    const { fs, root, spawn, obj } = world();
    const q = fs.fsFor(root);
    const u = spawn(caller(1000, 1000));
    fs.fsFor(u).mkdir(`${B}/u`, 0o700);
    fs.pin(u, `${B}/u/m`, obj);
    expect(q.readdir(`${B}/u`)).toEqual(['m']);
    expect(fs.get(root, `${B}/u/m`, { read: true, write: true })).toBe(obj);
    const weakRoot = spawn(caller(0, 0, ['CAP_SYS_ADMIN', 'CAP_BPF']));
    expectErrno(() => fs.get(weakRoot, `${B}/u/m`, { read: true, write: true }), 'EACCES');
    expectErrno(() => fs.fsFor(weakRoot).readdir(`${B}/u`), 'EACCES');
    // in the sticky root, the directory's owner (uid 0) may remove an entry it does not own, even without caps
    fs.pin(u, `${B}/upin`, obj);
    fs.fsFor(weakRoot).unlink(`${B}/upin`);
    expectErrno(() => fs.fsFor(u).unlink(`${B}/rootpin`), 'EPERM');
  });

  it('group bits apply to callers of the file group', () => {
    const { fs, root, spawn, obj } = world();
    fs.pin(root, `${B}/g`, obj);
    fs.fsFor(root).chown(`${B}/g`, 0, 500);
    fs.fsFor(root).chmod(`${B}/g`, 0o640);
    const member = spawn(caller(1000, 500));
    const other = spawn(caller(1000, 501));
    expect(fs.get(member, `${B}/g`, { read: true, write: false })).toBe(obj);
    expectErrno(() => fs.get(member, `${B}/g`, { read: true, write: true }), 'EACCES');
    expectErrno(() => fs.get(other, `${B}/g`, { read: true, write: false }), 'EACCES');
  });
});

describe('chown', () => {
  it('needs CAP_CHOWN to give a file away; the owner may only switch to its own group', () => {
    const { fs, root, spawn } = world();
    const u = spawn(caller(1000, 1000));
    fs.fsFor(u).mkdir(`${B}/ud`);
    expectErrno(() => fs.fsFor(u).chown(`${B}/ud`, 0, 1000), 'EPERM');
    expectErrno(() => fs.fsFor(u).chown(`${B}/ud`, 1000, 5), 'EPERM');
    fs.fsFor(u).chown(`${B}/ud`, -1, 1000);
    fs.fsFor(root).chown(`${B}/ud`, 7, 8);
    expect(fs.fsFor(root).stat(`${B}/ud`)).toMatchObject({ uid: 7, gid: 8 });
  });
});
