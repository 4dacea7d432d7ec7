// Iterator targets (bpf_iter_reg_target): what each one walks, in which order, the ctx it hands the program, what
// LINK_CREATE's iter_info parameterises, and what the link shows in fdinfo and bpf_link_info.
//   bpf_map       kernel/bpf/map_iter.c   every map by ID              ctx { meta; map }
//   bpf_map_elem  kernel/bpf/map_iter.c   elements of one map          ctx { meta; map; key; value }
//   bpf_prog      kernel/bpf/prog_iter.c  every program by ID          ctx { meta; prog }
//   bpf_link      kernel/bpf/link_iter.c  every link by ID             ctx { meta; link }
//   task          kernel/bpf/task_iter.c  every task (or one) by pid   ctx { meta; task }
//   task_file     kernel/bpf/task_iter.c  every open fd of the tasks   ctx { meta; task; u32 fd; file }
// Walks are cursor based, like the kernel's (map_id, prog_id, tid…): a read resumes at the object it stopped on.
import { BpfError } from '../errno.js';
import type { Kernel } from '../kernel.js';
import type { MapObject } from '../map-object.js';
import type { ProgObject } from '../prog/program.js';
import type { LinkObject } from '../links/link.js';
import type { Process } from '../process.js';
import type { OpenFile } from '../fd-table.js';
import { RegionPlan, fileStruct, linkStruct, mapStruct, progStruct, taskStruct } from './layout.js';
import { progAttach } from './prog-target.js';

/** union bpf_iter_link_info (6.18: 16 bytes): map.map_fd | task.{tid,pid,pid_fd} | cgroup.{order,cgroup_fd,cgroup_id}. */
export const ITER_LINK_INFO_SIZE = 16;

/** What the link keeps from iter_info (struct bpf_iter_aux_info). */
export interface IterAux {
  /** bpf_map_elem: the map, held with a user reference (bpf_map_get_with_uref) by the link and each session. */
  map?: MapObject;
  /** task / task_file: enum bpf_iter_task_type and the tid/pid it names. */
  task?: { type: 'ALL' | 'TID' | 'PID'; pid: number };
  /** A session's walk state that is not a cursor (bpf_map_elem: the elements as listed when the read began). */
  cache?: unknown;
}

/** One object visited, with the cursor that names its position. */
export interface IterPosition {
  cursor: number;
  obj: unknown;
}

export interface IterTarget {
  /** The target name (`bpf_map`); the program's BTF function is `bpf_iter_<name>`. */
  readonly name: string;
  /**
   * The BTF id of the FUNC `bpf_iter_<name>` in the reference machine's vmlinux (Linux 6.18) — what libbpf puts into
   * attach_btf_id for SEC("iter/<name>").
   */
  readonly btfId: number;
  /** attach_target: reads iter_info; throws BpfError before taking any reference. */
  attach(linfo: DataView, proc: Process): IterAux;
  /**
   * The first object at or after `cursor` in iteration order. `restart` is true for seq_ops->start (a read begins)
   * and false for seq_ops->next within the same read.
   */
  seek(kernel: Kernel, aux: IterAux, cursor: number, restart: boolean): IterPosition | undefined;
  /** Fills the ctx (region 0 of `plan`, made by the caller) for `obj`, or for the final NULL call. */
  fillCtx(plan: RegionPlan, ctx: DataView, kernel: Kernel, aux: IterAux, obj: unknown): void;
  /** sizeof(struct bpf_iter__<name>). */
  readonly ctxSize: number;
  /** BPF_ITER_RESCHED: the walk may reschedule, so sleepable programs may iterate it (task, task_file). */
  readonly resched?: boolean;
  /** Extra fdinfo lines of the link (reg_info->show_fdinfo). */
  showFdinfo?(aux: IterAux): string;
  /** bpf_link_info.iter's target-specific fields (reg_info->fill_link_info). */
  fillLinkInfo?(aux: IterAux, view: DataView): void;
  infoFields?(aux: IterAux): Record<string, number>;
}

