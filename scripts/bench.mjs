#!/usr/bin/env node
// `pnpm bench`: speed of the VM engines on the four programs in ../shared/perf/progs (beside the repository), next to
// the hand-written JavaScript baselines (../shared/perf/baselines.mjs, run as a child process in the same bench run
// and never copied into this repository), plus the JIT's compile time for a 1,000-instruction program.
//
// Runs on the BUILT packages (packages/{isa,vm}/dist). When a source file is newer than its dist, the package is
// rebuilt first with the repository's own tsup. Options: --quick (fewer repeats), --no-interp, --json.
// See docs/BENCHMARKS.md for the numbers and how to read them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PERF = join(ROOT, '..', 'shared', 'perf');
const args = new Set(process.argv.slice(2));
const QUICK = args.has('--quick');
const JSON_OUT = args.has('--json');
const log = JSON_OUT ? () => {} : (...a) => console.log(...a);

/** Expected r0 of each program (../shared/perf/README.md). */
const PROGRAMS = [
  { name: 'alu_loop', r0: 3022448452045488537n, baseline: 'alu_loop/pair' },
  { name: 'mem_loop', r0: 1060768514n, baseline: 'mem_loop' },
  { name: 'branchy', r0: 35669725n, baseline: 'branchy' },
  { name: 'div_heavy', r0: 18238277937979417749n, baseline: 'div_heavy/big' },
];

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Rebuilds packages/<name>/dist with tsup when it is missing or older than the sources. */
function ensureBuilt(name) {
  const pkg = join(ROOT, 'packages', name);
  const dist = join(pkg, 'dist', 'index.js');
  if (existsSync(dist) && statSync(dist).mtimeMs >= newestMtime(join(pkg, 'src'))) return;
  log(`building packages/${name} (dist is missing or older than src) ...`);
  const tsup = join(ROOT, 'node_modules', '.bin', 'tsup');
  const r = spawnSync(tsup, [], { cwd: pkg, stdio: JSON_OUT ? 'ignore' : 'inherit' });
  if (r.status !== 0) throw new Error(`tsup failed in packages/${name}`);
}

function best(reps, fn) {
  let ms = Infinity;
  let out;
  for (let k = 0; k < reps; k++) {
    const t = performance.now();
    out = fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, out };
}

/** Runs ../shared/perf/baselines.mjs and parses `name result best_ms=X` lines. */
function baselines() {
  const file = join(PERF, 'baselines.mjs');
  if (!existsSync(file)) return {};
  const text = execFileSync(process.execPath, [file], { encoding: 'utf8' });
  const out = {};
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\S+)\s+best_ms=([\d.]+)/.exec(line);
    if (m) out[m[1]] = { r0: m[2], ms: Number(m[3]) };
  }
  return out;
}

