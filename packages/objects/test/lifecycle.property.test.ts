// Property: under random sequences of create / load-with-maps / dup / close / fork / exit / sendFd / pin / unpin /
// prog_array update / XDP link create and detach / exec, the kernel frees an object exactly when a model of "who holds what" says nothing reaches it
// any more — never earlier, never twice — and once every process exited and every pin is gone nothing is alive.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Process } from '@bpfsim/objects';
import { FakeVfs } from './fake-vfs.js';
import { exit, ldMapFd, mov64, setup, u32le } from './support.js';

type Key = string; // `${kind}:${id}`
type Op =
  | { t: 'map'; p: number; pa: boolean }
  | { t: 'prog'; p: number; maps: number[] }
  | { t: 'dup' | 'close' | 'pin'; p: number; f: number }
  | { t: 'fork' | 'exit' | 'exec'; p: number }
  | { t: 'send'; p: number; f: number; to: number }
  | { t: 'unpin'; i: number }
  | { t: 'paUpdate'; p: number; f: number; g: number; slot: number }
  | { t: 'link'; p: number; f: number }
  | { t: 'detach'; p: number; f: number }
  | { t: 'spawn' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('map' as const), p: fc.nat(), pa: fc.boolean() }),
  fc.record({ t: fc.constant('prog' as const), p: fc.nat(), maps: fc.array(fc.nat(), { maxLength: 3 }) }),
  fc.record({ t: fc.constantFrom('dup' as const, 'close' as const, 'pin' as const), p: fc.nat(), f: fc.nat() }),
  fc.record({ t: fc.constantFrom('fork' as const, 'exit' as const, 'exec' as const), p: fc.nat() }),
  fc.record({ t: fc.constant('send' as const), p: fc.nat(), f: fc.nat(), to: fc.nat() }),
  fc.record({ t: fc.constant('unpin' as const), i: fc.nat() }),
  fc.record({ t: fc.constant('paUpdate' as const), p: fc.nat(), f: fc.nat(), g: fc.nat(), slot: fc.nat({ max: 3 }) }),
  fc.record({ t: fc.constant('spawn' as const) }),
  fc.record({ t: fc.constantFrom('link' as const, 'detach' as const), p: fc.nat(), f: fc.nat() }),
);

class Model {
  /** Per live process: fd → object key. */
  fds = new Map<Process, Map<number, Key>>();
  pins = new Map<string, Key>();
  /** What a program holds (its used maps) and what a link holds (its program). */
  usedMaps = new Map<Key, Key[]>();
  /** prog_array entries: slot → prog key. */
  entries = new Map<Key, Map<number, Key>>();
  progArrays = new Set<Key>();

  userHeld(k: Key): boolean {
    for (const t of this.fds.values()) for (const v of t.values()) if (v === k) return true;
    for (const v of this.pins.values()) if (v === k) return true;
    return false;
  }

  /** bpf_map_put_uref: a prog_array without user references loses its entries. */
  clearOrphanedProgArrays(): void {
    for (const pa of this.progArrays) if (!this.userHeld(pa)) this.entries.get(pa)?.clear();
  }

  reachable(): Set<Key> {
    const seen = new Set<Key>();
    const stack: Key[] = [];
    for (const t of this.fds.values()) stack.push(...t.values());
    stack.push(...this.pins.values());
    while (stack.length) {
      const k = stack.pop()!;
      if (seen.has(k)) continue;
      seen.add(k);
      stack.push(...(this.usedMaps.get(k) ?? []));
      stack.push(...(this.entries.get(k)?.values() ?? []));
    }
    return seen;
  }
}

const pick = <T>(xs: readonly T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);

