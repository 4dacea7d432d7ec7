// The cgroup v2 hierarchy and its BPF side (kernel/cgroup/cgroup.c for the tree, kernel/bpf/cgroup.c for programs):
// directories made with mkdir/rmdir, processes placed with join, directory fds for PROG_ATTACH / LINK_CREATE, the
// per-cgroup program lists with their attach flags, the effective program arrays every cgroup runs
// (compute_effective_progs), and running them: cgroup_skb on a simulated packet (__cgroup_bpf_run_filter_skb),
// cgroup_device on a device access (__cgroup_bpf_check_dev_permission). Other cgroup types attach and query only.
//
// Simplifications, each named where it matters: cgroup ids count up from 1 (the root) instead of being kernfs inode
// numbers; a removed cgroup releases its programs at once (the kernel does so when its last socket goes —
// cgroup_bpf_release); a forked process sits in the cgroup its parent is in when asked, unless it joined one itself.
import { BpfError } from './errno.js';
import type { Kernel } from './kernel.js';
import type { Process } from './process.js';
import type { ProgObject } from './prog/program.js';
import type { LinkObject } from './links/link.js';
import type { OpenFile } from './fd-table.js';
import { buildSkb, runOnSkb } from './progs/types/sk-buff.js';
import { runProgram } from './progs/run.js';

export const BPF_F_ALLOW_OVERRIDE = 1 << 0;
export const BPF_F_ALLOW_MULTI = 1 << 1;
export const BPF_F_REPLACE = 1 << 2;
/** Placement flags (mprog-style, cgroups since 6.16): before/after an anchor named by fd or id, program or link. */
export const BPF_F_BEFORE = 1 << 3;
export const BPF_F_AFTER = 1 << 4;
export const BPF_F_ID = 1 << 5;
export const BPF_F_PREORDER = 1 << 6;
export const BPF_F_LINK = 1 << 13;
/** BPF_CGROUP_MAX_PROGS: at most 64 programs per cgroup and attach type. */
export const BPF_CGROUP_MAX_PROGS = 64;
export const BPF_CGROUP_INET_INGRESS = 0;
export const BPF_CGROUP_INET_EGRESS = 1;
export const BPF_CGROUP_DEVICE = 6;
/** BPF_DEVCG_ACC_* and BPF_DEVCG_DEV_* (struct bpf_cgroup_dev_ctx.access_type = access << 16 | type). */
export const BPF_DEVCG_ACC_MKNOD = 1;
export const BPF_DEVCG_ACC_READ = 2;
export const BPF_DEVCG_ACC_WRITE = 4;
export const BPF_DEVCG_DEV_BLOCK = 1;
export const BPF_DEVCG_DEV_CHAR = 2;

/** One struct bpf_prog_list entry: a program attached with PROG_ATTACH, or a link. */
export interface CgroupEntry {
  prog: ProgObject | undefined;
  link: LinkObject | undefined;
  /** Attached with BPF_F_PREORDER: runs before the programs of the levels below (pl->flags). */
  preorder?: boolean;
}

/** The program an entry runs now (prog_list_prog: a link's current program). */
export const entryProg = (e: CgroupEntry): ProgObject | undefined => e.link?.prog ?? e.prog;

/**
 * Revisions per attach type. cgroup_bpf_inherit starts every attach type of a new cgroup at revision 1 (checked on
 * 6.18: a fresh cgroup with one link reports PROG_QUERY revision 2), so an untouched type reads 1, not 0.
 */
class RevisionMap extends Map<number, number> {
  override get(type: number): number {
    return super.get(type) ?? 1;
  }
}

