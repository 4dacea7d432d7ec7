// Runs an oracle script on bpfsim instead of the kernel: translates each JSON-lines command into the simulator's
// `proc.bpf(cmd, attr)` / `proc.fs.*` calls and answers in the oracle's result format, so one script drives both.
// It takes the process through a small structural interface, so this file imports no bpfsim package.
import type { ObjectKind, OracleResult, ScriptCommand, ScriptRun, ScriptValue } from './oracle';

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

export interface SimOptions {
  /** Per-cpu value layout: the simulated kernel's CPU count (use the real kernel's possible CPUs). */
  ncpus: number;
  /**
   * `drop_privs`: return the process that continues the script with these credentials. The kernel's helper keeps
   * its fds across the switch; a simulator that cannot change a process's credentials may spawn a new process —
   * scripts that use drop_privs then only reach earlier objects through pins and `$x.id` variables.
   */
  dropPrivs?: (from: SimProcess, creds: { uid: number; gid: number; caps: string[] }) => SimProcess;
}

/** Result of a simulator run: the same shape as a kernel run. */
export type SimRun = ScriptRun;

const FD_COMMANDS = new Set([
  'BPF_MAP_CREATE',
  'BPF_PROG_LOAD',
  'BPF_OBJ_GET',
  'BPF_MAP_GET_FD_BY_ID',
  'BPF_PROG_GET_FD_BY_ID',
  'BPF_LINK_GET_FD_BY_ID',
  'BPF_LINK_CREATE',
  'dup',
]);

/** Commands whose non-negative return value is a new fd (compared as "fd", never by number). */
export function returnsFd(cmd: string): boolean {
  return FD_COMMANDS.has(cmd);
}

const PERCPU_TYPES = new Set([5, 10, 6, 21]); // percpu_hash, lru_percpu_hash, percpu_array, percpu_cgroup_storage
const FD_VALUE_TYPES = new Set([3, 4, 8, 12, 13]); // prog_array, perf_event_array, cgroup_array, *_of_maps
const HASH_TYPES = new Set([1, 5, 9, 10, 13]); // hash, percpu_hash, lru_hash, lru_percpu_hash, hash_of_maps

/** Map-info fields the oracle prints, in its order. */
const MAP_INFO_FIELDS = [
  'type', 'id', 'key_size', 'value_size', 'max_entries', 'map_flags', 'name', 'ifindex',
  'btf_vmlinux_value_type_id', 'btf_id', 'btf_key_type_id', 'btf_value_type_id', 'map_extra',
] as const;
const PROG_INFO_FIELDS = [
  'type', 'id', 'tag', 'jited_prog_len', 'xlated_prog_len', 'created_by_uid', 'nr_map_ids', 'name', 'ifindex',
  'gpl_compatible', 'btf_id', 'run_time_ns', 'run_cnt', 'recursion_misses', 'verified_insns',
] as const;
const LINK_INFO_FIELDS = ['type', 'id', 'prog_id'] as const;

class ScriptError extends Error {}

