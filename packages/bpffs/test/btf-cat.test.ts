// End to end with the real bpffs package: pin a BTF map and `cat` it through proc.fs.readFile, as
// `cat /sys/fs/bpf/<pin>` does (bpffs_map_fops only for maps with BTF; others fail to open with EIO).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Kernel, isBpfError } from '@bpfsim/objects';
import { createBpffs } from '@bpfsim/bpffs';
import { btfBlob, btfInt, btfMember, btfStruct } from '../../../testing/kernel-oracle/script';

const HEADER = '# WARNING!! The output is for debug purpose only\n# WARNING!! The output format will change\n';

describe('cat of a pinned BTF map through bpffs', () => {
  it('shows the pretty print for a BTF map and EIO for a map without BTF', () => {
    const kernel = new Kernel();
    createBpffs(kernel);
    const proc = kernel.spawn();
    const fs = proc.fs as { readFile(p: string): Uint8Array };
    // types: 1 unsigned int, 2 int (BTF_INT_SIGNED), 3 struct pair { int a; unsigned int b; }
    // strings: 1 "unsigned int", 14 "int", 18 "pair", 23 "a", 25 "b"
    const pair = 3;
    const types = btfInt(1, 4, 32) + btfInt(14, 4, (1 << 24) | 32) + btfStruct(18, 2, 8) + btfMember(23, 2, 0) + btfMember(25, 1, 32);
    const data = Buffer.from(btfBlob(types, ['unsigned int', 'int', 'pair', 'a', 'b']), 'hex');
    const btfFd = proc.bpf('BPF_BTF_LOAD', { btf: data, btf_size: data.length });
    const fd = proc.bpf('BPF_MAP_CREATE', {
      map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 2, btf_fd: btfFd, btf_key_type_id: 1, btf_value_type_id: pair,
    });
    proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: new Uint8Array([1, 0, 0, 0]), value: new Uint8Array([0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0]) });
    proc.bpf('BPF_OBJ_PIN', { bpf_fd: fd, pathname: '/sys/fs/bpf/pairs' });
    proc.close(fd);
    proc.close(btfFd);
    expect(Buffer.from(fs.readFile('/sys/fs/bpf/pairs')).toString('latin1')).toBe(`${HEADER}0: {0,0,}\n1: {-1,5,}\n`);

    const plain = proc.bpf('BPF_MAP_CREATE', { map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
    proc.bpf('BPF_OBJ_PIN', { bpf_fd: plain, pathname: '/sys/fs/bpf/plain' });
    let errno: string | undefined;
    try {
      fs.readFile('/sys/fs/bpf/plain');
    } catch (e) {
      if (isBpfError(e)) errno = e.errno;
      else throw e;
    }
    expect(errno).toBe('EIO');
  });

  it('writes a char array\'s Latin-1 bytes raw, as the kernel does (no UTF-8 re-encoding)', () => {
    const kernel = new Kernel();
    createBpffs(kernel);
    const proc = kernel.spawn();
    const fs = proc.fs as { readFile(p: string): Uint8Array };
    const le = (v: number) => Buffer.from(new Uint32Array([v]).buffer).toString('hex');
    // types: 1 unsigned int, 2 char (BTF_INT_CHAR << 24 | 8 bits), 3 char[4] indexed by unsigned int
    // strings: 1 "unsigned int", 14 "char"
    const types = btfInt(1, 4, 32) + btfInt(14, 1, (2 << 24) | 8) + le(0) + le(3 << 24) + le(0) + le(2) + le(1) + le(4);
    const data = Buffer.from(btfBlob(types, ['unsigned int', 'char']), 'hex');
    const btfFd = proc.bpf('BPF_BTF_LOAD', { btf: data, btf_size: data.length });
    const fd = proc.bpf('BPF_MAP_CREATE', {
      map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 2, btf_fd: btfFd, btf_key_type_id: 1, btf_value_type_id: 3,
    });
    proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: new Uint8Array([0, 0, 0, 0]), value: new Uint8Array([0x41, 0xe9, 0xff, 0]) });
    proc.bpf('BPF_OBJ_PIN', { bpf_fd: fd, pathname: '/sys/fs/bpf/chars' });
    // Hand-checked against btf_int_show: 0xe9 and 0xff are isprint() in the kernel's Latin-1 ctype table, so each
    // prints as '%c' — one raw byte; the NUL ends the array; the all-zero value prints as an empty array.
    const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
    const expected = Uint8Array.from([
      ...ascii(HEADER), ...ascii("0: ['A','"), 0xe9, ...ascii("','"), 0xff, ...ascii("',]\n"), ...ascii('1: []\n'),
    ]);
    expect(fs.readFile('/sys/fs/bpf/chars')).toEqual(expected);
  });

  // show-fixtures.json holds `cat` texts of the real kernel (Linux 6.18), one \u00XX escape per byte >= 0x7f
  // (objects/test/btf/kernel/btf-show-lines.c): the file's bytes are the text's char codes.
  it('the bytes of every kernel fixture text with Latin-1 chars are the bytes the kernel wrote', () => {
    interface ShowCase { blob: string; id: number; size: number; key: string; value: string; cat: string }
    const url = new URL('../../objects/test/btf/kernel/show-fixtures.json', import.meta.url);
    const cases = (JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as ShowCase[]).filter((c) => /[\x80-\xff]/.test(c.cat));
    expect(cases.length).toBeGreaterThan(10);
    const fromHex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
    for (const [i, c] of cases.entries()) {
      const kernel = new Kernel();
      createBpffs(kernel);
      const proc = kernel.spawn();
      const fs = proc.fs as { readFile(p: string): Uint8Array };
      const data = fromHex(c.blob);
      const btfFd = proc.bpf('BPF_BTF_LOAD', { btf: data, btf_size: data.length });
      const fd = proc.bpf('BPF_MAP_CREATE', {
        map_type: 'BPF_MAP_TYPE_HASH', key_size: c.size, value_size: c.size, max_entries: 1, btf_fd: btfFd, btf_key_type_id: c.id, btf_value_type_id: c.id,
      });
      proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: fromHex(c.key), value: fromHex(c.value) });
      proc.bpf('BPF_OBJ_PIN', { bpf_fd: fd, pathname: `/sys/fs/bpf/m${i}` });
      expect(fs.readFile(`/sys/fs/bpf/m${i}`), `type ${c.id}: ${c.cat}`).toEqual(Uint8Array.from(Buffer.from(c.cat, 'latin1')));
    }
  });
});
