// Typed wrappers over bpf(2): each builds the attr and calls the same raw entry, so both paths share every check.
import type { Instruction } from '@bpfsim/isa';
import type { BpfAttr } from './attr.js';
import type { LinkInfo, MapInfo, ProgInfo } from './info.js';

export interface MapCreateOptions {
  map_type: number | string;
  key_size: number;
  value_size: number;
  max_entries: number;
  map_flags?: number;
  map_name?: string;
  inner_map_fd?: number;
  map_extra?: bigint | number;
  numa_node?: number;
}

export interface ProgLoadOptions {
  prog_type: number | string;
  insns: Uint8Array | readonly Instruction[];
  license?: string;
  prog_name?: string;
  expected_attach_type?: number | string;
  prog_flags?: number;
  log_level?: number;
  log_buf?: Uint8Array;
  log_size?: number;
  kern_version?: number;
  /** prog->aux->attach_btf_id (iterators: the vmlinux BTF id of bpf_iter_<target>). */
  attach_btf_id?: number;
  /** BPF_TRACE_ITER programs: the iterator target by name ('bpf_map', 'task'…) — a simulator extension. */
  iter_target?: string;
}

/** union bpf_iter_link_info: the raw bytes, or { map: { map_fd } } / { task: { tid } | { pid } | { pid_fd } }. */
export type IterLinkInfo =
  | Uint8Array
  | { map: { map_fd: number } }
  | { task: { tid?: number; pid?: number; pid_fd?: number } };

export interface LinkCreateOptions {
  target_ifindex?: number;
  target_fd?: number;
  flags?: number;
  /** BPF_TRACE_ITER links: the target's parameters (iter_info_len is filled in for raw bytes). */
  iter_info?: IterLinkInfo;
}

export interface TestRunOptions {
  data_in?: Uint8Array;
  /** Capacity of data_out (default: data_in's length + 256). */
  data_size_out?: number;
  ctx_in?: Uint8Array;
  ctx_size_out?: number;
  repeat?: number;
  flags?: number;
}

export interface TestRunOutput {
  retval: number;
  duration: number;
  data_out?: Uint8Array;
  ctx_out?: Uint8Array;
  ctx_in?: Uint8Array;
}

export abstract class TypedBpf {
  abstract bpf(cmd: number | string, attr?: BpfAttr): number;

  mapCreate(opts: MapCreateOptions): number {
    return this.bpf('BPF_MAP_CREATE', { ...opts });
  }

