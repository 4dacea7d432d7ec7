// `bpfsim map dump pinned PATH` and `bpfsim prog show pinned PATH`: objects named by their bpffs pin, as bpftool
// resolves `pinned PATH` (BPF_OBJ_GET, then the same output as `id N`), within one --script run (one kernel; the
// bpffs is mounted at /sys/fs/bpf). The pins outlive every fd the script opened.
import { describe, expect, it } from 'vitest';
import { main } from '../index.js';
import { scriptIO } from '../testing/script-io.js';

// lddw r1, map idx 0; r0 = 0; exit (hand-encoded; the loader patches the map in)
const USES_MAP = Uint8Array.from(Buffer.from('18110000000000000000000000000000b7000000000000009500000000000000', 'hex'));

const run = async (verb: string, script: string, files: Record<string, Uint8Array> = {}) => {
  const t = scriptIO({ s: script, ...files });
  const code = await main([verb, '--script', 's'], t.io);
  return { code, out: t.out(), err: t.err() };
};

describe('pinned PATH', () => {
  it('map dump pinned PATH prints what map dump id N prints, in bpftool format', async () => {
    const setup = [
      'map create type array key 4 value 4 entries 2 name counters',
      'map update id 1 key 1 0 0 0 value 7 0 0 0',
      'map pin id 1 /sys/fs/bpf/counters',
    ];
    const byPin = await run('map', [...setup, 'map dump pinned /sys/fs/bpf/counters'].join('\n'));
    const byId = await run('map', [...setup, 'map dump id 1'].join('\n'));
    expect(byPin.code).toBe(0);
    const dump = 'key: 00 00 00 00  value: 00 00 00 00\nkey: 01 00 00 00  value: 07 00 00 00\nFound 2 elements\n';
    expect(byPin.out.endsWith(dump)).toBe(true);
    expect(byPin.out).toBe(byId.out);
  });

  it('prog show pinned PATH shows the pinned program (and the map it holds), as prog show id N does', async () => {
    const setup = [
      'map create type array key 4 value 4 entries 1',
      'prog load used.bin type socket_filter name user map idx 0 id 1',
      'prog pin id 1 /sys/fs/bpf/user',
      'map pin id 1 /sys/fs/bpf/m',
    ];
    const r = await run('prog', [...setup, 'prog show id 1', 'prog show pinned /sys/fs/bpf/user'].join('\n'), { 'used.bin': USES_MAP });
    expect(r.code).toBe(0);
    // Each show prints 4 lines (loaded_at is the same within one kernel): the last two blocks are identical.
    const lines = r.out.split('\n');
    const byId = lines.slice(-9, -5);
    const byPin = lines.slice(-5, -1);
    expect(byPin).toEqual(byId);
    expect(byPin[0]).toBe('1: socket_filter  name user  tag 0bd0168676c7c779  gpl');
    expect(byPin[1]).toMatch(/^\tloaded_at \S+  uid 0$/);
    expect(byPin[3]).toBe('\tmap_ids 1');
  });

  it('prog show pinned in --json mode gives the object bpftool -j prints', async () => {
    const t = scriptIO({
      s: ['map create type array key 4 value 4 entries 1', 'prog load used.bin type socket_filter name user map idx 0 id 1', 'prog pin id 1 /sys/fs/bpf/p', 'prog show pinned /sys/fs/bpf/p'].join('\n'),
      'used.bin': USES_MAP,
    });
    expect(await main(['prog', '--json', '--script', 's'], t.io)).toBe(0);
    const last = JSON.parse(t.out().trim().split('\n').at(-1)!);
    expect(last[0]).toMatchObject({ id: 1, type: 'socket_filter', name: 'user', tag: '0bd0168676c7c779', map_ids: [1] });
  });

  it('errors: a missing pin (ENOENT), a pin of another kind, a directory (EACCES) — with the line and exit code 1', async () => {
    const missing = await run('map', 'map dump pinned /sys/fs/bpf/none');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('s:1');
    expect(missing.err).toContain('ENOENT');

    const kind = await run('map', ['map create type array key 4 value 4 entries 1', 'map pin id 1 /sys/fs/bpf/m', 'prog show pinned /sys/fs/bpf/m'].join('\n'));
    expect(kind.code).toBe(1);
    expect(kind.err).toContain('s:3');
    expect(kind.err).toMatch(/is a map, not a prog/);

    const dir = await run('map', 'map dump pinned /sys/fs/bpf');
    expect(dir.code).toBe(1);
    expect(dir.err).toContain('EACCES');
  });
});
