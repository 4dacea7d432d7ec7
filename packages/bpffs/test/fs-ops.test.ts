// Directory operations and path resolution on a bpffs, with the errno Linux 6.18 gives for each case
// (checked in a private mount namespace on a fresh bpffs; see kernel-facts.md).
import { describe, expect, it } from 'vitest';
import { S_IFDIR, S_IFLNK, S_IFREG, S_ISVTX, VirtualClock } from '@bpfsim/bpffs';
import { FakeObject, expectErrno, setup } from './fakes.js';

const B = '/sys/fs/bpf';

describe('bpffs root and mkdir', () => {
  it('mounts at /sys/fs/bpf at boot with the kernel defaults: drwxrwxrwt root:root, inode 1', () => {
    const { fs, root } = setup();
    const st = fs.fsFor(root).stat(B);
    expect(st.mode).toBe(S_IFDIR | S_ISVTX | 0o777);
    expect([st.uid, st.gid, st.ino, st.nlink, st.fsType]).toEqual([0, 0, 1, 2, 'bpf']);
  });

  it('applies mode & ~umask and counts links like the kernel', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    p.mkdir(`${B}/a`);
    p.mkdir(`${B}/a/b`, 0o750);
    expect(p.stat(`${B}/a`).mode).toBe(S_IFDIR | 0o755);
    expect(p.stat(`${B}/a/b`).mode).toBe(S_IFDIR | 0o750);
    expect(p.stat(`${B}/a`).nlink).toBe(3);
    expect(p.stat(B).nlink).toBe(3);
    expect(p.umask(0o077)).toBe(0o022);
    p.mkdir(`${B}/u`, 0o777);
    expect(p.stat(`${B}/u`).mode & 0o7777).toBe(0o700);
  });

  it('rejects existing names, missing parents, files as parents', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    p.mkdir(`${B}/a`);
    fs.pin(root, `${B}/m`, new FakeObject('map', 1));
    expectErrno(() => p.mkdir(`${B}/a`), 'EEXIST');
    expectErrno(() => p.mkdir(`${B}/nope/x`), 'ENOENT');
    expectErrno(() => p.mkdir(`${B}/m/x`), 'ENOTDIR');
    expectErrno(() => p.mkdir(`${B}/.`), 'EEXIST');
    expectErrno(() => p.mkdir(`${B}/..`), 'EEXIST');
    p.mkdir(`${B}/trailing/`); // mkdir accepts a trailing slash
    expect(p.stat(`${B}/trailing`).kind).toBe('dir');
  });

  it('reserves dotted names: EPERM for a missing dotted name, in lookups too (bpf_lookup)', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    expectErrno(() => p.mkdir(`${B}/d.x`), 'EPERM');
    expectErrno(() => p.stat(`${B}/no.such`), 'EPERM');
    expectErrno(() => fs.pin(root, `${B}/a.b`, new FakeObject('map', 1)), 'EPERM');
    // On the root fs dots are ordinary.
    p.mkdir('/tmp/d.x');
    expect(p.stat('/tmp/d.x').kind).toBe('dir');
  });

  it('enforces NAME_MAX and PATH_MAX', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    expectErrno(() => p.stat(`${B}/${'a'.repeat(256)}`), 'ENAMETOOLONG');
    expectErrno(() => p.stat(`${B}/${'a'.repeat(255)}`), 'ENOENT');
    p.mkdir(`${B}/${'a'.repeat(255)}`);
    const long = `${B}/` + Array(2100).fill('a').join('/');
    expectErrno(() => p.stat(long), 'ENAMETOOLONG');
    // 4095 bytes is still a valid length; 4096 is not (PATH_MAX counts the NUL).
    const base = `${B}/`;
    expectErrno(() => p.stat(base + 'x/'.repeat((4095 - base.length) >> 1) + (base.length % 2 ? '' : 'x')), 'ENOENT');
    expectErrno(() => p.stat('/' + 'x'.repeat(4095)), 'ENAMETOOLONG');
    expectErrno(() => p.stat(''), 'ENOENT');
  });

  it('lists entries newest first (dcache_readdir), a renamed entry moves to the front', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    for (const n of ['a', 'b', 'c']) p.mkdir(`${B}/${n}`);
    expect(p.readdir(B)).toEqual(['c', 'b', 'a']);
    p.rename(`${B}/a`, `${B}/z`);
    expect(p.readdir(B)).toEqual(['z', 'c', 'b']);
    // the tmpfs-like root fs lists newest first too (6.18)
    p.mkdir('/tmp/x');
    p.mkdir('/tmp/y');
    expect(p.readdir('/tmp')).toEqual(['y', 'x']);
    expectErrno(() => p.readdir(`${B}/nope`), 'ENOENT');
    fs.pin(root, `${B}/m`, new FakeObject('map', 1));
    expectErrno(() => p.readdir(`${B}/m`), 'ENOTDIR');
  });
});

