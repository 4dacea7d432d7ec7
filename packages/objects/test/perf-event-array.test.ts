// perf_event_array in the integrated kernel: slots hold perf event files opened with proc.perfEventOpen, an fd of
// another kind is EBADF (perf_event_get — checked on Linux 6.18), each entry holds a reference to the perf event's
// file, and closing the map file an entry was added through removes it unless BPF_F_PRESERVE_ELEMS
// (perf_event_fd_array_release). bpf_perf_event_output is checked end to end on the standard Kernel.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Process } from '@bpfsim/objects';
import type { PerfEventArrayMap } from '../src/maps/fd-array.js';
import { errnoOf, load, runRawTp, setup, u32le } from './progs/support.js';

const BPF_F_PRESERVE_ELEMS = 1 << 11;

function perfArray(proc: Process, flags = 0): number {
  return proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PERF_EVENT_ARRAY', key_size: 4, value_size: 4, max_entries: 2, map_flags: flags });
}

/** A raw_tracepoint program writing its first argument (8 bytes) to slot `index` of the perf array. */
function outputProg(proc: Process, pa: number, index: number): number {
  return load(proc, 'BPF_PROG_TYPE_RAW_TRACEPOINT', `
    r6 = *(u64 *)(r1 + 0)
    *(u64 *)(r10 - 8) = r6
    r4 = r10
    r4 += -8
    r2 = map_fd({pa})
    r3 = ${index}
    r5 = 8
    call bpf_perf_event_output
    exit`, { pa });
}

const samples = (proc: Process, pa: number): string[] => {
  const impl = proc.mapFromFd(pa, 'test').impl as PerfEventArrayMap;
  const got: string[] = [];
  impl.consume((s) => got.push(`${s.index}:${Buffer.from(s.data).toString('hex')}`));
  return got;
};

describe('perf_event_array slots', () => {
  it('an fd that is not a perf event is EBADF, a closed fd EBADF, a perf event fd is accepted', () => {
    const { proc } = setup();
    const pa = perfArray(proc);
    const other = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    expect(errnoOf(() => proc.mapUpdate(pa, u32le(0), u32le(other)))).toBe('EBADF');
    expect(errnoOf(() => proc.mapUpdate(pa, u32le(0), u32le(1)))).toBe('EBADF'); // stdout
    expect(errnoOf(() => proc.mapUpdate(pa, u32le(0), u32le(99)))).toBe('EBADF');
    const ev = proc.perfEventOpen({ bpfOutput: { cpu: 0 } });
    proc.mapUpdate(pa, u32le(0), u32le(ev));
    // lookup from bpf(2) is ENOTSUPP for perf_event_array (FACTS.md); delete works once, then ENOENT
    expect(errnoOf(() => proc.mapLookup(pa, u32le(0)))).toBe('ENOTSUPP');
    proc.mapDelete(pa, u32le(0));
    expect(errnoOf(() => proc.mapDelete(pa, u32le(0)))).toBe('ENOENT');
  });

  it('perfEventOpen needs CAP_PERFMON and an existing cpu', () => {
    const { kernel, proc } = setup();
    const user = kernel.spawn({ uid: 1000, caps: ['CAP_BPF'] });
    expect(errnoOf(() => user.perfEventOpen({ bpfOutput: { cpu: 0 } }))).toBe('EACCES');
    expect(errnoOf(() => proc.perfEventOpen({ bpfOutput: { cpu: kernel.ncpus } }))).toBe('EINVAL');
  });

  it('an entry holds a reference to the perf event file until it is deleted', () => {
    const { proc } = setup();
    const pa = perfArray(proc);
    const ev = proc.perfEventOpen({ bpfOutput: { cpu: 0 } });
    const file = proc.entry(ev).file;
    proc.mapUpdate(pa, u32le(0), u32le(ev));
    expect(file.fileCount).toBe(2);
    proc.mapUpdate(pa, u32le(1), u32le(ev));
    expect(file.fileCount).toBe(3);
    proc.close(ev); // the entries keep the event alive
    expect(file.fileCount).toBe(2);
    proc.mapDelete(pa, u32le(0));
    expect(file.fileCount).toBe(1);
    proc.close(pa); // last map reference: map_free drops the remaining entry
    expect(file.fileCount).toBe(0);
  });

  it('bpf_perf_event_output reaches the event in the slot; closing the map file that added it empties the slot', () => {
    const { kernel, proc } = setup({ ncpus: 2 });
    const pa = perfArray(proc);
    const id = proc.mapInfo(pa).id;
    const prog = outputProg(proc, pa, 0); // the program holds its own map reference
    const ev = proc.perfEventOpen({ bpfOutput: { cpu: 0 } });
    const second = proc.bpf('BPF_MAP_GET_FD_BY_ID', { map_id: id }); // another open file of the same map
    proc.mapUpdate(pa, u32le(0), u32le(ev)); // added through the first file
    expect(runRawTp(proc, prog, [0x1122334455667788n])).toBe(0);
    expect(samples(proc, pa)).toEqual(['0:8877665544332211']);
    const evFile = proc.entry(ev).file;
    proc.close(second); // not the file that added the entry
    expect(runRawTp(proc, prog, [1n])).toBe(0);
    expect(samples(proc, pa)).toEqual(['0:0100000000000000']);
    // re-add through a second file, then close that file: perf_event_fd_array_release removes the entry
    const third = proc.bpf('BPF_MAP_GET_FD_BY_ID', { map_id: id });
    proc.mapUpdate(third, u32le(0), u32le(ev));
    expect(evFile.fileCount).toBe(2);
    proc.close(third);
    expect(evFile.fileCount).toBe(1);
    expect(runRawTp(proc, prog, [2n]) | 0).toBe(-2); // -ENOENT: the slot is empty
    expect(kernel.ncpus).toBe(2);
  });

  it('with BPF_F_PRESERVE_ELEMS the entry outlives the map file that added it', () => {
    const { proc } = setup();
    const pa = perfArray(proc, BPF_F_PRESERVE_ELEMS);
    const id = proc.mapInfo(pa).id;
    const prog = outputProg(proc, pa, 0);
    const ev = proc.perfEventOpen({ bpfOutput: { cpu: 0 } });
    const second = proc.bpf('BPF_MAP_GET_FD_BY_ID', { map_id: id });
    proc.mapUpdate(second, u32le(0), u32le(ev));
    proc.close(second);
    expect(runRawTp(proc, prog, [7n])).toBe(0);
    expect(samples(proc, pa)).toEqual(['0:0700000000000000']);
  });

  it('a kprobe perf event in a slot is -EINVAL for bpf_perf_event_output (not a BPF-output event)', () => {
    const { proc } = setup();
    const pa = perfArray(proc);
    const prog = outputProg(proc, pa, 0);
    proc.mapUpdate(pa, u32le(0), u32le(proc.perfEventOpen({ kprobe: 'vfs_read' })));
    expect(runRawTp(proc, prog, [1n]) | 0).toBe(-22);
  });
});

