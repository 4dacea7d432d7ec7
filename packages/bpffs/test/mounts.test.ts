// Mounts, bind mounts, namespaces and superblock lifetime, in both kernel profiles.
import { describe, expect, it } from 'vitest';
import { FakeObject, caller, ALL_CAPS, expectErrno, setup } from './fakes.js';

const B = '/sys/fs/bpf';
const RW = { read: true, write: true };

describe('the same scenario under both profiles', () => {
  const scenario = (profile: '4.4' | 'modern') => {
    const { fs, root } = setup({ profile });
    const p = fs.fsFor(root);
    p.mkdir('/tmp/a');
    p.mkdir('/tmp/b');
    fs.mount(root, 'bpf', '/tmp/a');
    fs.mount(root, 'bpf', '/tmp/b');
    const obj = new FakeObject('map', 1);
    fs.pin(root, '/tmp/a/x', obj);
    const seen = (path: string) => p.readdir(path).includes('x');
    return { fs, root, p, obj, seen };
  };

  it("'4.4': every bpffs mount of a namespace shows the same tree (mount_ns)", () => {
    const { p, seen, fs, root } = scenario('4.4');
    expect([seen('/tmp/a'), seen('/tmp/b'), seen(B)]).toEqual([true, true, true]);
    expect(p.stat('/tmp/a').dev).toBe(p.stat('/tmp/b').dev);
    expect(new Set(fs.mounts(root).filter((m) => m.fsType === 'bpf').map((m) => m.sb)).size).toBe(1);
  });

  it("'modern': every mount is a new instance", () => {
    const { p, seen } = scenario('modern');
    expect([seen('/tmp/a'), seen('/tmp/b'), seen(B)]).toEqual([true, false, false]);
    expect(p.stat('/tmp/a').dev).not.toBe(p.stat('/tmp/b').dev);
  });

  it("'4.4': the pin lives until the last mount of the shared superblock goes", () => {
    const { fs, root, obj } = scenario('4.4');
    fs.umount(root, '/tmp/a');
    fs.umount(root, '/tmp/b');
    expect(obj.releases).toBe(0);
    fs.umount(root, B);
    expect(obj.releases).toBe(1);
  });

  it("'modern': unmounting the instance releases its pins", () => {
    const { fs, root, obj } = scenario('modern');
    fs.umount(root, '/tmp/a');
    expect([obj.retains, obj.releases]).toEqual([1, 1]);
  });

  it("'4.4': a new namespace gets its own superblock on its next mount", () => {
    const { fs, root, spawn } = setup({ profile: '4.4' });
    const child = spawn(caller(0, 0, ALL_CAPS), root);
    fs.unshare(child, 'mnt');
    fs.fsFor(child).mkdir('/tmp/c');
    fs.mount(child, 'bpf', '/tmp/c');
    fs.pin(child, '/tmp/c/y', new FakeObject('map', 2));
    expect(fs.fsFor(child).readdir(B)).toEqual([]); // the copied /sys/fs/bpf mount keeps the old superblock
    fs.mount(child, 'bpf', '/tmp'); // same namespace: same superblock again
    expect(fs.fsFor(child).readdir('/tmp')).toEqual(['y']);
  });
});

describe('unshare', () => {
  it('copies the mount table: same superblocks at the same paths; later mounts stay private', () => {
    const { fs, root, spawn } = setup();
    const obj = new FakeObject('map', 1);
    fs.pin(root, `${B}/shared`, obj);
    const child = spawn(caller(0, 0, ALL_CAPS), root);
    fs.unshare(child, 'mnt');
    const c = fs.fsFor(child);
    const p = fs.fsFor(root);
    expect(c.readdir(B)).toEqual(['shared']);
    fs.pin(child, `${B}/from-child`, obj); // same superblock: visible in both
    expect(p.readdir(B)).toEqual(['from-child', 'shared']);
    c.mkdir('/tmp/priv');
    fs.mount(child, 'bpf', '/tmp/priv');
    fs.pin(child, '/tmp/priv/p', obj);
    expect(p.readdir('/tmp/priv')).toEqual([]); // the parent sees the plain directory
    expect(c.readdir('/tmp/priv')).toEqual(['p']);
    fs.mount(root, 'bpf', B); // stacked in the parent only
    expect(p.readdir(B)).toEqual([]);
    expect(c.readdir(B)).toEqual(['from-child', 'shared']);
  });

  it('a namespace whose last process exits drops its mounts and the superblocks only it held', () => {
    const { fs, root, spawn } = setup();
    const child = spawn(caller(0, 0, ALL_CAPS), root);
    fs.unshare(child, 'mnt');
    fs.fsFor(child).mkdir('/tmp/x');
    fs.mount(child, 'bpf', '/tmp/x');
    const obj = new FakeObject('prog', 3);
    fs.pin(child, '/tmp/x/p', obj);
    const kept = new FakeObject('map', 4);
    fs.pin(child, `${B}/kept`, kept); // on the boot bpffs, shared with the initial namespace
    const grandchild = spawn(caller(0, 0, ALL_CAPS), child);
    fs.detachProcess(child);
    expect(obj.releases).toBe(0); // grandchild still lives in that namespace
    fs.detachProcess(grandchild);
    expect(obj.releases).toBe(1);
    expect(kept.releases).toBe(0);
    expect(fs.fsFor(root).readdir(B)).toEqual(['kept']);
  });
});