export class Cgroup {
  readonly children = new Map<string, Cgroup>();
  /** cgrp->bpf.progs[atype] */
  readonly progs = new Map<number, CgroupEntry[]>();
  /** cgrp->bpf.flags[atype]: BPF_F_ALLOW_OVERRIDE / BPF_F_ALLOW_MULTI of the attached programs. */
  readonly flags = new Map<number, number>();
  /** cgrp->bpf.revisions[atype]: 1 for a new cgroup (cgroup_bpf_inherit), bumped on every attach, detach and link update. */
  readonly revisions: Map<number, number> = new RevisionMap();
  /** cgrp->bpf.effective[atype] */
  readonly effective = new Map<number, CgroupEntry[]>();
  online = true;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly parent: Cgroup | undefined,
  ) {}

  get path(): string {
    if (!this.parent) return '/';
    const up = this.parent.path;
    return up === '/' ? `/${this.name}` : `${up}/${this.name}`;
  }

  entries(type: number): CgroupEntry[] {
    let l = this.progs.get(type);
    if (!l) this.progs.set(type, (l = []));
    return l;
  }

  /** Descendants including this cgroup, parents first (css_for_each_descendant_pre). */
  *descendantsPre(): Generator<Cgroup> {
    yield this;
    for (const c of this.children.values()) yield* c.descendantsPre();
  }
}

/**
 * The effective programs of `cg` for `type` (compute_effective_progs): its own, then its ancestors' that allow multi.
 * BPF_F_PREORDER entries go in front instead, the topmost level's first (checked on 6.18: a parent's preorder link
 * runs before the child's own programs, its plain link after them).
 */
function computeEffective(cg: Cgroup, type: number): CgroupEntry[] {
  const preorder: CgroupEntry[][] = [];
  const rest: CgroupEntry[] = [];
  let cnt = 0;
  for (let p: Cgroup | undefined = cg; p; p = p.parent) {
    if (cnt > 0 && !((p.flags.get(type) ?? 0) & BPF_F_ALLOW_MULTI)) continue;
    const level: CgroupEntry[] = [];
    for (const e of p.progs.get(type) ?? []) {
      if (!entryProg(e)) continue;
      (e.preorder ? level : rest).push(e);
      cnt++;
    }
    preorder.unshift(level);
  }
  return [...preorder.flat(), ...rest];
}

/** hierarchy_allows_attach: the nearest ancestor with programs must allow override or multi. */
function hierarchyAllowsAttach(cg: Cgroup, type: number): boolean {
  for (let p = cg.parent; p; p = p.parent) {
    const flags = p.flags.get(type) ?? 0;
    if (flags & BPF_F_ALLOW_MULTI) return true;
    if ((p.progs.get(type)?.length ?? 0) === 1) return (flags & BPF_F_ALLOW_OVERRIDE) !== 0;
  }
  return true;
}

export interface CgroupAttachRequest {
  prog?: ProgObject;
  replace?: ProgObject;
  /** A link; 'pending' while LINK_CREATE validates before the link exists (commit then receives it). */
  link?: LinkObject | 'pending';
  /** BPF_F_ALLOW_OVERRIDE / ALLOW_MULTI / REPLACE, and the placement flags BEFORE / AFTER / ID / LINK / PREORDER. */
  flags: number;
  expectedRevision?: number;
  /** relative_fd or relative_id: the anchor of BPF_F_BEFORE / BPF_F_AFTER (0: none). */
  relative?: number;
  /**
   * Looks the anchor up (bpf_get_anchor_link / bpf_get_anchor_prog): a link when `isLink`, else a program; by id
   * when `isId`, else by fd. Throws the kernel's errno (EBADF, ENOENT, EINVAL). Called only when an anchor is named.
   */
  resolveAnchor?: (isLink: boolean, isId: boolean, idOrFd: number) => ProgObject | LinkObject;
}

/**
 * Where a new entry goes in a cgroup's list (get_prog_list / insert_pl_to_hlist, 6.16+): appended by default,
 * first with BPF_F_BEFORE and no anchor, else right before / after its anchor (a link when BPF_F_LINK, else a
 * program; named by relative_fd, or by relative_id with BPF_F_ID). Checked on 6.18 by cgroup-link.kernel.test.ts.
 */
