// End to end with the real bpffs package: pin a BTF map and `cat` it through proc.fs.readFile, as
// `cat /sys/fs/bpf/<pin>` does (bpffs_map_fops only for maps with BTF; others fail to open with EIO).
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
});