describe('umount', () => {
  it('EBUSY with a mount below or an open file, EINVAL for a non-mountpoint', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    p.mkdir(`${B}/sub`);
    fs.mount(root, 'bpf', `${B}/sub`);
    expectErrno(() => fs.umount(root, B), 'EBUSY');
    fs.umount(root, `${B}/sub`);
    const h = p.open(B);
    expectErrno(() => fs.umount(root, B), 'EBUSY');
    p.close(h);
    p.mkdir(`${B}/pub`);
    expectErrno(() => fs.umount(root, `${B}/pub`), 'EINVAL');
    expectErrno(() => fs.umount(root, '/'), 'EBUSY');
    expectErrno(() => fs.umount(root, '/nope'), 'ENOENT');
    fs.umount(root, B);
    expect(p.readdir(B)).toEqual([]);
    expect(p.stat(B).fsType).toBe('tmpfs');
  });

  it('stacked mounts: the top one is visible, umount reveals the one below', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    fs.pin(root, `${B}/below`, new FakeObject('map', 1));
    fs.mount(root, 'bpf', B);
    expect(p.readdir(B)).toEqual([]);
    fs.umount(root, B);
    expect(p.readdir(B)).toEqual(['below']);
  });

  it('lazy umount detaches at once; the superblock dies when its last open file closes', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    const obj = new FakeObject('map', 1, { readText: () => 'v\n' });
    fs.pin(root, `${B}/m`, obj);
    const h = p.open(`${B}/m`);
    fs.umount(root, B, { lazy: true });
    expectErrno(() => p.stat(`${B}/m`), 'ENOENT');
    expect(obj.releases).toBe(0);
    p.close(h);
    expect(obj.releases).toBe(1);
  });

  it('mount needs a directory and validates its options', () => {
    const { fs, root } = setup();
    fs.pin(root, `${B}/m`, new FakeObject('map', 1));
    expectErrno(() => fs.mount(root, 'bpf', `${B}/m`), 'ENOTDIR');
    expectErrno(() => fs.mount(root, 'bpf', '/nope'), 'ENOENT');
    expectErrno(() => fs.mount(root, 'bpf', '/tmp', { uid: -5 }), 'EINVAL');
    expectErrno(() => fs.mount(root, 'ext4' as 'bpf', '/tmp'), 'ENODEV');
    fs.mount(root, 'bpf', '/tmp', { mode: 0o700, uid: 65534, gid: 100 });
    expect(fs.fsFor(root).stat('/tmp')).toMatchObject({ mode: 0o41700, uid: 65534, gid: 100 });
    expect(fs.mounts(root).at(-1)).toMatchObject({ target: '/tmp', fsType: 'bpf', options: 'uid=65534,gid=100,mode=700' });
  });
});

describe('bind mounts and crossing mounts', () => {
  it('a bind mount shows the same pins; rename across it is EXDEV; it keeps the superblock alive', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    p.mkdir(`${B}/pub`);
    const obj = new FakeObject('map', 1);
    fs.pin(root, `${B}/pub/m`, obj);
    p.mkdir('/tmp/b');
    fs.bindMount(root, `${B}/pub`, '/tmp/b');
    expect(p.readdir('/tmp/b')).toEqual(['m']);
    expectErrno(() => p.rename(`${B}/pub/m`, '/tmp/b/m2'), 'EXDEV'); // checked on 6.18
    expect(fs.get(root, '/tmp/b/m', RW)).toBe(obj);
    obj.release();
    fs.umount(root, B);
    expect(obj.releases).toBe(1); // only the get's reference
    fs.umount(root, '/tmp/b');
    expect(obj.releases).toBe(2);
  });

  it('a recursive bind mount also shows the mounts below the source; a plain one does not', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    p.mkdir(`${B}/sub`);
    fs.mount(root, 'bpf', `${B}/sub`);
    fs.pin(root, `${B}/sub/inner`, new FakeObject('map', 1));
    p.mkdir('/tmp/plain');
    p.mkdir('/tmp/rec');
    fs.bindMount(root, B, '/tmp/plain');
    fs.bindMount(root, B, '/tmp/rec', { recursive: true });
    expect(p.readdir('/tmp/plain/sub')).toEqual([]);
    expect(p.readdir('/tmp/rec/sub')).toEqual(['inner']);
  });

  it("'..' climbs out of a mount; rmdir in one namespace detaches mounts on it in others", () => {
    const { fs, root, spawn } = setup();
    const p = fs.fsFor(root);
    expect(p.stat(`${B}/..`).ino).toBe(p.stat('/sys/fs').ino);
    expect(p.stat(`${B}/../bpf`).fsType).toBe('bpf');
    expect(p.stat('/..').ino).toBe(p.stat('/').ino);
    p.mkdir('/tmp/mp');
    const child = spawn(caller(0, 0, ALL_CAPS), root);
    fs.unshare(child, 'mnt');
    fs.mount(child, 'bpf', '/tmp/mp');
    const obj = new FakeObject('map', 1);
    fs.pin(child, '/tmp/mp/m', obj);
    expectErrno(() => fs.fsFor(child).rmdir('/tmp/mp'), 'EBUSY');
    p.rmdir('/tmp/mp'); // not a mountpoint in the initial namespace
    expect(obj.releases).toBe(1);
  });
});