function insertPosition(list: readonly CgroupEntry[], req: CgroupAttachRequest): number {
  const { flags } = req;
  const isLink = (flags & BPF_F_LINK) !== 0;
  const isId = (flags & BPF_F_ID) !== 0;
  const before = (flags & BPF_F_BEFORE) !== 0;
  const after = (flags & BPF_F_AFTER) !== 0;
  const rel = req.relative ?? 0;
  const named = isLink || isId || rel !== 0;
  if (named) {
    if (before === after) throw new BpfError('EINVAL', 'cgroup attach: an anchor needs exactly one of BPF_F_BEFORE and BPF_F_AFTER');
    // a link is placed relative to a link, a program relative to a program
    if (isLink !== (req.link !== undefined)) {
      throw new BpfError('EINVAL', `cgroup attach: a ${req.link ? 'link' : 'program'} is placed relative to a ${req.link ? 'link (BPF_F_LINK)' : 'program (no BPF_F_LINK)'}`);
    }
  } else {
    if (before && after && list.length) throw new BpfError('EINVAL', 'cgroup attach: BPF_F_BEFORE with BPF_F_AFTER');
    return before ? 0 : list.length;
  }
  if (!req.resolveAnchor) throw new BpfError('EINVAL', 'cgroup attach: relative placement is not available here');
  const anchor = req.resolveAnchor(isLink, isId, rel);
  const i = list.findIndex((e) => (isLink ? e.link === anchor : e.prog === anchor));
  if (i < 0) throw new BpfError('ENOENT', `cgroup attach: the anchor ${isLink ? 'link' : 'program'} ${anchor.id} is not attached here`);
  if (!!list[i].preorder !== ((flags & BPF_F_PREORDER) !== 0)) {
    throw new BpfError('EINVAL', 'cgroup attach: BPF_F_PREORDER differs from the anchor\'s');
  }
  return before ? i : i + 1;
}

export class CgroupHierarchy {
  readonly root = new Cgroup(1, '', undefined);
  private nextId = 2;
  private readonly membership = new WeakMap<Process, Cgroup>();
  private readonly dirFiles = new WeakMap<OpenFile, Cgroup>();

  constructor(private readonly kernel: Kernel) {}

  // ---- the directory tree ----

  private split(path: string): string[] {
    if (!path.startsWith('/')) throw new BpfError('EINVAL', `cgroup path ${JSON.stringify(path)} must be absolute`);
    return path.split('/').filter((s) => s !== '' && s !== '.');
  }

  /** The cgroup at `path`, or undefined. */
  get(path: string): Cgroup | undefined {
    let cg: Cgroup | undefined = this.root;
    for (const part of this.split(path)) {
      if (part === '..') cg = cg.parent ?? cg;
      else cg = cg.children.get(part);
      if (!cg) return undefined;
    }
    return cg;
  }

  private lookup(path: string): Cgroup {
    const cg = this.get(path);
    if (!cg) throw new BpfError('ENOENT', `cgroup ${path} does not exist`);
    return cg;
  }

  /** mkdir(2) in the cgroup filesystem: EEXIST, ENOENT for a missing parent. The new cgroup inherits effective programs. */
  mkdir(path: string): Cgroup {
    const parts = this.split(path);
    const name = parts.pop();
    if (!name || name === '..') throw new BpfError('EEXIST', `cgroup ${path} exists`);
    const parent = this.lookup(`/${parts.join('/')}`);
    if (parent.children.has(name)) throw new BpfError('EEXIST', `cgroup ${path} exists`);
    if (name.length > 255 || name.includes('\n')) throw new BpfError('EINVAL', `bad cgroup name ${JSON.stringify(name)}`);
    const cg = new Cgroup(this.nextId++, name, parent);
    parent.children.set(name, cg);
    // cgroup_bpf_inherit
    for (const type of this.typesInUse(cg)) cg.effective.set(type, computeEffective(cg, type));
    return cg;
  }