describe('rmdir and unlink', () => {
  it('gives the kernel errno for each misuse', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    p.mkdir(`${B}/full`);
    p.mkdir(`${B}/full/x`);
    fs.pin(root, `${B}/m`, new FakeObject('map', 1));
    expectErrno(() => p.rmdir(`${B}/m`), 'ENOTDIR');
    expectErrno(() => p.rmdir(`${B}/full`), 'ENOTEMPTY');
    expectErrno(() => p.rmdir(`${B}/full/.`), 'EINVAL');
    expectErrno(() => p.rmdir(`${B}/full/..`), 'ENOTEMPTY');
    expectErrno(() => p.rmdir(B), 'EBUSY'); // a mount point
    expectErrno(() => p.rmdir(`${B}/gone`), 'ENOENT');
    expectErrno(() => p.unlink(`${B}/full`), 'EISDIR');
    expectErrno(() => p.unlink(`${B}/m/`), 'ENOTDIR');
    expectErrno(() => p.unlink(`${B}/gone`), 'ENOENT');
    p.rmdir(`${B}/full/x`);
    expect(p.stat(`${B}/full`).nlink).toBe(2);
    p.rmdir(`${B}/full`);
    expectErrno(() => p.stat(`${B}/full`), 'ENOENT');
  });
});

describe('rename', () => {
  const prepare = () => {
    const s = setup();
    const p = s.fs.fsFor(s.root);
    for (const d of ['dir', 'dir2', 'full', 'full/x']) p.mkdir(`${B}/${d}`);
    const obj = new FakeObject('map', 7);
    s.fs.pin(s.root, `${B}/m1`, obj);
    p.mkdir('/tmp/t');
    return { ...s, p, obj };
  };

  it('gives the kernel errno for each misuse (checked on 6.18)', () => {
    const { p } = prepare();
    expectErrno(() => p.rename(`${B}/m1`, `${B}/dir`), 'EISDIR');
    expectErrno(() => p.rename(`${B}/dir`, `${B}/m1`), 'ENOTDIR');
    expectErrno(() => p.rename(`${B}/dir`, `${B}/full`), 'ENOTEMPTY');
    expectErrno(() => p.rename(`${B}/full`, `${B}/full/x/y`), 'EINVAL');
    expectErrno(() => p.rename(`${B}/full`, `${B}/full/x`), 'EINVAL');
    expectErrno(() => p.rename(`${B}/full/x`, `${B}/full`), 'ENOTEMPTY');
    expectErrno(() => p.rename(`${B}/.`, `${B}/zz`), 'EBUSY');
    expectErrno(() => p.rename(`${B}/dir`, `${B}/a.b`), 'EPERM');
    expectErrno(() => p.rename(B, '/sys/fs/zz'), 'EBUSY');
    expectErrno(() => p.rename(`${B}/dir`, '/tmp/dir'), 'EXDEV');
    expectErrno(() => p.rename(`${B}/nope`, `${B}/x`), 'ENOENT');
    expectErrno(() => p.rename(`${B}/m1/`, `${B}/x`), 'ENOTDIR');
  });

  it('replaces an empty directory and moves a pin without touching its object', () => {
    const { p, obj, fs, root } = prepare();
    p.rename(`${B}/dir2`, `${B}/dir`);
    expect(p.readdir(B)).not.toContain('dir2');
    expect(p.stat(B).nlink).toBe(2 + 2); // dir, full
    const before = obj.refs;
    p.rename(`${B}/m1`, `${B}/full/x/m`);
    expect(obj.refs).toBe(before);
    expect(fs.get(root, `${B}/full/x/m`, { read: true, write: true })).toBe(obj);
    p.rename(`${B}/full/x/m`, `${B}/full/x/m`); // same name: nothing happens
    expect(p.stat(`${B}/full/x/m`).object).toEqual({ kind: 'map', id: 7 });
  });

  it('replacing a pin drops the replaced object reference', () => {
    const { p, obj, fs, root } = prepare();
    const other = new FakeObject('prog', 8);
    fs.pin(root, `${B}/p`, other);
    p.rename(`${B}/m1`, `${B}/p`);
    expect(other.refs).toBe(0);
    expect(obj.refs).toBe(1);
  });
});

