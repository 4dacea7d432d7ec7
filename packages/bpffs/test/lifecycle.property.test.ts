// Lifecycle property on the real objects Kernel with bpffs installed: random sequences of create map / load prog /
// iterator link / pin / get / rm / rename / mkdir / fork / exit / unshare / mount / umount / open iterator session /
// read / close, by root and by unprivileged (uid 1000, CAP_BPF only) processes, run against a model of who holds what:
//   roots  = fds of live processes, entries of live bpffs instances (including bpf_preload's maps.debug/progs.debug),
//            open iterator sessions (an open file keeps its inode, so its link, even after unlink);
//   edges  = program → the maps its lddw names, link → its program (+ the map of a bpf_map_elem iterator);
//   a bpffs instance lives while it is mounted in a live namespace or has open files; a namespace lives while it has
//   members (the initial one always).
// After every step the kernel's live objects are exactly what the model reaches from the roots, no object is freed
// twice (event log), and every object created and no longer reachable has been freed exactly once. At the end every
// process exits and the boot mount is unmounted: nothing is alive.
//
// Operations that fail (EBUSY, EXDEV, ENOENT, EEXIST, ENOTEMPTY…) are allowed and must leave everything as it was: the
// model is only updated when the call succeeds.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assembleLlvm } from '@bpfsim/isa';
import { Kernel, isBpfError, type Process } from '@bpfsim/objects';
import { createBpffs, type FileHandle, type ProcessFs } from '@bpfsim/bpffs';

type Key = string; // 'map:3', 'prog:1', 'link:2'
type Entry = { dir: true } | { key: Key };

interface MInstance {
  readonly files: Map<string, Entry>;
  mountRefs: number;
  openRefs: number;
  alive: boolean;
}
interface MNs {
  readonly members: Set<number>;
  readonly mounts: Map<string, MInstance[]>;
  readonly initial: boolean;
}
interface MSession {
  readonly h: FileHandle;
  readonly inst: MInstance;
  readonly key: Key;
}
interface MProc {
  readonly proc: Process;
  ns: MNs;
  readonly fds: Map<number, Key>;
  readonly sessions: MSession[];
}

const MOUNTPOINTS = ['/sys/fs/bpf', '/tmp/m'] as const;
const NAMES = ['a', 'b', 'maps.debug', 'progs.debug'] as const;
const DIRS = ['', 'd', 'e'] as const;

type PathSpec = { mp: number; dir: (typeof DIRS)[number]; name: (typeof NAMES)[number] };
type Action =
  | { t: 'spawn'; user: boolean }
  | { t: 'createMap'; p: number }
  | { t: 'loadProg'; p: number; m: number }
  | { t: 'iterLink'; p: number; m: number }
  | { t: 'close'; p: number; f: number }
  | { t: 'pin'; p: number; f: number; path: PathSpec }
  | { t: 'get'; p: number; path: PathSpec }
  | { t: 'rm'; p: number; path: PathSpec }
  | { t: 'rename'; p: number; from: PathSpec; to: PathSpec }
  | { t: 'mkdir'; p: number; mp: number; dir: 'd' | 'e' }
  | { t: 'fork'; p: number }
  | { t: 'exit'; p: number }
  | { t: 'unshare'; p: number }
  | { t: 'mount'; p: number; mp: number }
  | { t: 'umount'; p: number; mp: number }
  | { t: 'open'; p: number; path: PathSpec }
  | { t: 'read'; p: number; s: number; n: number }
  | { t: 'closeSession'; p: number; s: number };

const idx = fc.nat({ max: 3 });
const pathArb: fc.Arbitrary<PathSpec> = fc.record({
  mp: fc.constantFrom(0, 0, 1),
  dir: fc.constantFrom<PathSpec['dir']>('', '', '', 'd', 'e'),
  name: fc.constantFrom(...NAMES),
});
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('spawn' as const), user: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('createMap' as const), p: idx }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('loadProg' as const), p: idx, m: fc.integer({ min: -1, max: 7 }) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('iterLink' as const), p: idx, m: idx }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('close' as const), p: idx, f: idx }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('pin' as const), p: idx, f: idx, path: pathArb }), weight: 10 },
  { arbitrary: fc.record({ t: fc.constant('get' as const), p: idx, path: pathArb }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('rm' as const), p: idx, path: pathArb }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('rename' as const), p: idx, from: pathArb, to: pathArb }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('mkdir' as const), p: idx, mp: fc.nat({ max: 1 }), dir: fc.constantFrom('d' as const, 'e' as const) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('fork' as const), p: idx }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('exit' as const), p: idx }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('unshare' as const), p: idx }), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant('mount' as const), p: idx, mp: fc.nat({ max: 1 }) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('umount' as const), p: idx, mp: fc.nat({ max: 1 }) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant('open' as const), p: idx, path: pathArb }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('read' as const), p: idx, s: idx, n: fc.constantFrom(1, 40, 4096) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('closeSession' as const), p: idx, s: idx }), weight: 2 },
);