  /**
   * rmdir(2): EBUSY while it has children or processes (the root can't go either). Its programs are released and
   * its links auto-detached (cgroup_bpf_release / bpf_cgroup_link_auto_detach): a link keeps its fd and program but
   * reports cgroup_id 0.
   */
  rmdir(path: string): void {
    const cg = this.lookup(path);
    if (!cg.parent) throw new BpfError('EBUSY', 'the root cgroup cannot be removed');
    if (cg.children.size) throw new BpfError('EBUSY', `cgroup ${path} has child cgroups`);
    if (this.processesIn(cg).length) throw new BpfError('EBUSY', `cgroup ${path} has processes`);
    cg.parent.children.delete(cg.name);
    cg.online = false;
    const held: ProgObject[] = [];
    for (const list of cg.progs.values()) {
      for (const e of list.splice(0)) {
        if (e.link) {
          e.link.state.cgroup = undefined;
          e.link.detached = true;
        } else if (e.prog) held.push(e.prog);
      }
    }
    cg.effective.clear();
    for (const p of held) p.put();
  }

  /** Puts `proc` into the cgroup at `path` (echo pid > cgroup.procs). */
  join(proc: Process, path: string): void {
    const cg = this.lookup(path);
    this.membership.set(proc, cg);
  }

  /** The cgroup `proc` is in (a child that never joined one is where its parent is). */
  cgroupOf(proc: Process): Cgroup {
    for (let p: Process | undefined = proc; p; p = p.parent) {
      const cg = this.membership.get(p);
      if (cg && cg.online) return cg;
    }
    return this.root;
  }

  /** Live processes in `cg`. */
  processesIn(cg: Cgroup): Process[] {
    return this.kernel.liveProcesses.filter((p) => this.cgroupOf(p) === cg);
  }

  // ---- directory fds (what PROG_ATTACH's target_fd and LINK_CREATE's target_fd name) ----

  /** open(path, O_RDONLY | O_DIRECTORY) in the cgroup filesystem: an fd for the cgroup directory. */
  open(proc: Process, path: string): number {
    const cg = this.lookup(path);
    const fd = proc.installObject({ kind: 'other', name: `cgroup:${cg.path}` }, { read: true, write: false });
    this.dirFiles.set(proc.entry(fd).file, cg);
    return fd;
  }

  /** cgroup_get_from_fd: EBADF for a closed fd or one that is not a cgroup directory, ENOENT for a removed cgroup. */
  fromFd(proc: Process, fd: number, cmd: string): Cgroup {
    const cg = this.dirFiles.get(proc.entry(fd).file);
    if (!cg) throw new BpfError('EBADF', `${cmd}: fd ${fd} is not a cgroup directory`);
    if (!cg.online) throw new BpfError('ENOENT', `${cmd}: cgroup ${cg.path} was removed`);
    return cg;
  }

  // ---- programs (kernel/bpf/cgroup.c) ----

  private typesInUse(cg: Cgroup): Set<number> {
    const types = new Set<number>();
    for (let p = cg.parent; p; p = p.parent) for (const [t, l] of p.progs) if (l.length) types.add(t);
    return types;
  }

  /** update_effective_progs: recompute the effective arrays of `cg` and all its descendants. */
  private updateEffective(cg: Cgroup, type: number): void {
    for (const d of cg.descendantsPre()) d.effective.set(type, computeEffective(d, type));
  }

  private bumpRevision(cg: Cgroup, type: number): void {
    cg.revisions.set(type, cg.revisions.get(type)! + 1);
  }

