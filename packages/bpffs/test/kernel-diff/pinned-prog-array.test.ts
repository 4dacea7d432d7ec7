// A bpffs pin is a user reference: a pinned prog_array keeps its entries after every fd is closed
// (bpf_map_inc_with_uref in bpf_obj_pin_user), and unlinking the last pin clears and frees it.
import { kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { exitInsn, mov64Imm } from '../../../../testing/kernel-oracle/oracle';
import { MAP, PROG, as, get, lookup, mapCreate as mc, pin, progLoad, u32, update } from '../../../../testing/kernel-oracle/script';
import { withBpffs } from './sim-kernel';

kernelDiff(
  'a pinned prog_array keeps its entries',
  [
    step(as(mc(MAP.PROG_ARRAY, 4, 4, 2), 'pb'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 1) + exitInsn()), 't'), 'ok'),
    step(update('pb', u32(1), '$t'), 'ok'),
    step(pin('pb', '/sys/fs/bpf/pb'), 'ok'),
    step({ cmd: 'close', fd: '$pb' }, 'ok'),
    step({ cmd: 'close', fd: '$t' }, 'ok'),
    step(as(get('/sys/fs/bpf/pb'), 'pb2'), 'ok'),
    step(lookup('pb2', u32(1)), 'ok'),
    step({ cmd: 'close', fd: '$pb2' }, 'ok'),
    step({ cmd: 'unlink', path: '/sys/fs/bpf/pb' }, 'ok'),
    step({ cmd: 'wait_gone', kind: 'map', id: '$pb.id' }, 'ok'),
    step({ cmd: 'wait_gone', kind: 'prog', id: '$t.id' }, 'ok'),
  ],
  { ...withBpffs, normalize: { idValues: { pb2: 'prog' } } },
);