describe('perf_event_array references (property)', () => {
  it('whatever the order of updates, deletes and closes, every perf event file is released exactly once', () => {
    type Op = { op: 'update'; slot: number; ev: number; via: number } | { op: 'delete'; slot: number } | { op: 'closeVia'; via: number } | { op: 'closeEv'; ev: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('update' as const), slot: fc.nat({ max: 2 }), ev: fc.nat({ max: 2 }), via: fc.nat({ max: 1 }) }),
      fc.record({ op: fc.constant('delete' as const), slot: fc.nat({ max: 2 }) }),
      fc.record({ op: fc.constant('closeVia' as const), via: fc.nat({ max: 1 }) }),
      fc.record({ op: fc.constant('closeEv' as const), ev: fc.nat({ max: 2 }) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), fc.boolean(), (ops, preserve) => {
        const { proc } = setup();
        const pa = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PERF_EVENT_ARRAY', key_size: 4, value_size: 4, max_entries: 3, map_flags: preserve ? BPF_F_PRESERVE_ELEMS : 0 });
        const id = proc.mapInfo(pa).id;
        const vias: (number | undefined)[] = [proc.bpf('BPF_MAP_GET_FD_BY_ID', { map_id: id }), proc.bpf('BPF_MAP_GET_FD_BY_ID', { map_id: id })];
        const evs: (number | undefined)[] = [0, 1, 2].map((cpu) => proc.perfEventOpen({ bpfOutput: { cpu: cpu % 2 } }));
        const files = evs.map((fd) => proc.entry(fd!).file);
        // the model: which event each slot holds and through which map file it was added
        const slots: ({ ev: number; via: number } | undefined)[] = [undefined, undefined, undefined];
        for (const o of ops) {
          if (o.op === 'update' && vias[o.via] !== undefined && evs[o.ev] !== undefined) {
            proc.mapUpdate(vias[o.via]!, u32le(o.slot), u32le(evs[o.ev]!));
            slots[o.slot] = { ev: o.ev, via: o.via };
          } else if (o.op === 'delete') {
            let got = 'ok';
            try {
              proc.mapDelete(pa, u32le(o.slot));
            } catch (e) {
              got = (e as { errno?: string }).errno ?? String(e);
            }
            expect(got).toBe(slots[o.slot] ? 'ok' : 'ENOENT');
            slots[o.slot] = undefined;
          } else if (o.op === 'closeVia' && vias[o.via] !== undefined) {
            proc.close(vias[o.via]!);
            vias[o.via] = undefined;
            // perf_event_fd_array_release: the entries added through this file go, unless BPF_F_PRESERVE_ELEMS
            if (!preserve) slots.forEach((x, i) => (x?.via === o.via ? (slots[i] = undefined) : undefined));
          } else if (o.op === 'closeEv' && evs[o.ev] !== undefined) {
            proc.close(evs[o.ev]!);
            evs[o.ev] = undefined;
          }
          // a perf event file is held by its fd (while open) and by each slot holding it
          const expected = files.map((_, i) => (evs[i] !== undefined ? 1 : 0) + slots.filter((x) => x?.ev === i).length);
          expect(files.map((f) => f.fileCount)).toEqual(expected);
        }
        proc.exit(); // closes every fd: the map goes, and with it every entry
        expect(files.map((f) => f.fileCount)).toEqual([0, 0, 0]);
      }),
      { numRuns: 60 },
    );
  });
});