  /**
   * The checks of __cgroup_bpf_attach, in the kernel's order; returns the commit step (which cannot fail). The
   * caller holds the reference it passes in `prog` (it moves into the entry on commit).
   */
  prepareAttach(cg: Cgroup, type: number, req: CgroupAttachRequest): (link?: LinkObject) => void {
    const { prog, replace, link, flags } = req;
    const saved = flags & (BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI);
    if ((flags & BPF_F_ALLOW_OVERRIDE && flags & BPF_F_ALLOW_MULTI) || (flags & BPF_F_REPLACE && !(flags & BPF_F_ALLOW_MULTI))) {
      throw new BpfError('EINVAL', 'cgroup attach: BPF_F_ALLOW_OVERRIDE with BPF_F_ALLOW_MULTI, or BPF_F_REPLACE without BPF_F_ALLOW_MULTI');
    }
    if (flags & BPF_F_REPLACE && flags & (BPF_F_BEFORE | BPF_F_AFTER)) {
      throw new BpfError('EINVAL', 'cgroup attach: BPF_F_REPLACE with BPF_F_BEFORE/BPF_F_AFTER');
    }
    if (link && (prog || replace)) throw new BpfError('EINVAL', 'cgroup attach: a link and a program at once');
    if (!!replace !== !!(flags & BPF_F_REPLACE)) throw new BpfError('EINVAL', 'cgroup attach: BPF_F_REPLACE and replace_bpf_fd go together');
    if (req.expectedRevision && req.expectedRevision !== cg.revisions.get(type)) {
      throw new BpfError('ESTALE', `cgroup attach: expected_revision ${req.expectedRevision} is not the current ${cg.revisions.get(type)}`);
    }
    const list = cg.entries(type);
    if (!hierarchyAllowsAttach(cg, type)) throw new BpfError('EPERM', `cgroup attach: an ancestor of ${cg.path} forbids overriding its program`);
    if (list.length && (cg.flags.get(type) ?? 0) !== saved) {
      throw new BpfError('EPERM', `cgroup attach: ${cg.path} already has programs attached with flags 0x${(cg.flags.get(type) ?? 0).toString(16)}, not 0x${saved.toString(16)}`);
    }
    if (list.length >= BPF_CGROUP_MAX_PROGS) throw new BpfError('E2BIG', `cgroup attach: ${BPF_CGROUP_MAX_PROGS} programs already attached`);
    // find_attach_entry
    let entry: CgroupEntry | undefined;
    if (!(flags & BPF_F_ALLOW_MULTI)) entry = list[0];
    else {
      for (const e of list) {
        if (prog && e.prog === prog && prog !== replace) throw new BpfError('EINVAL', `cgroup attach: program ${prog.id} is already attached to ${cg.path}`);
        if (link && e.link === link) throw new BpfError('EINVAL', 'cgroup attach: link already attached');
      }
      if (replace) {
        entry = list.find((e) => e.prog === replace);
        if (!entry) throw new BpfError('ENOENT', `cgroup attach: program ${replace.id} to replace is not attached to ${cg.path}`);
      }
    }
    const preorder = (flags & BPF_F_PREORDER) !== 0;
    const at = entry ? -1 : insertPosition(list, req);
    return (created) => {
      const l = link === 'pending' ? created : link;
      const old = entry?.prog;
      if (entry) {
        entry.prog = prog;
        entry.link = l;
        entry.preorder = preorder;
      } else list.splice(at, 0, { prog, link: l, preorder });
      cg.flags.set(type, saved);
      this.updateEffective(cg, type);
      this.bumpRevision(cg, type);
      old?.put();
    };
  }

  /** __cgroup_bpf_detach for a program (legacy PROG_DETACH) or a link (its release / LINK_DETACH). */
  detach(cg: Cgroup, type: number, prog: ProgObject | undefined, link: LinkObject | undefined, expectedRevision = 0): void {
    if (expectedRevision && expectedRevision !== cg.revisions.get(type)) {
      throw new BpfError('ESTALE', `cgroup detach: expected_revision ${expectedRevision} is not the current one`);
    }
    const list = cg.entries(type);
    const flags = cg.flags.get(type) ?? 0;
    // find_detach_entry
    let i: number;
    if (!(flags & BPF_F_ALLOW_MULTI)) {
      if (!list.length) throw new BpfError('ENOENT', `cgroup detach: nothing attached to ${cg.path}`);
      i = 0;
    } else {
      if (!prog && !link) throw new BpfError('EINVAL', 'cgroup detach: BPF_F_ALLOW_MULTI programs are detached by naming the program');
      i = list.findIndex((e) => e.prog === prog && e.link === link);
      if (i < 0) throw new BpfError('ENOENT', `cgroup detach: program ${prog?.id ?? link?.prog.id} is not attached to ${cg.path}`);
    }
    const [removed] = list.splice(i, 1);
    this.updateEffective(cg, type);
    this.bumpRevision(cg, type);
    if (!list.length) cg.flags.set(type, 0);
    removed.prog?.put();
  }