// r1 = map (lddw, fd patched in); r0 = 0; exit — a program that holds the map it names.
const usesMap = (fd: number) => assembleLlvm(`r1 = map_fd(${fd})\nr0 = 0\nexit`);
const RET0 = assembleLlvm('r0 = 0\nexit');
// A bpf_map_elem iterator that prints each key.
const ELEM = assembleLlvm(
  [
    'r9 = *(u64 *)(r1 + 0)',
    'r7 = *(u64 *)(r1 + 16)',
    'if r7 == 0 goto out',
    'r1 = *(u32 *)(r7 + 0)',
    '*(u64 *)(r10 - 8) = r1',
    'r1 = 0xa7525 ll', // "%u\n\0" little-endian
    '*(u64 *)(r10 - 16) = r1',
    'r1 = *(u64 *)(r9 + 0)',
    'r2 = r10',
    'r2 += -16',
    'r3 = 4',
    'r4 = r10',
    'r4 += -8',
    'r5 = 8',
    'call 126',
    'out:',
    'r0 = 0',
    'exit',
  ].join('\n'),
);

function attempt(fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (isBpfError(e)) return false;
    throw e;
  }
}

class World {
  readonly kernel = new Kernel();
  readonly bpffs = createBpffs(this.kernel);
  readonly procs: MProc[] = [];
  readonly deps = new Map<Key, Key[]>();
  readonly initialNs: MNs = { members: new Set(), mounts: new Map(), initial: true };
  readonly created = new Set<Key>();
  preload: Key[] = [];
  /** Successful operations by kind, over every run (the property must not pass vacuously). */
  static readonly done = new Map<string, number>();
  ok(what: string): void {
    World.done.set(what, (World.done.get(what) ?? 0) + 1);
  }

  constructor() {
    this.adoptPreload(0, [true, true]);
    const boot: MInstance = { files: this.preloadFiles(), mountRefs: 1, openRefs: 0, alive: true };
    this.initialNs.mounts.set('/sys/fs/bpf', [boot]);
    const root = this.spawn();
    (root.proc.fs as ProcessFs).mkdir('/tmp/m'); // on the root fs, shared by every namespace
  }

  /**
   * Objects populate created since event `from` (bpf_preload programs and links, loaded again for each link whose
   * previous one is gone — `expectFresh[i]` for maps.debug (0) and progs.debug (1)), recorded in the model.
   */
  adoptPreload(from: number, expectFresh: readonly boolean[]): void {
    const created = this.kernel.events.slice(from).filter((e) => e.type === 'create');
    const progs = created.filter((e) => e.kind === 'prog').map((e) => `prog:${e.id}`);
    const links = created.filter((e) => e.kind === 'link').map((e) => `link:${e.id}`);
    const fresh = [0, 1].filter((i) => expectFresh[i]);
    expect(created.filter((e) => e.kind === 'map')).toEqual([]);
    expect(links, 'populate loads exactly the preload links whose previous one is gone').toHaveLength(fresh.length);
    expect(progs).toHaveLength(fresh.length);
    fresh.forEach((i, n) => {
      this.deps.set(links[n], [progs[n]]);
      this.created.add(links[n]).add(progs[n]);
      this.preload[i] = links[n];
    });
  }

  preloadFiles(): Map<string, Entry> {
    return new Map<string, Entry>([
      ['maps.debug', { key: this.preload[0] }],
      ['progs.debug', { key: this.preload[1] }],
    ]);
  }

  /** A root process, or (`user`) uid 1000 with only CAP_BPF: no mount/unshare, no root pins, no tracing programs. */
  spawn(user = false): MProc {
    const proc = this.kernel.spawn(user ? { uid: 1000, gid: 1000, caps: ['CAP_BPF'] } : {});
    const mp: MProc = { proc, ns: this.initialNs, fds: new Map(), sessions: [] };
    this.initialNs.members.add(proc.pid);
    this.procs.push(mp);
    return mp;
  }

  fs(p: MProc): ProcessFs {
    return p.proc.fs as ProcessFs;
  }

