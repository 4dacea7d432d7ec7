// `cat` of a pinned map with BTF: bpffs_map_fops pretty-prints it (FACTS.md "BTF and cat of pinned maps").
import { kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { MAP, as, btfBlob, btfInt, btfMember, btfStruct, mapCreate as mc, pin, u32, update } from '../../../../testing/kernel-oracle/script';
import { withBpffs } from './sim-kernel';

// strings: 1 "u32", 5 "pair", 10 "a", 12 "b"
const blob = btfBlob(btfInt(1, 4, 32) + btfStruct(5, 2, 8) + btfMember(10, 1, 0) + btfMember(12, 1, 32), ['u32', 'pair', 'a', 'b']);
const WARN = '# WARNING!! The output is for debug purpose only\n# WARNING!! The output format will change\n';

kernelDiff(
  'cat of pinned maps with BTF',
  [
    step({ cmd: 'BPF_BTF_LOAD', btf: blob, as: 'btf' }, 'ok'),
    step(mc(MAP.HASH, 4, 8, 4, 0, { btf_fd: '$btf', btf_key_type_id: 1, btf_value_type_id: 1 }), 'EINVAL'),
    step(as(mc(MAP.ARRAY, 4, 4, 3, 0, { btf_fd: '$btf', btf_key_type_id: 1, btf_value_type_id: 1 }), 'a'), 'ok'),
    step(update('a', u32(1), u32(7)), 'ok'),
    step(pin('a', '/sys/fs/bpf/a'), 'ok'),
    step({ cmd: 'read', path: '/sys/fs/bpf/a' }, { text: `${WARN}0: 0\n1: 7\n2: 0\n` }),
    // one element only: the kernel prints a hash in bucket order
    step(as(mc(MAP.HASH, 4, 8, 4, 0, { btf_fd: '$btf', btf_key_type_id: 1, btf_value_type_id: 2 }), 'h'), 'ok'),
    step(update('h', u32(1), u32(10) + u32(11)), 'ok'),
    step(pin('h', '/sys/fs/bpf/h'), 'ok'),
    step({ cmd: 'read', path: '/sys/fs/bpf/h' }, { text: `${WARN}1: {10,11,}\n` }),
    step(as(mc(MAP.HASH, 4, 4, 3, 0, { btf_fd: '$btf', btf_key_type_id: 1, btf_value_type_id: 1 }), 'e'), 'ok'),
    step(pin('e', '/sys/fs/bpf/e'), 'ok'),
    step({ cmd: 'read', path: '/sys/fs/bpf/e' }, { text: WARN }),
  ],
  withBpffs,
);
