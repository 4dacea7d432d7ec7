// The address space: pointer layout, lookups, fault descriptions, mapping and unmapping.
import { LO_BASE, Memory } from '@bpfsim/vm';
import { describe, expect, it } from 'vitest';

describe('Memory', () => {
  it('lays pointers out as (slot + 1) << 32 | LO_BASE + offset', () => {
    const m = new Memory();
    const a = m.map({ kind: 'mem', name: 'a', bytes: new Uint8Array(16), writable: true });
    const b = m.map({ kind: 'ctx', name: 'b', bytes: new Uint8Array(4), writable: false });
    expect(a).toBe((1n << 32n) | BigInt(LO_BASE));
    expect(b).toBe((2n << 32n) | BigInt(LO_BASE));
    expect(m.locate(1, LO_BASE + 8, 8)).toEqual({ slot: 0, offset: 8 });
    expect(m.locate(1, LO_BASE + 9, 8).slot).toBe(-1);
    expect(m.locate(0, LO_BASE, 1).slot).toBe(-1); // hi 0 is never a region
    expect(m.locate(3, LO_BASE, 1).slot).toBe(-1);
    expect(m.resolve(b + 3n)).toMatchObject({ slot: 1, offset: 3 });
    expect(m.resolve(b + 4n)).toBeUndefined();
  });

  it('describes addresses relative to the nearest region, stacks from their top, far ones in hex', () => {
    const m = new Memory();
    const stack = m.map({ kind: 'stack', name: 'stack', bytes: new Uint8Array(512), writable: true });
    const ctx = m.map({ kind: 'ctx', name: 'ctx', bytes: new Uint8Array(8), writable: false });
    expect(m.describe(stack + 512n - 520n)).toBe('stack-520');
    expect(m.describe(stack + 512n)).toBe('stack+0');
    expect(m.describe(ctx + 12n)).toBe('ctx+12');
    expect(m.describe(ctx - 4n)).toBe('ctx-4');
    expect(m.describe(0x10n)).toBe('0x10');
    expect(m.describe(1n << 32n)).toBe('0x100000000'); // slot 0's hi word, but 256 MiB below it
    expect(m.describe((9n << 32n) | 5n)).toBe('0x900000005');
  });

  it('maps the same bytes once, and truncate() unmaps what was mapped after a point', () => {
    const m = new Memory();
    const bytes = new Uint8Array(8);
    const first = m.map({ kind: 'map_value', name: 'v', bytes, writable: true });
    expect(m.map({ kind: 'map_value', name: 'v', bytes, writable: true })).toBe(first);
    const ro = m.map({ kind: 'map_value', name: 'v', bytes, writable: false });
    expect(ro).not.toBe(first); // a read-only view is another region
    const mark = m.regionCount;
    const extra = new Uint8Array(4);
    m.map({ kind: 'helper_mem', name: 'h', bytes: extra, writable: true });
    m.truncate(mark);
    expect(m.regionCount).toBe(mark);
    expect(m.map({ kind: 'helper_mem', name: 'h', bytes: extra, writable: true })).toBe(((BigInt(mark) + 1n) << 32n) | BigInt(LO_BASE));
    // the writable mapping made before the mark is still found again
    expect(m.map({ kind: 'map_value', name: 'v', bytes, writable: true })).toBe(first);
  });

  it('refuses regions too large for the layout', () => {
    const m = new Memory();
    const huge = { length: 0x60000001 } as unknown as Uint8Array;
    expect(() => m.mapSlot({ kind: 'mem', name: 'huge', bytes: huge, writable: true })).toThrow(/too large/);
  });
});
