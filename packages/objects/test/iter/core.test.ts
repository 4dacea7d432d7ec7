// What core records and shows for iterators: the target and attach_btf_id stored on the program at load (prog info),
// helper availability by expected_attach_type, LinkOps.openSession, the seq fd's fdinfo pos, and the typed wrappers.
import { describe, expect, it } from 'vitest';
import { assembleLlvm } from '@bpfsim/isa';
import { Kernel } from '@bpfsim/objects';
import { dec, prologue, seqPrintf } from './support.js';

const setup = () => {
  const kernel = new Kernel({ clock: () => 1n });
  return { kernel, proc: kernel.spawn() };
};

const errnoOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as { errno?: string }).errno ?? String(e);
  }
  return 'ok';
};

/** Prints "map <id>\n" per map (struct bpf_map.id is at offset 92 in 6.18). */
const MAP_PRINTER = [prologue(), 'r7 = *(u32 *)(r8 + 92)', seqPrintf('map %u\n', ['r7']), 'done:', 'r0 = 0', 'exit'].join('\n');

describe('iterator programs at load', () => {
  it('the typed progLoad takes iter_target; bpf_prog_info shows the target\'s attach_btf_id', () => {
    const { proc } = setup();
    const byName = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_TRACING', expected_attach_type: 'BPF_TRACE_ITER', iter_target: 'bpf_map', insns: assembleLlvm('r0 = 0\nexit') });
    const byId = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_TRACING', expected_attach_type: 'BPF_TRACE_ITER', attach_btf_id: 64247, insns: assembleLlvm('r0 = 0\nexit') });
    expect(proc.progInfo(byName).attach_btf_id).toBe(64130); // FUNC bpf_iter_bpf_map in the 6.18 vmlinux BTF
    expect(proc.progInfo(byId).attach_btf_id).toBe(64247); // bpf_iter_task
    const sf = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_SOCKET_FILTER', insns: assembleLlvm('r0 = 0\nexit') });
    expect(proc.progInfo(sf).attach_btf_id).toBe(0);
    // the uapi bytes carry it at offset 224
    const info = new Uint8Array(232);
    proc.bpf('BPF_OBJ_GET_INFO_BY_FD', { bpf_fd: byName, info, info_len: 232 });
    expect(new DataView(info.buffer).getUint32(224, true)).toBe(64130);
    expect(proc.progFromFd(byName, 'test').iterTarget?.name).toBe('bpf_map');
  });

  it('bpf_seq_printf is offered to BPF_TRACE_ITER tracing programs only (tracing_prog_func_proto)', () => {
    const { kernel, proc } = setup();
    const callSeqPrintf = assembleLlvm('r1 = 0\nr2 = 0\nr3 = 0\nr4 = 0\nr5 = 0\ncall 126\nr0 = 0\nexit');
    // a BPF_TRACE_FENTRY tracing program may not call it
    expect(kernel.helpers.forProgType(126, 26, 24)).toBeUndefined();
    expect(kernel.helpers.forProgType(126, 26, 28)?.name).toBe('bpf_seq_printf');
    const log = new Uint8Array(1024);
    expect(errnoOf(() => proc.progLoad({ prog_type: 'BPF_PROG_TYPE_TRACING', expected_attach_type: 'BPF_TRACE_FENTRY', insns: callSeqPrintf, log_level: 1, log_buf: log, log_size: 1024 }))).toBe('EINVAL');
    expect(dec.decode(log.subarray(0, log.indexOf(0)))).toContain('program of this type cannot use helper bpf_seq_printf#126\n');
    expect(proc.progLoad({ prog_type: 'BPF_PROG_TYPE_TRACING', expected_attach_type: 'BPF_TRACE_ITER', iter_target: 'bpf_map', insns: callSeqPrintf })).toBeGreaterThan(0);
  });
});

describe('iterator links and sessions', () => {
  it('typed linkCreate / iterCreate; the seq fd\'s fdinfo pos is the number of bytes read', () => {
    const { proc } = setup();
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    const prog = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_TRACING', expected_attach_type: 'BPF_TRACE_ITER', iter_target: 'bpf_map', insns: assembleLlvm(MAP_PRINTER) });
    const link = proc.linkCreate(prog, 'BPF_TRACE_ITER');
    const fd = proc.iterCreate(link);
    expect(proc.fdinfo(fd)).toMatch(/^pos:\t0\nflags:\t02000000\n/);
    expect(dec.decode(proc.read(fd, 4))).toBe('map ');
    expect(proc.fdinfo(fd)).toMatch(/^pos:\t4\n/);
    expect(dec.decode(proc.read(fd, 100))).toBe('1\n'); // the rest of the buffered record first (bpf_seq_read)
    expect(proc.fdinfo(fd)).toMatch(/^pos:\t6\n/);
    expect(dec.decode(proc.read(fd, 100))).toBe('map 2\n');
    expect(proc.fdinfo(fd)).toMatch(/^pos:\t12\n/);
    expect(proc.read(fd, 100)).toHaveLength(0);
    expect(proc.fdinfo(fd)).toMatch(/^pos:\t12\n/);
    // dup shares the open file, and so the position
    const copy = proc.dup(fd);
    expect(proc.fdinfo(copy)).toMatch(/^pos:\t12\n/);
  });

  it('typed linkCreate passes iter_info (and its length for raw bytes)', () => {
    const { proc } = setup();
    const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 2 });
    const prog = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_TRACING', expected_attach_type: 'BPF_TRACE_ITER', iter_target: 'bpf_map_elem', insns: assembleLlvm('r0 = 0\nexit') });
    expect(proc.fdinfo(proc.linkCreate(prog, 'BPF_TRACE_ITER', { iter_info: { map: { map_fd: m } } }))).toContain('target_name:\tbpf_map_elem\nmap_id:\t1\n');
    const raw = new Uint8Array(8);
    new DataView(raw.buffer).setUint32(0, m, true); // union bpf_iter_link_info { struct { __u32 map_fd; } map; }
    expect(proc.fdinfo(proc.linkCreate(prog, 'BPF_TRACE_ITER', { iter_info: raw }))).toContain('map_id:\t1\n');
    expect(errnoOf(() => proc.linkCreate(prog, 'BPF_TRACE_ITER'))).toBe('EBADF'); // bpf_map_elem needs a map (map_fd 0)
  });

  it('LinkObject.openSession exists exactly for kinds whose LinkOps offer it (iterators)', () => {
    const { kernel, proc } = setup();
    const prog = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_TRACING', expected_attach_type: 'BPF_TRACE_ITER', iter_target: 'bpf_map', insns: assembleLlvm(MAP_PRINTER) });
    const iter = proc.linkFromFd(proc.linkCreate(prog, 'BPF_TRACE_ITER'), 'test');
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    const session = iter.openSession!();
    expect(dec.decode(session.read(100))).toBe('map 1\n');
    session.close();
    const tp = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_RAW_TRACEPOINT', insns: assembleLlvm('r0 = 0\nexit') });
    const raw = proc.bpf('BPF_RAW_TRACEPOINT_OPEN', { name: 'sched_switch', prog_fd: tp });
    expect(proc.linkFromFd(raw, 'test').openSession).toBeUndefined();
    expect(kernel.liveIds('link')).toHaveLength(2);
  });
});
