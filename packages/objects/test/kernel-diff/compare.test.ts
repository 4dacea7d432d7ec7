// The differential harness's normalization and translator, on hand-written results (no kernel needed).
import { describe, expect, it } from 'vitest';
import { normalize, describeDifferences } from '../../../../testing/kernel-oracle/compare';
import { runOnSim, type SimProcess } from '../../../../testing/kernel-oracle/sim';
import { insn, le, ldMapFd } from '../../../../testing/kernel-oracle/oracle';

describe('normalize', () => {
  const script = [
    { cmd: 'BPF_MAP_CREATE', as: 'm' },
    { cmd: 'BPF_MAP_LOOKUP_ELEM', map_fd: '$m' },
    { cmd: 'fdinfo', fd: '$m' },
    { cmd: 'BPF_PROG_TEST_RUN' },
  ];
  const vars = new Map([['m', 7], ['m.id', 4242], ['p', 8], ['p.id', 4242]]);
  const kinds = new Map([['m', 'map' as const], ['p', 'prog' as const]]);
  const results = [
    { i: 0, ret: 7 },
    { i: 1, ret: 0, value: le(4242, 4) },
    { i: 2, ret: 0, text: 'pos:\t0\nmnt_id:\t17\nino:\t1038\nmap_id:\t4242\nfrozen:\t0\n' },
    { i: 3, ret: 0, duration: 391, retval: 2 },
  ];

  it('turns fds, ids (per object kind), durations and machine numbers into symbols and keeps the rest', () => {
    expect(normalize(script, { results, vars, kinds }, { idValues: { m: 'prog' } })).toEqual([
      { cmd: 'BPF_MAP_CREATE', ret: 'fd' },
      { cmd: 'BPF_MAP_LOOKUP_ELEM', ret: 0, value: '$p.id' },
      { cmd: 'fdinfo', ret: 0, text: 'pos:\t0\nmnt_id:\t*\nino:\t*\nmap_id:\t$m.id\nfrozen:\t0\n' },
      { cmd: 'BPF_PROG_TEST_RUN', ret: 0, duration_positive: true, retval: 2 },
    ]);
  });

  it('leaves values alone unless the test says they are ids, and ignores key order', () => {
    const n = normalize(script, { results, vars, kinds });
    expect(n[1]).toEqual({ cmd: 'BPF_MAP_LOOKUP_ELEM', ret: 0, value: le(4242, 4) });
    const reordered = normalize(script, { results: [results[0], { value: le(4242, 4), i: 1, ret: 0 }, results[2], results[3]], vars, kinds });
    expect(describeDifferences(script, n, reordered)).toBe('');
  });

  it('compares listed next_key rows as a set and relates restart rows', () => {
    const walk = [{ cmd: 'a' }, { cmd: 'b' }, { cmd: 'c' }];
    const empty = { vars: new Map<string, number>(), kinds: new Map() };
    const k = normalize(walk, { ...empty, results: [{ i: 0, next_key: 'bb' }, { i: 1, next_key: 'aa' }, { i: 2, next_key: 'bb' }] }, {
      unorderedNextKeys: [0, 1],
      sameNextKeyAs: { 2: 0 },
    });
    const s = normalize(walk, { ...empty, results: [{ i: 0, next_key: 'aa' }, { i: 1, next_key: 'bb' }, { i: 2, next_key: 'aa' }] }, {
      unorderedNextKeys: [0, 1],
      sameNextKeyAs: { 2: 0 },
    });
    expect(describeDifferences(walk, k, s)).toBe('');
    expect(k[2].next_key).toBe('=#0');
  });

  it('reports differing rows with the script line', () => {
    const d = describeDifferences([{ cmd: 'x' }], [{ errno: 'EINVAL' }], [{ errno: 'E2BIG' }]);
    expect(d).toContain('#0 {"cmd":"x"}');
    expect(d).toContain('kernel: {"errno":"EINVAL"}');
    expect(d).toContain('bpfsim: {"errno":"E2BIG"}');
  });
});

describe('runOnSim translator', () => {
  class FakeBpfError extends Error {
    constructor(readonly errno: string) {
      super(errno);
    }
  }
  /** Records every call; answers MAP_CREATE with fd 3 and fails lookups with ENOENT. */
  const recording = (): { proc: SimProcess; calls: [string, Record<string, unknown>][] } => {
    const calls: [string, Record<string, unknown>][] = [];
    const proc: SimProcess = {
      bpf(cmd, attr) {
        calls.push([cmd, attr]);
        if (cmd === 'BPF_MAP_CREATE') return 3;
        if (cmd === 'BPF_OBJ_GET_INFO_BY_FD') {
          Object.assign(attr.info as object, { type: 2, id: 11, key_size: 4, value_size: 8 });
          return 0;
        }
        if (cmd === 'BPF_PROG_LOAD') return 4;
        throw new FakeBpfError('ENOENT');
      },
      close: () => 0,
      dup: () => 5,
      fdinfo: () => 'pos:\t0\nmap_type:\t2\n',
    };
    return { proc, calls };
  };

  it('passes attr fields, binds $m and $m.id, sizes buffers from the map, reports errno names', () => {
    const { proc, calls } = recording();
    const run = runOnSim(
      proc,
      [
        { cmd: 'BPF_MAP_CREATE', map_type: 2, key_size: 4, value_size: 8, max_entries: 1, as: 'm' },
        { cmd: 'BPF_MAP_LOOKUP_ELEM', map_fd: '$m', key: '01000000' },
        { cmd: 'BPF_PROG_LOAD', prog_type: 1, insns: ldMapFd(1, 0) + insn(0x95, 0, 0, 0, 0), license: 'GPL', fixups: '0=$m' },
        { cmd: 'mkdir', path: '/sys/fs/bpf/x' },
      ],
      { ncpus: 2 },
    );
    expect(run.vars.get('m')).toBe(3);
    expect(run.vars.get('m.id')).toBe(11);
    expect(calls[0]).toEqual(['BPF_MAP_CREATE', { map_type: 2, key_size: 4, value_size: 8, max_entries: 1, map_flags: 0, inner_map_fd: 0, numa_node: 0, map_extra: 0 }]);
    const lookup = calls.find(([c]) => c === 'BPF_MAP_LOOKUP_ELEM')![1];
    expect(lookup.map_fd).toBe(3);
    expect(Array.from(lookup.key as Uint8Array)).toEqual([1, 0, 0, 0]);
    expect((lookup.value as Uint8Array).length).toBe(8);
    expect(run.results[1]).toEqual({ i: 1, errno: 'ENOENT' });
    const load = calls.find(([c]) => c === 'BPF_PROG_LOAD')![1];
    // the map fd 3 is written into the lddw's imm (bytes 4..7 of insn 0)
    expect(Array.from((load.insns as Uint8Array).subarray(0, 8))).toEqual([0x18, 0x11, 0, 0, 3, 0, 0, 0]);
    expect(load.insn_cnt).toBe(3);
    expect(run.results[3].error).toMatch(/no bpffs/);
  });
});
