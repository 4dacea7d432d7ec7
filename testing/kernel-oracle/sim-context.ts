// What the simulator-side script runner knows while it runs: the current process, the variables the script bound
// and helpers reading a command's fields. Shared by the bpf(2) and filesystem translators (sim-bpf.ts, sim-fs.ts).
import type { ObjectKind, ScriptCommand, ScriptValue } from './oracle';

/** The part of a bpfsim process the translator uses (the objects package's Process satisfies it structurally). */
export interface SimProcess {
  bpf(cmd: string, attr: Record<string, unknown>): number;
  close(fd: number): unknown;
  dup(fd: number): number;
  fdinfo(fd: number): string;
  fs?: SimFs;
}

/** bpffs as a process sees it (node:fs flavoured). */
export interface SimFs {
  mkdir(path: string, mode?: number): unknown;
  rmdir(path: string): unknown;
  unlink(path: string): unknown;
  rename(from: string, to: string): unknown;
  readdir(path: string): readonly string[];
  stat(path: string): { mode: number; uid: number; gid: number; nlink: number; size?: number; kind?: string };
  readFile(path: string): Uint8Array | string;
  chmod?(path: string, mode: number): unknown;
  chown?(path: string, uid: number, gid: number): unknown;
}

/** A script the translator cannot run (unknown variable, malformed field): reported as the row's `error`. */
export class ScriptError extends Error {}

const PERCPU_TYPES = new Set([5, 10, 6, 21]); // percpu_hash, lru_percpu_hash, percpu_array, percpu_cgroup_storage
const FD_VALUE_TYPES = new Set([3, 4, 8, 12, 13]); // prog_array, perf_event_array, cgroup_array, *_of_maps

export class ScriptContext {
  readonly vars = new Map<string, number>();
  readonly kinds = new Map<string, ObjectKind>();
  /** The next_key of the last successful GET_NEXT_KEY: a key written "@next" (map walks). */
  lastNextKey = new Uint8Array(0);

  constructor(
    public proc: SimProcess,
    readonly ncpus: number,
  ) {}

  /** An integer field: a number, a boolean, or "$name" naming a bound variable; `def` when absent. */
  num(c: ScriptCommand, key: string, def: number): number {
    const v = c[key];
    if (v === undefined || v === null) return def;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number') return v;
    if (v.startsWith('$')) {
      const bound = this.vars.get(v.slice(1));
      if (bound === undefined) throw new ScriptError(`field ${key}: unknown variable ${v}`);
      return bound;
    }
    throw new ScriptError(`field ${key}: not a number: ${v}`);
  }

  has(c: ScriptCommand, key: string): boolean {
    return c[key] !== undefined && c[key] !== null;
  }

  str(c: ScriptCommand, key: string): string | undefined {
    const v: ScriptValue | undefined = c[key];
    return typeof v === 'string' ? v : undefined;
  }

  /** A buffer field: hex, "@next", or "$x" (the variable as 4 little-endian bytes); undefined when absent. */
  bytes(c: ScriptCommand, key: string): Uint8Array | undefined {
    const s = this.str(c, key);
    if (s === undefined) return undefined;
    if (s === '@next') return this.lastNextKey.slice();
    if (s.startsWith('$')) {
      const v = this.vars.get(s.slice(1));
      if (v === undefined) throw new ScriptError(`unknown variable in buffer: ${s}`);
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, v >>> 0, true);
      return b;
    }
    return fromHex(s);
  }

  path(c: ScriptCommand, key: string): string {
    const p = this.str(c, key);
    if (p === undefined) throw new ScriptError(`missing ${key}`);
    return p;
  }

  fs(): SimFs {
    if (!this.proc.fs) throw new ScriptError('this process has no bpffs (proc.fs is missing)');
    return this.proc.fs;
  }

  /** What OBJ_GET_INFO_BY_FD says about an fd, as a plain object (undefined if it fails). */
  info(fd: number): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    try {
      this.proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: fd, info: out });
    } catch {
      return undefined;
    }
    return out;
  }

  /** The kind of object behind an fd, from its fdinfo text. */
  infoKind(fd: number): ObjectKind | undefined {
    let text: string;
    try {
      text = this.proc.fdinfo(fd);
    } catch {
      return undefined;
    }
    if (/\nmap_type:/.test(text)) return 'map';
    if (/\nprog_type:/.test(text)) return 'prog';
    if (/\nlink_type:/.test(text)) return 'link';
    return undefined;
  }

  /** `"as":"m"`: bind $m to a new fd and $m.id to its object's id. */
  bindFd(c: ScriptCommand, fd: number): void {
    const as = this.str(c, 'as');
    if (!as) return;
    this.vars.set(as, fd);
    const i = this.info(fd);
    if (i && typeof i.id === 'number') this.vars.set(`${as}.id`, i.id);
    const kind = this.infoKind(fd);
    if (kind) this.kinds.set(as, kind);
  }

  /** Key size and the value buffer size the syscall copies (bpf_map_value_size) for the map behind an fd. */
  valueSize(fd: number): { value: number; key: number } {
    const i = this.info(fd);
    if (!i) return { value: 64, key: 0 };
    const type = Number(i.type);
    const vs = Number(i.value_size);
    const ks = Number(i.key_size);
    if (PERCPU_TYPES.has(type)) return { value: Math.ceil(vs / 8) * 8 * this.ncpus, key: ks };
    if (FD_VALUE_TYPES.has(type)) return { value: 4, key: ks };
    return { value: vs, key: ks };
  }
}

/** The errno name of a BpfError-like exception (anything with a string `.errno`), else undefined. */
export function errnoOf(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'errno' in e) {
    const v = (e as { errno: unknown }).errno;
    if (typeof v === 'string') return v;
  }
  return undefined;
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new ScriptError(`bad hex buffer: ${s.slice(0, 40)}`);
  const b = new Uint8Array(s.length / 2);
  for (let i = 0; i < b.length; i++) b[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return b;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The text up to the first NUL (a C string in a buffer). */
export function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
}