/** A 1,000-instruction straight-line-and-branches program (ALU of every kind, stack loads/stores, forward jumps). */
function thousandInsns() {
  const insns = [];
  let seed = 12345;
  const rnd = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const aluOps = [0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x77, 0x97, 0xa7, 0xaf, 0xb7, 0xbf, 0xc7, 0x04, 0x0c, 0x24, 0x34, 0x64, 0xbc];
  while (insns.length < 998) {
    const k = rnd(10);
    const dst = rnd(10);
    const src = rnd(10);
    if (k < 6) {
      const op = aluOps[rnd(aluOps.length)];
      const shift = (op & 0xf0) === 0x60 || (op & 0xf0) === 0x70 || (op & 0xf0) === 0xc0;
      insns.push({ opcode: op, dst, src: op & 8 ? src : 0, off: 0, imm: op & 8 ? 0 : shift ? rnd(32) : rnd(1000) + 1 });
    } else if (k < 8) {
      insns.push({ opcode: 0x7b, dst: 10, src, off: -8 * (1 + rnd(32)), imm: 0 });
    } else if (k < 9) {
      insns.push({ opcode: 0x79, dst, src: 10, off: -8 * (1 + rnd(32)), imm: 0 });
    } else {
      insns.push({ opcode: 0x2d, dst, src, off: Math.min(rnd(8), 997 - insns.length), imm: 0 });
    }
  }
  insns.push({ opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
  return insns;
}

async function main() {
  ensureBuilt('isa');
  ensureBuilt('vm');
  const isa = await import(pathToFileURL(join(ROOT, 'packages', 'isa', 'dist', 'index.js')).href);
  const vm = await import(pathToFileURL(join(ROOT, 'packages', 'vm', 'dist', 'index.js')).href);
  if (!existsSync(join(PERF, 'progs'))) {
    console.error(`bench: ${PERF}/progs not found (the shared perf directory must sit beside the repository)`);
    process.exit(1);
  }
  const input = new Uint8Array(readFileSync(join(PERF, 'progs', 'mem64k.bin')));
  const load = (l) => loadavg().map((x) => x.toFixed(2)).join(' ');
  log(`node ${process.version}, load average before: ${load()}`);

  const jitReps = QUICK ? 3 : 7;
  const interpReps = QUICK ? 1 : 3;
  const rows = [];
  for (const p of PROGRAMS) {
    const insns = isa.decode(new Uint8Array(readFileSync(join(PERF, 'progs', `${p.name}.bin`))));
    const runOn = (program) => {
      const memory = new vm.Memory();
      const bytes = new Uint8Array(input);
      const addr = memory.map({ kind: 'mem', name: 'mem', bytes, writable: true });
      return program.run({ args: [addr, BigInt(bytes.length)], memory });
    };
    const row = { program: p.name };
    const t0 = performance.now();
    const jit = vm.load(insns, { engine: 'jit' });
    row.jit_compile_ms = performance.now() - t0;
    const j = best(jitReps, () => runOn(jit));
    if (j.out.r0 !== p.r0) throw new Error(`${p.name}: JIT r0 ${j.out.r0}, expected ${p.r0}`);
    row.insns = j.out.insns;
    row.jit_ms = j.ms;
    if (!args.has('--no-interp')) {
      const interp = vm.load(insns, { engine: 'interp' });
      const i = best(interpReps, () => runOn(interp));
      if (i.out.r0 !== p.r0) throw new Error(`${p.name}: interpreter r0 ${i.out.r0}, expected ${p.r0}`);
      if (i.out.insns !== j.out.insns) throw new Error(`${p.name}: insns differ: interp ${i.out.insns}, jit ${j.out.insns}`);
      row.interp_ms = i.ms;
    }
    rows.push(row);
  }

  // The baselines run twice (here and once more below) and keep the better time of each, so a burst of load from
  // other processes hurts the ratio less.
  const base = baselines();
  const again = QUICK ? {} : baselines();
  for (const [k, v] of Object.entries(again)) if (!base[k] || v.ms < base[k].ms) base[k] = v;
  for (const row of rows) {
    const p = PROGRAMS.find((x) => x.name === row.program);
    const b = base[p.baseline];
    row.baseline = p.baseline;
    row.baseline_ms = b?.ms;
    if (b && b.r0 !== String(p.r0)) throw new Error(`baseline ${p.baseline} returned ${b.r0}`);
  }

  // Compile time of a 1,000-instruction program (fresh arrays, so no cache hit): generate + new Function.
  const compile = best(QUICK ? 5 : 20, () => vm.load(thousandInsns(), { engine: 'jit' }));
  const firstRun = (() => {
    const prog = vm.load(thousandInsns(), { engine: 'jit' });
    const t = performance.now();
    prog.run();
    return performance.now() - t;
  })();

  const ns = (ms, n) => ((ms * 1e6) / n).toFixed(2);
  if (JSON_OUT) {
    console.log(JSON.stringify({ node: process.version, loadavg: loadavg(), rows, compile1000_ms: compile.ms, firstRun1000_ms: firstRun }));
    return;
  }
  log('');
  log('| program | executed insns | JIT ms | JIT ns/insn | hand-written JS ms | JIT / hand-written | interpreter ms | interp ns/insn |');
  log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const ratio = r.baseline_ms ? (r.jit_ms / r.baseline_ms).toFixed(2) : '–';
    const bl = r.baseline_ms !== undefined ? `${r.baseline_ms.toFixed(2)} (${r.baseline})` : '–';
    const im = r.interp_ms !== undefined ? r.interp_ms.toFixed(1) : '–';
    const ins = r.interp_ms !== undefined ? ns(r.interp_ms, r.insns) : '–';
    log(`| ${r.program} | ${r.insns.toLocaleString('en-US')} | ${r.jit_ms.toFixed(2)} | ${ns(r.jit_ms, r.insns)} | ${bl} | ${ratio} | ${im} | ${ins} |`);
  }
  log('');
  log(`JIT compile of a 1,000-instruction program (generate + new Function): best ${compile.ms.toFixed(2)} ms; first run (V8 parse + baseline compile): ${firstRun.toFixed(2)} ms`);
  log(`load average after: ${load()}  (2 cores shared: compare ratios from one run, not absolute times)`);
}

main().catch((err) => {
  console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
