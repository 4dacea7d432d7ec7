// Cgroup links (kernel/bpf/cgroup.c cgroup_bpf_link_attach and bpf_cgroup_link_lops): LINK_CREATE with a cgroup
// attach type and target_fd a cgroup directory. A link always attaches in BPF_F_ALLOW_MULTI mode, so it can't share
// a cgroup and attach type with programs attached without that flag (EPERM). When the cgroup is removed the link is
// auto-detached: its fd stays valid, its program stays, and its info reports cgroup_id 0. BPF_F_BEFORE / BPF_F_AFTER
// (with BPF_F_LINK / BPF_F_ID naming the anchor link) place it in the cgroup's list; BPF_F_PREORDER runs it before
// the programs of the levels below. All of it is replayed against the live kernel by
// test/links/cgroup-link.kernel.test.ts and cgroup-link-random.kernel.test.ts.
import { BpfError } from '../errno.js';
import { u32, u64 } from '../attr.js';
import { BPF_F_ALLOW_MULTI, type Cgroup } from '../cgroups.js';
import { checkProgAttachType, cgroupProgType } from '../syscall/attach.js';
import type { AttachPoint, AttachRegistry } from './registry.js';
import { linkPrimeFailed } from './xdp.js';
import type { LinkObject, LinkOps } from './link.js';

/** enum bpf_link_type BPF_LINK_TYPE_CGROUP. */
export const BPF_LINK_TYPE_CGROUP = 3;

const cgroupOf = (link: LinkObject): Cgroup | undefined => link.state.cgroup as Cgroup | undefined;
const kernelOf = (link: LinkObject) => link.state.kernel as import('../kernel.js').Kernel;

/** bpf_cgroup_link_release / _detach: off the cgroup's list; the link forgets its cgroup. */
function release(link: LinkObject): void {
  const cg = cgroupOf(link);
  if (!cg) return;
  link.state.cgroup = undefined;
  if (cg.online) kernelOf(link).cgroups.detach(cg, link.attachType, undefined, link);
}

const cgroupLinkOps: LinkOps = {
  linkType: BPF_LINK_TYPE_CGROUP,
  release,
  detach: release,
  updateProg(link, newProg) {
    const cg = cgroupOf(link);
    // the link might have been auto-released by a dying cgroup
    if (!cg) throw new BpfError('ENOLINK', 'BPF_LINK_UPDATE: the link\'s cgroup is gone');
    if (newProg.type !== link.prog.type) throw new BpfError('EINVAL', 'BPF_LINK_UPDATE: new program has another type');
    // The effective arrays hold the link, so they run the new program as soon as the caller swaps link.prog.
    kernelOf(link).cgroups.linkUpdated(cg, link.attachType);
  },
  showFdinfo(link) {
    return `cgroup_id:\t${cgroupOf(link)?.id ?? 0}\nattach_type:\t${link.attachType}\n`;
  },
  fillLinkInfo(link, view) {
    view.setBigUint64(16, BigInt(cgroupOf(link)?.id ?? 0), true);
    view.setUint32(24, link.attachType, true);
  },
  infoFields(link) {
    return { cgroup_id: BigInt(cgroupOf(link)?.id ?? 0), attach_type: link.attachType };
  },
};

/** BPF_F_LINK_ATTACH_MASK: BPF_F_ID | BPF_F_BEFORE | BPF_F_AFTER | BPF_F_PREORDER | BPF_F_LINK. */
const LINK_ATTACH_MASK = (1 << 5) | (1 << 3) | (1 << 4) | (1 << 6) | (1 << 13);

export function cgroupAttachPoint(): AttachPoint {
  return {
    attach({ kernel, proc, prog, attachType, attr }) {
      const cmd = 'BPF_LINK_CREATE';
      if (cgroupProgType(attachType) !== prog.type) {
        throw new BpfError('EINVAL', `${cmd}: attach_type ${attachType} does not take a program of type ${prog.type}`);
      }
      checkProgAttachType(prog, attachType, cmd);
      const flags = u32(attr, 'flags', cmd);
      if (flags & ~LINK_ATTACH_MASK) throw new BpfError('EINVAL', `${cmd}: unknown flags 0x${flags.toString(16)}`);
      const cg = kernel.cgroups.fromFd(proc, u32(attr, 'target_fd', cmd), cmd);
      // link_create.cgroup.relative_fd and relative_id share one u32
      const relative = u32(attr, 'relative_fd', cmd) || u32(attr, 'relative_id', cmd);
      // bpf_get_anchor_link: by id (bpf_link_by_id) or fd; it must be a cgroup link running this program type
      const resolveAnchor = (_isLink: boolean, isId: boolean, idOrFd: number): LinkObject => {
        let anchor: LinkObject | undefined;
        if (isId) {
          anchor = idOrFd ? kernel.linkIds.get(idOrFd) : undefined;
          if (!anchor) throw new BpfError('ENOENT', `${cmd}: no link with id ${idOrFd}`);
        } else {
          if (!idOrFd) throw new BpfError('EINVAL', `${cmd}: BPF_F_LINK without relative_fd`);
          anchor = proc.linkFromFd(idOrFd, cmd);
        }
        if (anchor.linkType !== BPF_LINK_TYPE_CGROUP || anchor.prog.type !== prog.type) {
          throw new BpfError('EINVAL', `${cmd}: anchor link ${anchor.id} is not a cgroup link of this program type`);
        }
        return anchor;
      };
      // cgroup_bpf_link_attach: always BPF_F_ALLOW_MULTI. Every check runs now, before the link exists. The kernel
      // primes the link (allocating its ID) before cgroup_bpf_attach, so a refusal from there uses up a link ID.
      let commit: ReturnType<typeof kernel.cgroups.prepareAttach>;
      const expectedRevision = Number(u64(attr, 'expected_revision', cmd));
      try {
        commit = kernel.cgroups.prepareAttach(cg, attachType, { link: 'pending', flags: BPF_F_ALLOW_MULTI | flags, expectedRevision, relative, resolveAnchor });
      } catch (e) {
        linkPrimeFailed(kernel);
        throw e;
      }
      return { ops: cgroupLinkOps, state: { cgroup: cg, kernel }, bind: (link) => commit(link) };
    },
  };
}

/** The cgroup attach types LINK_CREATE accepts. */
export function registerCgroupAttachPoints(r: AttachRegistry): void {
  const point = cgroupAttachPoint();
  for (const t of [0, 1, 2, 3, 6, 8, 9, 10, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, 29, 30, 31, 32, 34, 49, 50, 51, 52, 53]) r.register(t, point);
}
