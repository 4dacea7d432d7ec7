// BPF_OBJ_PIN / BPF_OBJ_GET and reading pinned files, against fake objects that count references.
import { describe, expect, it } from 'vitest';
import { SeqFile, type ReadSession } from '@bpfsim/bpffs';
import { FakeObject, caller, expectErrno, setup, text } from './fakes.js';

const B = '/sys/fs/bpf';
const RW = { read: true, write: true };

describe('pin', () => {
  it('holds one reference per pin and creates S_IFREG|0600', () => {
    const { fs, root } = setup();
    const obj = new FakeObject('map', 3);
    fs.pin(root, `${B}/m`, obj);
    fs.pin(root, `${B}/m2`, obj);
    expect(obj.retains).toBe(2);
    const st = fs.fsFor(root).stat(`${B}/m`);
    expect(st).toMatchObject({ mode: 0o100600, uid: 0, gid: 0, nlink: 1, size: 0, kind: 'map', object: { kind: 'map', id: 3 } });
  });

  it('fails like bpf_obj_do_pin and takes no reference on failure', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    const obj = new FakeObject('map', 3);
    fs.pin(root, `${B}/m`, obj);
    p.mkdir(`${B}/dir`);
    expectErrno(() => fs.pin(root, `${B}/m`, obj), 'EEXIST');
    expectErrno(() => fs.pin(root, `${B}/dir`, obj), 'EEXIST');
    expectErrno(() => fs.pin(root, B, obj), 'EEXIST');
    expectErrno(() => fs.pin(root, `${B}/nodir/m`, obj), 'ENOENT');
    expectErrno(() => fs.pin(root, '/tmp/m', obj), 'EPERM'); // not a bpffs
    expectErrno(() => fs.pin(root, '/sys/fs/m', obj), 'EPERM');
    expectErrno(() => fs.pin(root, `${B}/m9/`, obj), 'ENOENT'); // trailing slash
    expectErrno(() => fs.pin(root, `${B}/m/x`, obj), 'ENOTDIR');
    expect(obj.retains).toBe(1);
  });

  it('unlink drops the reference; the object is released exactly once', () => {
    const { fs, root } = setup();
    const obj = new FakeObject('prog', 4);
    fs.pin(root, `${B}/p`, obj);
    fs.fsFor(root).unlink(`${B}/p`);
    expect([obj.retains, obj.releases]).toEqual([1, 1]);
    expectErrno(() => fs.get(root, `${B}/p`, RW), 'ENOENT');
  });
});

describe('get', () => {
  it('retains a new reference for the new fd, follows symlinks, refuses non-objects', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    const obj = new FakeObject('map', 3);
    fs.pin(root, `${B}/m`, obj);
    expect(fs.get(root, `${B}/m`, RW)).toBe(obj);
    expect(fs.get(root, `${B}/m`, { read: true, write: false })).toBe(obj);
    expect(obj.retains).toBe(3);
    p.mkdir(`${B}/dir`);
    expectErrno(() => fs.get(root, `${B}/dir`, RW), 'EACCES'); // checked on 6.18
    expectErrno(() => fs.get(root, '/tmp', RW), 'EACCES');
    expectErrno(() => fs.get(root, `${B}/none`, RW), 'ENOENT');
    expect(obj.retains).toBe(3);
  });

  it('links can only be opened read-write (bpf_obj_get_user)', () => {
    const { fs, root } = setup();
    const link = new FakeObject('link', 9);
    fs.pin(root, `${B}/l`, link);
    expectErrno(() => fs.get(root, `${B}/l`, { read: true, write: false }), 'EINVAL');
    expect(fs.get(root, `${B}/l`, RW)).toBe(link);
  });
});

