// Re-checks kernel-expected.ts on the real kernel: compiles ./kernel/*.bpf.c with clang-19 against this machine's
// vmlinux BTF, pins them with `bpftool iter pin … map pinned <m>` in a bpffs mounted inside a private mount namespace
// (unshare -m), and reads the pins. SAFETY: the programs iterate only the array map the script creates; nothing is
// attached anywhere; every object disappears with the namespace. Skips where root, clang-19, bpftool, unshare,
// python3 or /sys/kernel/btf/vmlinux is missing.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { underLinkIdLock } from '../../../../testing/kernel-oracle/link-id-lock';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  KERNEL_DUMP,
  KERNEL_DUMP_CHUNK7,
  KERNEL_ELEM_LINK_FDINFO,
  KERNEL_FORMATS,
  KERNEL_OVERFLOW_BIG,
  KERNEL_OVERFLOW_SMALL,
  KERNEL_POINTERS,
  KERNEL_RETRY,
  KERNEL_ZERO_FIRST,
  withHashes,
} from './kernel-expected.js';

const HERE = fileURLToPath(new URL('./kernel/', import.meta.url));
const PROGS = ['dump', 'retry', 'overflow', 'formats', 'pointers'];

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const missing = [
  process.getuid?.() === 0 ? '' : 'root',
  ...['clang-19', 'bpftool', 'unshare', 'python3'].filter((t) => !has(t)),
  existsSync('/sys/kernel/btf/vmlinux') ? '' : '/sys/kernel/btf/vmlinux',
].filter(Boolean);

describe.skipIf(missing.length > 0)(`bpf_iter on the real kernel${missing.length ? ` (skipped: no ${missing.join(', ')})` : ''}`, () => {
  it('returns what kernel-expected.ts records', () => {
    const work = mkdtempSync(join(tmpdir(), 'bpfsim-iter-'));
    try {
      writeFileSync(join(work, 'vmlinux.h'), execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'], { maxBuffer: 1 << 28 }));
      for (const p of PROGS) {
        execFileSync('clang-19', ['-g', '-O2', '-target', 'bpf', `-I${work}`, '-c', join(HERE, `${p}.bpf.c`), '-o', join(work, `${p}.bpf.o`)]);
      }
      const out = execFileSync(...underLinkIdLock('unshare', ['-m', '--propagation', 'private', 'bash', join(HERE, 'run.sh'), work]), { encoding: 'utf8' });
      const r = JSON.parse(out) as Record<string, unknown[]> & { fdinfo: string; failed_attach: unknown };
      const session = /session=(\d+)/.exec(String(r.dump[0]))?.[1] ?? '?';
      expect(r.dump).toEqual([KERNEL_DUMP(session), '']);
      expect(r.dump_again).toEqual([KERNEL_DUMP(Number(session) + 1), '']);
      expect(r.dump_chunk7).toEqual(KERNEL_DUMP_CHUNK7);
      expect(r.zero_first).toEqual(KERNEL_ZERO_FIRST(/session=(\d+)/.exec(String(r.zero_first[2]))?.[1] ?? '?'));
      expect(r.retry).toEqual(KERNEL_RETRY);
      expect(r.overflow_big).toEqual(KERNEL_OVERFLOW_BIG);
      expect(r.overflow_small).toEqual(KERNEL_OVERFLOW_SMALL);
      expect(r.formats).toEqual([KERNEL_FORMATS.join(''), '']);
      expect(r.fdinfo).toBe(KERNEL_ELEM_LINK_FDINFO);
      // two LINK_CREATEs refused by attach_target (map_fd 0, a closed fd) between two good ones: 3 IDs apart
      expect(r.failed_attach).toEqual({ fails: ['EBADF', 'EBADF'], id_gap: 3 });
      expect(r.pointers).toHaveLength(2);
      expect(String(r.pointers[0])).toMatch(withHashes(KERNEL_POINTERS.join('')));
      expect(r.pointers[1]).toBe('');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});
