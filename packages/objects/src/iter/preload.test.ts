// bpf_preload's maps.debug / progs.debug iterators: the text of kernel/bpf/preload/iterators/iterators.bpf.c
// (header, then `%4u %-16s%6d` per map / `%4u %-16s %s %s` per program; the expected lines below are written out by
// hand from those formats), and the reference counting of the links populate() hands to bpffs pins.
import { describe, expect, it } from 'vitest';
import { Kernel } from '../kernel.js';
import { bpfPreload } from './preload.js';
import { openIterSession } from './link.js';
import type { LinkObject } from '../links/link.js';

const dec = new TextDecoder();

function cat(kernel: Kernel, link: LinkObject, chunk = 4096): string {
  const s = openIterSession(kernel, link);
  let text = '';
  try {
    for (let b = s.read(chunk); b.length > 0; b = s.read(chunk)) text += dec.decode(b);
  } finally {
    s.close();
  }
  return text;
}

const retImm0 = Uint8Array.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

describe('bpf_preload iterators', () => {
  it('maps.debug prints the header and one line per map, as iterators.bpf.c dump_bpf_map', () => {
    const kernel = new Kernel();
    const [maps] = bpfPreload(kernel).populate();
    expect(maps.name).toBe('maps.debug');
    const proc = kernel.spawn();
    expect(cat(kernel, maps.obj as LinkObject)).toBe(''); // no maps: the program prints nothing, not even the header
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 7, map_name: 'counters' });
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 4, max_entries: 123456, map_name: 'averylongname_x' });
    proc.mapCreate({ map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 4, max_entries: 1234567, map_name: '' });
    expect(cat(kernel, maps.obj as LinkObject)).toBe(
      '  id name             max_entries\n' +
        '   1 counters' + ' '.repeat(8) + '     7\n' +
        '   2 averylongname_x 123456\n' +
        '   3 ' + ' '.repeat(16) + '1234567\n', // %6d does not truncate
    );
    // Read 10 bytes at a time: the same text.
    expect(cat(kernel, maps.obj as LinkObject, 10)).toBe(cat(kernel, maps.obj as LinkObject));
  });

  it('progs.debug lists every program, the preload programs first (they are loaded first)', () => {
    const kernel = new Kernel();
    const [, progs] = bpfPreload(kernel).populate();
    expect(progs.name).toBe('progs.debug');
    const proc = kernel.spawn();
    proc.progLoad({ prog_type: 'BPF_PROG_TYPE_SOCKET_FILTER', insns: retImm0, prog_name: 'writer' });
    proc.progLoad({ prog_type: 'BPF_PROG_TYPE_TRACING', expected_attach_type: 'BPF_TRACE_ITER', iter_target: 'task', insns: retImm0, prog_name: 'tasks', license: 'GPL' });
    // "%4u %-16s %s %s\n": aux->attach_func_name is the iterator's BTF function (bpf_iter_<target>, as the kernel's
    // progs.debug shows for its own two programs), NULL for a socket filter; linked_prog is not modelled (NULL).
    expect(cat(kernel, progs.obj as LinkObject)).toBe(
      '  id name             attached\n' +
        '   1 dump_bpf_map' + ' '.repeat(4) + ' bpf_iter_bpf_map \n' +
        '   2 dump_bpf_prog' + ' '.repeat(3) + ' bpf_iter_bpf_prog \n' +
        '   3 writer' + ' '.repeat(10) + '  \n' +
        '   4 tasks' + ' '.repeat(11) + ' bpf_iter_task \n',
    );
  });

  it('each populate hands out one reference per link; the pair is freed with the last and loaded anew after', () => {
    const kernel = new Kernel();
    const preload = bpfPreload(kernel);
    const first = preload.populate();
    const second = preload.populate();
    expect(second.map((e) => e.obj)).toEqual(first.map((e) => e.obj)); // the same links, shared by both instances
    expect(first.every((e) => e.owned)).toBe(true);
    const links = first.map((e) => e.obj as LinkObject);
    expect(links.map((l) => l.refcnt)).toEqual([2, 2]);
    expect(kernel.liveIds('prog')).toEqual([1, 2]);
    expect(kernel.liveIds('link')).toEqual([1, 2]);
    // The loader's fds were closed; the loader task is not a process of the kernel.
    expect(kernel.liveProcesses).toEqual([]);

    for (const e of first) e.obj.release();
    expect(kernel.events.filter((e) => e.type === 'free')).toEqual([]);
    for (const e of second) e.obj.release();
    const frees = kernel.events.filter((e) => e.type === 'free').map((e) => `${e.kind}:${e.id}`);
    expect(frees.sort()).toEqual(['link:1', 'link:2', 'prog:1', 'prog:2']);
    expect(preload.links()).toEqual([]);

    const third = preload.populate();
    expect(third.map((e) => e.obj.id)).toEqual([3, 4]); // new links, new IDs
    // Only maps.debug's link goes (its pins were all unlinked): the next populate reloads that one alone.
    third[0].obj.release();
    const fourth = preload.populate();
    expect(fourth.map((e) => e.obj.id)).toEqual([5, 4]);
    expect((fourth[1].obj as LinkObject).refcnt).toBe(2);
    fourth[1].obj.release();
    expect(kernel.liveIds('prog')).toEqual([4, 5]);
    for (const e of fourth) e.obj.release();
    expect(kernel.liveIds('prog')).toEqual([]);
    expect(kernel.liveIds('link')).toEqual([]);
  });
});
