// The engine behind `bpfsim map|prog|link`: bpftool-style commands against one simulated kernel. The CLI process
// exits between invocations, so several commands share a kernel only inside one `--script FILE` run (one command
// per line, '#' comments; each line may start with map, prog or link).
//
// Objects are named `id N` or `pinned PATH` (a bpffs from @bpfsim/bpffs is mounted at /sys/fs/bpf):
//   map create type TYPE key N value N entries N [name NAME] [flags N] [inner_map REF]
//   map show [REF] · map dump REF · map lookup REF key BYTES · map update REF key BYTES value BYTES
//       [any|noexist|exist] · map delete REF key BYTES · map getnext REF [key BYTES] · map freeze REF · map pin REF PATH
//   prog load FILE type TYPE [name NAME] [license LIC] [map idx I REF]…   FILE: raw instructions (.bin/.o bytes)
//       or LLVM-style assembly (.s/.asm); an lddw with src 1 takes the map index I in its imm (bpftool's map idx)
//   prog show [REF] · prog run REF [data_in FILE|hex:BYTES] [ctx_in …] [repeat N] · prog dump xlated REF · prog pin
//   link create REF xdp dev IFINDEX · link show [REF] · link detach REF · link pin REF PATH · stats enable
// BYTES: hex bytes as bpftool takes them (`0x01 0x00 …`, `1 0 0 0`, or `hex 01 00 00 00`).
// Errors are CliErrors, never raw exceptions: a bpf(2) failure names the command and the errno (`map update: E2BIG: …`),
// a file names itself (`cannot read 'x': ENOENT`, `x.s: line 2, col 1: …`), a script failure is prefixed `FILE:LINE:`;
// exit code 1, or 2 for a usage error.
import { AsmError, assembleLlvm, bpftoolXlatedImm, DecodeError, decode, disassembleLlvm, encode, EncodeError, type Instruction } from '@bpfsim/isa';
import {
  Kernel,
  PROG_TYPE_BPFTOOL,
  isBpfError,
  linkTypeString,
  mapTypeBpftoolName,
  resolveMapType,
  tagHex,
  type MapInfo,
  type Process,
  type ProgInfo,
} from '@bpfsim/objects';

import { createBpffs } from '@bpfsim/bpffs';
import { displayName, readInput, readText } from '../args.js';
import { CliError, type CliIO } from '../io.js';

export interface Session {
  kernel: Kernel;
  proc: Process;
  json: boolean;
  /** Reads a file argument (injectable for tests); a failure is a CliError naming the file. */
  readFile(path: string): Uint8Array;
}

export function newSession(io: CliIO, json: boolean): Session {
  const kernel = new Kernel();
  // a bpffs mounted at /sys/fs/bpf, so `pin` and `pinned PATH` work; without bpf_preload's maps.debug/progs.debug, so
  // the CLI's IDs start at 1 (a real machine's preload programs take the first IDs at boot)
  createBpffs(kernel, { populate: false });
  return { kernel, proc: kernel.spawn({ comm: 'bpftool' }), json, readFile: (p) => readInput(io, p) };
}

class Args {
  constructor(private readonly words: string[], private i = 0) {}
  get done(): boolean {
    return this.i >= this.words.length;
  }
  peek(): string | undefined {
    return this.words[this.i];
  }
  next(what: string): string {
    const w = this.words[this.i++];
    if (w === undefined) throw new CliError(`missing ${what}`, 2);
    return w;
  }
  int(what: string): number {
    const w = this.next(what);
    const n = Number(w);
    // bpf(2) attrs are __u32: a larger number would be truncated by the kernel's ABI, so refuse it here
    if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(w) || !Number.isSafeInteger(n) || n > 0xffffffff) {
      throw new CliError(`${what}: '${w}' is not an unsigned 32-bit integer`, 2);
    }
    return n;
  }
  /** bpftool's byte list: `hex 01 02`, or tokens `0x01`/`1` until the next keyword. */
  bytes(what: string, stop: ReadonlySet<string>): Uint8Array {
    const out: number[] = [];
    let hexMode = false;
    if (this.peek() === 'hex') {
      hexMode = true;
      this.i++;
    }
    while (!this.done && !stop.has(this.peek()!)) {
      const w = this.next(what);
      const n = hexMode ? parseInt(w, 16) : Number(w);
      if (!/^(0x)?[0-9a-fA-F]+$/.test(w) || !Number.isInteger(n) || n < 0 || n > 255) throw new CliError(`${what}: '${w}' is not a byte`, 2);
      out.push(n);
    }
    return new Uint8Array(out);
  }
  rest(): string[] {
    return this.words.slice(this.i);
  }
}

