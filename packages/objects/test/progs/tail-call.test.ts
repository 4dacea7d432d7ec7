// bpf_tail_call between programs whose context has pointer fields: the tail-called program reads data/data_end
// too, so its ctx accesses must be converted like the caller's (convert_ctx_accesses runs at load for every program).
import { describe, expect, it } from 'vitest';
import { load, setup, u32le } from './support.js';

for (const jit of [false, true]) {
  describe(`tail calls (${jit ? 'jit' : 'interpreter'})`, () => {
    it('an XDP program tail-calls one that measures the packet', () => {
      const { proc } = setup({ jit });
      const measure = load(proc, 'BPF_PROG_TYPE_XDP', 'r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr3 -= r2\nr0 = r3\nexit');
      const pa = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: 2 });
      proc.mapUpdate(pa, u32le(0), u32le(measure));
      const entry = (index: number) => load(proc, 'BPF_PROG_TYPE_XDP', `
        r2 = map_fd({pa})
        r3 = ${index}
        call bpf_tail_call
        r0 = 1000
        exit`, { pa });
      const frame = new Uint8Array(60);
      expect(proc.progTestRun(entry(0), { data_in: frame }).retval).toBe(60);
      expect(proc.progTestRun(entry(1), { data_in: frame }).retval).toBe(1000); // empty slot: falls through
    });
  });
}
