// Iterator programs, links and sessions: loading with a target, LINK_CREATE / ITER_CREATE checks, fdinfo and
// bpf_link_info, LINK_UPDATE affecting only new sessions, pinned links opening a session per open, and the
// reference counts (a session holds the program, not the link; everything is freed exactly once).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Kernel, LINK_INFO_SIZE, ITER_TARGETS, type IterSession, type LinkObject } from '@bpfsim/objects';
import { assembleLlvm } from '@bpfsim/isa';
import { FakeVfs } from '../fake-vfs.js';
import { errnoOf } from '../support.js';
import { dec, iterCreate, iterLink, loadIter, prologue, readAll, seqPrintf } from './support.js';
import { KERNEL_ELEM_LINK_FDINFO, fdinfoPlaceholders } from './kernel-expected.js';

/** Prints "<tag> map <id>\n" per map (tag distinguishes program versions). */
const tagged = (tag: string) => [prologue(), 'r7 = *(u32 *)(r8 + 92)', seqPrintf(`${tag} map %u\n`, ['r7']), 'done:', 'r0 = 0', 'exit'].join('\n');

function setup() {
  const kernel = new Kernel();
  const proc = kernel.spawn();
  const frees: string[] = [];
  kernel.on('free', (e) => frees.push(`${e.kind}:${e.id}`));
  return { kernel, proc, frees };
}

const load = (extra: Record<string, unknown>) => ({
  prog_type: 'BPF_PROG_TYPE_TRACING',
  expected_attach_type: 'BPF_TRACE_ITER',
  insns: assembleLlvm('r0 = 0\nexit'),
  license: 'GPL',
  ...extra,
});

describe('loading iterator programs', () => {
  it('the target comes from iter_target (a name) or attach_btf_id (the 6.18 vmlinux BTF id of bpf_iter_<name>)', () => {
    const { proc } = setup();
    const a = proc.bpf('BPF_PROG_LOAD', load({ iter_target: 'bpf_map' }));
    const b = proc.bpf('BPF_PROG_LOAD', load({ iter_target: 'bpf_iter_task' }));
    const c = proc.bpf('BPF_PROG_LOAD', load({ attach_btf_id: 64132 })); // FUNC 'bpf_iter_bpf_map_elem'
    expect(ITER_TARGETS.map((t) => [t.name, t.btfId])).toEqual([
      ['bpf_map', 64130], ['bpf_map_elem', 64132], ['bpf_prog', 64134], ['bpf_link', 64128], ['task', 64247], ['task_file', 64252],
    ]);
    expect(proc.fdinfo(iterLink(proc, a))).toContain('target_name:\tbpf_map\n');
    expect(proc.fdinfo(iterLink(proc, b))).toContain('target_name:\ttask\n');
    const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    expect(proc.fdinfo(iterLink(proc, c, { map: { map_fd: m } }))).toContain('target_name:\tbpf_map_elem\nmap_id:\t1\n');
  });

  it('no target, an unknown one, or disagreeing ones are EINVAL and leave no program behind', () => {
    const { kernel, proc } = setup();
    expect(errnoOf(() => proc.bpf('BPF_PROG_LOAD', load({})))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_PROG_LOAD', load({ iter_target: 'bpf_sk_storage_map' })))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_PROG_LOAD', load({ attach_btf_id: 12345 })))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_PROG_LOAD', load({ iter_target: 'task', attach_btf_id: 64130 })))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_PROG_LOAD', load({ iter_target: 7 })))).toBe('EINVAL');
    // iter_target is not an attribute of other program loads
    expect(errnoOf(() => proc.bpf('BPF_PROG_LOAD', { ...load({ iter_target: 'bpf_map' }), prog_type: 'BPF_PROG_TYPE_SOCKET_FILTER', expected_attach_type: 0 }))).toBe('EINVAL');
    expect(kernel.liveIds('prog')).toEqual([]);
  });

  it('bpf_seq_printf / bpf_seq_write are gpl_only: a non-GPL iterator calling them is refused by the load checks', () => {
    const { kernel } = setup();
    const spec = kernel.helpers.get(126)!;
    expect([spec.name, spec.gplOnly, kernel.helpers.forProgType(126, 26)?.id, kernel.helpers.forProgType(126, 1)]).toEqual(['bpf_seq_printf', true, 126, undefined]);
    expect([kernel.helpers.get(127)!.name, kernel.helpers.get(127)!.gplOnly]).toEqual(['bpf_seq_write', true]);
  });
});

