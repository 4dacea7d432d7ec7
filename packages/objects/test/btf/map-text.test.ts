// The pretty print of BTF maps (map_seq_show → btf_type_seq_show) on hand-built BTF, with expectations worked out
// from the kernel's rules (checked against Linux 6.18 in kernel-diff.test.ts), plus robustness properties of the
// parser and the printer.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Kernel, btf as B, isBpfError, type Process } from '@bpfsim/objects';
import { socketFilter, u32le } from '../support.js';
import { BtfBuilder, K, baseBtf } from './builder.js';

const HEADER = '# WARNING!! The output is for debug purpose only\n# WARNING!! The output format will change\n';

function mapWith(proc: Process, data: Uint8Array, attr: Record<string, unknown>): number {
  const btfFd = proc.bpf('BPF_BTF_LOAD', { btf: data, btf_size: data.length });
  const fd = proc.bpf('BPF_MAP_CREATE', { btf_fd: btfFd, ...attr });
  proc.close(btfFd);
  return fd;
}
const text = (proc: Process, fd: number): string => proc.mapFromFd(fd, 'test').readText!();

describe('btf_type_seq_show', () => {
  it('signed and unsigned ints of every width, hex bitfields, chars only inside arrays', () => {
    const b = baseBtf();
    const s8 = b.int('signed char', 1, 8, 1);
    const u16 = b.int('short unsigned int', 2);
    const s64 = b.int('long', 8, 64, 1);
    const ch = b.int('char', 1, 8, 2);
    const str = b.array(ch, 1, 4);
    // kflag struct: x is a 3-bit field at bit 0, y a 5-bit field at bit 3.
    const bits = b.struct('bits', 4, [['x', 1, (3 << 24) | 0], ['y', 1, (5 << 24) | 3]], false, true);
    const v = b.struct('v', 24, [['a', s8, 0], ['c', ch, 8], ['b', u16, 16], ['l', s64, 64], ['s', str, 128], ['f', bits, 160]]);
    const proc = new Kernel().spawn();
    const fd = mapWith(proc, b.build(), { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 24, max_entries: 1, btf_key_type_id: 1, btf_value_type_id: v });
    const val = new Uint8Array(24);
    const dv = new DataView(val.buffer);
    val[0] = 0xfe; // -2
    val[1] = 0x41; // 'A' outside an array: a number
    dv.setUint16(2, 65535, true);
    dv.setBigInt64(8, -5n, true);
    val.set([0x68, 0x69, 0, 0x7a], 16); // "hi\0z": stops at the NUL
    dv.setUint32(20, 5 | (17 << 3), true);
    proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32le(0), value: val });
    expect(text(proc, fd)).toBe(`${HEADER}0: {-2,65,65535,-5,['h','i',],{0x5,0x11,},}\n`);
  });

  it('enums by name, unknown values as numbers; typedefs are transparent; unions end with "," but empty ones with "|"', () => {
    const b = baseBtf();
    const e = b.enum('color', 4, [['RED', 0], ['BLUE', 7]]);
    const td = b.typedef('color_t', e);
    const empty = b.struct('none', 4, [], true);
    const un = b.struct('num', 4, [['i', 2, 0], ['u', 1, 0]], true);
    const v = b.struct('v', 16, [['c', td, 0], ['d', e, 32], ['z', empty, 64], ['n', un, 96]]);
    const proc = new Kernel().spawn();
    const fd = mapWith(proc, b.build(), { map_type: 'BPF_MAP_TYPE_HASH', key_size: 4, value_size: 16, max_entries: 2, btf_key_type_id: 1, btf_value_type_id: v });
    const val = new Uint8Array(16);
    const dv = new DataView(val.buffer);
    dv.setUint32(0, 7, true);
    dv.setUint32(4, 3, true);
    dv.setInt32(12, -1, true);
    proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32le(9), value: val });
    expect(text(proc, fd)).toBe(`${HEADER}9: {BLUE,3,{}|{-1,4294967295,},}\n`);
  });

  it('nested arrays and arrays of structs lose their opening brackets, as in the kernel', () => {
    const b = baseBtf();
    const inner = b.array(2, 1, 2);
    const outer = b.array(inner, 1, 2);
    const pair = b.struct('pair', 8, [['a', 2, 0], ['b', 2, 32]]);
    const pairs = b.array(pair, 1, 2);
    const v = b.struct('v', 32, [['m', outer, 0], ['p', pairs, 128]]);
    const proc = new Kernel().spawn();
    const fd = mapWith(proc, b.build(), { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 32, max_entries: 1, btf_key_type_id: 1, btf_value_type_id: v });
    const val = new Uint8Array(new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]).buffer);
    proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32le(0), value: val });
    // An array of arrays advances by 0 per element (the element kind has no size field): [1,2] twice.
    expect(text(proc, fd)).toBe(`${HEADER}0: {[1,2,],1,2,],],[5,6,},7,8,},],}\n`);
  });

  it('elements appear in get_next_key order; per-cpu values once per cpu', () => {
    const proc = new Kernel({ ncpus: 3 }).spawn();
    const b = baseBtf();
    const fd = mapWith(proc, b.build(), { map_type: 'BPF_MAP_TYPE_PERCPU_HASH', key_size: 4, value_size: 4, max_entries: 8, btf_key_type_id: 1, btf_value_type_id: 2 });
    for (const k of [5, 1, 9]) {
      const v = new Uint8Array(24);
      for (let cpu = 0; cpu < 3; cpu++) new DataView(v.buffer).setInt32(cpu * 8, -k * (cpu + 1), true);
      proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32le(k), value: v });
    }
    const order: number[] = [];
    let key: Uint8Array | undefined;
    for (;;) {
      const next = new Uint8Array(4);
      try {
        proc.bpf('BPF_MAP_GET_NEXT_KEY', { map_fd: fd, key, next_key: next });
      } catch {
        break;
      }
      order.push(new DataView(next.buffer).getUint32(0, true));
      key = next;
    }
    const want = order.map((k) => `${k}: {\n\tcpu0: ${-k}\n\tcpu1: ${-2 * k}\n\tcpu2: ${-3 * k}\n}\n`).join('');
    expect(text(proc, fd)).toBe(HEADER + want);
  });

  it('a prog_array shows the id of each program it holds and skips empty slots (prog_array_map_seq_show_elem)', () => {
    const proc = new Kernel().spawn();
    const fd = mapWith(proc, baseBtf().build(), { map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: 3, btf_key_type_id: 1, btf_value_type_id: 1 });
    const prog = socketFilter(proc);
    const id = proc.progInfo(prog).id;
    proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32le(2), value: u32le(prog) });
    expect(text(proc, fd)).toBe(`${HEADER}2: ${id}\n`);
  });

  it('property: a u32 → u32 array prints "index: value" for every slot', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 8 }), (values) => {
        const proc = new Kernel().spawn();
        const fd = mapWith(proc, baseBtf().build(), { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: values.length, btf_key_type_id: 1, btf_value_type_id: 1 });
        values.forEach((v, i) => proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32le(i), value: u32le(v) }));
        expect(text(proc, fd)).toBe(HEADER + values.map((v, i) => `${i}: ${v}\n`).join(''));
      }),
      { numRuns: 30 },
    );
  });
});

