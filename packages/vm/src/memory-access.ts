// MemoryAccess for helpers: bounds-checked reads and writes through 64-bit addresses, over the run's Memory.
import { helperLabel, VmFault } from './fault.js';
import type { Memory } from './memory.js';
import type { MemoryAccess, RegionSpec } from './types.js';

export class HelperMemory implements MemoryAccess {
  /** Set by the caller before each helper call, for fault messages. */
  pc = -1;
  helperId = 0;
  insn: string | undefined;

  constructor(readonly memory: Memory) {}

  private locate(addr: bigint, size: number, write: boolean): { slot: number; offset: number } {
    const a = BigInt.asUintN(64, addr);
    const hi = Number(a >> 32n);
    const lo = Number(a & 0xffffffffn);
    const at = this.memory.locate(hi, lo, size);
    const bad = at.slot < 0 ? 'out of bounds' : write && !this.memory.writable[at.slot] ? 'write to read-only memory' : '';
    if (bad) {
      const reason = `${bad}: helper ${helperLabel(this.helperId)} ${write ? 'writes' : 'reads'} ${size} bytes at ${this.memory.describe(a)}`;
      throw new VmFault('out_of_bounds', reason, { pc: this.pc, insn: this.insn });
    }
    return at;
  }

  read(addr: bigint, size: number): Uint8Array {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`invalid read size ${size}`);
    if (size === 0) return new Uint8Array(0);
    const { slot, offset } = this.locate(addr, size, false);
    return this.memory.bytes[slot].slice(offset, offset + size);
  }

  write(addr: bigint, data: Uint8Array): void {
    if (data.length === 0) return;
    const { slot, offset } = this.locate(addr, data.length, true);
    this.memory.bytes[slot].set(data, offset);
  }

  resolve(addr: bigint): { region: RegionSpec; offset: number } | undefined {
    const r = this.memory.resolve(BigInt.asUintN(64, addr));
    return r && { region: r.region, offset: r.offset };
  }

  map(region: RegionSpec): bigint {
    return this.memory.map(region);
  }
}