describe('iterator links', () => {
  it('LINK_CREATE: needs a TRACE_ITER program, target_fd and flags 0, iter_info and its length together', () => {
    const { kernel, proc } = setup();
    const p = loadIter(proc, 'bpf_map', 'r0 = 0\nexit');
    const sf = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_SOCKET_FILTER', insns: assembleLlvm('r0 = 0\nexit') });
    const attach = (attr: Record<string, unknown>) => proc.bpf('BPF_LINK_CREATE', { prog_fd: p, attach_type: 'BPF_TRACE_ITER', ...attr });
    expect(errnoOf(() => proc.bpf('BPF_LINK_CREATE', { prog_fd: sf, attach_type: 'BPF_TRACE_ITER' }))).toBe('EINVAL');
    expect(errnoOf(() => attach({ flags: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => attach({ target_fd: 3 }))).toBe('EINVAL');
    expect(errnoOf(() => attach({ iter_info: new Uint8Array(16), iter_info_len: 0 }))).toBe('EINVAL');
    expect(errnoOf(() => attach({ iter_info_len: 16 }))).toBe('EINVAL');
    const long = new Uint8Array(24);
    expect(attach({ iter_info: long })).toBeGreaterThan(0); // longer is fine while the tail is zero
    long[20] = 1;
    expect(errnoOf(() => attach({ iter_info: long }))).toBe('E2BIG');
    expect(kernel.liveIds('link')).toEqual([1]);
  });

  it('sleepable programs (BPF_F_SLEEPABLE) may iterate task and task_file only (bpf_iter_target_support_resched)', () => {
    const { proc } = setup();
    const sleepable = (target: string) => proc.bpf('BPF_PROG_LOAD', load({ iter_target: target, prog_flags: 1 << 4 }));
    expect(iterLink(proc, sleepable('task'))).toBeGreaterThan(0);
    expect(iterLink(proc, sleepable('task_file'))).toBeGreaterThan(0);
    expect(errnoOf(() => iterLink(proc, sleepable('bpf_map')))).toBe('EINVAL');
    expect(errnoOf(() => iterLink(proc, sleepable('bpf_prog')))).toBe('EINVAL');
  });

  it('fdinfo and bpf_link_info: target name, map_id / task type and tid / pid', () => {
    const { proc } = setup();
    const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 4, max_entries: 1 });
    const elem = iterLink(proc, loadIter(proc, 'bpf_map_elem', 'r0 = 0\nexit'), { map: { map_fd: m } });
    const taskProg = loadIter(proc, 'task', 'r0 = 0\nexit');
    const all = iterLink(proc, taskProg);
    const tid = iterLink(proc, taskProg, { task: { tid: 42 } });
    const pid = iterLink(proc, taskProg, { task: { pid: 43 } });
    const tail = (fd: number) => proc.fdinfo(fd).split('prog_id:\t')[1].split('\n').slice(1).join('\n');
    expect(tail(elem)).toBe('target_name:\tbpf_map_elem\nmap_id:\t1\n');
    expect(fdinfoPlaceholders(proc.fdinfo(elem))).toBe(KERNEL_ELEM_LINK_FDINFO);
    expect(tail(all)).toBe('target_name:\ttask\ntask_type:\tALL\n');
    expect(tail(tid)).toBe('target_name:\ttask\ntask_type:\tTID\ntid:\t42\n');
    expect(tail(pid)).toBe('target_name:\ttask\ntask_type:\tPID\npid:\t43\n');
    expect(proc.fdinfo(elem)).toContain('link_type:\titer\n');
    expect(proc.linkInfo(elem)).toEqual({ type: 4, id: 1, prog_id: 1, target_name: 'bpf_map_elem', target_name_len: 13, map_id: 1 });
    expect(proc.linkInfo(tid)).toEqual({ type: 4, id: 3, prog_id: 2, target_name: 'task', target_name_len: 5, tid: 42 });
    const info = new Uint8Array(LINK_INFO_SIZE);
    proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: pid, info_len: info.length, info });
    const v = new DataView(info.buffer);
    expect([v.getUint32(0, true), v.getUint32(4, true), v.getUint32(24, true), v.getUint32(32, true), v.getUint32(36, true)]).toEqual([4, 4, 5, 0, 43]);
  });

  it('LINK_DETACH is EOPNOTSUPP; ITER_CREATE wants flags 0 and an iterator link', () => {
    const { kernel, proc } = setup();
    const l = iterLink(proc, loadIter(proc, 'bpf_map', 'r0 = 0\nexit'));
    expect(errnoOf(() => proc.bpf('BPF_LINK_DETACH', { link_fd: l }))).toBe('EOPNOTSUPP');
    expect(errnoOf(() => proc.bpf('BPF_ITER_CREATE', { link_fd: l, flags: 1 }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_ITER_CREATE', { link_fd: 77 }))).toBe('EBADF');
    const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    expect(errnoOf(() => proc.bpf('BPF_ITER_CREATE', { link_fd: m }))).toBe('EINVAL');
    const dev = kernel.netdevs.add('veth0');
    const xdp = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_XDP', expected_attach_type: 'BPF_XDP', insns: assembleLlvm('r0 = 2\nexit') });
    const xl = proc.linkCreate(xdp, 'BPF_XDP', { target_ifindex: dev.ifindex });
    expect(errnoOf(() => proc.bpf('BPF_ITER_CREATE', { link_fd: xl }))).toBe('EINVAL');
    // the iterator fd is a read-only O_CLOEXEC file; other fds cannot be read
    const fd = iterCreate(proc, l);
    expect(proc.fdinfo(fd)).toBe('pos:\t0\nflags:\t02000000\nmnt_id:\t17\nino:\t1038\n');
    expect(errnoOf(() => proc.read(m, 10))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_MAP_LOOKUP_ELEM', { map_fd: fd, key: new Uint8Array(4), value: new Uint8Array(4) }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: fd, info_len: 64, info: new Uint8Array(64) }))).toBe('EINVAL');
    expect(errnoOf(() => proc.bpf('BPF_ITER_CREATE', { link_fd: fd }))).toBe('EINVAL');
  });

  it('LINK_UPDATE changes the program of new sessions only; a program for another target is EINVAL', () => {
    const { kernel, proc } = setup();
    const v1 = loadIter(proc, 'bpf_map', tagged('v1'));
    const v2 = loadIter(proc, 'bpf_map', tagged('v2'));
    const otherTarget = loadIter(proc, 'bpf_prog', 'r0 = 0\nexit');
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    const l = iterLink(proc, v1);
    const before = iterCreate(proc, l);
    expect(dec.decode(proc.read(before, 5))).toBe('v1 ma'); // session started, rest buffered
    proc.linkUpdate(l, v2);
    expect(errnoOf(() => proc.linkUpdate(l, otherTarget))).toBe('EINVAL');
    const after = iterCreate(proc, l);
    expect(readAll(proc, before)).toBe('p 1\n');
    expect(readAll(proc, after)).toBe('v2 map 1\n');
    const fresh = iterCreate(proc, l);
    expect(readAll(proc, fresh)).toBe('v2 map 1\n');
    proc.close(before);
    // an old session that has not read anything yet still runs v1, even after v1's fd is closed
    const l2 = iterLink(proc, v1);
    const idle = iterCreate(proc, l2);
    proc.linkUpdate(l2, v2);
    proc.close(v1);
    expect(kernel.liveIds('prog')).toContain(1);
    expect(readAll(proc, idle)).toBe('v1 map 1\n');
    proc.close(idle);
    expect(kernel.liveIds('prog')).not.toContain(1);
  });

  it('a session holds the program: closing link and program fds mid-session frees the link only; the program goes with the session', () => {
    const { kernel, proc, frees } = setup();
    const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 2, map_name: 'elems' });
    // prints "e map <id>" per element, and once more in the final call (ctx->map is set then too)
    const p = loadIter(proc, 'bpf_map_elem', tagged('e'));
    const l = iterLink(proc, p, { map: { map_fd: m } });
    const s = iterCreate(proc, l);
    expect(dec.decode(proc.read(s, 4))).toBe('e ma');
    proc.close(l);
    proc.close(p);
    proc.close(m);
    expect(frees).toEqual(['link:1']);
    expect(kernel.liveIds('prog')).toEqual([1]);
    expect(kernel.liveIds('map')).toEqual([1]); // the session holds the map too (bpf_iter_init_array_map)
    expect(readAll(proc, s)).toBe('p 1\ne map 1\ne map 1\n');
    proc.close(s);
    expect(frees).toEqual(['link:1', 'map:1', 'prog:1']); // iter_release: fini_seq_private, then bpf_prog_put
  });

  it('an iterator fd is an open file: fork and dup share the session; it is released when the last copy closes', () => {
    const { kernel, proc, frees } = setup();
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    const p = loadIter(proc, 'bpf_map', tagged('t'));
    const l = iterLink(proc, p);
    const fd = iterCreate(proc, l);
    proc.close(l);
    proc.close(p);
    const child = proc.fork();
    const copy = proc.dup(fd);
    expect(dec.decode(child.read(fd, 3))).toBe('t m');
    expect(dec.decode(proc.read(copy, 3))).toBe('ap '); // the same session: the read position is shared
    child.exit();
    proc.close(fd);
    expect(kernel.liveIds('prog')).toEqual([1]);
    expect(readAll(proc, copy)).toBe('1\n');
    proc.exit(); // closes the map fd (3), then the session copy: the program goes last
    expect(frees).toEqual(['link:1', 'map:1', 'prog:1']);
  });

  it('pinned iterator links: every open is a new session; unlinking the pin lets open sessions finish', () => {
    const { kernel, proc, frees } = setup();
    const vfs = new FakeVfs();
    kernel.installVfs(vfs);
    const p = loadIter(proc, 'bpf_map', [prologue('last'), 'r7 = *(u64 *)(r9 + 8)', seqPrintf('session %llu\n', ['r7']), 'goto done', 'last:', 'done:', 'r0 = 0', 'exit'].join('\n'));
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    const l = iterLink(proc, p);
    proc.objPin(l, '/sys/fs/bpf/iter');
    proc.close(l);
    proc.close(p);
    const pinned = vfs.pins.get('/sys/fs/bpf/iter') as LinkObject;
    expect(pinned.openSession).toBeTypeOf('function'); // LinkOps.openSession of iterator links
    const a = pinned.openSession!() as IterSession;
    const b = pinned.openSession!() as IterSession;
    expect(dec.decode(b.read(100))).toBe('session 2\n');
    vfs.unlink('/sys/fs/bpf/iter');
    expect(frees).toEqual(['link:1']);
    expect(dec.decode(a.readAll(3))).toBe('session 1\n');
    expect(a.read(100).length).toBe(0);
    a.close();
    expect(frees).toEqual(['link:1']);
    b.close();
    b.close(); // closing twice drops nothing twice
    expect(frees).toEqual(['link:1', 'prog:1']);
    expect(() => a.read(1)).toThrow(/EBADF/);
  });
});