const KEYWORDS = new Set(['key', 'value', 'any', 'noexist', 'exist', 'data_in', 'ctx_in', 'repeat', 'data_size_out']);
const hexBytes = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
const jsonBytes = (b: Uint8Array): string[] => [...b].map((x) => `0x${x.toString(16).padStart(2, '0')}`);

/** Runs one bpftool-like command; returns its output text. BpfErrors become CliErrors naming the errno. */
export function runCommand(s: Session, words: string[]): string {
  const a = new Args(words);
  const object = a.next('object (map, prog, link)');
  try {
    if (object === 'map') return mapCommand(s, a);
    if (object === 'prog') return progCommand(s, a);
    if (object === 'link') return linkCommand(s, a);
    if (object === 'stats' && a.next('stats verb') === 'enable') {
      s.proc.enableStats();
      return s.json ? '{"stats":"enabled"}\n' : '';
    }
  } catch (e) {
    if (isBpfError(e)) throw new CliError(`${words.slice(0, 2).join(' ')}: ${e.message}`);
    throw e;
  }
  throw new CliError(`unknown object '${object}' (map, prog, link, stats)`, 2);
}

/** An fd for `id N` (GET_FD_BY_ID) or `pinned PATH` (OBJ_GET), as bpftool resolves them; the caller closes it. */
function fdById(s: Session, a: Args, kind: 'map' | 'prog' | 'link'): number {
  const w = a.next(`${kind} reference (id N | pinned PATH)`);
  if (w === 'id') return s.proc.getFdById(kind, a.int(`${kind} id`));
  if (w === 'pinned') {
    const fd = s.proc.objGet(a.next('path'));
    const t = s.proc.fds.get(fd).file.target.kind;
    if (t !== kind) {
      s.proc.close(fd);
      throw new CliError(`the pinned object is a ${t}, not a ${kind}`);
    }
    return fd;
  }
  throw new CliError(`${kind}: expected 'id N' or 'pinned PATH', got '${w}'`, 2);
}

/** `<kind> pin REF PATH` (bpftool map|prog|link pin). */
function pinCommand(s: Session, a: Args, kind: 'map' | 'prog' | 'link'): string {
  return withFd(s, fdById(s, a, kind), (fd) => {
    s.proc.objPin(fd, a.next('path'));
    return '';
  });
}

function withFd<T>(s: Session, fd: number, fn: (fd: number) => T): T {
  try {
    return fn(fd);
  } finally {
    s.proc.close(fd);
  }
}

// ---- map ----

