// Zero-filled slot storage allocated lazily in chunks, so a map may be as large as the kernel allows (a 1 GiB array
// value is fine) while memory is only spent on the slots actually written or handed to programs.
import { BpfError } from '../errno.js';

/** Bytes per lazily allocated chunk (a slot larger than this gets a chunk of its own). */
const CHUNK_BYTES = 64 * 1024;

export class PagedStore {
  private readonly perChunk: number;
  private readonly chunks: Array<Uint8Array | undefined> = [];

  /** `contiguous`: one eagerly allocated buffer (mmap-able arrays need a single region). */
  constructor(
    readonly slotSize: number,
    readonly slots: number,
    contiguous = false,
  ) {
    this.perChunk = contiguous ? Math.max(1, slots) : Math.max(1, Math.floor(CHUNK_BYTES / Math.max(1, slotSize)));
    if (contiguous) this.chunks[0] = allocate(slots * slotSize);
  }

  /** A live view of a slot, allocating its chunk on first use. */
  view(slot: number): Uint8Array {
    const ci = Math.floor(slot / this.perChunk);
    let c = this.chunks[ci];
    if (!c) {
      const n = Math.min(this.perChunk, this.slots - ci * this.perChunk);
      c = this.chunks[ci] = allocate(n * this.slotSize);
    }
    const off = (slot - ci * this.perChunk) * this.slotSize;
    return c.subarray(off, off + this.slotSize);
  }

  /** Read a slot without allocating: null means "all zeros". */
  peek(slot: number): Uint8Array | null {
    const c = this.chunks[Math.floor(slot / this.perChunk)];
    if (!c) return null;
    const off = (slot % this.perChunk) * this.slotSize;
    return c.subarray(off, off + this.slotSize);
  }

  /** The single buffer of a contiguous store. */
  region(): Uint8Array {
    return this.chunks[0] ?? new Uint8Array(0);
  }
}

/** new Uint8Array that reports the host running out of memory as ENOMEM instead of crashing. */
export function allocate(bytes: number): Uint8Array {
  try {
    return new Uint8Array(bytes);
  } catch (e) {
    if (e instanceof RangeError) throw new BpfError('ENOMEM', `cannot allocate ${bytes} bytes for map storage`);
    throw e;
  }
}