describe('lifecycle property', () => {
  it('objects are freed exactly once, exactly when nothing references them', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) => {
        const { kernel, proc } = setup();
        const vfs = new FakeVfs();
        kernel.installVfs(vfs);
        const freed: Key[] = [];
        kernel.on('free', (e) => freed.push(`${e.kind}:${e.id}`));
        const model = new Model();
        model.fds.set(proc, new Map());
        const keyOf = (p: Process, fd: number): Key => model.fds.get(p)!.get(fd)!;
        let pinSeq = 0;

        for (const op of ops) {
          const procs = [...model.fds.keys()];
          const p = 'p' in op ? pick(procs, op.p) : undefined;
          const fdsOf = (q: Process) => [...model.fds.get(q)!.keys()].sort((a, b) => a - b);
          switch (op.t) {
            case 'spawn':
              model.fds.set(kernel.spawn(), new Map());
              break;
            case 'map': {
              if (!p) break;
              const fd = op.pa
                ? p.mapCreate({ map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: 4 })
                : p.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
              const k = `map:${p.mapInfo(fd).id}`;
              model.fds.get(p)!.set(fd, k);
              if (op.pa) {
                model.progArrays.add(k);
                model.entries.set(k, new Map());
              }
              break;
            }
            case 'prog': {
              if (!p) break;
              const mapFds = fdsOf(p).filter((fd) => keyOf(p, fd).startsWith('map:'));
              const chosen = mapFds.length ? op.maps.map((i) => mapFds[i % mapFds.length]) : [];
              const fd = p.progLoad({ prog_type: 1, insns: [...chosen.map((m) => ldMapFd(1, m)), mov64(0, 0), exit] });
              const k = `prog:${p.progInfo(fd).id}`;
              model.fds.get(p)!.set(fd, k);
              model.usedMaps.set(k, [...new Set(chosen.map((m) => keyOf(p, m)))]);
              break;
            }
            case 'dup': {
              const fd = p && pick(fdsOf(p), op.f);
              if (!p || fd === undefined) break;
              model.fds.get(p)!.set(p.dup(fd), keyOf(p, fd));
              break;
            }
            case 'close': {
              const fd = p && pick(fdsOf(p), op.f);
              if (!p || fd === undefined) break;
              p.close(fd);
              model.fds.get(p)!.delete(fd);
              break;
            }
            case 'fork': {
              if (!p) break;
              const child = p.fork();
              model.fds.set(child, new Map(model.fds.get(p)!));
              break;
            }
            case 'exit':
              if (!p) break;
              p.exit();
              model.fds.delete(p);
              break;
            case 'exec': {
              // Only the fds bpf(2) itself returned carry O_CLOEXEC; dup()ed and received ones survive.
              if (!p) break;
              const closing = p.fds.entries().filter(([, e]) => e.cloexec).map(([fd]) => fd);
              p.exec();
              for (const fd of closing) model.fds.get(p)!.delete(fd);
              break;
            }
            case 'send': {
              const to = pick(procs, op.to);
              const fd = p && pick(fdsOf(p), op.f);
              if (!p || !to || fd === undefined) break;
              model.fds.get(to)!.set(p.sendFd(fd, to), keyOf(p, fd));
              break;
            }
            case 'pin': {
              const fd = p && pick(fdsOf(p), op.f);
              if (!p || fd === undefined) break;
              const path = `/sys/fs/bpf/o${pinSeq++}`;
              p.objPin(fd, path);
              model.pins.set(path, keyOf(p, fd));
              break;
            }
            case 'unpin': {
              const path = pick([...model.pins.keys()], op.i);
              if (!path) break;
              vfs.unlink(path);
              model.pins.delete(path);
              break;
            }
            case 'link': {
              // An XDP program (using no maps) on a new device, linked; the link holds the program.
              if (!p) break;
              const xp = p.progLoad({ prog_type: 'BPF_PROG_TYPE_XDP', insns: [mov64(0, 2), exit] });
              const xk = `prog:${p.progInfo(xp).id}`;
              model.fds.get(p)!.set(xp, xk);
              model.usedMaps.set(xk, []);
              const dev = kernel.netdevs.add(`veth${kernel.netdevs.list().length}`);
              const l = p.linkCreate(xp, 'BPF_XDP', { target_ifindex: dev.ifindex });
              const lk = `link:${p.linkInfo(l).id}`;
              model.fds.get(p)!.set(l, lk);
              model.usedMaps.set(lk, [xk]);
              if (op.f % 2) {
                p.close(xp);
                model.fds.get(p)!.delete(xp);
              }
              break;
            }
            case 'detach': {
              const links = p ? fdsOf(p).filter((fd) => keyOf(p, fd).startsWith('link:')) : [];
              const l = pick(links, op.f);
              if (!p || l === undefined) break;
              p.linkDetach(l); // off the hook, but the link still holds its program
              break;
            }
            case 'paUpdate': {
              if (!p) break;
              const fds = fdsOf(p);
              const pas = fds.filter((fd) => model.progArrays.has(keyOf(p, fd)));
              const progs = fds.filter((fd) => keyOf(p, fd).startsWith('prog:') && p.progInfo(fd).type === 1);
              const pa = pick(pas, op.f);
              const pr = pick(progs, op.g);
              if (pa === undefined || pr === undefined) break;
              p.mapUpdate(pa, u32le(op.slot), u32le(pr));
              model.entries.get(keyOf(p, pa))!.set(op.slot, keyOf(p, pr));
              break;
            }
          }
          model.clearOrphanedProgArrays();
          const live = model.reachable();
          const kernelLive = new Set([
            ...kernel.liveIds('map').map((i) => `map:${i}`),
            ...kernel.liveIds('prog').map((i) => `prog:${i}`),
            ...kernel.liveIds('link').map((i) => `link:${i}`),
          ]);
          expect(kernelLive).toEqual(live);
          expect(new Set(freed).size).toBe(freed.length); // never freed twice
          for (const k of freed) expect(live.has(k)).toBe(false);
        }

        // Teardown: every process exits, every pin goes → nothing is alive, and every create had one free.
        for (const q of [...model.fds.keys()]) q.exit();
        for (const path of [...vfs.pins.keys()]) vfs.unlink(path);
        expect(kernel.liveIds('map')).toEqual([]);
        expect(kernel.liveIds('prog')).toEqual([]);
        expect(kernel.liveIds('link')).toEqual([]);
        expect(kernel.netdevs.list().every((d) => d.xdp === undefined)).toBe(true);
        const created = kernel.events.events.filter((e) => e.type === 'create').map((e) => `${e.kind}:${e.id}`);
        expect([...freed].sort()).toEqual([...created].sort());
      }),
      { numRuns: 150 },
    );
  });
});
