// Callback helpers (bpf_loop, bpf_for_each_map_elem) run their callback inside the running VM (callSubprogram):
// in the tail-called program after a tail call, nested, and from a bpf-to-bpf callee. Both engines.
import { describe, expect, it } from 'vitest';
import { load, runRawTp, setup, u32le, u64le } from './support.js';

const RAW_TP = 'BPF_PROG_TYPE_RAW_TRACEPOINT';

for (const jit of [false, true]) {
  describe(`callbacks (${jit ? 'jit' : 'interpreter'})`, () => {
    it('bpf_loop in a tail-called program calls back into that program', () => {
      const { proc } = setup({ jit });
      // B: three calls of its callback at slot 8 (returns 0) -> r0 = 3 + 100.
      const b = load(proc, RAW_TP, `
        r1 = 3
        r2 = func(pc+6)
        r3 = 0
        r4 = 0
        call bpf_loop
        r0 += 100
        exit
        r0 = 0
        exit`);
      const pa = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
      proc.mapUpdate(pa, u32le(0), u32le(b));
      // The entry program's own slot 8 returns 1: a callback looked up there would stop after one call (101).
      const entry = load(proc, RAW_TP, `
        r6 = *(u64 *)(r1 + 0)
        r2 = map_fd({pa})
        r3 = 0
        call bpf_tail_call
        r0 = 1000
        if r6 != 0 goto +1
        exit
        r0 = 1
        exit`, { pa });
      expect(runRawTp(proc, entry)).toBe(103);
    });

    it('bpf_loop nests: an outer callback runs an inner bpf_loop on the same stack counter', () => {
      const { proc } = setup({ jit });
      const p = load(proc, RAW_TP, `
        r1 = 0
        *(u64 *)(r10 - 8) = r1
        r1 = 3
        r2 = func(pc+7)
        r3 = r10
        r3 += -8
        r4 = 0
        call bpf_loop
        r0 = *(u64 *)(r10 - 8)
        exit
        r3 = r2
        r1 = 4
        r2 = func(pc+5)
        r4 = 0
        call bpf_loop
        r0 = 0
        exit
        r3 = *(u64 *)(r2 + 0)
        r3 += 1
        *(u64 *)(r2 + 0) = r3
        r0 = 0
        exit`);
      expect(runRawTp(proc, p)).toBe(12);
    });

    it('bpf_for_each_map_elem from a bpf-to-bpf callee keeps the callee r6..r9 and stack', () => {
      const { proc } = setup({ jit });
      const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 3 });
      for (let i = 0; i < 3; i++) proc.mapUpdate(m, u32le(i), u64le(BigInt(i + 1)));
      // callee: r6 = 1000, stack slot = 7, sums the values (1+2+3) through the callback, then adds r6 and the slot.
      const p = load(proc, RAW_TP, `
        call pc+1
        exit
        r6 = 1000
        r1 = 7
        *(u64 *)(r10 - 16) = r1
        r1 = 0
        *(u64 *)(r10 - 8) = r1
        r1 = map_fd({m})
        r2 = func(pc+10)
        r3 = r10
        r3 += -8
        r4 = 0
        call bpf_for_each_map_elem
        r0 = *(u64 *)(r10 - 8)
        r0 += r6
        r1 = *(u64 *)(r10 - 16)
        r0 += r1
        exit
        r6 = *(u64 *)(r3 + 0)
        r5 = *(u64 *)(r4 + 0)
        r5 += r6
        *(u64 *)(r4 + 0) = r5
        r6 = 0
        *(u64 *)(r10 - 16) = r6
        r0 = 0
        exit`, { m });
      expect(runRawTp(proc, p)).toBe(6 + 1000 + 7);
    });
  });
}