  /** The instance and the path inside it that `spec` names in `ns` (undefined: not on a bpffs). */
  resolve(ns: MNs, spec: PathSpec): { inst: MInstance; rel: string; path: string } | undefined {
    const mp = MOUNTPOINTS[spec.mp];
    const stack = ns.mounts.get(mp);
    const rel = spec.dir ? `${spec.dir}/${spec.name}` : spec.name;
    const path = `${mp}/${rel}`;
    if (!stack || stack.length === 0) return undefined;
    return { inst: stack[stack.length - 1], rel, path };
  }

  pathOf(spec: PathSpec): string {
    return `${MOUNTPOINTS[spec.mp]}/${spec.dir ? `${spec.dir}/` : ''}${spec.name}`;
  }

  dropMount(inst: MInstance): void {
    inst.mountRefs--;
    this.maybeDie(inst);
  }

  maybeDie(inst: MInstance): void {
    if (inst.alive && inst.mountRefs + inst.openRefs === 0) {
      inst.alive = false;
      inst.files.clear(); // kill_litter_super: every pin goes
    }
  }

  leaveNs(ns: MNs, pid: number): void {
    ns.members.delete(pid);
    if (ns.members.size === 0 && !ns.initial) {
      for (const stack of ns.mounts.values()) for (const inst of stack) this.dropMount(inst);
      ns.mounts.clear();
    }
  }

  /** What the model says is alive: everything reachable from the roots. */
  reachable(): Set<Key> {
    const seen = new Set<Key>();
    const visit = (k: Key) => {
      if (seen.has(k)) return;
      seen.add(k);
      for (const d of this.deps.get(k) ?? []) visit(d);
    };
    for (const p of this.procs) {
      for (const k of p.fds.values()) visit(k);
      for (const s of p.sessions) visit(s.key);
    }
    const instances = new Set<MInstance>();
    for (const ns of this.namespaces()) for (const stack of ns.mounts.values()) for (const i of stack) instances.add(i);
    for (const p of this.procs) for (const s of p.sessions) instances.add(s.inst);
    for (const inst of instances) {
      if (!inst.alive) continue;
      for (const e of inst.files.values()) if ('key' in e) visit(e.key);
    }
    return seen;
  }

  namespaces(): Set<MNs> {
    const all = new Set<MNs>([this.initialNs]);
    for (const p of this.procs) all.add(p.ns);
    return all;
  }

  check(where: string): void {
    const expected = this.reachable();
    const actual = new Set<Key>();
    for (const kind of ['map', 'prog', 'link'] as const) for (const id of this.kernel.liveIds(kind)) actual.add(`${kind}:${id}`);
    expect([...actual].sort(), `live objects after ${where}`).toEqual([...expected].sort());
    const frees = new Map<Key, number>();
    for (const e of this.kernel.events) if (e.type === 'free') frees.set(`${e.kind}:${e.id}`, (frees.get(`${e.kind}:${e.id}`) ?? 0) + 1);
    for (const k of this.created) expect(frees.get(k) ?? 0, `frees of ${k} after ${where}`).toBe(actual.has(k) ? 0 : 1);
  }