/** Targets without attach_target ignore iter_info (it was already checked to be a well-formed union). */
const noParams = (): IterAux => ({});

/**
 * The walk of one read: the objects in cursor order, listed when the read begins (`restart`) and searched by cursor
 * within the read, so a read over n objects costs O(n log n) rather than a scan per step. Programs cannot create or
 * free maps, programs, links, tasks or fds, so the list stays true for the read; an object freed meanwhile anyway
 * (e.g. the last reference dropped by a map update) is skipped.
 */
function listedSeek(aux: IterAux, cursor: number, restart: boolean, list: () => IterPosition[], alive: (p: IterPosition) => boolean): IterPosition | undefined {
  if (restart || !aux.cache) aux.cache = list();
  const all = aux.cache as IterPosition[];
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (all[mid].cursor < cursor) lo = mid + 1;
    else hi = mid;
  }
  for (; lo < all.length; lo++) if (alive(all[lo])) return all[lo];
  return undefined;
}

/** Every live object by ID, from the smallest ≥ cursor (bpf_map_get_curr_or_next and its prog/link twins). */
function byId<T extends { freed: boolean }>(idr: { ids(): number[]; get(id: number): T | undefined }, aux: IterAux, cursor: number, restart: boolean): IterPosition | undefined {
  return listedSeek(aux, cursor, restart, () => idr.ids().map((id) => ({ cursor: id, obj: idr.get(id) })), (p) => !(p.obj as T).freed);
}

const setPtr = (plan: RegionPlan, offset: number, target: number | undefined): void => {
  if (target !== undefined) plan.pointer(0, offset, target);
};

export const bpfMapTarget: IterTarget = {
  name: 'bpf_map',
  btfId: 64130,
  ctxSize: 16,
  attach: noParams,
  seek: (kernel, aux, cursor, restart) => byId(kernel.mapIds, aux, cursor, restart),
  fillCtx(plan, _ctx, _kernel, _aux, obj) {
    setPtr(plan, 8, obj ? mapStruct(plan, obj as MapObject) : undefined);
  },
};

export const bpfProgTarget: IterTarget = {
  name: 'bpf_prog',
  btfId: 64134,
  ctxSize: 16,
  attach: noParams,
  seek: (kernel, aux, cursor, restart) => byId(kernel.progIds, aux, cursor, restart),
  fillCtx(plan, _ctx, _kernel, _aux, obj) {
    const p = obj as ProgObject | undefined;
    setPtr(plan, 8, p ? progStruct(plan, p, progAttach(p)) : undefined);
  },
};

export const bpfLinkTarget: IterTarget = {
  name: 'bpf_link',
  btfId: 64128,
  ctxSize: 16,
  attach: noParams,
  seek: (kernel, aux, cursor, restart) => byId(kernel.linkIds, aux, cursor, restart),
  fillCtx(plan, _ctx, _kernel, _aux, obj) {
    setPtr(plan, 8, obj ? linkStruct(plan, obj as LinkObject, progAttach) : undefined);
  },
};

// ---- bpf_map_elem ----

const BPF_MAP_TYPE_HASH = 1;
const BPF_MAP_TYPE_ARRAY = 2;
const BPF_MAP_TYPE_PERCPU_HASH = 5;
const BPF_MAP_TYPE_PERCPU_ARRAY = 6;
const BPF_MAP_TYPE_LRU_HASH = 9;
const BPF_MAP_TYPE_LRU_PERCPU_HASH = 10;
const PERCPU = [BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH, BPF_MAP_TYPE_PERCPU_ARRAY];
const PLAIN = [BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_ARRAY];

interface MapElem {
  key: Uint8Array;
  /** Live value bytes (writable by the program), or for per-cpu maps a copy of every cpu's value. */
  value: Uint8Array;
  percpu: boolean;
}

