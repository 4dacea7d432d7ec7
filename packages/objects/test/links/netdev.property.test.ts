// Property: under random sequences of adding devices (veth pairs, dummies), loading programs, XDP links, legacy XDP
// attach / detach in either mode, tcx links, LINK_UPDATE, LINK_DETACH, closing fds and removing devices, the kernel
// keeps alive exactly what a model of "who holds what" reaches — fds hold programs and links, links hold their
// program, a device holds its legacy program — never frees anything twice or while held, and once every fd is
// closed and every device removed, every program and link was freed exactly once.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { setXdpProgram, XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE, type NetDevice } from '@bpfsim/objects';
import { load, setup } from '../progs/support.js';

type Op =
  | { t: 'veth' | 'dummy' }
  | { t: 'xdp' | 'cls'; r0: number }
  | { t: 'xdpLink'; p: number; d: number; mode: number }
  | { t: 'legacy'; p: number; d: number; mode: number; off: boolean }
  | { t: 'tcxLink'; p: number; d: number; egress: boolean }
  | { t: 'update'; l: number; p: number }
  | { t: 'detach' | 'close'; f: number }
  | { t: 'remove'; d: number };

const MODES = [0, XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ t: fc.constant('veth' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('dummy' as const) }) },
  { weight: 5, arbitrary: fc.record({ t: fc.constantFrom('xdp' as const, 'xdp' as const, 'cls' as const), r0: fc.nat({ max: 4 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('xdpLink' as const), p: fc.nat(), d: fc.nat(), mode: fc.nat({ max: 2 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('legacy' as const), p: fc.nat(), d: fc.nat(), mode: fc.nat({ max: 2 }), off: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('tcxLink' as const), p: fc.nat(), d: fc.nat(), egress: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('update' as const), l: fc.nat(), p: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constantFrom('detach' as const, 'close' as const, 'close' as const), f: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('remove' as const), d: fc.nat() }) },
);

const pick = <T>(xs: readonly T[], i: number): T | undefined => (xs.length ? xs[i % xs.length] : undefined);

describe('device removal and attachments (property)', () => {
  it('programs and links are freed exactly once, never while a fd, link or device holds them', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => {
        const { kernel, proc } = setup();
        const freed: string[] = [];
        kernel.events.on('free', (e) => void freed.push(`${e.kind}:${e.id}`));
        // the model
        const fds = new Map<number, string>(); // fd → 'prog:ID' / 'link:ID'
        const progType = new Map<number, 'xdp' | 'cls'>(); // fd → program type
        const linkProg = new Map<string, string>(); // link → the program it holds
        const linkDev = new Map<string, NetDevice>(); // link → the device it was created on
        const legacy = new Map<NetDevice, { prog: string; mode: 'skb' | 'drv' }>(); // device → its legacy program
        const devs: NetDevice[] = [kernel.netdevs.get(1)!];
        let n = 0;
        const ok = (fn: () => void): boolean => {
          try {
            fn();
            return true;
          } catch (e) {
            if (!(e as { errno?: string }).errno) throw e; // a crash, not a refusal
            return false;
          }
        };
        const fdsOf = (kind: string, type?: 'xdp' | 'cls') =>
          [...fds].filter(([fd, k]) => k.startsWith(kind) && (!type || progType.get(fd) === type)).map(([fd]) => fd);
        const reachable = (): Set<string> => {
          const live = new Set(fds.values());
          for (const k of fds.values()) if (linkProg.has(k)) live.add(linkProg.get(k)!);
          for (const [d, h] of legacy) if (d.registered) live.add(h.prog);
          return live;
        };

        for (const op of ops) {
          switch (op.t) {
            case 'veth':
              devs.push(...kernel.netdevs.addVethPair(`a${n}`, `b${n++}`));
              break;
            case 'dummy':
              devs.push(kernel.netdevs.add(`d${n++}`, { kind: 'dummy' }));
              break;
            case 'xdp':
            case 'cls': {
              const fd = load(proc, op.t === 'xdp' ? 'BPF_PROG_TYPE_XDP' : 'BPF_PROG_TYPE_SCHED_CLS', `r0 = ${op.r0}\nexit`);
              fds.set(fd, `prog:${proc.progInfo(fd).id}`);
              progType.set(fd, op.t);
              break;
            }
            case 'xdpLink':
            case 'tcxLink': {
              const p = pick(fdsOf('prog', op.t === 'xdpLink' ? 'xdp' : 'cls'), op.p);
              const d = pick(devs, op.d)!;
              if (p === undefined) break;
              let l = -1;
              const type = op.t === 'xdpLink' ? 'BPF_XDP' : op.t === 'tcxLink' && op.egress ? 'BPF_TCX_EGRESS' : 'BPF_TCX_INGRESS';
              const flags = op.t === 'xdpLink' ? MODES[op.mode] : 0;
              if (ok(() => (l = proc.linkCreate(p, type, { target_ifindex: d.ifindex, flags })))) {
                const k = `link:${proc.linkInfo(l).id}`;
                fds.set(l, k);
                linkProg.set(k, fds.get(p)!);
                linkDev.set(k, d);
              }
              break;
            }
            case 'legacy': {
              const d = pick(devs, op.d)!;
              const p = op.off ? -1 : pick(fdsOf('prog', 'xdp'), op.p);
              if (p === undefined) break;
              const flags = MODES[op.mode];
              if (ok(() => setXdpProgram(proc, d.ifindex, p, { flags }))) {
                // dev_xdp_mode: the flag, else native on a veth, generic elsewhere
                const mode = flags === XDP_FLAGS_SKB_MODE ? 'skb' : flags === XDP_FLAGS_DRV_MODE ? 'drv' : d.kind === 'veth' ? 'drv' : 'skb';
                if (p >= 0) legacy.set(d, { prog: fds.get(p)!, mode });
                else if (legacy.get(d)?.mode === mode) legacy.delete(d);
              }
              break;
            }
            case 'update': {
              const l = pick(fdsOf('link'), op.l);
              const p = pick(fdsOf('prog'), op.p);
              if (l === undefined || p === undefined) break;
              if (ok(() => proc.linkUpdate(l, p))) linkProg.set(fds.get(l)!, fds.get(p)!);
              break;
            }
            case 'detach': {
              const l = pick(fdsOf('link'), op.f);
              if (l !== undefined) proc.linkDetach(l); // the link keeps its program
              break;
            }
            case 'close': {
              const f = pick([...fds.keys()], op.f);
              if (f === undefined) break;
              proc.close(f);
              fds.delete(f);
              break;
            }
            case 'remove': {
              const d = pick(devs.filter((x) => x.registered && x.kind !== 'loopback'), op.d);
              if (!d) break;
              kernel.netdevs.remove(d.ifindex);
              expect(d.registered).toBe(false);
              expect(d.peer?.registered ?? false).toBe(false);
              // every link created on it is auto-detached and says so
              for (const [fd, k] of fds) if (linkDev.get(k) === d || linkDev.get(k) === d.peer) expect(proc.linkInfo(fd).ifindex).toBe(0);
              break;
            }
          }
          const live = reachable();
          const kernelLive = new Set([...kernel.liveIds('prog').map((i) => `prog:${i}`), ...kernel.liveIds('link').map((i) => `link:${i}`)]);
          expect(kernelLive).toEqual(live);
          expect(new Set(freed).size).toBe(freed.length);
          for (const k of freed) expect(live.has(k)).toBe(false);
        }

        // Teardown: close every fd, remove every device, take lo's program off → nothing is alive, one free each.
        for (const fd of [...fds.keys()]) proc.close(fd);
        for (const d of devs) if (d.registered && d.kind !== 'loopback') kernel.netdevs.remove(d.ifindex);
        setXdpProgram(proc, 1, -1, { flags: XDP_FLAGS_SKB_MODE }); // lo: generic only
        expect(kernel.liveIds('prog')).toEqual([]);
        expect(kernel.liveIds('link')).toEqual([]);
        const created = kernel.events.filter((e) => e.type === 'create').map((e) => `${e.kind}:${e.id}`);
        expect([...freed].sort()).toEqual([...created].sort());
      }),
      { numRuns: 200 },
    );
  });
});
