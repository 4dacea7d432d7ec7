// BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK (kernel/bpf/queue_stack_maps.c): a ring of max_entries + 1 slots with
// head/tail indices, exactly as the kernel keeps it. Keyless: update = push, lookup = peek, lookup_and_delete = pop.
import { BpfError } from '../errno.js';
import { BaseMap, type MapSpec } from './base.js';
import {
  BPF_EXIST,
  BPF_F_ACCESS_MASK,
  BPF_F_NUMA_NODE,
  BPF_MAP_TYPE_STACK,
  BPF_NOEXIST,
  KMALLOC_MAX_SIZE,
  SIZEOF_BPF_QUEUE_STACK,
} from './constants.js';
import type { MapEnv } from './types.js';
import { PagedStore } from './paged-store.js';
import { bad, checkAllocation, flagsAccessOk, type NormalizedAttr } from './validate.js';

const QUEUE_STACK_CREATE_FLAG_MASK = BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK;

/** queue_stack_map_alloc_check */
export function queueStackAllocCheck(a: NormalizedAttr): void {
  if (
    a.maxEntries === 0 ||
    a.keySize !== 0 ||
    a.valueSize === 0 ||
    a.mapFlags & ~QUEUE_STACK_CREATE_FLAG_MASK ||
    !flagsAccessOk(a.mapFlags)
  ) {
    bad(
      'EINVAL',
      `queue/stack need key_size 0 (got ${a.keySize}), value_size > 0, max_entries > 0 and flags ⊆ 0x${QUEUE_STACK_CREATE_FLAG_MASK.toString(16)}`,
    );
  }
  if (a.valueSize > KMALLOC_MAX_SIZE) bad('E2BIG', `value_size ${a.valueSize} > KMALLOC_MAX_SIZE`);
}

export class QueueStackMap extends BaseMap {
  private readonly isStack: boolean;
  private readonly size: number;
  private readonly elements: PagedStore;
  private head = 0;
  private tail = 0;

  constructor(spec: MapSpec, env: MapEnv) {
    super(spec, env);
    this.isStack = spec.mapType === BPF_MAP_TYPE_STACK;
    this.size = spec.maxEntries + 1;
    checkAllocation(this.size * spec.valueSize, 'queue/stack elements');
    this.elements = new PagedStore(spec.valueSize, this.size);
  }

  get count(): number {
    return (this.head - this.tail + this.size) % this.size;
  }

  /** queue_stack_map_mem_usage */
  memUsage(): number {
    return SIZEOF_BPF_QUEUE_STACK + this.size * this.valueSize;
  }

  private isEmpty(): boolean {
    return this.head === this.tail;
  }

  private isFull(): boolean {
    let head = this.head + 1;
    if (head >= this.size) head = 0;
    return head === this.tail;
  }

  private slot(i: number): Uint8Array {
    return this.elements.view(i);
  }

  /** __queue_map_get / __stack_map_get: on empty the output is zeroed and -ENOENT returned. */
  private get(out: Uint8Array, del: boolean): number {
    if (this.isEmpty()) {
      out.fill(0, 0, this.valueSize);
      return -2;
    }
    if (this.isStack) {
      let index = this.head - 1;
      if (index < 0) index = this.size - 1;
      out.set(this.slot(index));
      if (del) this.head = index;
    } else {
      out.set(this.slot(this.tail));
      if (del && ++this.tail >= this.size) this.tail = 0;
    }
    return 0;
  }

  /** queue_stack_map_push_elem: BPF_EXIST on a full map overwrites the oldest element. */
  pushFromProgram(value: Uint8Array, flags: number): number {
    if (flags & BPF_NOEXIST || flags > BPF_EXIST) return -22;
    if (this.isFull()) {
      if (!(flags & BPF_EXIST)) return -7; // -E2BIG
      if (++this.tail >= this.size) this.tail = 0;
    }
    this.slot(this.head).set(value.subarray(0, this.valueSize));
    if (++this.head >= this.size) this.head = 0;
    return 0;
  }

  popFromProgram(out: Uint8Array): number {
    return this.get(out, true);
  }

  peekFromProgram(out: Uint8Array): number {
    return this.get(out, false);
  }

  protected sysLookup(): Uint8Array {
    const out = new Uint8Array(this.valueSize);
    if (this.get(out, false)) throw new BpfError('ENOENT', `the ${this.isStack ? 'stack' : 'queue'} is empty`);
    return out;
  }

  protected sysUpdate(_key: Uint8Array | null, value: Uint8Array, flags: number): void {
    const r = this.pushFromProgram(value, flags);
    if (r === -22) throw new BpfError('EINVAL', `push flags must be BPF_ANY or BPF_EXIST, got ${flags}`);
    if (r === -7) throw new BpfError('E2BIG', `the ${this.isStack ? 'stack' : 'queue'} is full (use BPF_EXIST to overwrite the oldest)`);
  }

  protected override sysLookupAndDelete(): Uint8Array {
    const out = new Uint8Array(this.valueSize);
    if (this.get(out, true)) throw new BpfError('ENOENT', `the ${this.isStack ? 'stack' : 'queue'} is empty`);
    return out;
  }

  protected sysDelete(): void {
    throw new BpfError('EINVAL', 'queue/stack elements are removed with BPF_MAP_LOOKUP_AND_DELETE_ELEM (pop)');
  }

  protected sysGetNextKey(): Uint8Array {
    throw new BpfError('EINVAL', 'queue/stack maps have no keys to iterate');
  }

  override updateFromProgram(): number {
    return -22;
  }

  override deleteFromProgram(): number {
    return -22;
  }
}
