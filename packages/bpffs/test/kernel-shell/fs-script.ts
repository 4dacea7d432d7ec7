// One script of filesystem operations, run on the real kernel (runner.py in a private mount namespace) and on
// bpfsim, with results in the same shape: 'ok', an errno name, { entries } or a stat subset.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBpffs, isBpfError, type PinnableObject, type VfsCaller } from '@bpfsim/bpffs';

export type FsOp =
  | { op: 'mkdir'; path: string; mode?: number }
  | { op: 'rmdir' | 'unlink' | 'readdir' | 'stat' | 'lstat'; path: string }
  | { op: 'rename' | 'link' | 'bind' | 'rbind'; from: string; to: string }
  | { op: 'symlink'; target: string; path: string }
  /** BPF_OBJ_PIN of one array map (created before the script); BPF_OBJ_GET with file_flags (the fd is closed again);
   *  `cat`: open and read the file. */
  | { op: 'pin' | 'cat'; path: string }
  | { op: 'get'; path: string; flags?: number }
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'umask'; mask: number }
  | { op: 'mount'; path: string; data?: string }
  | { op: 'umount'; path: string; lazy?: boolean }
  /** unshare(CLONE_NEWNS) into a namespace named `name`; setns back into a named one ('init' is the first). */
  | { op: 'unshare' | 'setns'; name: string }
  /** Drop to this uid/gid with no capabilities, for the rest of the script. */
  | { op: 'as'; uid: number; gid: number };

export type FsResult = string | { entries: string[] } | { mode: number; nlink: number; uid: number; gid: number; size: number };

const RUNNER = fileURLToPath(new URL('./runner.py', import.meta.url));

/** Why the kernel side cannot run here, or undefined when it can. */
export function kernelUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'not root';
  for (const tool of ['unshare', 'python3']) {
    if (spawnSync(tool, ['--version'], { encoding: 'utf8' }).error) return `${tool} not found`;
  }
  const probe = runOnKernel([{ op: 'readdir', path: '/sys/fs/bpf' }]);
  if (typeof probe === 'string') return probe;
  return undefined;
}

/** The results on the kernel, or a string saying why it could not run. */
export function runOnKernel(script: FsOp[]): FsResult[] | string {
  const dir = mkdtempSync(join(tmpdir(), 'bpfsim-bpffs-'));
  try {
    const r = spawnSync('unshare', ['-m', 'python3', RUNNER, dir], { input: JSON.stringify(script), encoding: 'utf8', timeout: 30_000 });
    if (r.error) return `cannot run unshare/python3: ${r.error.message}`;
    if (r.status !== 0) return `kernel runner failed (${r.status}): ${r.stderr.trim().split('\n').at(-1)}`;
    return JSON.parse(r.stdout) as FsResult[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same script on bpfsim: a root process (all capabilities) with a tmpfs on /tmp/w, like the runner's sandbox. */
export function runOnSim(script: FsOp[]): FsResult[] {
  const fs = createBpffs(undefined, { profile: 'modern' });
  const caps = new Set(['CAP_SYS_ADMIN', 'CAP_BPF', 'CAP_NET_ADMIN', 'CAP_PERFMON', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_CHOWN', 'CAP_DAC_READ_SEARCH']);
  let caller: VfsCaller = { pid: 10, uid: 0, gid: 0, hasCap: (c) => caps.has(c), mountNamespace: undefined };
  fs.attachProcess(caller, undefined);
  fs.fsFor(caller).mkdir('/tmp/w');
  fs.mount(caller, 'tmpfs', '/tmp/w', { mode: 0o755 });
  let umask = 0o022;
  let refs = 1; // the runner's map fd
  const map: PinnableObject = { kind: 'map', id: 1, retain: () => void refs++, release: () => void refs-- };
  let nextPid = 100;
  const inNamespace = new Map<string, VfsCaller>([['init', caller]]);
  return script.map((op): FsResult => {
    const p = fs.fsFor(caller);
    try {
      switch (op.op) {
        case 'mkdir': p.mkdir(op.path, op.mode ?? 0o777); break;
        case 'rmdir': p.rmdir(op.path); break;
        case 'unlink': p.unlink(op.path); break;
        case 'rename': p.rename(op.from, op.to); break;
        case 'link': p.link(op.from, op.to); break;
        case 'symlink': p.symlink(op.target, op.path); break;
        case 'chmod': p.chmod(op.path, op.mode); break;
        case 'pin': fs.pin(caller, op.path, map); break;
        case 'get': {
          // bpf_get_file_flag: BPF_F_RDONLY (1 << 3), BPF_F_WRONLY (1 << 4), both → EINVAL (objects' check)
          const flags = op.flags ?? 0;
          if ((flags & 0x18) === 0x18) return 'EINVAL';
          fs.get(caller, op.path, { read: !(flags & 0x10), write: !(flags & 0x08) }).release();
          break;
        }
        case 'cat': p.readFile(op.path); break;
        case 'umask': umask = op.mask; p.umask(op.mask); break;
        case 'readdir': return { entries: p.readdir(op.path) };
        case 'stat':
        case 'lstat': {
          const st = op.op === 'stat' ? p.stat(op.path) : p.lstat(op.path);
          return { mode: st.mode, nlink: st.nlink, uid: st.uid, gid: st.gid, size: st.size };
        }
        case 'mount': {
          const opts: { mode?: number; uid?: number; gid?: number } = {};
          for (const kv of (op.data ?? '').split(',').filter(Boolean)) {
            const [k, v] = kv.split('=');
            if (k === 'mode') opts.mode = parseInt(v, 8);
            else if (k === 'uid' || k === 'gid') opts[k] = Number(v);
          }
          fs.mount(caller, 'bpf', op.path, opts);
          break;
        }
        case 'bind': fs.bindMount(caller, op.from, op.to); break;
        case 'rbind': fs.bindMount(caller, op.from, op.to, { recursive: true }); break;
        case 'umount': fs.umount(caller, op.path, { lazy: op.lazy }); break;
        case 'unshare': {
          const child: VfsCaller = { pid: nextPid++, uid: caller.uid, gid: caller.gid, hasCap: caller.hasCap, mountNamespace: undefined };
          fs.attachProcess(child, caller);
          fs.unshare(child, 'mnt');
          inNamespace.set(op.name, child);
          caller = child;
          break;
        }
        case 'setns':
          caller = inNamespace.get(op.name)!;
          break;
        case 'as': {
          const next: VfsCaller = { pid: caller.pid + 1, uid: op.uid, gid: op.gid, hasCap: () => false, mountNamespace: undefined };
          fs.attachProcess(next, caller);
          fs.fsFor(next).umask(umask);
          caller = next;
          break;
        }
      }
      return 'ok';
    } catch (e) {
      if (isBpfError(e)) return e.errno;
      throw e;
    }
  });
}