describe('reference counting property', () => {
  it('any interleaving of closing the link, program and map fds and sessions frees each object exactly once, last', () => {
    type Step = 'link' | 'prog' | 'map' | 's1' | 's2' | 'read1' | 'read2' | 'pinUnlink';
    const steps: Step[] = ['link', 'prog', 'map', 's1', 's2', 'read1', 'read2', 'pinUnlink'];
    fc.assert(
      fc.property(fc.shuffledSubarray(steps, { minLength: steps.length, maxLength: steps.length }), (order) => {
        const { kernel, proc, frees } = setup();
        const vfs = new FakeVfs();
        kernel.installVfs(vfs);
        const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 4, max_entries: 2 });
        proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: m, key: new Uint8Array(4), value: new Uint8Array(4) });
        const p = loadIter(proc, 'bpf_map_elem', tagged('x'));
        const l = iterLink(proc, p, { map: { map_fd: m } });
        proc.objPin(l, '/sys/fs/bpf/it');
        const fds: Record<string, number> = { link: l, prog: p, map: m, s1: iterCreate(proc, l), s2: iterCreate(proc, l) };
        const open = new Set(['link', 'prog', 'map', 's1', 's2', 'pin']);
        for (const step of order) {
          if (step === 'read1' || step === 'read2') {
            const s = step === 'read1' ? 's1' : 's2';
            if (open.has(s)) expect(readAll(proc, fds[s], 3)).toBe('x map 1\nx map 1\n'); // the element, then the final call
          } else if (step === 'pinUnlink') {
            vfs.unlink('/sys/fs/bpf/it');
            open.delete('pin');
          } else {
            proc.close(fds[step]);
            open.delete(step);
          }
          const linkAlive = open.has('link') || open.has('pin');
          const progAlive = linkAlive || open.has('prog') || open.has('s1') || open.has('s2');
          const mapAlive = linkAlive || open.has('map') || open.has('s1') || open.has('s2'); // the program itself uses no map
          expect(kernel.liveIds('link').length).toBe(linkAlive ? 1 : 0);
          expect(kernel.liveIds('prog').length).toBe(progAlive ? 1 : 0);
          expect(kernel.liveIds('map').length).toBe(mapAlive ? 1 : 0);
        }
        expect(frees.sort()).toEqual(['link:1', 'map:1', 'prog:1']);
      }),
      { numRuns: 60 },
    );
  });
});

