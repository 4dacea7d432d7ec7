// A map as the kernel holds it (struct bpf_map): the type-specific implementation from maps/ plus what every map
// has — an ID, two reference counts, the creator, and its opaque "kernel address" that programs load with lddw.
import type { BpfMap } from './maps/types.js';
import type { PinnableObject } from './vfs.js';
import { Refcounted, RefcountError } from './refcount.js';
import type { KernelCore } from './kernel-core.js';
import { objectFdinfo } from './fdinfo.js';
import { releaseMapBtf } from './btf/map-btf.js';

export class MapObject extends Refcounted implements PinnableObject {
  readonly kind = 'map' as const;
  readonly id: number;
  /** bpf_map.usercnt: references from user space (fds, pins); when it drops to 0 prog_array entries are cleared. */
  private users = 1;
  /** Stand-in for `struct bpf_map` in the program's address space: lddw map_fd loads the address of these bytes. */
  readonly handle = new Uint8Array(8);
  /** The kernel address programs see for this map (ld_imm64 with BPF_PSEUDO_MAP_FD is rewritten to it). */
  readonly address: bigint;

  constructor(
    private readonly core: KernelCore,
    readonly impl: BpfMap,
    readonly createdByUid: number,
    /** BPF_MAP_CREATE's map_flags as given (the map keeps only the permanent ones, see bpf_map_flags_retain_permanent). */
    readonly createFlags: number,
  ) {
    super();
    this.id = core.mapIds.alloc(this);
    this.address = core.memory.map({ kind: 'map', name: `map(id=${this.id})`, bytes: this.handle, writable: false });
    core.mapsByHandle.set(this.handle, this);
    core.events.emit({ type: 'create', kind: 'map', id: this.id });
  }

  /**
   * bpffs `cat`: set by btf/attachMapBtf exactly when the map has BTF key/value types (bpf_map_support_seq_show).
   * A byte string: each char code (0–255) is one byte of the kernel's text (a char array's Latin-1 bytes stay raw).
   */
  readText?: () => string;

  get usercnt(): number {
    return this.users;
  }

  get name(): string {
    return this.impl.name;
  }

  /** bpf_map_inc_with_uref. */
  getUser(): void {
    this.get();
    this.users++;
  }

  /** bpf_map_put_with_uref = bpf_map_put_uref (clears prog_array entries on the last user ref) + bpf_map_put. */
  putUser(): void {
    if (this.users <= 0) throw new RefcountError(`map ${this.id}: user reference dropped below zero`);
    if (--this.users === 0) {
      this.core.events.emit({ type: 'usercnt_zero', kind: 'map', id: this.id });
      this.impl.onLastUserRefGone();
    }
    this.put();
  }

  // PinnableObject: a pin holds a user reference, like an fd.
  retain(): void {
    this.getUser();
  }
  release(): void {
    this.putUser();
  }

  /** The /proc fdinfo text of an fd for this object (bpffs shows it for `cat` when asked to). */
  fdinfo(): string {
    return objectFdinfo({ kind: 'map', obj: this });
  }

  protected describe(): string {
    return `id ${this.id}`;
  }

  /** bpf_map_free_id + map_free: the ID disappears first, then every reference held by entries is dropped. */
  protected onFree(): void {
    this.core.mapIds.remove(this.id);
    // The handle stays mapped (regions are never unmapped from the middle) but no longer leads to this map.
    this.core.mapsByHandle.delete(this.handle);
    this.core.events.emit({ type: 'free', kind: 'map', id: this.id });
    this.impl.free();
    releaseMapBtf(this); // btf/: map_free drops the map's BTF reference
  }
}
