// Each iterator target: the objects it visits, in which order, and the struct fields a program reads through its ctx
// (offsets of Linux 6.18's structs — see src/iter/layout.ts). Expected texts are computed by hand from the objects
// the test creates.
import { describe, expect, it } from 'vitest';
import { Kernel, iterLayout, type Process } from '@bpfsim/objects';
import { catLink, iterLink, loadIter, prologue, seqPrintf } from './support.js';
import { errnoOf } from '../support.js';

const { BPF_MAP, BPF_PROG, BPF_PROG_AUX, BPF_LINK, TASK_STRUCT, FILE_STRUCT, FOPS_ADDRESS } = iterLayout;

function setup() {
  const kernel = new Kernel();
  return { kernel, proc: kernel.spawn({ comm: 'iterproc' }) };
}

const key = (k: number) => new Uint8Array(new Uint32Array([k]).buffer);
const u64 = (v: bigint) => new Uint8Array(new BigUint64Array([v]).buffer);

/** Ends every program: the NULL call prints "n=<seq_num>" when `summary`, then return 0. */
const epilogue = (summary: boolean) =>
  ['goto done', 'last:', summary ? 'r7 = *(u64 *)(r9 + 16)' : '', summary ? seqPrintf('n=%llu\n', ['r7']) : '', 'done:', 'r0 = 0', 'exit'].join('\n');

describe('bpf_map', () => {
  it('visits every map by ID and reads id, type, key/value size, max_entries, flags and name', () => {
    const { proc } = setup();
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 16, max_entries: 3, map_name: 'first' });
    const gone = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 8, value_size: 8, max_entries: 5 });
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 2, value_size: 4, max_entries: 64, map_flags: 1, map_name: 'third' });
    proc.close(gone); // map 2 is freed: not visited
    const asm = [
      prologue('last'),
      `r1 = *(u32 *)(r8 + ${BPF_MAP.id})`,
      `r2 = *(u32 *)(r8 + ${BPF_MAP.mapType})`,
      `r3 = *(u32 *)(r8 + ${BPF_MAP.keySize})`,
      `r4 = *(u32 *)(r8 + ${BPF_MAP.valueSize})`,
      `r5 = *(u32 *)(r8 + ${BPF_MAP.maxEntries})`,
      `r0 = *(u32 *)(r8 + ${BPF_MAP.mapFlags})`,
      'r8 += ' + BPF_MAP.name,
      seqPrintf('%u type %u k %u v %u max %u flags %x %s\n', ['r1', 'r2', 'r3', 'r4', 'r5', 'r0', 'r8']),
      epilogue(true),
    ].join('\n');
    const l = iterLink(proc, loadIter(proc, 'bpf_map', asm));
    expect(catLink(proc, l)).toBe('1 type 2 k 4 v 16 max 3 flags 0 first\n3 type 1 k 2 v 4 max 64 flags 1 third\nn=1\n');
  });
});

