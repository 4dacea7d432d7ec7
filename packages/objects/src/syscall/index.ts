// bpf(2): command number/name → implementation. Unknown or unsimulated commands are EINVAL, as __sys_bpf's default.
import { BpfError, isBpfError } from '../errno.js';
import { describeValue, type BpfAttr } from '../attr.js';
import { cmdName, cmdNumber } from '../uapi.js';
import type { Process } from '../process.js';
import * as map from './map.js';
import * as prog from './prog.js';
import * as ids from './ids.js';
import * as obj from './obj.js';
import * as link from './link.js';
import { objGetInfoByFd } from './info.js';
import { progAttach, progDetach, progQuery } from './attach.js';
import { rawTracepointOpen } from '../links/tracepoint.js';
import { iterCreate } from './iter.js';
import { btfGetFdById, btfGetNextId, btfLoad, withBtfInfo } from './btf.js';

type Handler = (proc: Process, attr: BpfAttr) => number;

const HANDLERS: Record<string, Handler> = {
  BPF_MAP_CREATE: map.mapCreate,
  BPF_MAP_LOOKUP_ELEM: map.mapLookupElem,
  BPF_MAP_UPDATE_ELEM: map.mapUpdateElem,
  BPF_MAP_DELETE_ELEM: map.mapDeleteElem,
  BPF_MAP_GET_NEXT_KEY: map.mapGetNextKey,
  BPF_MAP_LOOKUP_AND_DELETE_ELEM: map.mapLookupAndDeleteElem,
  BPF_MAP_FREEZE: map.mapFreeze,
  BPF_MAP_LOOKUP_BATCH: map.mapLookupBatch,
  BPF_MAP_LOOKUP_AND_DELETE_BATCH: map.mapLookupAndDeleteBatch,
  BPF_MAP_UPDATE_BATCH: map.mapUpdateBatch,
  BPF_MAP_DELETE_BATCH: map.mapDeleteBatch,
  BPF_PROG_LOAD: prog.progLoad,
  BPF_PROG_TEST_RUN: prog.progTestRun,
  BPF_ENABLE_STATS: prog.enableStats,
  BPF_PROG_BIND_MAP: prog.progBindMap,
  BPF_OBJ_PIN: obj.objPin,
  BPF_OBJ_GET: obj.objGet,
  BPF_MAP_GET_NEXT_ID: (p, a) => ids.getNextId('map', p, a),
  BPF_PROG_GET_NEXT_ID: (p, a) => ids.getNextId('prog', p, a),
  BPF_LINK_GET_NEXT_ID: (p, a) => ids.getNextId('link', p, a),
  BPF_BTF_GET_NEXT_ID: btfGetNextId, // btf/: its own ID space
  BPF_BTF_LOAD: btfLoad,
  BPF_BTF_GET_FD_BY_ID: btfGetFdById,
  BPF_MAP_GET_FD_BY_ID: (p, a) => ids.getFdById('map', p, a),
  BPF_PROG_GET_FD_BY_ID: (p, a) => ids.getFdById('prog', p, a),
  BPF_LINK_GET_FD_BY_ID: (p, a) => ids.getFdById('link', p, a),
  BPF_OBJ_GET_INFO_BY_FD: withBtfInfo(objGetInfoByFd), // btf/: BTF fds, and the BTF ids of maps
  BPF_LINK_CREATE: link.linkCreate,
  BPF_LINK_UPDATE: link.linkUpdate,
  BPF_LINK_DETACH: link.linkDetach,
  BPF_PROG_ATTACH: progAttach,
  BPF_PROG_DETACH: progDetach,
  BPF_PROG_QUERY: progQuery,
  BPF_RAW_TRACEPOINT_OPEN: rawTracepointOpen,
  BPF_ITER_CREATE: iterCreate,
};

/** Registers (or replaces) a command implementation — for commands later layers add (PROG_ATTACH, ITER_CREATE…). */
export function registerCommand(name: string, handler: Handler): void {
  HANDLERS[name] = handler;
}

export function dispatch(proc: Process, cmd: number | string, attr: BpfAttr): number {
  if (attr === null || typeof attr !== 'object') throw new BpfError('EFAULT', 'bpf(2): attr must be an object');
  const num = cmdNumber(cmd);
  if (num === undefined) throw new BpfError('EINVAL', `bpf(2): unknown command ${describeValue(cmd)}`);
  const name = cmdName(num);
  const handler = HANDLERS[name];
  if (!handler) throw new BpfError('EINVAL', `bpf(2): ${name} is not supported by the simulator`);
  try {
    return handler(proc, attr);
  } catch (e) {
    if (isBpfError(e)) throw e;
    // Anything else is a simulator bug; surface it with the command so it is traceable.
    if (e instanceof Error) e.message = `${name}: ${e.message}`;
    throw e;
  }
}
