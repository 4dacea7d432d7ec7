// The C oracles under oracle/ that exercise cgroups on the real kernel: compiled with `cc` into a temporary
// directory, then run as `BIN MNT [BASE]` inside a private mount + network namespace (`unshare -m -n`) on a cgroup2
// hierarchy mounted there at DIR/cgroup2 — nothing else on the machine is attached to — while holding the host-wide
// link-id lock (testing/kernel-oracle/link-id-lock.ts). Skips name why (BPFSIM_NO_KERNEL=1 forces one).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { underLinkIdLock } from '../../../../testing/kernel-oracle/link-id-lock';

/** A compiled oracle: the binary, in a temporary directory its user removes (`removeOracle`). */
export interface CgroupOracle {
  bin: string;
  dir: string;
}

/** How an oracle run sets up and cleans up its cgroup2 mount. */
export interface CgroupRun {
  /** The oracle's own base cgroup (made under the hierarchy's root), passed as its second argument. */
  base?: string;
  /** Cgroups under `base` to remove afterwards, deepest first ('' = base itself): whatever a crash left behind. */
  leftovers?: readonly string[];
  /** Standard input for the oracle (otherwise it has none). */
  input?: string;
}

/** The first line of an error's message, for a skip reason. */
export const firstLine = (e: unknown): string => (e as Error).message.split('\n')[0];

/** oracle/<name>.c compiled to <tmp>/<name>, or why it cannot be run here (no kernel wanted, not root, no cc). */
export function compileCgroupOracle(name: string, tmpPrefix: string): CgroupOracle | { why: string } {
  if (process.env.BPFSIM_NO_KERNEL === '1') return { why: 'BPFSIM_NO_KERNEL=1' };
  if (process.getuid?.() !== 0) return { why: 'not root' };
  const dir = mkdtempSync(join(tmpdir(), tmpPrefix));
  const bin = join(dir, name);
  try {
    execFileSync('cc', ['-O1', '-o', bin, join(__dirname, 'oracle', `${name}.c`)], { stdio: 'pipe' });
  } catch (e) {
    removeOracle({ dir });
    return { why: `cannot compile oracle/${name}.c: ${firstLine(e)}` };
  }
  return { bin, dir };
}

/** Removes the oracle's temporary directory (binary and mount point). */
export function removeOracle(o: Pick<CgroupOracle, 'dir'>): void {
  rmSync(o.dir, { recursive: true, force: true });
}

/** One run of the oracle on its own cgroup2 mount; throws what execFileSync throws when it fails. */
export function runCgroupOracle(o: CgroupOracle, run: CgroupRun = {}): string {
  const mnt = join(o.dir, 'cgroup2');
  execFileSync('mkdir', ['-p', mnt]);
  const args = run.base === undefined ? `'${mnt}'` : `'${mnt}' '${run.base}'`;
  // cgroup2 has one hierarchy: the oracle's base cgroup is made under its root, so remove whatever a crash left behind
  const cleanup = run.leftovers ? `rmdir ${run.leftovers.map((d) => `'${mnt}/${run.base}/${d}'`).join(' ')} 2>/dev/null; ` : '';
  const script = `mount --make-rprivate / && mount -t cgroup2 none '${mnt}' && '${o.bin}' ${args}; s=$?; ${cleanup}umount '${mnt}'; exit $s`;
  const stdin = run.input === undefined ? 'ignore' : 'pipe';
  return execFileSync(...underLinkIdLock('unshare', ['-m', '-n', 'sh', '-c', script]), { encoding: 'utf8', input: run.input, stdio: [stdin, 'pipe', 'pipe'] });
}

/**
 * The transcript of a failed run whose oracle had started (it printed something): what it printed, then
 * `helper failed: <its stderr>` — a failure to report, not a reason to skip. Undefined if it printed nothing.
 */
export function startedThenFailed(e: unknown): string | undefined {
  const { stdout, stderr } = e as { stdout?: string; stderr?: string };
  return stdout ? `${stdout}helper failed: ${String(stderr).trim()}\n` : undefined;
}

/**
 * Compile oracle/<name>.c, run it once, remove it: its transcript, or why there is none. `unavailable` names what a
 * run that fails is taken to lack, in the skip reason; a failed run whose oracle had started is a failure
 * (`startedThenFailed`) unless `failedRunSkips`.
 */
export function cgroupOracleOnce(
  name: string,
  tmpPrefix: string,
  opts: CgroupRun & { unavailable: string; failedRunSkips?: boolean },
): { out?: string; why?: string } {
  const o = compileCgroupOracle(name, tmpPrefix);
  if ('why' in o) return o;
  try {
    return { out: runCgroupOracle(o, opts) };
  } catch (e) {
    const out = opts.failedRunSkips ? undefined : startedThenFailed(e);
    return out !== undefined ? { out } : { why: `${opts.unavailable} unavailable: ${firstLine(e)}` };
  } finally {
    removeOracle(o);
  }
}