  /** BPF_MAP_LOOKUP_ELEM; `valueSize` defaults to what OBJ_GET_INFO reports scaled for per-cpu maps. */
  mapLookup(fd: number, key: Uint8Array | null, flags = 0): Uint8Array {
    const value = new Uint8Array(this.syscallValueSize(fd));
    this.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: fd, key, value, flags });
    return value;
  }

  mapUpdate(fd: number, key: Uint8Array | null, value: Uint8Array, flags = 0): void {
    this.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key, value, flags });
  }

  mapDelete(fd: number, key: Uint8Array | null): void {
    this.bpf('BPF_MAP_DELETE_ELEM', { map_fd: fd, key });
  }

  /** The key after `key` (null: the first key). */
  mapGetNextKey(fd: number, key: Uint8Array | null): Uint8Array {
    const next_key = new Uint8Array(this.mapInfo(fd).key_size);
    this.bpf('BPF_MAP_GET_NEXT_KEY', { map_fd: fd, key, next_key });
    return next_key;
  }

  mapLookupAndDelete(fd: number, key: Uint8Array | null, flags = 0): Uint8Array {
    const value = new Uint8Array(this.syscallValueSize(fd));
    this.bpf('BPF_MAP_LOOKUP_AND_DELETE_ELEM', { map_fd: fd, key, value, flags });
    return value;
  }

  mapFreeze(fd: number): void {
    this.bpf('BPF_MAP_FREEZE', { map_fd: fd });
  }

  /**
   * BPF_MAP_LOOKUP_BATCH (or LOOKUP_AND_DELETE_BATCH with `del`): up to `count` elements after `inBatch` (null:
   * from the start). `done` is true when the kernel answered ENOENT (no more elements); the keys/values returned
   * are only the `count` the kernel filled.
   */
  mapLookupBatch(fd: number, opts: { inBatch?: Uint8Array | null; count: number; del?: boolean; elem_flags?: number }) {
    const { key_size } = this.mapInfo(fd);
    const valueSize = this.syscallValueSize(fd);
    const keys = new Uint8Array(key_size * opts.count);
    const values = new Uint8Array(valueSize * opts.count);
    const out_batch = new Uint8Array(Math.max(key_size, 8));
    const attr: BpfAttr = { map_fd: fd, in_batch: opts.inBatch ?? null, out_batch, keys, values, count: opts.count, elem_flags: opts.elem_flags ?? 0 };
    let done = false;
    try {
      this.bpf(opts.del ? 'BPF_MAP_LOOKUP_AND_DELETE_BATCH' : 'BPF_MAP_LOOKUP_BATCH', attr);
    } catch (e) {
      if ((e as { errno?: string }).errno !== 'ENOENT') throw e;
      done = true;
    }
    const n = attr.count as number;
    return { count: n, keys: keys.slice(0, n * key_size), values: values.slice(0, n * valueSize), outBatch: out_batch, done };
  }

  /** BPF_MAP_UPDATE_BATCH: `keys`/`values` hold `count` packed elements; returns how many were updated. */
  mapUpdateBatch(fd: number, keys: Uint8Array, values: Uint8Array, count: number, elem_flags = 0): number {
    const attr: BpfAttr = { map_fd: fd, keys, values, count, elem_flags };
    this.bpf('BPF_MAP_UPDATE_BATCH', attr);
    return attr.count as number;
  }

  /** BPF_MAP_DELETE_BATCH: deletes `count` packed keys; returns how many were deleted. */
  mapDeleteBatch(fd: number, keys: Uint8Array, count: number): number {
    const attr: BpfAttr = { map_fd: fd, keys, count };
    this.bpf('BPF_MAP_DELETE_BATCH', attr);
    return attr.count as number;
  }

  progLoad(opts: ProgLoadOptions): number {
    return this.bpf('BPF_PROG_LOAD', { license: 'GPL', ...opts } as BpfAttr);
  }

  progTestRun(fd: number, opts: TestRunOptions = {}): TestRunOutput {
    const attr: BpfAttr = { prog_fd: fd, repeat: opts.repeat ?? 0, flags: opts.flags ?? 0 };
    let dataOut: Uint8Array | undefined;
    let ctxOut: Uint8Array | undefined;
    if (opts.data_in) {
      attr.data_in = opts.data_in;
      dataOut = new Uint8Array(opts.data_size_out ?? opts.data_in.length + 256);
      attr.data_out = dataOut;
    }
    if (opts.ctx_in) attr.ctx_in = opts.ctx_in;
    if (opts.ctx_size_out) {
      ctxOut = new Uint8Array(opts.ctx_size_out);
      attr.ctx_out = ctxOut;
    }
    this.bpf('BPF_PROG_TEST_RUN', attr);
    return {
      retval: attr.retval as number,
      duration: attr.duration as number,
      data_out: dataOut?.slice(0, attr.data_size_out as number),
      ctx_out: ctxOut?.slice(0, (attr.ctx_size_out as number | undefined) ?? 0),
      ctx_in: opts.ctx_in,
    };
  }

  objPin(fd: number, pathname: string): void {
    this.bpf('BPF_OBJ_PIN', { bpf_fd: fd, pathname });
  }

  objGet(pathname: string, file_flags = 0): number {
    return this.bpf('BPF_OBJ_GET', { pathname, file_flags });
  }

  /** The next live ID of a kind after `start` (undefined at the end, where the syscall says ENOENT). */
  getNextId(kind: 'map' | 'prog' | 'link', start: number): number | undefined {
    const attr: BpfAttr = { start_id: start };
    try {
      this.bpf(`BPF_${kind.toUpperCase()}_GET_NEXT_ID`, attr);
    } catch (e) {
      if ((e as { errno?: string }).errno === 'ENOENT') return undefined;
      throw e;
    }
    return attr.next_id as number;
  }

  getFdById(kind: 'map' | 'prog' | 'link', id: number, open_flags = 0): number {
    return this.bpf(`BPF_${kind.toUpperCase()}_GET_FD_BY_ID`, { [`${kind}_id`]: id, open_flags });
  }

  mapInfo(fd: number): MapInfo {
    const info = {} as MapInfo;
    this.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: fd, info });
    return info;
  }

  progInfo(fd: number): ProgInfo {
    const info = {} as ProgInfo;
    this.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: fd, info });
    return info;
  }

  linkInfo(fd: number): LinkInfo {
    const info = {} as LinkInfo;
    this.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: fd, info });
    return info;
  }

  linkCreate(prog_fd: number, attach_type: number | string, target: LinkCreateOptions = {}): number {
    const attr: BpfAttr = { prog_fd, attach_type, ...target };
    if (target.iter_info instanceof Uint8Array) attr.iter_info_len = target.iter_info.length;
    return this.bpf('BPF_LINK_CREATE', attr);
  }

  /** BPF_ITER_CREATE: a new session of an iterator link, as a read-only fd (read it with read(fd, n)). */
  iterCreate(link_fd: number): number {
    return this.bpf('BPF_ITER_CREATE', { link_fd });
  }

  linkUpdate(link_fd: number, new_prog_fd: number, opts: { old_prog_fd?: number; flags?: number } = {}): void {
    this.bpf('BPF_LINK_UPDATE', { link_fd, new_prog_fd, ...opts });
  }

  linkDetach(link_fd: number): void {
    this.bpf('BPF_LINK_DETACH', { link_fd });
  }

  /** BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): run_time_ns / run_cnt count while the returned fd is open. */
  enableStats(type = 0): number {
    return this.bpf('BPF_ENABLE_STATS', { type });
  }

  /** bpf_map_value_size as user space computes it (libbpf: per-cpu maps ncpus × round_up(value_size, 8)). */
  protected abstract syscallValueSize(fd: number): number;
}
