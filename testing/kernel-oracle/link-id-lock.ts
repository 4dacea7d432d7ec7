// Kernel tests that check how the kernel hands out link IDs (consecutive ids, an id used up by a refused
// LINK_CREATE) assume that no other test creates a BPF link meanwhile. vitest runs test files in parallel, so every
// run that creates links on the real kernel holds one host-wide lock (flock(1)) while it talks to the kernel.
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK_FILE = join(tmpdir(), 'bpfsim-kernel-link-ids.lock');
const haveFlock = spawnSync('flock', ['--version'], { stdio: 'ignore' }).status === 0;

/** `cmd args…` wrapped so it runs holding the link-id lock (unchanged where flock(1) is missing). */
export function underLinkIdLock(cmd: string, args: readonly string[]): [string, string[]] {
  return haveFlock ? ['flock', [LOCK_FILE, cmd, ...args]] : [cmd, [...args]];
}