describe('symlinks and hard links (bpf_symlink, simple_link)', () => {
  it('follows symlinks, detects loops, refuses directory hard links and cross-mount links', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    const obj = new FakeObject('map', 1);
    fs.pin(root, `${B}/m1`, obj);
    p.symlink('m1', `${B}/sym`);
    expect(p.lstat(`${B}/sym`).mode).toBe(S_IFLNK | 0o777);
    expect(p.lstat(`${B}/sym`).size).toBe(0);
    expect(p.readlink(`${B}/sym`)).toBe('m1');
    expect(p.stat(`${B}/sym`).object?.id).toBe(1);
    expect(fs.get(root, `${B}/sym`, { read: true, write: true })).toBe(obj);
    p.symlink('loop1', `${B}/loop2`);
    p.symlink('loop2', `${B}/loop1`);
    expectErrno(() => p.stat(`${B}/loop1`), 'ELOOP');
    p.symlink('nowhere', `${B}/dangling`);
    expectErrno(() => fs.get(root, `${B}/dangling`, { read: true, write: true }), 'ENOENT');
    expectErrno(() => fs.pin(root, `${B}/dangling`, obj), 'EEXIST');
    expectErrno(() => p.mkdir(`${B}/dangling`), 'EEXIST');
    p.mkdir(`${B}/dir`);
    expectErrno(() => p.link(`${B}/dir`, `${B}/dirlink`), 'EPERM');
    expectErrno(() => p.link(`${B}/m1`, '/tmp/l'), 'EXDEV');
    expectErrno(() => p.readlink(`${B}/m1`), 'EINVAL');
    // an absolute symlink through the root fs into the bpffs
    p.symlink('/sys/fs/bpf/dir', '/tmp/tobpf');
    p.mkdir('/tmp/tobpf/inner');
    expect(p.readdir(`${B}/dir`)).toEqual(['inner']);
  });

  it('a hard-linked pin keeps its object until the last name goes', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    const obj = new FakeObject('map', 1);
    fs.pin(root, `${B}/m1`, obj);
    p.link(`${B}/m1`, `${B}/hard`);
    expect(p.stat(`${B}/m1`).nlink).toBe(2);
    expect(obj.refs).toBe(1);
    p.unlink(`${B}/m1`);
    expect(obj.refs).toBe(1);
    p.unlink(`${B}/hard`);
    expect(obj.refs).toBe(0);
    expect(obj.releases).toBe(1);
  });
});

