// The contract between the map implementations (this folder) and the simulated kernel core (../).
// Core owns fds, IDs, refcounts and the bpf(2) dispatch; it calls a BpfMap for everything map-specific.
// Stability: additive changes only.

/** A counted reference to another kernel object, taken when a map entry stores an fd (prog_array, map-in-map, perf). */
export interface EntryRef {
  /** The object's kernel ID (what a syscall lookup of a prog_array / map-in-map entry returns). */
  readonly id: number;
  /**
   * The object itself. For want 'map' this MUST be the BpfMap (the one createMap returned) so compatibility with
   * the inner-map template can be checked; for 'prog' and 'perf_event' it is opaque to maps.
   */
  readonly target: unknown;
  /** For programs: what bpf_prog_map_compatible compares (prog type; jited; xdp frags). Omit for non-programs. */
  readonly prog?: { readonly type: number; readonly jited?: boolean; readonly xdpHasFrags?: boolean };
  /** Take one kernel reference (bpf_map_inc / bpf_prog_inc); the entry holds it until deleted/replaced/freed. */
  retain(): void;
  /** Drop the reference taken by retain() — called exactly once per retain(). */
  release(): void;
}

/** What a map needs from the kernel it lives in. Core implements this. */
export interface MapEnv {
  /** num_possible_cpus(): per-cpu maps hold one value slot per cpu. */
  readonly ncpus: number;
  /**
   * Resolve an fd written as an entry value (prog_array: prog fd; *_of_maps: map fd; perf_event_array: perf event fd).
   * Returns a NOT yet retained reference (the map calls retain() when it stores it). Throws BpfError EBADF for a
   * bad fd; an fd of another kind is EINVAL for 'map' and 'prog' (__bpf_map_get, bpf_prog_get) but EBADF for
   * 'perf_event' (perf_event_get checks f_op and answers EBADF — checked against Linux 6.18).
   */
  resolveFd(fd: number, want: 'map' | 'prog' | 'perf_event'): EntryRef;
  /**
   * bpf_bypass_spec_v1(): true for CAP_PERFMON callers (root). When false, arrays round max_entries up to a power
   * of two (index_mask) and fail with E2BIG on overflow, as array_map_alloc does. Default true.
   */
  readonly bypassSpecV1?: boolean;
  /** Capability check of the creating task (capable()); default: every capability granted (root). */
  capable?(cap: 'CAP_SYS_ADMIN' | 'CAP_BPF' | 'CAP_PERFMON' | 'CAP_NET_ADMIN'): boolean;
}

/** BPF_MAP_CREATE attributes that matter to maps (names as in union bpf_attr). */
export interface MapCreateAttr {
  /** uapi number (BPF_MAP_TYPE_HASH = 1), uapi name ('BPF_MAP_TYPE_HASH') or bpftool name ('hash'). */
  map_type: number | string;
  key_size: number;
  value_size: number;
  max_entries: number;
  map_flags?: number;
  /** Inner map template fd for ARRAY_OF_MAPS / HASH_OF_MAPS; resolved with MapEnv.resolveFd(fd, 'map'). */
  inner_map_fd?: number;
  numa_node?: number;
  map_name?: string;
  map_ifindex?: number;
  /** Bloom filter: low 4 bits = number of hash functions (0 → 5). */
  map_extra?: bigint | number;
  /**
   * Spin-lock modelling (BTF stand-in): byte offset of a `struct bpf_spin_lock` (4 bytes) inside the value when the
   * value type has one. Undefined → no spin lock → BPF_F_LOCK is EINVAL, as for every BTF-less map.
   */
  spin_lock_off?: number;
}

/** Access an fd grants (FMODE_CAN_READ / FMODE_CAN_WRITE); core passes it, maps combine it with map_flags/frozen. */
export interface FdAccess {
  read: boolean;
  write: boolean;
}

/** Result of the kernel's batch ops: how many elements were processed and the out_batch token. */
export interface BatchResult {
  /** Number of elements processed (attr.batch.count written back). */
  count: number;
  /** Keys (lookup / lookup_and_delete) — count × key_size bytes. */
  keys?: Uint8Array;
  /** Values (lookup / lookup_and_delete) — count × syscall value size bytes. */
  values?: Uint8Array;
  /** out_batch token to pass as in_batch on the next call (opaque bytes, key_size or 4 bytes). */
  outBatch?: Uint8Array;
  /** Error that ended the batch after `count` elements (ENOENT at end for lookup batches), or undefined. */
  error?: import('../errno.js').BpfError;
}

export interface BatchAttr {
  /** in_batch token; null/undefined = start from the beginning. */
  inBatch?: Uint8Array | null;
  /** Number of elements requested (attr.batch.count). */
  count: number;
  /** keys buffer (update/delete batch input). */
  keys?: Uint8Array;
  /** values buffer (update batch input). */
  values?: Uint8Array;
  elem_flags?: number;
  flags?: number;
}

/** A live mapping of a map's memory. */
export interface MapMapping {
  /** The mapped bytes, shared with programs. */
  readonly data: Uint8Array;
  readonly writable: boolean;
  /** munmap(); idempotent. */
  unmap(): void;
}

/** What map-in-map entries are compared against (bpf_map_meta_equal / array_map_meta_equal). */
export interface InnerMapMeta {
  readonly mapType: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly spinLockOff: number | undefined;
}

