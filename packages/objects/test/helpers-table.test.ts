// Every helper the kernel registers carries the name and gpl_only flag of the ISA's helper table (measured on 6.18).
import { describe, expect, it } from 'vitest';
import { helperInfo } from '@bpfsim/isa';
import { Kernel } from '@bpfsim/objects';

describe('helper registry', () => {
  it('names and gpl_only agree with @bpfsim/isa for every registered helper', () => {
    const kernel = new Kernel();
    const wrong: string[] = [];
    for (const h of kernel.helpers.list()) {
      const info = helperInfo(h.id);
      if (!info) {
        wrong.push(`#${h.id} ${h.name}: unknown to the ISA table`);
        continue;
      }
      if (h.name !== `bpf_${info.name}`) wrong.push(`#${h.id}: named ${h.name}, the kernel calls it bpf_${info.name}`);
      if (h.gplOnly !== info.gplOnly) wrong.push(`#${h.id} ${h.name}: gplOnly ${h.gplOnly}, the kernel says ${info.gplOnly}`);
    }
    expect(wrong).toEqual([]);
    expect(kernel.helpers.list().length).toBeGreaterThan(5);
  });
});