function mapCommand(s: Session, a: Args): string {
  const verb = a.next('map command');
  const p = s.proc;
  switch (verb) {
    case 'create': {
      const opts = { map_type: 0 as number | string, key_size: 0, value_size: 0, max_entries: 0, map_flags: 0, map_name: '', inner_map_fd: 0 };
      try {
        while (!a.done) {
          const k = a.next('map create option');
          if (k === 'type') {
            const t = a.next('map type');
            const n = resolveMapType(t);
            if (n === undefined) throw new CliError(`unknown map type '${t}'`, 2);
            opts.map_type = n;
          } else if (k === 'key') opts.key_size = a.int('key size');
          else if (k === 'value') opts.value_size = a.int('value size');
          else if (k === 'entries') opts.max_entries = a.int('entries');
          else if (k === 'name') opts.map_name = a.next('name');
          else if (k === 'flags') opts.map_flags = a.int('flags');
          else if (k === 'inner_map') {
            if (opts.inner_map_fd) throw new CliError("map create: 'inner_map' given twice", 2);
            opts.inner_map_fd = fdById(s, a, 'map');
          } else throw new CliError(`map create: unknown option '${k}'`, 2);
        }
        return showMaps(s, [p.mapCreate(opts)]);
      } finally {
        if (opts.inner_map_fd) p.close(opts.inner_map_fd);
      }
    }
    case 'show':
    case 'list': {
      if (!a.done) return withFd(s, fdById(s, a, 'map'), (fd) => showMaps(s, [fd]));
      const fds: number[] = [];
      try {
        for (let id: number | undefined = 0; (id = p.getNextId('map', id)) !== undefined; ) fds.push(p.getFdById('map', id));
        return showMaps(s, fds);
      } finally {
        for (const fd of fds) p.close(fd);
      }
    }
    case 'dump':
      return withFd(s, fdById(s, a, 'map'), (fd) => dumpMap(s, fd));
    case 'lookup':
      return withFd(s, fdById(s, a, 'map'), (fd) => {
        const key = keyArg(a);
        const value = p.mapLookup(fd, key);
        return s.json ? `${JSON.stringify({ key: jsonBytes(key ?? new Uint8Array()), value: jsonBytes(value) })}\n` : `key: ${hexBytes(key ?? new Uint8Array())}  value: ${hexBytes(value)}\n`;
      });
    case 'getnext':
      return withFd(s, fdById(s, a, 'map'), (fd) => {
        const key = a.done ? null : keyArg(a);
        const next = p.mapGetNextKey(fd, key);
        return s.json ? `${JSON.stringify({ key: key ? jsonBytes(key) : null, next_key: jsonBytes(next) })}\n` : `key:\n${key ? hexBytes(key) : 'None'}\nnext key:\n${hexBytes(next)}\n`;
      });
    case 'update':
      return withFd(s, fdById(s, a, 'map'), (fd) => {
        const key = a.peek() === 'key' ? keyArg(a) : null;
        if (a.next("'value'") !== 'value') throw new CliError("map update: expected 'value'", 2);
        const value = a.bytes('value', KEYWORDS);
        const flag = a.done ? 'any' : a.next('update flag');
        const flags = { any: 0, noexist: 1, exist: 2 }[flag];
        if (flags === undefined) throw new CliError(`map update: unknown flag '${flag}'`, 2);
        p.mapUpdate(fd, key, value, flags);
        return '';
      });
    case 'delete':
      return withFd(s, fdById(s, a, 'map'), (fd) => {
        p.mapDelete(fd, keyArg(a));
        return '';
      });
    case 'pop':
    case 'dequeue':
      return withFd(s, fdById(s, a, 'map'), (fd) => {
        const v = p.mapLookupAndDelete(fd, null);
        return s.json ? `${JSON.stringify({ value: jsonBytes(v) })}\n` : `value: ${hexBytes(v)}\n`;
      });
    case 'freeze':
      return withFd(s, fdById(s, a, 'map'), (fd) => {
        p.mapFreeze(fd);
        return '';
      });
    case 'pin':
      return pinCommand(s, a, 'map');
    default:
      throw new CliError(`unknown map command '${verb}'`, 2);
  }
}

function keyArg(a: Args): Uint8Array | null {
  if (a.next("'key'") !== 'key') throw new CliError("expected 'key'", 2);
  return a.bytes('key', KEYWORDS);
}

