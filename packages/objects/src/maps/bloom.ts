// BPF_MAP_TYPE_BLOOM_FILTER (kernel/bpf/bloom_filter.c): push sets nr_hash_funcs bits, peek tests them.
// No false negatives; false positives at the rate the kernel's bitset size gives.
import { BpfError } from '../errno.js';
import { BaseMap, type MapSpec } from './base.js';
import { BPF_ANY, BPF_F_ACCESS_MASK, BPF_F_NUMA_NODE, BPF_F_ZERO_SEED, KMALLOC_MAX_SIZE, SIZEOF_BPF_BLOOM_FILTER } from './constants.js';
import { jhash, jhash2 } from './jhash.js';
import type { MapEnv } from './types.js';
import { bad, flagsAccessOk, type NormalizedAttr } from './validate.js';

const BLOOM_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BPF_F_ACCESS_MASK;

/** bloom_map_alloc_check */
export function bloomAllocCheck(a: NormalizedAttr): void {
  if (a.valueSize > KMALLOC_MAX_SIZE) bad('E2BIG', `value_size ${a.valueSize} > KMALLOC_MAX_SIZE`);
}

/** The checks at the top of bloom_map_alloc (after the capability check). */
export function bloomAllocChecks2(a: NormalizedAttr): void {
  if (
    a.keySize !== 0 ||
    a.valueSize === 0 ||
    a.maxEntries === 0 ||
    a.mapFlags & ~BLOOM_CREATE_FLAG_MASK ||
    !flagsAccessOk(a.mapFlags) ||
    a.mapExtra & ~0xfn
  ) {
    bad(
      'EINVAL',
      `bloom filter needs key_size 0 (got ${a.keySize}), value_size > 0, max_entries > 0, ` +
        `flags ⊆ 0x${BLOOM_CREATE_FLAG_MASK.toString(16)} and map_extra ≤ 15 hash functions (got ${a.mapExtra})`,
    );
  }
}

/** Bits per lazily allocated chunk of the bitset (the largest bitset is 2^32 bits). */
const CHUNK_BITS = 1 << 15;

export class BloomFilterMap extends BaseMap {
  readonly nrHashFuncs: number;
  readonly bitsetMask: number;
  readonly hashSeed: number;
  private readonly alignedU32Count: number;
  private readonly chunks = new Map<number, Uint32Array>();
  private pushes = 0;

  constructor(spec: MapSpec, env: MapEnv, seed?: number) {
    super(spec, env);
    this.nrHashFuncs = Number(spec.mapExtra) || 5;
    const k = this.nrHashFuncs;
    // nr_bits = max_entries * k * 7 / 5, rounded up to a power of two (u32 overflow → 2^32 bits).
    let nrBits = spec.maxEntries * k;
    let mask: number;
    if (nrBits > 0xffffffff || Math.floor(nrBits / 5) * 7 > 0xffffffff || Math.floor(nrBits / 5) * 7 > 2 ** 31) {
      mask = 0xffffffff;
    } else {
      nrBits = Math.floor(nrBits / 5) * 7;
      nrBits = nrBits <= 64 ? 64 : 2 ** Math.ceil(Math.log2(nrBits));
      mask = nrBits - 1;
    }
    this.bitsetMask = mask >>> 0;
    this.alignedU32Count = spec.valueSize % 4 === 0 ? spec.valueSize / 4 : 0;
    this.hashSeed = spec.mapFlags & BPF_F_ZERO_SEED ? 0 : (seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
  }

  get count(): number {
    return this.pushes;
  }

  /** bloom_map_mem_usage: the struct plus the bitset rounded to longs. */
  memUsage(): number {
    return SIZEOF_BPF_BLOOM_FILTER + Math.ceil((this.bitsetMask + 1) / 64) * 8;
  }

  private hash(value: Uint8Array, index: number): number {
    const seed = (this.hashSeed + index) >>> 0;
    const v = value.subarray(0, this.valueSize);
    const h = this.alignedU32Count ? jhash2(v, seed) : jhash(v, seed);
    return (h & this.bitsetMask) >>> 0;
  }

  private testBit(bit: number): boolean {
    const c = this.chunks.get(Math.floor(bit / CHUNK_BITS));
    if (!c) return false;
    const o = bit % CHUNK_BITS;
    return ((c[o >>> 5] >>> (o & 31)) & 1) === 1;
  }

  private setBit(bit: number): void {
    const ci = Math.floor(bit / CHUNK_BITS);
    let c = this.chunks.get(ci);
    if (!c) this.chunks.set(ci, (c = new Uint32Array(CHUNK_BITS / 32)));
    const o = bit % CHUNK_BITS;
    c[o >>> 5] |= 1 << (o & 31);
  }

  /** bloom_map_peek_elem: 0 when maybe present, -ENOENT when certainly absent. */
  peekFromProgram(value: Uint8Array): number {
    for (let i = 0; i < this.nrHashFuncs; i++) if (!this.testBit(this.hash(value, i))) return -2;
    return 0;
  }

  /** bloom_map_push_elem */
  pushFromProgram(value: Uint8Array, flags: number): number {
    if (flags !== BPF_ANY) return -22;
    for (let i = 0; i < this.nrHashFuncs; i++) this.setBit(this.hash(value, i));
    this.pushes++;
    return 0;
  }

  popFromProgram(): number {
    return -95; // -EOPNOTSUPP
  }

  /** Syscall lookup: the value is the INPUT (map_lookup_elem copies it in for bloom filters). */
  protected sysLookup(_key: Uint8Array | null, _flags: number, value?: Uint8Array): Uint8Array {
    const v = value && value.length >= this.valueSize ? value.slice(0, this.valueSize) : undefined;
    if (!v) throw new BpfError('EFAULT', `bloom filter lookup needs a value of ${this.valueSize} bytes to test`);
    if (this.peekFromProgram(v) !== 0) throw new BpfError('ENOENT', 'value is not in the bloom filter');
    return v;
  }

  protected sysUpdate(_key: Uint8Array | null, value: Uint8Array, flags: number): void {
    if (this.pushFromProgram(value, flags) !== 0) throw new BpfError('EINVAL', `bloom filter push: flags must be BPF_ANY, got ${flags}`);
  }

  protected sysDelete(): void {
    throw new BpfError('EOPNOTSUPP', 'elements cannot be deleted from a bloom filter');
  }

  protected sysGetNextKey(): Uint8Array {
    throw new BpfError('EOPNOTSUPP', 'bloom filters cannot be iterated');
  }

  override lookupForProgram(): Uint8Array | null {
    return null; // bloom_map_lookup_elem: ERR_PTR(-EINVAL); programs use peek
  }
}
