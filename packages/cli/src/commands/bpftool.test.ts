// `bpfsim map|prog|link`: bpftool-style commands in one kernel per --script run.
import { describe, expect, it } from 'vitest';
import { main } from '../index.js';
import { scriptIO } from '../testing/script-io.js';

// r0 = 0; exit  /  lddw r1, map idx 0; r0 = 0; exit  (hand-encoded)
const RET0 = Uint8Array.from(Buffer.from('b7000000000000009500000000000000', 'hex'));
const USES_MAP = Uint8Array.from(Buffer.from('18110000000000000000000000000000b7000000000000009500000000000000', 'hex'));

describe('bpfsim map/prog/link', () => {
  it('map create/update/lookup/dump/show in one script, bpftool output formats', async () => {
    const script = [
      'map create type hash key 4 value 8 entries 16 name foo',
      'map update id 1 key 1 0 0 0 value 0x2a 0 0 0 0 0 0 0',
      'map update id 1 key hex 02 00 00 00 value hex 07 00 00 00 00 00 00 00 noexist',
      'map lookup id 1 key 1 0 0 0',
      'map dump id 1',
      'map show',
    ].join('\n');
    const t = scriptIO({ s: script });
    expect(await main(['map', '--script', 's'], t.io)).toBe(0);
    expect(t.out()).toBe(
      '1: hash  name foo  flags 0x0\n\tkey 4B  value 8B  max_entries 16  memlock 2320B\n' +
        'key: 01 00 00 00  value: 2a 00 00 00 00 00 00 00\n' +
        'key: 01 00 00 00  value: 2a 00 00 00 00 00 00 00\nkey: 02 00 00 00  value: 07 00 00 00 00 00 00 00\nFound 2 elements\n' +
        '1: hash  name foo  flags 0x0\n\tkey 4B  value 8B  max_entries 16  memlock 2320B\n',
    );
  });

  it('errors name the line and the errno, exit code 1', async () => {
    const t = scriptIO({ s: 'map create type array key 4 value 4 entries 1\nmap update id 1 key 5 0 0 0 value 1 0 0 0' });
    expect(await main(['map', '--script', 's'], t.io)).toBe(1);
    expect(t.err()).toContain('s:2: map update: E2BIG');
  });

  it('prog load with map idx, show --json, run', async () => {
    const script = [
      'map create type array key 4 value 4 entries 1',
      'prog load used.bin type socket_filter name user map idx 0 id 1',
      'prog load ret0.bin type socket_filter',
      'prog run id 2 data_in hex:000102030405060708090a0b0c0d0e0f',
    ].join('\n');
    const t = scriptIO({ s: script, 'used.bin': USES_MAP, 'ret0.bin': RET0 });
    expect(await main(['prog', '--json', '--script', 's'], t.io)).toBe(0);
    const lines = t.out().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[1][0]).toMatchObject({ id: 1, type: 'socket_filter', name: 'user', tag: '0bd0168676c7c779', gpl_compatible: true, map_ids: [1], bytes_xlated: 32 });
    expect(lines[2][0]).toMatchObject({ id: 2, tag: '59f4a931744dcdc6' });
    expect(lines[3].retval).toBe(0);
    expect(lines[3].data_out.slice(14)).toEqual(['0x0e', '0x0f']);
  });

  it('prog dump xlated shows the map id where the program loaded a map fd, in the kernel log syntax', async () => {
    const t = scriptIO({ s: 'map create type array key 4 value 4 entries 1\nprog load used.bin type socket_filter map idx 0 id 1\nprog dump xlated id 1', 'used.bin': USES_MAP });
    expect(await main(['prog', '--script', 's'], t.io)).toBe(0);
    const dump = t.out().split('\n').filter((l) => /^ {3}\d:/.test(l));
    // Hand-checked against `bpftool prog dump xlated` on Linux 6.18 (print_imm shows the map's ID).
    expect(dump).toEqual(['   0: (18) r1 = map[id:1]', '   2: (b7) r0 = 0', '   3: (95) exit']);
  });

  it('prog dump xlated shows a map value address as map[id:N][0]+OFF, as bpftool does', async () => {
    // r1 = map_value(idx 0) + 16 (src_reg 2); r0 = 0; exit — the second map (id 2) has 32-byte values.
    const usesValue = Uint8Array.from(Buffer.from('18210000000000000000000010000000b7000000000000009500000000000000', 'hex'));
    const script = 'map create type array key 4 value 4 entries 1\nmap create type array key 4 value 32 entries 1\n' +
      'prog load v.bin type socket_filter map idx 0 id 2\nprog dump xlated id 1';
    const t = scriptIO({ s: script, 'v.bin': usesValue });
    expect(await main(['prog', '--script', 's'], t.io)).toBe(0);
    const dump = t.out().split('\n').filter((l) => /^ {3}\d:/.test(l));
    expect(dump).toEqual(['   0: (18) r1 = map[id:2][0]+16', '   2: (b7) r0 = 0', '   3: (95) exit']);
  });

  it('link create/show/detach for XDP on lo', async () => {
    const xdp = Uint8Array.from(Buffer.from('b7000000020000009500000000000000', 'hex'));
    const t = scriptIO({ s: 'prog load x.bin type xdp\nlink create id 1 xdp dev 1\nlink show\nlink detach id 1', 'x.bin': xdp });
    expect(await main(['link', '--script', 's'], t.io)).toBe(0);
    expect(t.out()).toContain('1: xdp  prog 1\n\tifindex 1\n1: xdp  prog 1\n\tifindex 1\n');
  });

  it('a single command runs in a fresh kernel; bad usage is exit code 2', async () => {
    const t = scriptIO({});
    expect(await main(['map', 'create', 'type', 'array', 'key', '4', 'value', '4', 'entries', '2'], t.io)).toBe(0);
    expect(t.out()).toBe('1: array  flags 0x0\n\tkey 4B  value 4B  max_entries 2  memlock 328B\n');
    const u = scriptIO({});
    expect(await main(['map', 'create', 'type', 'nope'], u.io)).toBe(2);
    expect(await main(['map'], u.io)).toBe(2);
  });
});

describe('pins', () => {
  it('map pin, then refer to the map by its pin after the id-based fds are gone', async () => {
    const script = [
      'map create type array key 4 value 4 entries 2 name pinned_map',
      'map pin id 1 /sys/fs/bpf/m',
      'map update pinned /sys/fs/bpf/m key 1 0 0 0 value 9 0 0 0',
      'map lookup pinned /sys/fs/bpf/m key 1 0 0 0',
    ].join('\n');
    const t = scriptIO({ s: script });
    expect(await main(['map', '--script', 's'], t.io)).toBe(0);
    expect(t.out()).toContain('key: 01 00 00 00  value: 09 00 00 00\n');
    const bad = scriptIO({ s: 'map create type array key 4 value 4 entries 2\nmap pin id 1 /tmp/m' });
    expect(await main(['map', '--script', 's'], bad.io)).toBe(1);
    expect(bad.err()).toContain('EPERM');
  });
});