/** bpftool map show: `1: hash  name foo  flags 0x0` / `\tkey 4B  value 8B  max_entries 16  memlock 2320B`. */
function showMaps(s: Session, fds: number[]): string {
  const rows = fds.map((fd) => ({ info: s.proc.mapInfo(fd), fdinfo: s.proc.fdinfo(fd) }));
  const memlock = (t: string) => Number(/memlock:\t(\d+)/.exec(t)?.[1] ?? 0);
  const frozen = (t: string) => /frozen:\t1/.test(t);
  if (s.json) {
    return `${JSON.stringify(rows.map(({ info, fdinfo }) => mapJson(info, memlock(fdinfo), frozen(fdinfo))))}\n`;
  }
  return rows
    .map(({ info, fdinfo }) => {
      const name = info.name ? `  name ${info.name}` : '';
      return (
        `${info.id}: ${mapTypeBpftoolName(info.type) ?? `type ${info.type}`}${name}  flags 0x${info.map_flags.toString(16)}\n` +
        `\tkey ${info.key_size}B  value ${info.value_size}B  max_entries ${info.max_entries}  memlock ${memlock(fdinfo)}B` +
        (frozen(fdinfo) ? '\n\tfrozen' : '') +
        '\n'
      );
    })
    .join('');
}

function mapJson(info: MapInfo, memlock: number, frozen: boolean) {
  return {
    id: info.id,
    type: mapTypeBpftoolName(info.type) ?? info.type,
    name: info.name,
    flags: info.map_flags,
    bytes_key: info.key_size,
    bytes_value: info.value_size,
    max_entries: info.max_entries,
    bytes_memlock: memlock,
    frozen: frozen ? 1 : 0,
  };
}

/** bpftool map dump: one `key: … value: …` line per element, then `Found N elements`. */
function dumpMap(s: Session, fd: number): string {
  const p = s.proc;
  const rows: { key: Uint8Array; value: Uint8Array }[] = [];
  let key: Uint8Array | null = null;
  for (;;) {
    try {
      key = p.mapGetNextKey(fd, key);
    } catch (e) {
      if (isBpfError(e, 'ENOENT')) break;
      throw e;
    }
    try {
      rows.push({ key, value: p.mapLookup(fd, key) });
    } catch (e) {
      if (!isBpfError(e, 'ENOENT')) throw e; // deleted meanwhile
    }
  }
  if (s.json) return `${JSON.stringify(rows.map((r) => ({ key: jsonBytes(r.key), value: jsonBytes(r.value) })))}\n`;
  const lines = rows.map((r) => `key: ${hexBytes(r.key)}  value: ${hexBytes(r.value)}\n`).join('');
  return `${lines}Found ${rows.length} element${rows.length === 1 ? '' : 's'}\n`;
}

// ---- prog ----

function progTypeArg(t: string): number {
  const i = (PROG_TYPE_BPFTOOL as readonly string[]).indexOf(t);
  if (i > 0) return i;
  const n = Number(t);
  if (Number.isInteger(n) && n > 0) return n;
  throw new CliError(`unknown program type '${t}'`, 2);
}

/** The instructions of a program FILE: LLVM-style assembly (.s/.asm) or raw bytes; errors name the file and line/insn. */
function readProgram(s: Session, path: string): Instruction[] {
  const name = displayName(path);
  const bytes = s.readFile(path);
  try {
    if (/\.(s|asm)$/.test(path)) return assembleLlvm(readText(bytes, name));
    return decode(bytes);
  } catch (e) {
    if (e instanceof AsmError || e instanceof DecodeError) throw new CliError(`${name}: ${e.message}`);
    throw e;
  }
}

/** The program's bytes for BPF_PROG_LOAD; an instruction the assembler accepted but no slot can hold names the file. */
function encodeProgram(insns: Instruction[], name: string): Uint8Array {
  try {
    return encode(insns);
  } catch (e) {
    if (e instanceof EncodeError) throw new CliError(`${name}: ${e.message}`);
    throw e;
  }
}