/** A ring buffer reservation (bpf_ringbuf_reserve): `data` is a live view of the record payload. */
export interface RingbufReservation {
  /** Offset of the record header in the data area (what bpf_ringbuf_submit finds the header by). */
  readonly offset: number;
  readonly data: Uint8Array;
}

/** Everything core and helpers call on a map. Syscall-side ops throw BpfError; program-side ops return 0 / -errno. */
export interface BpfMap {
  readonly mapType: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
  readonly mapExtra: bigint;
  readonly name: string;
  /** Value size as seen by bpf(2): ncpus × round_up(value_size, 8) for per-cpu maps, 4 for fd maps (bpf_map_value_size). */
  readonly syscallValueSize: number;
  readonly frozen: boolean;
  /** Number of elements currently stored (for tests / fdinfo). */
  readonly count: number;
  /** Offset of the modelled bpf_spin_lock in the value, or undefined (no BTF record). */
  readonly spinLockOff: number | undefined;
  /** Map-in-map: the inner map template (bpf_map_meta_alloc) entries must match. */
  readonly innerMapMeta?: InnerMapMeta;
  /** Whether this map may serve as an inner map template (ops->map_meta_equal exists). */
  readonly supportsMetaEqual: boolean;
  /** prog_array owner (fdinfo owner_prog_type / owner_jited), set by the first compatible program. */
  readonly owner?: { readonly type: number; readonly jited: boolean } | undefined;
  /** map_mem_usage(): bytes reported as fdinfo memlock. */
  memUsage(): number;

  // ---- bpf(2) side (errno exactly as kernel/bpf/syscall.c + the type's ops) ----
  lookup(key: Uint8Array | null, flags?: number, access?: FdAccess, value?: Uint8Array): Uint8Array;
  /** `file`: the open map file making the call (perf_event_array remembers it, see onFileReleased). */
  update(key: Uint8Array | null, value: Uint8Array, flags?: number, access?: FdAccess, file?: object): void;
  delete(key: Uint8Array | null, access?: FdAccess): void;
  /** BPF_MAP_GET_NEXT_KEY; key null = first key. Throws ENOENT past the last key. */
  getNextKey(key: Uint8Array | null, access?: FdAccess): Uint8Array;
  lookupAndDelete(key: Uint8Array | null, flags?: number, access?: FdAccess): Uint8Array;
  lookupBatch(attr: BatchAttr, access?: FdAccess): BatchResult;
  lookupAndDeleteBatch(attr: BatchAttr, access?: FdAccess): BatchResult;
  updateBatch(attr: BatchAttr, access?: FdAccess): BatchResult;
  deleteBatch(attr: BatchAttr, access?: FdAccess): BatchResult;
  /**
   * BPF_MAP_FREEZE: ENOTSUPP with a spin lock, EPERM without write access (a frozen map has none, so freezing twice
   * is EPERM), EBUSY while a writable mmap exists.
   */
  freeze(access?: FdAccess): void;
  /**
   * mmap() of the map fd (bpf_map_mmap): only BPF_F_MMAPABLE arrays map their values (others: ENOTSUPP, or EINVAL
   * for arrays without the flag). A writable mapping needs an unfrozen map (EPERM) without BPF_F_RDONLY_PROG
   * (EACCES) and blocks BPF_MAP_FREEZE until unmapped.
   */
  mmap(writable: boolean): MapMapping;

  // ---- program side (helpers): return 0 or a negative errno number, never throw ----
  /** bpf_map_lookup_elem: LIVE value bytes of `cpu`'s slot (writes go through), or null. */
  lookupForProgram(key: Uint8Array, cpu: number): Uint8Array | null;
  updateFromProgram(key: Uint8Array, value: Uint8Array, flags: number, cpu: number): number;
  deleteFromProgram(key: Uint8Array, cpu: number): number;
  /** map-in-map lookup from a program: the inner map, or null. */
  lookupInnerMap?(key: Uint8Array): BpfMap | null;
  /** prog_array tail call target: the program reference at `index`, or null. */
  tailCallTarget?(index: number): EntryRef | null;
  pushFromProgram?(value: Uint8Array, flags: number): number;
  popFromProgram?(out: Uint8Array): number;
  peekFromProgram?(out: Uint8Array): number;

  /** prog_array: bpf_prog_map_compatible — records the owner on first use; false → EINVAL for the caller. */
  progCompatible?(prog: { type: number; jited?: boolean; xdpHasFrags?: boolean }): boolean;
  /**
   * bpf_for_each_map_elem (array, percpu array, hash types): calls `cb(key, value)` with LIVE values (this cpu's
   * slot for per-cpu maps) until it returns non-zero. Returns the number of elements visited, or -EINVAL for
   * non-zero flags.
   */
  forEachForProgram?(cpu: number, flags: number, cb: (key: Uint8Array, value: Uint8Array) => number | bigint): number;
  /** bpf_map_lookup_percpu_elem helper: the LIVE slot of `cpu` (null when cpu ≥ ncpus or no element). */
  lookupPercpuForProgram?(key: Uint8Array, cpu: number): Uint8Array | null;

  // ---- lifecycle ----
  /** bpf_map_put_uref → last user reference gone (prog_array clears its entries; others no-op). */
  onLastUserRefGone(): void;
  /**
   * ops->map_release: a map file (the `file` passed to update) was closed. perf_event_array drops the entries added
   * through it unless BPF_F_PRESERVE_ELEMS (perf_event_fd_array_release).
   */
  onFileReleased?(file: object): void;
  /** map_free: drop every reference held by entries exactly once. */
  free(): void;
}