describe('reading pinned files', () => {
  it('a map or program without seq_show fails to open with EIO (bpffs_obj_open)', () => {
    const { fs, root } = setup();
    fs.pin(root, `${B}/m`, new FakeObject('map', 1));
    fs.pin(root, `${B}/p`, new FakeObject('prog', 2));
    fs.pin(root, `${B}/l`, new FakeObject('link', 3));
    const p = fs.fsFor(root);
    expectErrno(() => p.readFile(`${B}/m`), 'EIO');
    expectErrno(() => p.readFile(`${B}/p`), 'EIO');
    expectErrno(() => p.readFile(`${B}/l`), 'EIO');
    expectErrno(() => p.open(`${B}/m`, 'w'), 'EIO');
    expect(fs.stats().openFiles).toBe(0);
  });

  it('a map with BTF shows its readText; permission is checked before the open', () => {
    const { fs, root, nobody } = setup();
    const body = '# WARNING!! The output is for debug purpose only\n0: 1\n1: 2\n';
    fs.pin(root, `${B}/m`, new FakeObject('map', 1, { readText: () => body }));
    expect(text(fs.fsFor(root).readFile(`${B}/m`))).toBe(body);
    expectErrno(() => fs.fsFor(nobody).readFile(`${B}/m`), 'EACCES');
  });

  it('an iterator link gets a new session per open, read in chunks', () => {
    const { fs, root } = setup();
    let sessions = 0;
    const openSession = (): ReadSession => {
      sessions++;
      const records = Array.from({ length: 50 }, (_, i) => `task ${i} session ${sessions}\n`);
      const seq = new SeqFile<string>(
        { start: (i) => records[i], next: (_v, i) => records[i], show: (m, v) => (m.puts(v), 0) },
        { mode: 'bpf_iter' },
      );
      return { read: (n) => seq.read(n) };
    };
    fs.pin(root, `${B}/iter`, new FakeObject('link', 5, { openSession }));
    const p = fs.fsFor(root);
    const h = p.open(`${B}/iter`);
    let out = '';
    for (let part = p.read(h, 7); part.length > 0; part = p.read(h, 7)) out += text(part);
    p.close(h);
    expect(out.split('\n').length).toBe(51);
    expect(out.startsWith('task 0 session 1\n')).toBe(true);
    expect(text(p.readFile(`${B}/iter`))).toContain('task 49 session 2\n');
    expect(sessions).toBe(2);
    expectErrno(() => p.read(h, 1), 'EBADF');
    expectErrno(() => p.close(h), 'EBADF');
  });

  it('the fdinfo view is opt-in', () => {
    const fdinfo = () => 'map_type:\t2\nkey_size:\t4\n';
    const plain = setup();
    plain.fs.pin(plain.root, `${B}/m`, new FakeObject('map', 1, { fdinfo }));
    expectErrno(() => plain.fs.fsFor(plain.root).readFile(`${B}/m`), 'EIO');
    const opted = setup({ readFdinfo: true });
    opted.fs.pin(opted.root, `${B}/m`, new FakeObject('map', 1, { fdinfo }));
    expect(text(opted.fs.fsFor(opted.root).readFile(`${B}/m`))).toBe(fdinfo());
  });

  it('an open file keeps an unlinked pin (and its object) alive until close', () => {
    const { fs, root } = setup();
    const obj = new FakeObject('map', 1, { readText: () => 'x\n' });
    fs.pin(root, `${B}/m`, obj);
    const p = fs.fsFor(root);
    const h = p.open(`${B}/m`);
    p.unlink(`${B}/m`);
    expect(obj.releases).toBe(0);
    expect(text(p.read(h, 100))).toBe('x\n');
    p.close(h);
    expect(obj.releases).toBe(1);
  });

  it('handles belong to their process; exit closes them', () => {
    const { fs, root, spawn } = setup();
    const obj = new FakeObject('map', 1, { readText: () => 'x\n' });
    fs.pin(root, `${B}/m`, obj);
    const child = spawn(caller(0, 0, ['CAP_DAC_OVERRIDE']), root);
    const h = fs.fsFor(child).open(`${B}/m`);
    expectErrno(() => fs.fsFor(root).read(h, 10), 'EBADF');
    fs.fsFor(root).unlink(`${B}/m`);
    expect(obj.releases).toBe(0);
    fs.detachProcess(child);
    expect(obj.releases).toBe(1);
    expect(fs.stats().openFiles).toBe(0);
  });

  it('directories open read-only; reading one is EISDIR', () => {
    const { fs, root } = setup();
    const p = fs.fsFor(root);
    expectErrno(() => p.open(B, 'w'), 'EISDIR');
    const h = p.open(B);
    expectErrno(() => p.read(h, 10), 'EISDIR');
    p.close(h);
    expectErrno(() => p.open(`${B}/newfile`, 0o101), 'EACCES'); // O_CREAT|O_WRONLY: bpffs has no ->create
  });
});

describe('populate (bpf_preload: maps.debug, progs.debug)', () => {
  it('every new instance starts with the given files, mode 0400, each holding one reference until unmount', () => {
    const links: FakeObject[] = [];
    const populate = () => {
      const made = [new FakeObject('link', 100 + links.length), new FakeObject('link', 101 + links.length)];
      links.push(...made);
      return [
        { name: 'progs.debug', obj: made[0] },
        { name: 'maps.debug', obj: made[1] },
      ];
    };
    const { fs, root } = setup({ populate });
    const p = fs.fsFor(root);
    expect(p.readdir(B)).toEqual(['maps.debug', 'progs.debug']);
    expect(p.stat(`${B}/maps.debug`)).toMatchObject({ mode: 0o100400, uid: 0, gid: 0, kind: 'link' });
    p.mkdir('/tmp/x');
    fs.mount(root, 'bpf', '/tmp/x');
    expect(links.length).toBe(4);
    expect(links.map((l) => l.refs)).toEqual([1, 1, 1, 1]);
    fs.umount(root, '/tmp/x');
    expect(links.map((l) => l.refs)).toEqual([1, 1, 0, 0]);
    expectErrno(() => p.mkdir(`${B}/other.debug`), 'EPERM');
    expectErrno(() => p.mkdir(`${B}/maps.debug`), 'EEXIST'); // an existing dotted name is found, not reserved
  });
});