/**
 * The elements in the map's own order (array index order; a hash map's internal order), listed when a read begins
 * (seq_ops->start) and walked by rank within the read: the cursor is the element's rank, as the kernel's array
 * iterator uses the index. Elements added or deleted by the program during a read show from the next read on.
 */
function mapElems(m: MapObject): MapElem[] {
  const impl = m.impl;
  const percpu = PERCPU.includes(impl.mapType);
  const out: MapElem[] = [];
  impl.forEachForProgram?.(0, 0, (key, value) => {
    out.push({ key: key.slice(), value, percpu });
    return 0;
  });
  if (percpu) for (const e of out) e.value = impl.lookup(e.key);
  return out;
}

export const bpfMapElemTarget: IterTarget = {
  name: 'bpf_map_elem',
  btfId: 64132,
  ctxSize: 32,
  /** bpf_iter_attach_map: map_fd 0 is EBADF; only (percpu/lru) hash and (percpu) array maps (else EINVAL). */
  attach(linfo, proc) {
    const cmd = 'BPF_LINK_CREATE';
    const fd = linfo.getUint32(0, true) | 0;
    if (!fd) throw new BpfError('EBADF', `${cmd}: iter_info.map.map_fd is 0 (target bpf_map_elem needs a map)`);
    const m = proc.mapFromFd(fd, cmd);
    if (!PERCPU.includes(m.impl.mapType) && !PLAIN.includes(m.impl.mapType)) {
      throw new BpfError('EINVAL', `${cmd}: bpf_map_elem iterates hash, lru_hash and array maps (and their per-cpu kinds), not map type ${m.impl.mapType}`);
    }
    m.getUser();
    return { map: m };
  },
  seek(_kernel, aux, cursor, restart) {
    if (restart || !aux.cache) aux.cache = mapElems(aux.map!);
    const elems = aux.cache as MapElem[];
    return cursor < elems.length ? { cursor, obj: elems[cursor] } : undefined;
  },
  fillCtx(plan, _ctx, _kernel, aux, obj) {
    setPtr(plan, 8, mapStruct(plan, aux.map!));
    const e = obj as MapElem | undefined;
    if (!e) return;
    const id = aux.map!.id;
    setPtr(plan, 16, plan.add({ kind: 'mem', name: `map_key(id=${id})`, bytes: e.key, writable: false }));
    setPtr(plan, 24, plan.add({ kind: 'map_value', name: `map_value(id=${id})`, bytes: e.value, writable: !e.percpu }));
  },
  showFdinfo: (aux) => `map_id:\t${aux.map!.id}\n`,
  fillLinkInfo: (aux, view) => view.setUint32(28, aux.map!.id, true),
  infoFields: (aux) => ({ map_id: aux.map!.id }),
};

// ---- task, task_file ----

/** bpf_iter_attach_task: at most one of tid, pid, pid_fd; no check that the task exists. */
function attachTask(linfo: DataView): IterAux {
  const cmd = 'BPF_LINK_CREATE';
  const tid = linfo.getUint32(0, true);
  const pid = linfo.getUint32(4, true);
  const pidFd = linfo.getUint32(8, true);
  if (Number(!!tid) + Number(!!pid) + Number(!!pidFd) > 1) throw new BpfError('EINVAL', `${cmd}: iter_info.task: give at most one of tid, pid, pid_fd`);
  if (pidFd) throw new BpfError('EBADF', `${cmd}: iter_info.task.pid_fd ${pidFd}: the simulator has no pidfds`);
  if (tid) return { task: { type: 'TID', pid: tid } };
  if (pid) return { task: { type: 'PID', pid } };
  return { task: { type: 'ALL', pid: 0 } };
}

/** Tasks in pid order (find_ge_pid); one thread per simulated process, so TID and PID select the same task. */
function tasks(kernel: Kernel, aux: IterAux): Process[] {
  const all = kernel.liveProcesses.sort((a, b) => a.pid - b.pid);
  const t = aux.task;
  return !t || t.type === 'ALL' ? all : all.filter((p) => p.pid === t.pid);
}