describe('robustness', () => {
  const sample = (() => {
    const b = baseBtf();
    const e = b.enum('e', 4, [['A', 1]]);
    const p = b.ptr(2);
    const arr = b.array(2, 1, 3);
    const s = b.struct('s', 32, [['a', 2, 0], ['e', e, 32], ['p', p, 64], ['arr', arr, 128]]);
    b.typedef('s_t', s);
    b.type('', K.FUNC_PROTO, 1, 2, [b.str('x'), 2]);
    return b.build();
  })();

  it('property: a corrupted blob is either accepted or refused with a BpfError, never a crash', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(sample.length - 1), fc.nat(255)), { minLength: 1, maxLength: 6 }), fc.nat(sample.length), (edits, cut) => {
        const data = sample.slice(0, Math.max(cut, 1));
        for (const [at, v] of edits) if (at < data.length) data[at] = v;
        try {
          B.parseBtf(data);
        } catch (e) {
          expect(isBpfError(e)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('property: every type of an accepted BTF prints any bytes without throwing', () => {
    const parsed = B.parseBtf(sample);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
        for (let id = 0; id < parsed.types.length; id++) expect(typeof B.btfShow(parsed, id, bytes)).toBe('string');
      }),
      { numRuns: 100 },
    );
  });

  it('the builder output is what the kernel format says (hand-checked header and first type)', () => {
    const b = new BtfBuilder();
    b.int('int', 4, 32, 1);
    const data = b.build();
    expect(Buffer.from(data.subarray(0, 24)).toString('hex')).toBe('9feb0100' + '18000000' + '00000000' + '10000000' + '10000000' + '05000000');
    expect(Buffer.from(data.subarray(24)).toString('hex')).toBe('01000000' + '00000001' + '04000000' + '20000001' + '00696e7400');
  });
});