function progCommand(s: Session, a: Args): string {
  const verb = a.next('prog command');
  const p = s.proc;
  switch (verb) {
    case 'load': {
      const path = a.next('program file');
      let type = 0;
      let name = '';
      let license = 'GPL';
      // the map fds are ours until BPF_PROG_LOAD has taken its own references: close them whatever happens
      const maps = new Map<number, number>();
      try {
        while (!a.done) {
          const k = a.next('prog load option');
          if (k === 'type') type = progTypeArg(a.next('program type'));
          else if (k === 'name') name = a.next('name');
          else if (k === 'license') license = a.next('license');
          else if (k === 'map') {
            if (a.next("'idx'") !== 'idx') throw new CliError("prog load: expected 'map idx I id N'", 2);
            const idx = a.int('map index');
            if (maps.has(idx)) throw new CliError(`prog load: map idx ${idx} given twice`, 2);
            maps.set(idx, fdById(s, a, 'map'));
          } else throw new CliError(`prog load: unknown option '${k}'`, 2);
        }
        if (!type) throw new CliError("prog load: 'type TYPE' is required", 2);
        const insns = readProgram(s, path).map((insn) => {
          if (insn.opcode !== 0x18 || (insn.src !== 1 && insn.src !== 2)) return insn;
          const fd = maps.get(insn.imm);
          if (fd === undefined) throw new CliError(`prog load: the program uses map index ${insn.imm}; give 'map idx ${insn.imm} id N'`, 2);
          return { ...insn, imm: fd };
        });
        const fd = p.progLoad({ prog_type: type, insns: encodeProgram(insns, displayName(path)), prog_name: name, license });
        return showProgs(s, [fd]);
      } finally {
        for (const fd of maps.values()) p.close(fd);
      }
    }
    case 'show':
    case 'list': {
      if (!a.done) return withFd(s, fdById(s, a, 'prog'), (fd) => showProgs(s, [fd]));
      const fds: number[] = [];
      try {
        for (let id: number | undefined = 0; (id = p.getNextId('prog', id)) !== undefined; ) fds.push(p.getFdById('prog', id));
        return showProgs(s, fds);
      } finally {
        for (const fd of fds) p.close(fd);
      }
    }
    case 'run':
      return withFd(s, fdById(s, a, 'prog'), (fd) => {
        let data_in: Uint8Array | undefined;
        let ctx_in: Uint8Array | undefined;
        let repeat = 0;
        while (!a.done) {
          const k = a.next('prog run option');
          if (k === 'data_in') data_in = dataArg(s, a.next('data_in'));
          else if (k === 'ctx_in') ctx_in = dataArg(s, a.next('ctx_in'));
          else if (k === 'repeat') repeat = a.int('repeat');
          else throw new CliError(`prog run: unknown option '${k}'`, 2);
        }
        const r = p.progTestRun(fd, { data_in, ctx_in, repeat });
        if (s.json) {
          return `${JSON.stringify({ retval: r.retval, duration: r.duration, data_out: r.data_out ? jsonBytes(r.data_out) : undefined, ctx_in: r.ctx_in ? jsonBytes(r.ctx_in) : undefined })}\n`;
        }
        let out = `Return value: ${r.retval}, duration${repeat > 1 ? ' (average)' : ''}: ${r.duration}ns\n`;
        if (r.data_out) out += `data_out: ${hexBytes(r.data_out)}\n`;
        if (r.ctx_in && !data_in) out += `ctx: ${hexBytes(r.ctx_in)}\n`;
        return out;
      });
    case 'dump': {
      if (a.next("'xlated'") !== 'xlated') throw new CliError("prog dump: only 'xlated' is supported", 2);
      return withFd(s, fdById(s, a, 'prog'), (fd) => {
        const info = p.progInfo(fd);
        const insns = decode(info.xlated_prog_insns ?? new Uint8Array(), { validate: false });
        if (s.json) return `${JSON.stringify(insns)}\n`;
        // bpftool prog dump xlated: `   0: (b7) r0 = 0` — the kernel log's syntax, index right-aligned to 4.
        return disassembleLlvm(insns, { kernelLog: true, lddwImm: bpftoolXlatedImm }).replace(/^(\d+):/gm, (_m, n: string) => `${n.padStart(4)}:`);
      });
    }
    case 'pin':
      return pinCommand(s, a, 'prog');
    default:
      throw new CliError(`unknown prog command '${verb}'`, 2);
  }
}