  run(a: Action): void {
    if (a.t === 'spawn') {
      this.spawn(a.user);
      return;
    }
    if (this.procs.length === 0) return;
    const p = this.procs[a.p % this.procs.length];
    const fs = this.fs(p);
    const fdList = [...p.fds.keys()].sort((x, y) => x - y);
    const pickFd = (i: number) => (fdList.length ? fdList[i % fdList.length] : undefined);
    const eventsBefore = this.kernel.events.length;
    switch (a.t) {
      case 'createMap': {
        let fd = -1;
        if (!attempt(() => (fd = p.proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 3 })))) return;
        const k = `map:${p.proc.mapInfo(fd).id}`;
        p.fds.set(fd, k);
        this.created.add(k);
        return;
      }
      case 'loadProg': {
        const maps = fdList.filter((fd) => p.fds.get(fd)!.startsWith('map:'));
        const mapFd = a.m >= 0 && maps.length ? maps[a.m % maps.length] : undefined;
        let fd = -1;
        if (!attempt(() => (fd = p.proc.progLoad({ prog_type: 'BPF_PROG_TYPE_SOCKET_FILTER', insns: mapFd === undefined ? RET0 : usesMap(mapFd) })))) return;
        const k = `prog:${p.proc.progInfo(fd).id}`;
        p.fds.set(fd, k);
        this.deps.set(k, mapFd === undefined ? [] : [p.fds.get(mapFd)!]);
        this.created.add(k);
        return;
      }
      case 'iterLink': {
        const maps = fdList.filter((fd) => p.fds.get(fd)!.startsWith('map:'));
        if (!maps.length) return;
        const mapFd = maps[a.m % maps.length];
        let progFd = -1;
        const load = () =>
          (progFd = p.proc.bpf('BPF_PROG_LOAD', {
            prog_type: 'BPF_PROG_TYPE_TRACING',
            expected_attach_type: 'BPF_TRACE_ITER',
            iter_target: 'bpf_map_elem',
            insns: ELEM,
            license: 'GPL',
          }));
        if (!attempt(load)) return;
        const pk = `prog:${p.proc.progInfo(progFd).id}`;
        p.fds.set(progFd, pk);
        this.created.add(pk);
        let linkFd = -1;
        if (!attempt(() => (linkFd = p.proc.bpf('BPF_LINK_CREATE', { prog_fd: progFd, attach_type: 'BPF_TRACE_ITER', iter_info: { map: { map_fd: mapFd } } })))) return;
        const lk = `link:${p.proc.linkInfo(linkFd).id}`;
        p.fds.set(linkFd, lk);
        this.deps.set(lk, [pk, p.fds.get(mapFd)!]);
        this.created.add(lk);
        this.ok('iterLink');
        return;
      }
      case 'close': {
        const fd = pickFd(a.f);
        if (fd === undefined) return;
        p.proc.close(fd);
        p.fds.delete(fd);
        return;
      }
      case 'pin': {
        const fd = pickFd(a.f);
        if (fd === undefined) return;
        const r = this.resolve(p.ns, a.path);
        if (attempt(() => p.proc.objPin(fd, this.pathOf(a.path)))) {
          expect(r, `pin ${this.pathOf(a.path)} succeeded off bpffs`).toBeDefined();
          r!.inst.files.set(r!.rel, { key: p.fds.get(fd)! });
          this.ok(p.proc.uid === 0 ? 'pin' : 'pin (user)');
        }
        return;
      }
      case 'get': {
        const r = this.resolve(p.ns, a.path);
        let fd = -1;
        if (attempt(() => (fd = p.proc.objGet(this.pathOf(a.path))))) {
          const e = r?.inst.files.get(r.rel);
          expect(e && 'key' in e, `get ${this.pathOf(a.path)} found an object the model does not have`).toBe(true);
          p.fds.set(fd, (e as { key: Key }).key);
          this.ok('get');
        }
        return;
      }
      case 'rm': {
        const r = this.resolve(p.ns, a.path);
        const e = r?.inst.files.get(r.rel);
        const isDir = e !== undefined && 'dir' in e;
        if (attempt(() => (isDir ? fs.rmdir(this.pathOf(a.path)) : fs.unlink(this.pathOf(a.path)))) && r) {
          expect(e, `rm ${this.pathOf(a.path)}`).toBeDefined();
          r!.inst.files.delete(r!.rel);
          this.ok('rm');
        }
        return;
      }
      case 'rename': {
        const from = this.resolve(p.ns, a.from);
        const to = this.resolve(p.ns, a.to);
        const e = from?.inst.files.get(from.rel);
        if (!e || 'dir' in e) return; // files only: directory renames would move whole subtrees
        if (attempt(() => fs.rename(this.pathOf(a.from), this.pathOf(a.to)))) {
          expect(to?.inst, 'rename across instances succeeded').toBe(from!.inst);
          if (from!.rel === to!.rel) return;
          from!.inst.files.delete(from!.rel);
          to!.inst.files.set(to!.rel, e); // replaces a file there: its pin's reference goes
          this.ok('rename');
        }
        return;
      }
      case 'mkdir': {
        const spec: PathSpec = { mp: a.mp, dir: '', name: a.dir as PathSpec['name'] };
        const r = this.resolve(p.ns, spec);
        // Off bpffs (nothing mounted on /tmp/m) the directory goes to the root fs, which holds no objects.
        if (attempt(() => fs.mkdir(`${MOUNTPOINTS[a.mp]}/${a.dir}`)) && r) r.inst.files.set(a.dir, { dir: true });
        return;
      }
      case 'fork': {
        const child = p.proc.fork();
        if (p.proc.uid !== 0) this.ok('fork (user)');
        p.ns.members.add(child.pid);
        this.procs.push({ proc: child, ns: p.ns, fds: new Map(p.fds), sessions: [] });
        this.ok('fork');
        return;
      }
      case 'exit': {
        p.proc.exit();
        for (const s of p.sessions) {
          s.inst.openRefs--;
          this.maybeDie(s.inst);
        }
        this.leaveNs(p.ns, p.proc.pid);
        this.procs.splice(this.procs.indexOf(p), 1);
        this.ok('exit');
        return;
      }
      case 'unshare': {
        if (!attempt(() => p.proc.unshare('mnt'))) return;
        const ns: MNs = { members: new Set([p.proc.pid]), mounts: new Map(), initial: false };
        for (const [mp, stack] of p.ns.mounts) {
          ns.mounts.set(mp, [...stack]);
          for (const inst of stack) inst.mountRefs++;
        }
        const old = p.ns;
        p.ns = ns;
        this.leaveNs(old, p.proc.pid);
        this.ok('unshare');
        return;
      }
      case 'mount': {
        const mp = MOUNTPOINTS[a.mp];
        const live = this.reachable();
        const expectFresh = this.preload.map((k) => !live.has(k));
        if (!attempt(() => p.proc.mount('bpf', mp))) return;
        this.adoptPreload(eventsBefore, expectFresh);
        const fresh = expectFresh.some(Boolean);
        const inst: MInstance = { files: this.preloadFiles(), mountRefs: 1, openRefs: 0, alive: true };
        const stack = p.ns.mounts.get(mp) ?? [];
        stack.push(inst);
        p.ns.mounts.set(mp, stack);
        this.ok(fresh ? 'mount (preload reloaded)' : 'mount');
        return;
      }
      case 'umount': {
        const mp = MOUNTPOINTS[a.mp];
        const stack = p.ns.mounts.get(mp);
        if (attempt(() => this.bpffs.umount(p.proc, mp))) {
          expect(stack?.length, `umount ${mp} succeeded without a mount`).toBeGreaterThan(0);
          this.dropMount(stack!.pop()!);
          this.ok('umount');
        }
        return;
      }
      case 'open': {
        const r = this.resolve(p.ns, a.path);
        let h: FileHandle | undefined;
        if (attempt(() => (h = fs.open(this.pathOf(a.path))))) {
          const e = r?.inst.files.get(r.rel);
          if (e && 'dir' in e) {
            fs.close(h!); // a directory: nothing to read here
            return;
          }
          expect(e, `open ${this.pathOf(a.path)}`).toBeDefined();
          expect((e as { key: Key }).key.startsWith('link:'), 'only iterator links open').toBe(true);
          r!.inst.openRefs++;
          p.sessions.push({ h: h!, inst: r!.inst, key: (e as { key: Key }).key });
          this.ok('open');
        }
        return;
      }
      case 'read': {
        if (!p.sessions.length) return;
        fs.read(p.sessions[a.s % p.sessions.length].h, a.n);
        this.ok('read');
        return;
      }
      case 'closeSession': {
        if (!p.sessions.length) return;
        const [s] = p.sessions.splice(a.s % p.sessions.length, 1);
        fs.close(s.h);
        s.inst.openRefs--;
        this.maybeDie(s.inst);
        this.ok('closeSession');
        return;
      }
    }
  }

  /** Every process exits; a new root process unmounts what the initial namespace still has, then exits too. */
  teardown(): void {
    while (this.procs.length) this.run({ t: 'exit', p: 0 });
    this.check('every process exited');
    const last = this.spawn();
    for (const mp of MOUNTPOINTS) {
      while ((this.initialNs.mounts.get(mp)?.length ?? 0) > 0) this.run({ t: 'umount', p: 0, mp: MOUNTPOINTS.indexOf(mp) });
    }
    expect(last.fds.size).toBe(0);
    this.run({ t: 'exit', p: 0 });
  }
}

describe('lifecycle of BPF objects across processes, namespaces and bpffs instances', () => {
  it('objects live exactly while referenced, are freed once, and nothing is left at the end', () => {
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 10, maxLength: 60, size: 'max' }), (actions) => {
        const w = new World();
        w.check('boot');
        actions.forEach((a, i) => {
          w.run(a);
          w.check(`step ${i} ${JSON.stringify(a)}`);
        });
        w.teardown();
        w.check('teardown');
        expect(w.kernel.liveIds('map')).toEqual([]);
        expect(w.kernel.liveIds('prog')).toEqual([]);
        expect(w.kernel.liveIds('link')).toEqual([]);
        expect(w.bpffs.stats()).toMatchObject({ liveSuperblocks: 1, openFiles: 0 }); // only the root fs
      }),
      { numRuns: 150 },
    );
    for (const what of ['pin', 'get', 'rm', 'rename', 'mount', 'mount (preload reloaded)', 'umount', 'unshare', 'fork', 'exit', 'iterLink', 'open', 'read', 'closeSession', 'pin (user)']) {
      expect(World.done.get(what) ?? 0, `successful '${what}' operations`).toBeGreaterThan(0);
    }
  });
});
