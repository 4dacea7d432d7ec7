// Test doubles: objects that count references, callers with chosen credentials, a kernel that spawns them.
import { expect } from 'vitest';
import { createBpffs, isBpfError, type Bpffs, type BpffsOptions, type PinnableObject, type VfsCaller } from '@bpfsim/bpffs';

/** A pinnable object that counts retain/release and refuses to be released more often than retained. */
export class FakeObject implements PinnableObject {
  retains = 0;
  releases = 0;
  /** References held outside the filesystem (the creating fd): starts at 1 like a fresh object. */
  constructor(
    readonly kind: 'map' | 'prog' | 'link',
    readonly id: number,
    readonly extra: Partial<{ readText: () => string; openSession: () => { read(n: number): Uint8Array }; fdinfo: () => string }> = {},
  ) {
    Object.assign(this, extra);
  }
  get refs(): number {
    return this.retains - this.releases;
  }
  retain(): void {
    this.retains++;
  }
  release(): void {
    if (this.releases >= this.retains) throw new Error(`object ${this.id}: release without a matching retain (double free)`);
    this.releases++;
  }
}

export interface TestCaller extends VfsCaller {
  caps: Set<string>;
}

let nextPid = 100;

export function caller(uid: number, gid: number, caps: string[] = []): TestCaller {
  const set = new Set(caps);
  return { pid: nextPid++, uid, gid, caps: set, hasCap: (c: string) => set.has(c), mountNamespace: undefined };
}

export const ALL_CAPS = ['CAP_SYS_ADMIN', 'CAP_BPF', 'CAP_NET_ADMIN', 'CAP_PERFMON', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_CHOWN', 'CAP_DAC_READ_SEARCH'];

/** A fresh world with a root process (all caps) and an unprivileged process (uid/gid 65534, no caps). */
export function setup(options: BpffsOptions = {}): { fs: Bpffs; root: TestCaller; nobody: TestCaller; spawn: (c: TestCaller, parent?: TestCaller) => TestCaller } {
  const fs = createBpffs(undefined, options);
  const spawn = (c: TestCaller, parent?: TestCaller) => {
    fs.attachProcess(c, parent);
    return c;
  };
  const root = spawn(caller(0, 0, ALL_CAPS));
  const nobody = spawn(caller(65534, 65534));
  return { fs, root, nobody, spawn };
}

/** Expect `fn` to throw a BpfError with this errno. */
export function expectErrno(fn: () => unknown, errno: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${errno}`).toBeDefined();
  expect(isBpfError(thrown) ? thrown.errno : String(thrown)).toBe(errno);
}

export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
