// Property: whatever attr a caller passes, bpf(2) returns a number or throws BpfError — never another exception —
// and a failed call leaves the kernel's objects and fds as they were.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BPF_CMD_NAMES, BpfError, COMMAND_FIELDS } from '@bpfsim/objects';
import { arrayMap, hashMap, retImm, setup, socketFilter, u32le, u64le } from './support.js';

const FIELDS = [...new Set(Object.values(COMMAND_FIELDS).flat())];

const valueArb = fc.oneof(
  fc.constantFrom(0, 1, 3, 4, 5, 8, 16, 0xffffffff, -1, 2 ** 40, 1.5, Number.NaN),
  fc.nat({ max: 64 }),
  fc.bigInt({ min: -1n, max: 1n << 64n }),
  fc.constantFrom('', 'GPL', 'BPF_MAP_TYPE_HASH', 'BPF_PROG_TYPE_SOCKET_FILTER', 'x'.repeat(20), '/sys/fs/bpf/a'),
  fc.uint8Array({ maxLength: 40 }),
  fc.constantFrom(null, undefined, true, {}, [], [{ opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 }], [{ opcode: 999 }]),
  // values whose String() throws: no prototype, a throwing toString, a Symbol
  fc.constantFrom(
    () => Object.create(null) as unknown,
    () => ({ toString: () => { throw new Error('no'); }, valueOf: () => { throw new Error('no'); } }),
    () => Symbol('s'),
    () => [Object.create(null)],
    () => 2 ** 64,
  ).map((make) => make()),
);

const attrArb = fc.dictionary(fc.constantFrom(...FIELDS), valueArb, { maxKeys: 6 });

describe('bpf(2) robustness', () => {
  it('any attr for any command gives a number or a BpfError, and failures change nothing', () => {
    fc.assert(
      fc.property(fc.nat({ max: BPF_CMD_NAMES.length + 2 }), attrArb, (cmd, attr) => {
        const { kernel, proc } = setup();
        const h = hashMap(proc);
        proc.mapUpdate(h, u32le(1), u64le(5n));
        arrayMap(proc);
        socketFilter(proc, retImm(0));
        const before = JSON.stringify([kernel.liveIds('map'), kernel.liveIds('prog'), proc.fds.entries().map(([fd]) => fd)]);
        try {
          const r = proc.bpf(cmd, attr);
          expect(typeof r).toBe('number');
        } catch (e) {
          if (!(e instanceof BpfError)) throw e;
          const after = JSON.stringify([kernel.liveIds('map'), kernel.liveIds('prog'), proc.fds.entries().map(([fd]) => fd)]);
          expect(after).toBe(before);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('odd values in every field of every command give a BpfError naming the field, not a TypeError', () => {
    const odd: [string, () => unknown][] = [
      ['no prototype', () => Object.create(null)],
      ['throwing toString', () => ({ toString: () => { throw new Error('no'); } })],
      ['symbol', () => Symbol('s')],
    ];
    for (const [cmd, fields] of Object.entries(COMMAND_FIELDS)) {
      for (const field of fields) {
        for (const [what, make] of odd) {
          const { proc } = setup();
          const h = hashMap(proc);
          try {
            proc.bpf(cmd, { map_fd: h, prog_fd: h, [field]: make() });
          } catch (e) {
            if (!(e instanceof BpfError)) throw new Error(`${cmd}.${field} = ${what}: ${String(e)}`);
          }
        }
      }
    }
    // the typed readers name the field
    const { proc } = setup();
    expect(() => proc.bpf('BPF_MAP_CREATE', { map_type: 1, key_size: Object.create(null) })).toThrow(/attr\.key_size must be a u32, got an object/);
    expect(() => proc.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: Object.create(null) })).toThrow(/attr\.map_fd must be an integer fd/);
    expect(() => proc.bpf('BPF_MAP_CREATE', { map_type: Object.create(null) })).toThrow(/unknown map_type an object/);
  });
});