function dataArg(s: Session, w: string): Uint8Array {
  if (w.startsWith('hex:')) {
    const h = w.slice(4).replace(/[\s:]/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new CliError(`'${w}' is not hex bytes`, 2);
    return new Uint8Array(h.match(/../g)?.map((x) => parseInt(x, 16)) ?? []);
  }
  return s.readFile(w);
}

/** bpftool prog show: `1: socket_filter  name foo  tag …  gpl` / loaded_at, uid / xlated, jited, memlock / map_ids. */
function showProgs(s: Session, fds: number[]): string {
  const rows = fds.map((fd) => ({ info: s.proc.progInfo(fd), fdinfo: s.proc.fdinfo(fd) }));
  const memlock = (t: string) => Number(/memlock:\t(\d+)/.exec(t)?.[1] ?? 0);
  const jited = (t: string) => /prog_jited:\t1/.test(t);
  if (s.json) return `${JSON.stringify(rows.map(({ info, fdinfo }) => progJson(info, memlock(fdinfo), jited(fdinfo))))}\n`;
  return rows
    .map(({ info, fdinfo }) => {
      const type = PROG_TYPE_BPFTOOL[info.type] ?? `type ${info.type}`;
      const name = info.name ? `  name ${info.name}` : '';
      const stats = info.run_cnt > 0n ? `  run_time_ns ${info.run_time_ns} run_cnt ${info.run_cnt}` : '';
      let t = `${info.id}: ${type}${name}  tag ${tagHex(info.tag)}${info.gpl_compatible ? '  gpl' : ''}${stats}\n`;
      t += `\tloaded_at +${info.load_time}ns  uid ${info.created_by_uid}\n`;
      t += `\txlated ${info.xlated_prog_len}B  ${jited(fdinfo) ? `jited ${info.jited_prog_len}B` : 'not jited'}  memlock ${memlock(fdinfo)}B\n`;
      if (info.nr_map_ids) t += `\tmap_ids ${info.map_ids.join(',')}\n`;
      return t;
    })
    .join('');
}

function progJson(info: ProgInfo, memlock: number, jited: boolean) {
  return {
    id: info.id,
    type: PROG_TYPE_BPFTOOL[info.type] ?? info.type,
    name: info.name,
    tag: tagHex(info.tag),
    gpl_compatible: info.gpl_compatible === 1,
    run_time_ns: Number(info.run_time_ns),
    run_cnt: Number(info.run_cnt),
    loaded_at: Number(info.load_time),
    uid: info.created_by_uid,
    bytes_xlated: info.xlated_prog_len,
    jited,
    bytes_jited: info.jited_prog_len,
    bytes_memlock: memlock,
    map_ids: info.map_ids,
  };
}

// ---- link ----

function linkCommand(s: Session, a: Args): string {
  const verb = a.next('link command');
  const p = s.proc;
  switch (verb) {
    case 'create': {
      const progFd = fdById(s, a, 'prog');
      return withFd(s, progFd, () => {
        const kind = a.next('attach kind (xdp)');
        if (kind !== 'xdp') throw new CliError(`link create: only 'xdp dev IFINDEX' is supported, got '${kind}'`, 2);
        if (a.next("'dev'") !== 'dev') throw new CliError("link create: expected 'dev IFINDEX'", 2);
        const fd = p.linkCreate(progFd, 'BPF_XDP', { target_ifindex: a.int('ifindex') });
        return showLinks(s, [fd]);
      });
    }
    case 'show':
    case 'list': {
      if (!a.done) return withFd(s, fdById(s, a, 'link'), (fd) => showLinks(s, [fd]));
      const fds: number[] = [];
      try {
        for (let id: number | undefined = 0; (id = p.getNextId('link', id)) !== undefined; ) fds.push(p.getFdById('link', id));
        return showLinks(s, fds);
      } finally {
        for (const fd of fds) p.close(fd);
      }
    }
    case 'detach':
      return withFd(s, fdById(s, a, 'link'), (fd) => {
        p.linkDetach(fd);
        return '';
      });
    case 'pin':
      return pinCommand(s, a, 'link');
    default:
      throw new CliError(`unknown link command '${verb}'`, 2);
  }
}

/** bpftool link show: `1: xdp  prog 1` / `\tifindex 1`. */
function showLinks(s: Session, fds: number[]): string {
  const rows = fds.map((fd) => s.proc.linkInfo(fd));
  if (s.json) return `${JSON.stringify(rows.map((l) => ({ ...l, type: linkTypeString(l.type) })))}\n`;
  return rows
    .map((l) => {
      const { type, id, prog_id, ...extra } = l;
      const extras = Object.entries(extra).map(([k, v]) => `${k} ${v}`).join('  ');
      return `${id}: ${linkTypeString(type)}  prog ${prog_id}\n${extras ? `\t${extras}\n` : ''}`;
    })
    .join('');
}

/** `bpfsim <object> [--json] [--script FILE] [COMMAND…]`: shared by the map, prog and link verbs. */
export function bpftoolVerb(object: 'map' | 'prog' | 'link') {
  return (argv: string[], io: CliIO): number => {
    const usageError = (message: string): never => {
      throw new CliError(`${message}\n${USAGE.trimEnd()}`, 2);
    };
    let json = false;
    let script: string | undefined;
    const rest: string[] = [];
    for (let i = 0; i < argv.length; i++) {
      const w = argv[i];
      // options may come anywhere, as getopt_long permutes bpftool's argv; `-` and `-5` are words
      if (w === '--json' || w === '-j') json = true;
      else if (w === '--script') {
        if (script !== undefined) usageError("option '--script' given twice");
        script = argv[++i];
        if (!script) usageError("option '--script' needs a FILE");
      } else if (w === '-h' || w === '--help') {
        io.stdout(USAGE);
        return 0;
      } else if (/^-[^\d]/.test(w)) usageError(`unknown option '${w}'`);
      else rest.push(w);
    }
    if (script !== undefined && rest.length) usageError(`--script ${script} takes no COMMAND (got '${rest[0]}')`);
    if (script === undefined && !rest.length) usageError(`missing COMMAND`);
    const s = newSession(io, json);
    if (script === undefined) {
      io.stdout(runCommand(s, [object, ...rest]));
      return 0;
    }
    runScript(s, io, script);
    return 0;
  };
}

/** Runs a --script FILE line by line in one kernel; the first failing line stops it, named `FILE:LINE:`. */
function runScript(s: Session, io: CliIO, path: string): void {
  const name = displayName(path);
  const lines = readText(readInput(io, path), name).split('\n');
  lines.forEach((line, n) => {
    const words = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (!words.length) return;
    try {
      io.stdout(runCommand(s, words));
    } catch (e) {
      if (e instanceof CliError) throw new CliError(`${name}:${n + 1}: ${e.message}`, e.exitCode);
      throw e;
    }
  });
}

export const USAGE = `usage: bpfsim map|prog|link [--json] COMMAND…        one command in a fresh kernel
       bpfsim map|prog|link [--json] --script FILE       one command per line (map …, prog …, link …) in one kernel
REF:  id N | pinned PATH          (a bpffs is mounted at /sys/fs/bpf)
map:  create type TYPE key N value N entries N [name NAME] [flags N] [inner_map REF] | show [REF] | dump REF |
      lookup REF key BYTES | update REF [key BYTES] value BYTES [any|noexist|exist] | delete REF key BYTES |
      getnext REF [key BYTES] | pop REF | freeze REF | pin REF PATH
prog: load FILE type TYPE [name NAME] [license LIC] [map idx I REF]… | show [REF] | pin REF PATH |
      run REF [data_in FILE|hex:BYTES] [ctx_in FILE|hex:BYTES] [repeat N] | dump xlated REF
link: create REF xdp dev IFINDEX | show [REF] | detach REF | pin REF PATH
stats enable      BPF_ENABLE_STATS(run time) for the rest of the script
BYTES: 0x01 0x00 … | 1 0 … | hex 01 00 …
`;