export function runOnSim(start: SimProcess, script: readonly ScriptCommand[], options: SimOptions): SimRun {
  const vars = new Map<string, number>();
  const kinds = new Map<string, ObjectKind>();
  let proc = start;

  const num = (c: ScriptCommand, key: string, def: number): number => {
    const v = c[key];
    if (v === undefined || v === null) return def;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number') return v;
    if (v.startsWith('$')) {
      const bound = vars.get(v.slice(1));
      if (bound === undefined) throw new ScriptError(`field ${key}: unknown variable ${v}`);
      return bound;
    }
    throw new ScriptError(`field ${key}: not a number: ${v}`);
  };
  const has = (c: ScriptCommand, key: string): boolean => c[key] !== undefined && c[key] !== null;
  const str = (c: ScriptCommand, key: string): string | undefined => {
    const v: ScriptValue | undefined = c[key];
    return typeof v === 'string' ? v : undefined;
  };
  let lastNextKey = new Uint8Array(0);
  const bytes = (c: ScriptCommand, key: string): Uint8Array | undefined => {
    const s = str(c, key);
    if (s === undefined) return undefined;
    if (s === '@next') return lastNextKey.slice();
    if (s.startsWith('$')) {
      const v = vars.get(s.slice(1));
      if (v === undefined) throw new ScriptError(`unknown variable in buffer: ${s}`);
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, v >>> 0, true);
      return b;
    }
    return fromHex(s);
  };

  /** What the kernel's OBJ_GET_INFO_BY_FD says about an fd, as a plain object (undefined if it fails). */
  const info = (fd: number): Record<string, unknown> | undefined => {
    const out: Record<string, unknown> = {};
    try {
      proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: fd, info: out });
    } catch {
      return undefined;
    }
    return out;
  };
  const infoKind = (fd: number): 'map' | 'prog' | 'link' | undefined => {
    let text: string;
    try {
      text = proc.fdinfo(fd);
    } catch {
      return undefined;
    }
    if (/\nmap_type:/.test(text)) return 'map';
    if (/\nprog_type:/.test(text)) return 'prog';
    if (/\nlink_type:/.test(text)) return 'link';
    return undefined;
  };

  const bindFd = (c: ScriptCommand, fd: number): void => {
    const as = str(c, 'as');
    if (!as) return;
    vars.set(as, fd);
    const i = info(fd);
    if (i && typeof i.id === 'number') vars.set(`${as}.id`, i.id);
    const kind = infoKind(fd);
    if (kind) kinds.set(as, kind);
  };

  const valueSize = (fd: number): { value: number; key: number } => {
    const i = info(fd);
    if (!i) return { value: 64, key: 0 };
    const type = Number(i.type);
    const vs = Number(i.value_size);
    const ks = Number(i.key_size);
    if (PERCPU_TYPES.has(type)) return { value: Math.ceil(vs / 8) * 8 * options.ncpus, key: ks };
    if (FD_VALUE_TYPES.has(type)) return { value: 4, key: ks };
    return { value: vs, key: ks };
  };

  const runBpf = (c: ScriptCommand, out: OracleResult): void => {
    const cmd = c.cmd;
    switch (cmd) {
      case 'BPF_MAP_CREATE': {
        const attr: Record<string, unknown> = {};
        for (const k of ['map_type', 'key_size', 'value_size', 'max_entries', 'map_flags', 'inner_map_fd', 'numa_node', 'map_extra']) {
          attr[k] = num(c, k, 0);
        }
        if (str(c, 'map_name') !== undefined) attr.map_name = str(c, 'map_name');
        const fd = proc.bpf(cmd, attr);
        out.ret = fd;
        bindFd(c, fd);
        return;
      }
      case 'BPF_MAP_LOOKUP_ELEM':
      case 'BPF_MAP_LOOKUP_AND_DELETE_ELEM':
      case 'BPF_MAP_UPDATE_ELEM':
      case 'BPF_MAP_DELETE_ELEM':
      case 'BPF_MAP_GET_NEXT_KEY': {
        const fd = num(c, 'map_fd', -1);
        const sizes = valueSize(fd);
        const vs = has(c, 'value_len') ? num(c, 'value_len', 0) : sizes.value;
        const attr: Record<string, unknown> = { map_fd: fd, flags: num(c, 'flags', 0) };
        const key = bytes(c, 'key');
        if (key) attr.key = key;
        const value = bytes(c, 'value');
        if (cmd === 'BPF_MAP_UPDATE_ELEM') {
          if (value) attr.value = value;
          out.ret = proc.bpf(cmd, attr);
        } else if (cmd === 'BPF_MAP_GET_NEXT_KEY') {
          const next = new Uint8Array(sizes.key);
          attr.next_key = next;
          out.ret = proc.bpf(cmd, attr);
          out.next_key = toHex(next);
          lastNextKey = next.slice();
        } else if (cmd === 'BPF_MAP_DELETE_ELEM') {
          out.ret = proc.bpf(cmd, attr);
        } else {
          const buf = new Uint8Array(vs);
          if (value) buf.set(value.subarray(0, vs)); // bloom filter peek: the value to test
          attr.value = buf;
          out.ret = proc.bpf(cmd, attr);
          out.value = toHex(buf);
        }
        return;
      }
      case 'BPF_MAP_LOOKUP_BATCH':
      case 'BPF_MAP_LOOKUP_AND_DELETE_BATCH':
      case 'BPF_MAP_UPDATE_BATCH':
      case 'BPF_MAP_DELETE_BATCH': {
        const fd = num(c, 'map_fd', -1);
        const sizes = valueSize(fd);
        const type = Number(info(fd)?.type ?? 0);
        // batch tokens: a u32 bucket index for hash maps (htab_map_lookup_batch), a key for the generic walk
        const batchLen = HASH_TYPES.has(type) ? 4 : sizes.key;
        const count = num(c, 'count', 0);
        const lookup = cmd === 'BPF_MAP_LOOKUP_BATCH' || cmd === 'BPF_MAP_LOOKUP_AND_DELETE_BATCH';
        const keys = lookup ? new Uint8Array(count * sizes.key) : bytes(c, 'keys');
        const values = lookup ? new Uint8Array(count * sizes.value) : bytes(c, 'values');
        const outBatch = new Uint8Array(batchLen);
        const attr: Record<string, unknown> = {
          map_fd: fd,
          out_batch: outBatch,
          count,
          elem_flags: num(c, 'elem_flags', 0),
          flags: num(c, 'flags', 0),
        };
        const inBatch = bytes(c, 'in_batch');
        if (inBatch) attr.in_batch = inBatch;
        if (keys) attr.keys = keys;
        if (values) attr.values = values;
        const report = (): void => {
          out.count = Number(attr.count ?? 0);
          if (lookup && keys && values) {
            const n = Math.min(Number(attr.count ?? 0), count);
            out.keys = toHex(keys.subarray(0, n * sizes.key));
            out.values = toHex(values.subarray(0, n * sizes.value));
            out.out_batch = toHex(outBatch);
          }
        };
        try {
          out.ret = proc.bpf(cmd, attr);
        } catch (e) {
          out.count = Number(attr.count ?? 0);
          if (errnoOf(e) === 'ENOENT') report();
          throw e;
        }
        report();
        return;
      }
      case 'BPF_MAP_FREEZE':
        out.ret = proc.bpf(cmd, { map_fd: num(c, 'map_fd', -1) });
        return;
      case 'BPF_PROG_LOAD': {
        const insns = bytes(c, 'insns') ?? new Uint8Array(0);
        const fixups = str(c, 'fixups');
        if (fixups) {
          for (const part of fixups.split(/[ ,]+/).filter(Boolean)) {
            const m = /^(\d+)=\$(.+)$/.exec(part);
            const v = m ? vars.get(m[2]) : undefined;
            if (!m || v === undefined || (Number(m[1]) + 1) * 8 > insns.length) throw new ScriptError('bad fixups');
            new DataView(insns.buffer, insns.byteOffset).setInt32(Number(m[1]) * 8 + 4, v, true);
          }
        }
        const attr: Record<string, unknown> = {
          prog_type: num(c, 'prog_type', 0),
          insns,
          insn_cnt: has(c, 'insn_cnt') ? num(c, 'insn_cnt', 0) : insns.length / 8,
          log_level: num(c, 'log_level', 0),
          kern_version: num(c, 'kern_version', 0),
          prog_flags: num(c, 'prog_flags', 0),
          expected_attach_type: num(c, 'expected_attach_type', 0),
        };
        if (str(c, 'license') !== undefined) attr.license = str(c, 'license');
        if (str(c, 'prog_name') !== undefined) attr.prog_name = str(c, 'prog_name');
        const logSize = num(c, 'log_size', 0);
        const log = logSize ? new Uint8Array(logSize) : undefined;
        if (log) {
          attr.log_buf = log;
          attr.log_size = logSize;
        }
        try {
          const fd = proc.bpf(cmd, attr);
          out.ret = fd;
          bindFd(c, fd);
        } finally {
          if (log) out.log = cString(log);
        }
        return;
      }
      case 'BPF_OBJ_PIN':
      case 'BPF_OBJ_GET': {
        const attr: Record<string, unknown> = { pathname: str(c, 'pathname'), file_flags: num(c, 'file_flags', 0) };
        if (cmd === 'BPF_OBJ_PIN') attr.bpf_fd = num(c, 'bpf_fd', 0);
        const r = proc.bpf(cmd, attr);
        out.ret = r;
        if (cmd === 'BPF_OBJ_GET') bindFd(c, r);
        return;
      }
      case 'BPF_PROG_TEST_RUN': {
        const dataIn = bytes(c, 'data_in');
        const ctxIn = bytes(c, 'ctx_in');
        const dso = num(c, 'data_size_out', 0);
        const cso = num(c, 'ctx_size_out', 0);
        const attr: Record<string, unknown> = {
          prog_fd: num(c, 'prog_fd', -1),
          repeat: num(c, 'repeat', 0),
          flags: num(c, 'flags', 0),
          cpu: num(c, 'cpu', 0),
        };
        if (dataIn) {
          attr.data_in = dataIn;
          attr.data_size_in = has(c, 'data_size_in') ? num(c, 'data_size_in', 0) : dataIn.length;
        }
        const dataOut = dso ? new Uint8Array(dso) : undefined;
        if (dataOut) {
          attr.data_out = dataOut;
          attr.data_size_out = dso;
        }
        if (ctxIn) {
          attr.ctx_in = ctxIn;
          attr.ctx_size_in = ctxIn.length;
        }
        const ctxOut = cso ? new Uint8Array(cso) : undefined;
        if (ctxOut) {
          attr.ctx_out = ctxOut;
          attr.ctx_size_out = cso;
        }
        const report = (): void => {
          out.retval = Number(attr.retval ?? 0);
          out.duration = Number(attr.duration ?? 0);
          const n = Number(attr.data_size_out ?? 0);
          out.data_size_out = n;
          if (dataOut) out.data_out = toHex(dataOut.subarray(0, Math.min(n, dso)));
          if (ctxIn) out.ctx_in_after = toHex(ctxIn);
          if (ctxOut) {
            const m = Number(attr.ctx_size_out ?? 0);
            out.ctx_size_out = m;
            out.ctx_out = toHex(ctxOut.subarray(0, Math.min(m, cso)));
          }
        };
        try {
          out.ret = proc.bpf(cmd, attr);
        } catch (e) {
          if (errnoOf(e) === 'ENOSPC') report(); // the kernel still copies out what fits and the real sizes
          throw e;
        }
        report();
        return;
      }
      case 'BPF_PROG_GET_NEXT_ID':
      case 'BPF_MAP_GET_NEXT_ID':
      case 'BPF_LINK_GET_NEXT_ID': {
        const attr: Record<string, unknown> = { start_id: num(c, 'start_id', 0) };
        out.ret = proc.bpf(cmd, attr);
        out.next_id = Number(attr.next_id);
        return;
      }
      case 'BPF_MAP_GET_FD_BY_ID':
      case 'BPF_PROG_GET_FD_BY_ID':
      case 'BPF_LINK_GET_FD_BY_ID': {
        const key = cmd === 'BPF_MAP_GET_FD_BY_ID' ? 'map_id' : cmd === 'BPF_PROG_GET_FD_BY_ID' ? 'prog_id' : 'link_id';
        const fd = proc.bpf(cmd, { [key]: num(c, key, 0), open_flags: num(c, 'open_flags', 0) });
        out.ret = fd;
        bindFd(c, fd);
        return;
      }
      case 'BPF_OBJ_GET_INFO_BY_FD': {
        const fd = num(c, 'bpf_fd', -1);
        const kind = infoKind(fd);
        const obj: Record<string, unknown> = {};
        const attr: Record<string, unknown> = { bpf_fd: fd, info: obj };
        if (has(c, 'info_len')) attr.info_len = num(c, 'info_len', 0);
        out.ret = proc.bpf(cmd, attr);
        if (attr.info_len !== undefined) out.info_len = Number(attr.info_len);
        const fields = kind === 'map' ? MAP_INFO_FIELDS : kind === 'prog' ? PROG_INFO_FIELDS : LINK_INFO_FIELDS;
        for (const f of fields) out[f] = infoField(obj[f], f);
        if (kind === 'prog') {
          out.load_time_nonzero = Number(obj.load_time ?? 0) !== 0 ? 1 : 0;
          if (c.xlated) {
            const x = obj.xlated_prog_insns;
            out.xlated_prog_insns = x instanceof Uint8Array ? toHex(x) : x;
            out.map_ids = obj.map_ids;
          }
        }
        return;
      }
      default:
        throw new ScriptError(`command not supported by the simulator translator: ${cmd}`);
    }
  };

  const needFs = (): SimFs => {
    if (!proc.fs) throw new ScriptError('this process has no bpffs (proc.fs is missing)');
    return proc.fs;
  };
  const path = (c: ScriptCommand, key: string): string => {
    const p = str(c, key);
    if (p === undefined) throw new ScriptError(`missing ${key}`);
    return p;
  };

  const runOne = (c: ScriptCommand, out: OracleResult): void => {
    switch (c.cmd) {
      case 'close':
        proc.close(num(c, 'fd', -1));
        out.ret = 0;
        return;
      case 'dup': {
        const fd = proc.dup(num(c, 'fd', -1));
        out.ret = fd;
        bindFd(c, fd);
        return;
      }
      case 'fdinfo':
        out.text = proc.fdinfo(num(c, 'fd', -1));
        out.ret = 0;
        return;
      case 'drop_privs': {
        if (!options.dropPrivs) throw new ScriptError('drop_privs is not supported by this simulator setup');
        const caps = (str(c, 'caps') ?? 'CAP_BPF').split(/[ ,]+/).filter(Boolean);
        proc = options.dropPrivs(proc, { uid: num(c, 'uid', 65534), gid: num(c, 'gid', 65534), caps });
        out.ret = 0;
        return;
      }
      case 'wait_gone': {
        // The kernel frees some objects after an RCU grace period or from a workqueue; bpfsim frees synchronously,
        // so one probe decides. Like the oracle, probe with GET_NEXT_ID(id - 1), which takes no reference.
        const kind = str(c, 'kind') ?? 'map';
        const cmd = kind === 'prog' ? 'BPF_PROG_GET_NEXT_ID' : kind === 'link' ? 'BPF_LINK_GET_NEXT_ID' : 'BPF_MAP_GET_NEXT_ID';
        const id = num(c, 'id', 0);
        const attr: Record<string, unknown> = { start_id: id - 1 };
        try {
          proc.bpf(cmd, attr);
        } catch (e) {
          if (errnoOf(e) !== 'ENOENT') throw e;
          out.ret = 0;
          return;
        }
        if (Number(attr.next_id) === id) out.errno = 'ETIMEDOUT';
        else out.ret = 0;
        return;
      }
      case 'mkdir':
        needFs().mkdir(path(c, 'path'), num(c, 'mode', 0o755));
        out.ret = 0;
        return;
      case 'rmdir':
        needFs().rmdir(path(c, 'path'));
        out.ret = 0;
        return;
      case 'unlink':
        needFs().unlink(path(c, 'path'));
        out.ret = 0;
        return;
      case 'rename':
        needFs().rename(path(c, 'from'), path(c, 'to'));
        out.ret = 0;
        return;
      case 'chmod': {
        const fs = needFs();
        if (!fs.chmod) throw new ScriptError('proc.fs.chmod is missing');
        fs.chmod(path(c, 'path'), num(c, 'mode', 0));
        out.ret = 0;
        return;
      }
      case 'chown': {
        const fs = needFs();
        if (!fs.chown) throw new ScriptError('proc.fs.chown is missing');
        fs.chown(path(c, 'path'), num(c, 'uid', -1), num(c, 'gid', -1));
        out.ret = 0;
        return;
      }
      case 'readdir': {
        const entries = needFs().readdir(path(c, 'path'));
        out.ret = 0;
        out.entries = [...entries];
        return;
      }
      case 'stat': {
        const st = needFs().stat(path(c, 'path'));
        out.ret = 0;
        out.mode = st.mode;
        out.type = fileType(st.mode);
        out.uid = st.uid;
        out.gid = st.gid;
        out.nlink = st.nlink;
        out.size = st.size ?? 0;
        return;
      }
      case 'read': {
        const data = needFs().readFile(path(c, 'path'));
        const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
        out.ret = typeof data === 'string' ? new TextEncoder().encode(data).length : data.length;
        out.text = text;
        return;
      }
      default:
        runBpf(c, out);
    }
  };

  const results = script.map((c, i) => {
    const out: OracleResult = { i };
    try {
      runOne(c, out);
    } catch (e) {
      const errno = errnoOf(e);
      delete out.ret;
      if (errno) out.errno = errno;
      else out.error = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
    }
    return out;
  });
  return { results, vars, kinds };
}

/** The errno name of a BpfError-like exception (anything with a string `.errno`), else undefined. */
export function errnoOf(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'errno' in e) {
    const v = (e as { errno: unknown }).errno;
    if (typeof v === 'string') return v;
  }
  return undefined;
}

function fileType(mode: number): string {
  const fmt = mode & 0o170000;
  if (fmt === 0o040000) return 'dir';
  if (fmt === 0o100000) return 'file';
  if (fmt === 0o120000) return 'symlink';
  return 'other';
}

function infoField(v: unknown, name: string): unknown {
  if (v === undefined) return name === 'name' ? '' : 0;
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
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

function cString(b: Uint8Array): string {
  const end = b.indexOf(0);
  return new TextDecoder().decode(end < 0 ? b : b.subarray(0, end));
}