  /** __cgroup_bpf_replace: the link's program changes (the caller swaps link.prog); effective arrays follow it. */
  linkUpdated(cg: Cgroup, type: number): void {
    this.bumpRevision(cg, type);
  }

  /** The programs `path` runs for `attachType`, in order (what BPF_F_QUERY_EFFECTIVE reports). */
  effectivePrograms(path: string, attachType: number): ProgObject[] {
    const cg = this.lookup(path);
    return (cg.effective.get(attachType) ?? computeEffective(cg, attachType)).map(entryProg).filter((p): p is ProgObject => !!p);
  }

  // ---- running ----

  /**
   * A packet delivered to a socket of a process in `path` (ingress, __cgroup_bpf_run_filter_skb): every effective
   * cgroup_skb program runs on the skb (data at the network header); if any returns an even value the packet is
   * refused. Returns 0 (accept) or -EPERM (drop), as the kernel.
   */
  runIngress(path: string, frame: Uint8Array, opts: { proc?: Process; ifindex?: number } = {}): number {
    return this.runSkb(path, BPF_CGROUP_INET_INGRESS, frame, opts).ret;
  }

  /**
   * A packet sent from a socket in `path` (egress). Programs return 0/1 (drop/keep) plus bit 1 for congestion
   * notification. Returns NET_XMIT_SUCCESS (0), NET_XMIT_DROP (1, dropped with cn), NET_XMIT_CN (2) or -EPERM.
   */
  runEgress(path: string, frame: Uint8Array, opts: { proc?: Process; ifindex?: number } = {}): number {
    const { ret, cn } = this.runSkb(path, BPF_CGROUP_INET_EGRESS, frame, opts);
    if (ret === 0) return cn ? 2 : 0;
    return cn ? 1 : ret;
  }

  /**
   * A process in `path` opens, reads, writes or mknods a device node (__cgroup_bpf_check_dev_permission): every
   * effective cgroup_device program runs on struct bpf_cgroup_dev_ctx { access_type, major, minor }; any 0 denies.
   * Returns 0 (allowed) or -EPERM.
   */
  checkDevice(path: string, dev: { type: 'block' | 'char'; major: number; minor: number; access: number }, opts: { proc?: Process } = {}): number {
    const cg = this.lookup(path);
    let ret = 0;
    for (const prog of this.effectivePrograms(cg.path, BPF_CGROUP_DEVICE)) {
      const ctx = new Uint8Array(12);
      const v = new DataView(ctx.buffer);
      v.setUint32(0, ((dev.access << 16) | (dev.type === 'block' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR)) >>> 0, true);
      v.setUint32(4, dev.major >>> 0, true);
      v.setUint32(8, dev.minor >>> 0, true);
      const r = runProgram(this.kernel, prog, { proc: opts.proc, regions: [{ kind: 'ctx', name: 'ctx', bytes: ctx, writable: false }] });
      if (!(r.r0 & 1n) && ret === 0) ret = -1; // -EPERM
    }
    return ret;
  }

  /** bpf_prog_run_array_cg: all programs run; retval becomes -EPERM at the first one that says drop. */
  private runSkb(path: string, type: number, frame: Uint8Array, opts: { proc?: Process; ifindex?: number }): { ret: number; cn: boolean } {
    const cg = this.lookup(path);
    let ret = 0;
    let cn = false;
    // One skb goes through every program (a mark or cb written by one is seen by the next).
    const flavour = { l2: false, writablePacket: false };
    const skb = buildSkb(frame.slice(), flavour, opts.ifindex ?? 1);
    for (const prog of this.effectivePrograms(cg.path, type)) {
      let r = runOnSkb(this.kernel, prog, skb, flavour, opts.proc);
      if (type === BPF_CGROUP_INET_EGRESS) {
        cn ||= (r >>> 1) !== 0;
        r &= 1;
      }
      if (!(r & 1) && ret === 0) ret = -1; // -EPERM
    }
    return { ret, cn };
  }
}