describe('bpf_map_elem', () => {
  it('visits the elements of the map named in iter_info; writes through ctx->value change the map', () => {
    const { proc } = setup();
    const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 3 });
    for (let k = 0; k < 3; k++) proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: m, key: key(k), value: u64(BigInt(100 + k)) });
    // print "key=value (map id)" then double the value; the final call prints the map id again
    const asm = [
      'r6 = r1',
      'r9 = *(u64 *)(r6 + 0)',
      'r8 = *(u64 *)(r6 + 8)',
      `r8 = *(u32 *)(r8 + ${BPF_MAP.id})`,
      'r7 = *(u64 *)(r6 + 16)',
      'if r7 == 0 goto last',
      'r1 = *(u32 *)(r7 + 0)',
      'r7 = *(u64 *)(r6 + 24)',
      'r2 = *(u64 *)(r7 + 0)',
      'r3 = r2',
      'r3 += r2',
      '*(u64 *)(r7 + 0) = r3',
      seqPrintf('%u=%llu (map %u)\n', ['r1', 'r2', 'r8']),
      'goto done',
      'last:',
      seqPrintf('end of map %u\n', ['r8']),
      'done:',
      'r0 = 0',
      'exit',
    ].join('\n');
    const l = iterLink(proc, loadIter(proc, 'bpf_map_elem', asm), { map: { map_fd: m } });
    expect(catLink(proc, l)).toBe('0=100 (map 1)\n1=101 (map 1)\n2=102 (map 1)\nend of map 1\n');
    expect(catLink(proc, l)).toBe('0=200 (map 1)\n1=202 (map 1)\n2=204 (map 1)\nend of map 1\n');
  });

  it('hash maps: every element once; per-cpu maps: value holds every cpu (round_up(value_size, 8) each)', () => {
    const { kernel, proc } = setup();
    const h = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 8, max_entries: 8 });
    for (const k of [5, 9, 1]) proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: h, key: key(k), value: u64(BigInt(k * 10)) });
    const kv = [
      'r6 = r1',
      'r9 = *(u64 *)(r6 + 0)',
      'r7 = *(u64 *)(r6 + 16)',
      'if r7 == 0 goto done',
      'r1 = *(u32 *)(r7 + 0)',
      'r7 = *(u64 *)(r6 + 24)',
      'r2 = *(u64 *)(r7 + 0)',
      'r3 = *(u64 *)(r7 + 8)',
      seqPrintf('%u:%llu:%llu\n', ['r1', 'r2', 'r3']),
      'done:',
      'r0 = 0',
      'exit',
    ].join('\n');
    const pc = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PERCPU_ARRAY', key_size: 4, value_size: 4, max_entries: 2 });
    const perCpu = new Uint8Array(16); // 2 cpus × round_up(4, 8)
    new DataView(perCpu.buffer).setUint32(0, 7, true);
    new DataView(perCpu.buffer).setUint32(8, 8, true);
    proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: pc, key: key(1), value: perCpu });
    expect(kernel.ncpus).toBe(2);
    const prog = loadIter(proc, 'bpf_map_elem', kv);
    // the hash value is 8 bytes: reading value + 8 is outside it, so print only 8 bytes there
    const hashText = catLink(proc, iterLink(proc, loadIter(proc, 'bpf_map_elem', kv.replace('r3 = *(u64 *)(r7 + 8)', 'r3 = 0')), { map: { map_fd: h } }));
    expect(hashText.split('\n').filter(Boolean).sort()).toEqual(['1:10:0', '5:50:0', '9:90:0']);
    expect(catLink(proc, iterLink(proc, prog, { map: { map_fd: pc } }))).toBe('0:0:0\n1:7:8\n');
  });

  it('iter_info: map_fd 0 is EBADF, a non-map fd EINVAL, an unsupported map type EINVAL', () => {
    const { proc } = setup();
    const prog = loadIter(proc, 'bpf_map_elem', 'r0 = 0\nexit');
    expect(errnoOf(() => iterLink(proc, prog))).toBe('EBADF');
    expect(errnoOf(() => iterLink(proc, prog, { map: { map_fd: 0 } }))).toBe('EBADF');
    expect(errnoOf(() => iterLink(proc, prog, { map: { map_fd: 99 } }))).toBe('EBADF');
    expect(errnoOf(() => iterLink(proc, prog, { map: { map_fd: prog } }))).toBe('EINVAL');
    const ringbuf = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_RINGBUF', key_size: 0, value_size: 0, max_entries: 4096 });
    expect(errnoOf(() => iterLink(proc, prog, { map: { map_fd: ringbuf } }))).toBe('EINVAL');
    // each refusal by attach_target used up a link ID (bpf_link_prime runs first), as Linux 6.18 does
    const arr = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    const ok = iterLink(proc, prog, { map: { map_fd: arr } });
    expect(proc.linkInfo(ok).id).toBe(6);
  });
});

