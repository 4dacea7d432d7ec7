// Test-side wrapper of the kernel oracle (oracle.c): compile it with the machine's `cc`, find out whether the
// kernel can be used on this machine, and run a script of bpf(2) commands on it. Nothing here runs at import time.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A script value: numbers, hex buffers / strings, or "$name" / "$name.id" naming an earlier result. */
export type ScriptValue = string | number | boolean | null;

/**
 * One command. `cmd` is a bpf(2) command name ('BPF_MAP_CREATE', …) or a pseudo-command ('close', 'dup', 'fdinfo',
 * 'mkdir', 'rmdir', 'unlink', 'rename', 'readdir', 'stat', 'read', 'chmod', 'chown', 'drop_privs'). Other fields
 * use union bpf_attr's names; buffers are hex strings. `as: 'm'` binds the returned fd to `$m` and its id to `$m.id`.
 */
export interface ScriptCommand {
  cmd: string;
  as?: string;
  [field: string]: ScriptValue | undefined;
}

/** One output line: `ret` on success or `errno` on failure, plus outputs (value, next_key, text, info fields…). */
export interface OracleResult {
  i: number;
  ret?: number;
  errno?: string;
  /** Set when the oracle itself refused or could not parse the command (never a kernel answer). */
  error?: string;
  [field: string]: unknown;
}

export type Availability = { ok: true } | { ok: false; why: string };

export type ObjectKind = 'map' | 'prog' | 'link';

/** A run of a script: one result per command, the variables it bound (`m` → fd, `m.id` → id) and their kinds. */
export interface ScriptRun {
  results: OracleResult[];
  vars: Map<string, number>;
  kinds: Map<string, ObjectKind>;
}

const here = dirname(fileURLToPath(import.meta.url));
const sourcePath = join(here, 'oracle.c');

let compiled: { path: string } | { error: string } | undefined;

/** Compile oracle.c with `cc -O2` into os.tmpdir(), cached by the source's hash. Throws with the reason on failure. */
export function compileOracle(): string {
  if (!compiled) compiled = compile();
  if ('error' in compiled) throw new Error(compiled.error);
  return compiled.path;
}

function compile(): { path: string } | { error: string } {
  let source: Buffer;
  try {
    source = readFileSync(sourcePath);
  } catch (e) {
    return { error: `cannot read ${sourcePath}: ${(e as Error).message}` };
  }
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'bpfsim-kernel-oracle');
  const path = join(dir, `oracle-${hash}`);
  if (existsSync(path)) return { path };
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    return { error: `cannot create ${dir}: ${(e as Error).message}` };
  }
  // Compile to a private name, then rename: parallel test workers never see a half-written binary.
  const partial = `${path}.${process.pid}.tmp`;
  const cc = spawnSync('cc', ['-O2', '-o', partial, sourcePath], { encoding: 'utf8', timeout: 60_000 });
  if (cc.error) return { error: `cannot run cc: ${cc.error.message}` };
  if (cc.status !== 0) return { error: `cc failed (status ${cc.status}): ${cc.stderr.trim().slice(0, 500)}` };
  renameSync(partial, path);
  return { path };
}

let availability: Availability | undefined;

/** Whether differential tests can use the real kernel here; the reason when not. Memoized, never throws. */
export function kernelAvailable(): Availability {
  if (!availability) availability = probe();
  return availability;
}