describe('bad input', () => {
  it('LINK_CREATE / ITER_CREATE / read with arbitrary attributes fail with a BpfError or succeed, never otherwise', () => {
    const { kernel, proc } = setup();
    const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 4, max_entries: 2 });
    const progs = ITER_TARGETS.map((t) => loadIter(proc, t.name, 'r0 = 0\nexit'));
    const anything = fc.oneof(
      fc.constant(undefined),
      fc.integer({ min: -5, max: 40 }),
      fc.uint8Array({ maxLength: 40 }),
      // (plain objects: attr.ts's messages String() the value, which a null-prototype object cannot be)
      fc.record({ map: fc.record({ map_fd: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constant(undefined)) }, { noNullPrototype: true }) }, { noNullPrototype: true }),
      fc.record({ task: fc.record({ tid: fc.nat(5), pid: fc.nat(5), pid_fd: fc.nat(1) }, { requiredKeys: [], noNullPrototype: true }) }, { noNullPrototype: true }),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.constantFrom(...progs, m, 99), anything, anything, anything, anything, fc.integer({ min: -3, max: 5000 }), (prog, info, len, flags, target, n) => {
        const links = kernel.liveIds('link').length;
        const opened: number[] = [];
        try {
          const l = proc.bpf('BPF_LINK_CREATE', { prog_fd: prog, attach_type: 'BPF_TRACE_ITER', iter_info: info, iter_info_len: len, flags, target_fd: target });
          opened.push(l);
          const fd = iterCreate(proc, l);
          opened.push(fd);
          proc.read(fd, n);
        } catch (e) {
          expect((e as Error).name).toBe('BpfError');
        } finally {
          // a failing read (n < 0 → EINVAL) must not leave the fds this test opened behind
          for (const fd of opened.reverse()) proc.close(fd);
        }
        expect(kernel.liveIds('link').length).toBe(links); // nothing left behind either way
        expect(kernel.liveIds('map')).toEqual([1]);
      }),
      { numRuns: 300 },
    );
  });
});