/** iter_task_type_names. */
const taskFdinfo = (aux: IterAux): string => {
  const t = aux.task!;
  return `task_type:\t${t.type}\n` + (t.type === 'TID' ? `tid:\t${t.pid}\n` : t.type === 'PID' ? `pid:\t${t.pid}\n` : '');
};
const taskLinkInfo = (aux: IterAux, view: DataView): void => {
  const t = aux.task!;
  if (t.type === 'TID') view.setUint32(32, t.pid, true);
  if (t.type === 'PID') view.setUint32(36, t.pid, true);
};
const taskInfoFields = (aux: IterAux): Record<string, number> => {
  const t = aux.task!;
  return t.type === 'TID' ? { tid: t.pid } : t.type === 'PID' ? { pid: t.pid } : {};
};

export const taskTarget: IterTarget = {
  name: 'task',
  btfId: 64247,
  ctxSize: 16,
  resched: true,
  attach: attachTask,
  seek(kernel, aux, cursor, restart) {
    return listedSeek(aux, cursor, restart, () => tasks(kernel, aux).map((t) => ({ cursor: t.pid, obj: t })), (p) => !(p.obj as Process).exited);
  },
  fillCtx(plan, _ctx, _kernel, _aux, obj) {
    setPtr(plan, 8, obj ? taskStruct(plan, obj as Process) : undefined);
  },
  showFdinfo: taskFdinfo,
  fillLinkInfo: taskLinkInfo,
  infoFields: taskInfoFields,
};

/** Positions of task_file: pid × FD_SPAN + fd. */
const FD_SPAN = 2 ** 21;

interface TaskFile {
  task: Process;
  fd: number;
  file: OpenFile;
}

export const taskFileTarget: IterTarget = {
  name: 'task_file',
  btfId: 64252,
  ctxSize: 32,
  resched: true,
  attach: attachTask,
  seek(kernel, aux, cursor, restart) {
    const list = (): IterPosition[] =>
      tasks(kernel, aux).flatMap((t) => t.fds.entries().map(([fd, e]) => ({ cursor: t.pid * FD_SPAN + fd, obj: { task: t, fd, file: e.file } satisfies TaskFile })));
    return listedSeek(aux, cursor, restart, list, (p) => {
      const tf = p.obj as TaskFile;
      return !tf.task.exited && tf.task.fds.has(tf.fd);
    });
  },
  fillCtx(plan, ctx, _kernel, _aux, obj) {
    const tf = obj as TaskFile | undefined;
    if (!tf) return; // the final call: task NULL, fd 0, file NULL
    setPtr(plan, 8, taskStruct(plan, tf.task));
    ctx.setUint32(16, tf.fd, true);
    setPtr(plan, 24, fileStruct(plan, tf.fd, tf.file));
  },
  showFdinfo: taskFdinfo,
  fillLinkInfo: taskLinkInfo,
  infoFields: taskInfoFields,
};

/** The registered targets (bpf_iter_reg_target), by name. */
export const ITER_TARGETS: readonly IterTarget[] = [bpfMapTarget, bpfMapElemTarget, bpfProgTarget, bpfLinkTarget, taskTarget, taskFileTarget];

export function iterTargetByName(name: string): IterTarget | undefined {
  return ITER_TARGETS.find((t) => t.name === name);
}

export function iterTargetByBtfId(id: number): IterTarget | undefined {
  return ITER_TARGETS.find((t) => t.btfId === id);
}

/** Drops what the link's (or a session's) aux holds: bpf_iter_detach_map → bpf_map_put_with_uref. */
export function releaseAux(aux: IterAux): void {
  aux.map?.putUser();
}

/** Takes another set of the aux's references (a session's copy: bpf_iter_init_array_map/init_seq_pidns…). */
export function retainAux(aux: IterAux): IterAux {
  aux.map?.getUser();
  return { map: aux.map, task: aux.task && { ...aux.task } };
}