describe('bpf_prog and bpf_link', () => {
  it('bpf_prog: every program by ID, prog->type and prog->aux->id / name', () => {
    const { proc } = setup();
    proc.progLoad({ prog_type: 'BPF_PROG_TYPE_SOCKET_FILTER', insns: Uint8Array.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]), prog_name: 'sockf' });
    const asm = [
      prologue('last'),
      `r1 = *(u32 *)(r8 + ${BPF_PROG.type})`,
      `r2 = *(u64 *)(r8 + ${BPF_PROG.aux})`,
      `r3 = *(u32 *)(r2 + ${BPF_PROG_AUX.id})`,
      `r2 += ${BPF_PROG_AUX.name}`,
      seqPrintf('prog %u type %u name %s\n', ['r3', 'r1', 'r2']),
      epilogue(false),
    ].join('\n');
    const l = iterLink(proc, loadIter(proc, 'bpf_prog', asm, 'dumper'));
    expect(catLink(proc, l)).toBe('prog 1 type 1 name sockf\nprog 2 type 26 name dumper\n');
  });

  it('bpf_link: every link by ID, link->id, type and link->prog->aux->id', () => {
    const { kernel, proc } = setup();
    const dev = kernel.netdevs.add('veth0');
    const xdp = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_XDP', expected_attach_type: 'BPF_XDP', insns: Uint8Array.from([0xb7, 0, 0, 0, 2, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]) });
    proc.linkCreate(xdp, 'BPF_XDP', { target_ifindex: dev.ifindex });
    const asm = [
      prologue('last'),
      `r1 = *(u32 *)(r8 + ${BPF_LINK.id})`,
      `r2 = *(u32 *)(r8 + ${BPF_LINK.type})`,
      `r3 = *(u64 *)(r8 + ${BPF_LINK.prog})`,
      `r3 = *(u64 *)(r3 + ${BPF_PROG.aux})`,
      `r3 = *(u32 *)(r3 + ${BPF_PROG_AUX.id})`,
      seqPrintf('link %u type %u prog %u\n', ['r1', 'r2', 'r3']),
      epilogue(false),
    ].join('\n');
    const l = iterLink(proc, loadIter(proc, 'bpf_link', asm));
    expect(catLink(proc, l)).toBe('link 1 type 6 prog 1\nlink 2 type 4 prog 2\n');
  });
});

const taskAsm = [
  prologue('last'),
  `r1 = *(u32 *)(r8 + ${TASK_STRUCT.pid})`,
  `r2 = *(u32 *)(r8 + ${TASK_STRUCT.tgid})`,
  `r8 += ${TASK_STRUCT.comm}`,
  seqPrintf('%d %d %s\n', ['r1', 'r2', 'r8']),
  epilogue(true),
].join('\n');

function spawnSome(kernel: Kernel, proc: Process) {
  const child = proc.fork({ comm: 'child' });
  const other = kernel.spawn({ comm: 'other' });
  other.exit();
  return child;
}

describe('task and task_file', () => {
  it('task: every live task in pid order, or the one named by tid / pid', () => {
    const { kernel, proc } = setup();
    const child = spawnSome(kernel, proc);
    const prog = loadIter(proc, 'task', taskAsm);
    expect(catLink(proc, iterLink(proc, prog))).toBe(`1 1 iterproc\n${child.pid} ${child.pid} child\nn=1\n`);
    expect(catLink(proc, iterLink(proc, prog, { task: { tid: child.pid } }))).toBe(`${child.pid} ${child.pid} child\nn=0\n`);
    expect(catLink(proc, iterLink(proc, prog, { task: { pid: 1 } }))).toBe('1 1 iterproc\nn=0\n');
    expect(catLink(proc, iterLink(proc, prog, { task: { pid: 77 } }))).toBe('n=0\n'); // no such task: only the final call
    expect(errnoOf(() => iterLink(proc, prog, { task: { tid: 1, pid: 1 } }))).toBe('EINVAL');
  });

  it('task_file: each open fd of each task, with fd, f_mode and f_op', () => {
    const { proc } = setup();
    const m = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    const asm = [
      prologue('last'),
      `r1 = *(u32 *)(r8 + ${TASK_STRUCT.pid})`,
      'r2 = *(u32 *)(r6 + 16)',
      'r3 = *(u64 *)(r6 + 24)',
      `r4 = *(u32 *)(r3 + ${FILE_STRUCT.fMode})`,
      `r5 = *(u64 *)(r3 + ${FILE_STRUCT.fOp})`,
      seqPrintf('%d fd %u mode %u op %llx\n', ['r1', 'r2', 'r4', 'r5']),
      epilogue(false),
    ].join('\n');
    const prog = loadIter(proc, 'task_file', asm);
    const l = iterLink(proc, prog, { task: { pid: proc.pid } });
    const fd = proc.bpf('BPF_ITER_CREATE', { link_fd: l });
    let text = '';
    for (let b = proc.read(fd, 4096); b.length; b = proc.read(fd, 4096)) text += new TextDecoder().decode(b);
    const op = (k: keyof typeof FOPS_ADDRESS) => FOPS_ADDRESS[k].toString(16);
    expect(text).toBe(
      `1 fd 0 mode 3 op ${op('other')}\n1 fd 1 mode 3 op ${op('other')}\n1 fd 2 mode 3 op ${op('other')}\n` +
        `1 fd ${m} mode 3 op ${op('map')}\n1 fd ${prog} mode 3 op ${op('prog')}\n1 fd ${l} mode 1 op ${op('link')}\n` +
        `1 fd ${fd} mode 1 op ${op('seq')}\n`,
    );
  });
});
