// Who keeps whom alive: programs hold their maps, prog_array and map-in-map entries hold their targets, the last
// user reference of a prog_array clears it, a pin is a user reference (FACTS.md "References"). The kernel frees
// some objects after an RCU grace period or from a workqueue, so "gone" is checked with wait_gone (polls up to 2 s).
import { kernelDiff, step } from '../../../../testing/kernel-oracle/harness';
import { exitInsn, insn, mov64Imm } from '../../../../testing/kernel-oracle/oracle';
import { MAP, PROG, as, lookup, mapCreate as mc, progLoad, u32, update } from '../../../../testing/kernel-oracle/script';
import { Kernel } from './sim-kernel';

const usesMap = insn(0x18, 1, 1, 0, 0) + insn(0, 0, 0, 0, 0) + mov64Imm(0, 0) + exitInsn();
const close = (v: string) => ({ cmd: 'close', fd: `$${v}` });
const byId = (kind: 'map' | 'prog', v: string, bindAs?: string) => ({
  cmd: kind === 'map' ? 'BPF_MAP_GET_FD_BY_ID' : 'BPF_PROG_GET_FD_BY_ID',
  [`${kind}_id`]: `$${v}.id`,
  ...(bindAs ? { as: bindAs } : {}),
});
const waitGone = (kind: 'map' | 'prog', v: string) => ({ cmd: 'wait_gone', kind, id: `$${v}.id` });

kernelDiff(
  'a program holds the maps it uses',
  [
    step(as(mc(MAP.ARRAY, 4, 4, 1), 'm'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, usesMap, 'GPL', { fixups: '0=$m' }), 'p'), 'ok'),
    step(close('m'), 'ok'),
    step(byId('map', 'm', 'm2'), 'ok'),
    step(close('m2'), 'ok'),
    step(close('p'), 'ok'),
    step(byId('prog', 'p'), 'ENOENT'),
    step(waitGone('map', 'm'), 'ok'),
  ],
  { Kernel },
);

kernelDiff(
  'prog_array entries hold programs; the last user reference clears the array',
  [
    step(as(mc(MAP.PROG_ARRAY, 4, 4, 2), 'pa'), 'ok'),
    step(as(progLoad(PROG.SOCKET_FILTER, mov64Imm(0, 1) + exitInsn()), 't'), 'ok'),
    step(update('pa', u32(0), '$t'), 'ok'),
    step(close('t'), 'ok'),
    step(byId('prog', 't', 't2'), 'ok'),
    step(close('t2'), 'ok'),
    // u holds pa through its lddw: a reference, but not a user reference (bpf_map_inc vs bpf_map_inc_with_uref)
    step(as(progLoad(PROG.SOCKET_FILTER, usesMap, 'GPL', { fixups: '0=$pa' }), 'u'), 'ok'),
    step(close('pa'), 'ok'),
    step(waitGone('prog', 't'), 'ok'),
    step(byId('map', 'pa', 'pa2'), 'ok'),
    step(lookup('pa2', u32(0)), 'ENOENT'),
  ],
  { Kernel },
);

kernelDiff(
  'map-in-map entries hold inner maps',
  [
    step(as(mc(MAP.ARRAY, 4, 4, 1), 'in'), 'ok'),
    step(as(mc(MAP.ARRAY_OF_MAPS, 4, 4, 1, 0, { inner_map_fd: '$in' }), 'out'), 'ok'),
    step(update('out', u32(0), '$in'), 'ok'),
    step(close('in'), 'ok'),
    step(byId('map', 'in', 'in2'), 'ok'),
    step(close('in2'), 'ok'),
    step({ cmd: 'BPF_MAP_DELETE_ELEM', map_fd: '$out', key: u32(0) }, 'ok'),
    step(waitGone('map', 'in'), 'ok'),
  ],
  { Kernel },
);
