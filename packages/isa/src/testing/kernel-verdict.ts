// Test support for the isa tests that ask the running kernel's verifier: builds testing/kernel-verdict.c with clang-19
// and checks that a trivial program loads inside `unshare -m`. Returns the helper binary, or why the caller must skip.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const helperSource = fileURLToPath(new URL('./kernel-verdict.c', import.meta.url));

export function kernelVerdictHelper(label: string): { binary: string } | { skip: string } {
  const env = build(label);
  if ('skip' in env) console.warn(`${label} skipped: ${env.skip}`);
  return env;
}

function build(label: string): { binary: string } | { skip: string } {
  if (process.platform !== 'linux') return { skip: 'not Linux' };
  const workDir = mkdtempSync(join(tmpdir(), `bpfsim-isa-${label.replace(/\W+/g, '-')}-`));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));
  const binary = join(workDir, 'kernel-verdict');
  const cc = spawnSync('clang-19', ['-O1', '-o', binary, helperSource], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return { skip: `cannot build the helper with clang-19: ${cc.error?.message ?? cc.stderr}` };
  const probe = spawnSync('unshare', ['-m', binary], { input: 'b7000000000000009500000000000000\n', encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { skip: `unshare -m failed: ${probe.error?.message ?? probe.stderr}` };
  if (probe.stdout.trim() !== 'ok') return { skip: `bpf(BPF_PROG_LOAD) unavailable: ${probe.stdout.trim()}` };
  return { binary };
}