function probe(): Availability {
  if (process.env.BPFSIM_NO_KERNEL === '1') return { ok: false, why: 'disabled by BPFSIM_NO_KERNEL=1' };
  if (process.platform !== 'linux') return { ok: false, why: `platform is ${process.platform}, not linux` };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { ok: false, why: 'not running as root (the oracle needs unshare(CLONE_NEWNS), mount and bpf(2))' };
  }
  let bin: string;
  try {
    bin = compileOracle();
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
  const run = spawnSync(bin, [], {
    input: JSON.stringify({ cmd: 'BPF_MAP_CREATE', map_type: 2, key_size: 4, value_size: 4, max_entries: 1 }) + '\n',
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.error) return { ok: false, why: `cannot run the oracle: ${run.error.message}` };
  const lines = run.stdout.split('\n').filter((l) => l.trim() !== '');
  let first: Record<string, unknown>;
  try {
    first = JSON.parse(lines[0] ?? '{}');
  } catch {
    return { ok: false, why: `oracle printed something unexpected: ${lines[0]}` };
  }
  if (first.fatal) return { ok: false, why: `oracle setup failed: ${first.fatal} (${first.errno})` };
  const created = lines[1] ? (JSON.parse(lines[1]) as OracleResult) : undefined;
  if (!created) return { ok: false, why: `oracle produced no result (status ${run.status}): ${run.stderr}` };
  if (created.errno) return { ok: false, why: `bpf(BPF_MAP_CREATE) failed with ${created.errno}` };
  return { ok: true };
}

/** Run a script on the real kernel (one fresh process, private mount namespace and bpffs). One result per command. */
export function runOnKernel(script: readonly ScriptCommand[]): OracleResult[] {
  return kernelRun(script).results;
}

/** Like runOnKernel, plus the variables the script bound: `name` → fd and `name.id` → the object's id. */
export function kernelRun(script: readonly ScriptCommand[]): ScriptRun {
  const bin = compileOracle();
  const input = script.map((c) => JSON.stringify(c)).join('\n') + '\n';
  const run = spawnSync(bin, [], { input, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
  if (run.error) throw new Error(`kernel oracle did not run: ${run.error.message}`);
  const lines = run.stdout.split('\n').filter((l) => l.trim() !== '');
  const header = JSON.parse(lines.shift() ?? '{}') as Record<string, unknown>;
  if (!header.ready) throw new Error(`kernel oracle setup failed: ${JSON.stringify(header)}`);
  const results = lines.map((l) => JSON.parse(l) as OracleResult);
  if (results.length !== script.length) {
    throw new Error(`kernel oracle answered ${results.length} of ${script.length} commands: ${run.stderr}`);
  }
  const vars = new Map<string, number>();
  const kinds = new Map<string, ObjectKind>();
  results.forEach((r, i) => {
    if (r.error) throw new Error(`kernel oracle refused command ${i} ${JSON.stringify(script[i])}: ${r.error}`);
    const as = script[i].as;
    if (as && typeof r.ret === 'number' && r.ret >= 0) vars.set(as, r.ret);
    if (as && typeof r.bound_id === 'number') vars.set(`${as}.id`, r.bound_id);
    if (as && (r.bound_kind === 'map' || r.bound_kind === 'prog' || r.bound_kind === 'link')) kinds.set(as, r.bound_kind);
    delete r.bound_id;
    delete r.bound_kind;
  });
  return { results, vars, kinds };
}

/** The number of possible CPUs as the oracle sees them (per-cpu value layout), or 1 if unknown. */
let possibleCpus: number | undefined;
export function kernelPossibleCpus(): number {
  if (possibleCpus === undefined) possibleCpus = readPossibleCpus();
  return possibleCpus;
}

function readPossibleCpus(): number {
  const bin = compileOracle();
  const run = spawnSync(bin, [], { input: '', encoding: 'utf8', timeout: 30_000 });
  const header = JSON.parse(run.stdout.split('\n')[0] || '{}') as { possible_cpus?: number };
  return header.possible_cpus ?? 1;
}

// ---- small encoders for scripts (independent of @bpfsim/isa on purpose: the oracle checks that package) ----

/** Bytes as lower-case hex. */
export function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => (b & 0xff).toString(16).padStart(2, '0')).join('');
}

/** Little-endian unsigned integer of `size` bytes as hex (size 1, 2, 4 or 8). */
export function le(value: number | bigint, size: 1 | 2 | 4 | 8 = 4): string {
  let v = BigInt.asUintN(size * 8, BigInt(value));
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return hex(out);
}

/** One 8-byte instruction as hex: opcode, dst and src registers, 16-bit offset, 32-bit immediate (uapi bpf_insn). */
export function insn(opcode: number, dst: number, src: number, off: number, imm: number): string {
  return hex([opcode & 0xff, (dst & 0xf) | ((src & 0xf) << 4)]) + le(off, 2) + le(imm, 4);
}

/** `r{dst} = imm` (BPF_ALU64 | BPF_MOV | BPF_K). */
export const mov64Imm = (dst: number, imm: number): string => insn(0xb7, dst, 0, 0, imm);
/** `exit`. */
export const exitInsn = (): string => insn(0x95, 0, 0, 0, 0);
/** `call helper` (BPF_JMP | BPF_CALL). */
export const callHelper = (id: number): string => insn(0x85, 0, 0, 0, id);
/** `r{dst} = map_by_fd(fd)`: the two-slot lddw with src = BPF_PSEUDO_MAP_FD; `fd` may be a "$name" only in scripts. */
export const ldMapFd = (dst: number, fd: number): string => insn(0x18, dst, 1, 0, fd) + insn(0, 0, 0, 0, 0);
