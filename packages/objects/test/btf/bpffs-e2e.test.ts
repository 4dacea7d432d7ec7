// End to end with the real bpffs package: pin a BTF map and `cat` it through proc.fs.readFile, as
// `cat /sys/fs/bpf/<pin>` does (bpffs_map_fops only for maps with BTF; others fail to open with EIO).
// Note: this test reaches up a layer (@bpfsim/bpffs) on purpose — it checks the seam between the two packages.
import { describe, expect, it } from 'vitest';
import { Kernel, isBpfError } from '@bpfsim/objects';
import { createBpffs } from '@bpfsim/bpffs';
import { u32le } from '../support.js';
import { baseBtf } from './builder.js';

const HEADER = '# WARNING!! The output is for debug purpose only\n# WARNING!! The output format will change\n';

describe('cat of a pinned BTF map through bpffs', () => {
  it('shows the pretty print for a BTF map and EIO for a map without BTF', () => {
    const kernel = new Kernel();
    createBpffs(kernel);
    const proc = kernel.spawn();
    const fs = proc.fs as { readFile(p: string): Uint8Array };
    const b = baseBtf();
    const pair = b.struct('pair', 8, [['a', 2, 0], ['b', 1, 32]]);
    const data = b.build();
    const btfFd = proc.bpf('BPF_BTF_LOAD', { btf: data, btf_size: data.length });
    const fd = proc.bpf('BPF_MAP_CREATE', {
      map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 8, max_entries: 2, btf_fd: btfFd, btf_key_type_id: 1, btf_value_type_id: pair,
    });
    proc.bpf('BPF_MAP_UPDATE_ELEM', { map_fd: fd, key: u32le(1), value: new Uint8Array([0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0]) });
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