describe('timestamps', () => {
  it('come from the virtual clock; creating an entry updates the directory mtime/ctime', () => {
    const clock = new VirtualClock(1000);
    const { fs, root } = setup({ clock });
    const p = fs.fsFor(root);
    clock.advance(500);
    p.mkdir(`${B}/a`);
    expect(p.stat(`${B}/a`)).toMatchObject({ atimeMs: 1500, mtimeMs: 1500, ctimeMs: 1500 });
    clock.advance(500);
    fs.pin(root, `${B}/a/m`, new FakeObject('map', 1));
    expect(p.stat(`${B}/a`)).toMatchObject({ mtimeMs: 2000, ctimeMs: 2000, atimeMs: 1500 });
    expect(p.stat(`${B}/a/m`).mode).toBe(S_IFREG | 0o600);
  });
});

describe('more corner cases checked on 6.18', () => {
  it('matches the kernel errno', () => {
    const { fs, root, nobody } = setup();
    const p = fs.fsFor(root);
    const obj = new FakeObject('map', 1);
    fs.pin(root, `${B}/m`, obj);
    p.chmod(`${B}/m`, 0o644);
    p.mkdir(`${B}/zero`);
    p.chmod(`${B}/zero`, 0);
    p.mkdir(`${B}/zero/a.b`); // bpf_lookup only reserves dots in directories with some mode bit set
    expectErrno(() => fs.fsFor(nobody).stat(`${B}/zero/a.b`), 'EACCES');
    p.mkdir(`${B}/mp`);
    p.mkdir(`${B}/src`);
    fs.mount(root, 'bpf', `${B}/mp`);
    expectErrno(() => p.rename(`${B}/src`, `${B}/mp`), 'EBUSY');
    p.symlink('l2', `${B}/l1`);
    p.symlink('l1', `${B}/l2`);
    expectErrno(() => fs.get(root, `${B}/l1`, { read: true, write: true }), 'ELOOP');
    expectErrno(() => p.open(`${B}/m`, 0o100), 'EIO'); // O_CREAT on an existing pin opens it
    expectErrno(() => p.open(`${B}/m`, 0o300), 'EEXIST'); // O_CREAT|O_EXCL
    expectErrno(() => fs.pin(root, `${B}/..`, obj), 'EEXIST');
    expectErrno(() => fs.pin(root, `${B}/zz/.`, obj), 'ENOENT');
    expectErrno(() => p.unlink(`${B}/.`), 'EISDIR');
    expectErrno(() => p.rmdir('/'), 'EBUSY');
    expectErrno(() => p.mkdir(B), 'EEXIST');
    expectErrno(() => fs.fsFor(nobody).link(`${B}/m`, `${B}/nlink`), 'EPERM'); // protected_hardlinks
    expect(fs.get(nobody, `${B}/m`, { read: true, write: false })).toBe(obj);
    expectErrno(() => fs.get(nobody, `${B}/src`, { read: true, write: false }), 'EACCES');
    expectErrno(() => fs.umount(root, '/'), 'EBUSY');
  });
});

describe('bad input', () => {
  it('gets a BpfError naming the problem, and changes nothing', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    expectErrno(() => p.mkdir(`${B}/x`, Number.NaN), 'EINVAL');
    expectErrno(() => p.mkdir(42 as unknown as string), 'EINVAL');
    expectErrno(() => p.open(B, 'x' as 'r'), 'EINVAL');
    expectErrno(() => p.umask(-1), 'EINVAL');
    expectErrno(() => p.chmod(B, 1.5), 'EINVAL');
    expectErrno(() => fs.mount(root, 'bpf', '/tmp', { mode: -1 }), 'EINVAL');
    expectErrno(() => fs.unshare(root, 'net' as 'mnt'), 'EINVAL');
    const h = p.open(B);
    expectErrno(() => p.read(h, -3), 'EINVAL');
    p.close(h);
    expect(p.readdir(B)).toEqual([]);
    expect(() => p.mkdir(`${B}/x`, 0o755)).not.toThrow();
  });
});
