// The program's address space: 64-bit pointers into a table of regions (stack frames, ctx, packet, map values…).
//
// Layout (shared by the interpreter and the JIT, which inline the same checks with int32 arithmetic):
//   pointer = (hi << 32) | lo   with   hi = slot + 1   and   lo = LO_BASE + offset within the region.
// hi 0 is never a region, so NULL and small integers fault. LO_BASE leaves 256 MiB below each region's start in the
// same hi word, so `r10 - 520` still names the stack region in a fault ("stack-520") instead of the neighbour.
import type { RegionSpec } from './types.js';

export const LO_BASE = 0x10000000;
/** Largest region: offsets must stay below 2^31 - LO_BASE so lo never wraps. */
export const MAX_REGION_BYTES = 0x60000000;

/** describe() names addresses up to this many bytes outside a region relative to it. */
const DESCRIBE_NEAR = 1 << 20;

export class Memory {
  /** Indexed by slot (= hi - 1). Parallel arrays keep the hot path monomorphic for V8. */
  readonly bytes: Uint8Array[] = [];
  readonly views: DataView[] = [];
  readonly lengths: number[] = [];
  readonly writable: boolean[] = [];
  readonly specs: RegionSpec[] = [];
  /** Same backing bytes, writability and kind map to the same slot, so a helper returning one map value
   *  repeatedly (map_lookup_elem in a loop) does not grow the table. Bytes -> the slots mapping them. */
  private readonly slotsByBytes = new Map<Uint8Array, number[]>();

  get regionCount(): number {
    return this.specs.length;
  }

  /** Maps a region (or finds the slot already mapping these bytes) and returns its slot. */
  mapSlot(spec: RegionSpec): number {
    const known = this.slotsByBytes.get(spec.bytes);
    if (known) {
      for (const s of known) if (this.writable[s] === spec.writable && this.specs[s].kind === spec.kind) return s;
    }
    if (spec.bytes.length > MAX_REGION_BYTES) throw new RangeError(`region ${spec.name} too large: ${spec.bytes.length} bytes`);
    const slot = this.specs.length;
    this.specs.push(spec);
    this.bytes.push(spec.bytes);
    this.views.push(new DataView(spec.bytes.buffer, spec.bytes.byteOffset, spec.bytes.byteLength));
    this.lengths.push(spec.bytes.length);
    this.writable.push(spec.writable);
    if (known) known.push(slot);
    else this.slotsByBytes.set(spec.bytes, [slot]);
    return slot;
  }

  /** Maps a region and returns the address of its first byte. */
  map(spec: RegionSpec): bigint {
    return Memory.address(this.mapSlot(spec), 0);
  }

  /** Drops every region from `slot` on (regions mapped during a run that must not outlive it). */
  truncate(slot: number): void {
    for (let s = slot; s < this.specs.length; s++) {
      const slots = this.slotsByBytes.get(this.bytes[s]);
      if (!slots) continue;
      if (slots.length === 1) {
        if (slots[0] >= slot) this.slotsByBytes.delete(this.bytes[s]);
        continue;
      }
      const kept = slots.filter((k) => k < slot);
      if (kept.length > 0) this.slotsByBytes.set(this.bytes[s], kept);
      else this.slotsByBytes.delete(this.bytes[s]);
    }
    if (slot >= this.specs.length) return;
    this.specs.length = slot;
    this.bytes.length = slot;
    this.views.length = slot;
    this.lengths.length = slot;
    this.writable.length = slot;
  }

  static hiOf(slot: number): number {
    return slot + 1;
  }

  static address(slot: number, offset: number): bigint {
    return (BigInt(slot + 1) << 32n) | BigInt((LO_BASE + offset) >>> 0);
  }

  /**
   * The slot and offset of `size` bytes at (hi, lo), or -1 in `slot` when the access is not inside one region.
   * hi and lo are the two 32-bit halves of the address, as int32 or uint32.
   */
  locate(hi: number, lo: number, size: number): { slot: number; offset: number } {
    const slot = (hi >>> 0) - 1;
    const offset = (lo >>> 0) - LO_BASE;
    if (slot < 0 || slot >= this.specs.length || offset < 0 || offset + size > this.lengths[slot]) {
      return { slot: -1, offset };
    }
    return { slot, offset };
  }

  /** Region and offset an address falls in (exactly inside), or undefined. */
  resolve(addr: bigint): { region: RegionSpec; slot: number; offset: number } | undefined {
    const { slot, offset } = this.locate(Number((addr >> 32n) & 0xffffffffn), Number(addr & 0xffffffffn), 0);
    if (slot < 0 || offset >= this.lengths[slot]) return undefined;
    return { region: this.specs[slot], slot, offset };
  }

  /**
   * Describes where an address points for a fault message: `stack-520`, `ctx+12`, `packet+70`, or the raw hex
   * address when it is not near any region. Offsets of stack regions are relative to the frame top (r10),
   * as the kernel's verifier prints them (`fp-8`).
   */
  describe(addr: bigint): string {
    const hi = Number((addr >> 32n) & 0xffffffffn);
    const slot = hi - 1;
    if (slot >= 0 && slot < this.specs.length) {
      const spec = this.specs[slot];
      const offset = Number(addr & 0xffffffffn) - LO_BASE;
      // Only addresses near the region read as an offset from it; far ones (a stray integer) stay hex.
      if (offset >= -DESCRIBE_NEAR && offset <= this.lengths[slot] + DESCRIBE_NEAR) {
        const rel = spec.kind === 'stack' ? offset - this.lengths[slot] : offset;
        return rel < 0 ? `${spec.name}${rel}` : `${spec.name}+${rel}`;
      }
    }
    return `0x${BigInt.asUintN(64, addr).toString(16)}`;
  }
}
