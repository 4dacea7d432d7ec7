import { describe, expect, it } from 'vitest';
import { main, type CliIO } from '../index.js';
import { fakeIO } from '../testing/fake-io.js';
import { splitWords } from './fs.js';

describe('bpfsim fs --script', () => {
  it('runs commands in one world: pins, ls -l, mv, rm, mounts', async () => {
    const script = [
      'mkdir /sys/fs/bpf/progs',
      'pin map 3 /sys/fs/bpf/counters   # a stand-in map',
      'pin prog 7 /sys/fs/bpf/progs/xdp',
      'ln -s counters /sys/fs/bpf/alias',
      'mv /sys/fs/bpf/progs/xdp /sys/fs/bpf/progs/xdp2',
      'ls -l /sys/fs/bpf',
      'ls /sys/fs/bpf/progs',
      'get /sys/fs/bpf/alias',
      'stat /sys/fs/bpf/counters',
      'mkdir -m 700 /tmp/x',
      'mount -t bpf -o mode=700,uid=5 /tmp/x',
      'mount',
    ].join('\n');
    const { io, out } = fakeIO({ 's.txt': script });
    expect(await main(['fs', '--script', 's.txt'], io)).toBe(0);
    expect(out.stdout).toBe(
      [
        'lrwxrwxrwx 1 0 0 0 1970-01-01 00:00 alias -> counters',
        '-rw------- 1 0 0 0 1970-01-01 00:00 counters',
        'drwxr-xr-x 2 0 0 0 1970-01-01 00:00 progs',
        'xdp2',
        'map id 3',
        '/sys/fs/bpf/counters: map map id 3 mode -rw------- (0600) uid 0 gid 0 nlink 1 ino ' + out.stdout.match(/ino (\d+)/)![1] + ' fs bpf dev 2',
        'tmpfs / tmpfs rw (sb 1)',
        'bpf /sys/fs/bpf bpf rw (sb 2)',
        'bpf /tmp/x bpf rw,uid=5,mode=700 (sb 3)',
        '',
      ].join('\n'),
    );
  });

  it('stops at the first failing line with its number and errno', async () => {
    const { io, out } = fakeIO({ 's.txt': 'mkdir /sys/fs/bpf/a\nrmdir /sys/fs/bpf/nope\nmkdir /sys/fs/bpf/b\n' });
    expect(await main(['fs', '--script', 's.txt'], io)).toBe(1);
    expect(out.stderr).toMatch(/^bpfsim: s\.txt:2: rmdir: ENOENT: /);
  });

  it('an unprivileged process: su drops to 65534, EACCES on a root pin, cat of a pin is EIO', async () => {
    const { io, out } = fakeIO({ 's.txt': 'pin map 1 /sys/fs/bpf/m\ncat /sys/fs/bpf/m\n' });
    expect(await main(['fs', '--script', 's.txt'], io)).toBe(1);
    expect(out.stderr).toMatch(/cat: EIO/);
    const second = fakeIO({ 's.txt': 'pin map 1 /sys/fs/bpf/m\nsu 65534\nget /sys/fs/bpf/m\n' });
    expect(await main(['fs', '--script', 's.txt'], second.io)).toBe(1);
    expect(second.out.stderr).toMatch(/s\.txt:3: get: EACCES/);
  });
});

describe('bpfsim fs --state', () => {
  it('keeps the world between invocations as a journal of the commands that changed it', async () => {
    const { io, out, store } = fakeIO();
    expect(await main(['fs', '--state', 'st.json', 'mkdir', '/sys/fs/bpf/d'], io)).toBe(0);
    expect(await main(['fs', '--state', 'st.json', 'pin', 'map', '4', '/sys/fs/bpf/d/m'], io)).toBe(0);
    expect(await main(['fs', '--state', 'st.json', 'ls', '/sys/fs/bpf/d'], io)).toBe(0);
    expect(out.stdout).toBe('m\n');
    const journal = JSON.parse(new TextDecoder().decode(store.get('st.json')!));
    expect(journal).toEqual({ profile: 'modern', commands: [['mkdir', '/sys/fs/bpf/d'], ['pin', 'map', '4', '/sys/fs/bpf/d/m']] });
    expect(await main(['fs', '--state', 'st.json', 'mkdir', '/sys/fs/bpf/d'], io)).toBe(1);
    expect(out.stderr).toMatch(/mkdir: EEXIST/);
    expect(await main(['fs', '--state', 'st.json', '--profile', '4.4', 'ls'], io)).toBe(2);
  });

  it('profile 4.4 shares one bpffs per namespace', async () => {
    const { io, out } = fakeIO({ 's.txt': 'pin map 1 /sys/fs/bpf/m\nmount -t bpf /tmp\nls /tmp\n' });
    expect(await main(['fs', '--profile', '4.4', '--script', 's.txt'], io)).toBe(0);
    expect(out.stdout).toBe('m\n');
  });

  it('a state file that exists but cannot be read or written is an error, never a fresh world', async () => {
    const { io, out, store } = fakeIO();
    const eisdir = Object.assign(new Error('EISDIR: illegal operation on a directory'), { code: 'EISDIR' });
    const unreadable: CliIO = { ...io, readFile: () => { throw eisdir; } };
    expect(await main(['fs', '--state', 'dir', 'mkdir', '/sys/fs/bpf/d'], unreadable)).toBe(1);
    expect(out.stderr).toBe('bpfsim: --state dir: cannot read: EISDIR\n');
    expect(store.has('dir')).toBe(false);
    out.stderr = '';
    const readOnly: CliIO = { ...io, writeFile: () => { throw Object.assign(new Error('EROFS'), { code: 'EROFS' }); } };
    expect(await main(['fs', '--state', 'st.json', 'mkdir', '/sys/fs/bpf/d'], readOnly)).toBe(1);
    expect(out.stderr).toBe('bpfsim: --state st.json: cannot write: EROFS\n');
  });

  it('a missing script is an error naming it', async () => {
    const { io, out } = fakeIO();
    expect(await main(['fs', '--script', 'nope.txt'], io)).toBe(1);
    expect(out.stderr).toBe("bpfsim: cannot read 'nope.txt': ENOENT\n");
  });

  it('usage errors exit 2', async () => {
    const { io } = fakeIO();
    expect(await main(['fs'], io)).toBe(2);
    expect(await main(['fs', 'frobnicate'], io)).toBe(2);
    expect(await main(['fs', 'mkdir', '-m', '9z', '/x'], io)).toBe(2);
  });
});

describe('splitWords', () => {
  it('groups quoted words', () => {
    expect(splitWords(`ln -s "a b" 'c d' e`)).toEqual(['ln', '-s', 'a b', 'c d', 'e']);
  });
});
