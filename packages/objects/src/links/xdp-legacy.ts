// Attaching XDP programs the pre-link way (what `ip link set dev X xdp…` and libbpf's bpf_xdp_attach do over netlink:
// rtnl_setlink → do_setlink → dev_change_xdp_fd → dev_xdp_attach). The device holds the program reference itself;
// there is no link. The rules (shared with XDP links) are in xdp.ts's checkXdpAttach.
import { BpfError } from '../errno.js';
import type { Process } from '../process.js';
import type { ProgObject } from '../prog/program.js';
import { BPF_PROG_TYPE_XDP } from '../uapi.js';
import { checkXdpAttach, severalModes, XDP_FLAGS_MASK, XDP_FLAGS_REPLACE } from './xdp.js';

export { XDP_FLAGS_UPDATE_IF_NOEXIST, XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE, XDP_FLAGS_HW_MODE, XDP_FLAGS_REPLACE } from './xdp.js';

export interface XdpSetOptions {
  /** IFLA_XDP_FLAGS: XDP_FLAGS_* */
  flags?: number;
  /**
   * IFLA_XDP_EXPECTED_FD, read only with XDP_FLAGS_REPLACE (which then requires it): the program expected on the
   * device now, -1 for "none".
   */
  expectedFd?: number;
}

/** bpf_prog_get_type_dev(fd, BPF_PROG_TYPE_XDP): EBADF / EINVAL. */
function xdpProg(proc: Process, fd: number, what: string): ProgObject {
  const prog = proc.progFromFd(fd, what);
  if (prog.type !== BPF_PROG_TYPE_XDP) throw new BpfError('EINVAL', `${what}: program ${prog.id} is not an XDP program`);
  return prog;
}

/**
 * Puts the XDP program `fd` on device `ifindex`, or takes the one in the requested mode off with fd -1 (a no-op when
 * that mode has none). Checks everything before changing anything; the device takes its own program reference and
 * drops the old one.
 */
export function setXdpProgram(proc: Process, ifindex: number, fd: number, opts: XdpSetOptions = {}): void {
  const what = 'XDP attach';
  const flags = opts.flags ?? 0;
  const dev = proc.kernel.netdevs.get(ifindex);
  if (!dev) throw new BpfError('ENODEV', `${what}: no device with ifindex ${ifindex}`);
  // do_setlink
  if (flags & ~XDP_FLAGS_MASK) throw new BpfError('EINVAL', `${what}: unknown flags 0x${(flags & ~XDP_FLAGS_MASK).toString(16)}`);
  if (severalModes(flags)) throw new BpfError('EINVAL', `${what}: only one XDP mode flag can be set`);
  const replace = (flags & XDP_FLAGS_REPLACE) !== 0;
  if (replace && opts.expectedFd === undefined) throw new BpfError('EINVAL', `${what}: XDP_FLAGS_REPLACE needs an expected fd (-1 for none)`);
  // dev_change_xdp_fd
  const newProg = fd >= 0 ? xdpProg(proc, fd, what) : undefined;
  const expectedFd = replace ? opts.expectedFd! : -1;
  const oldProg = expectedFd >= 0 ? xdpProg(proc, expectedFd, what) : undefined;
  const { mode, cur } = checkXdpAttach({ dev, flags, newProg, oldProg, what });
  if (newProg === cur) return;
  newProg?.get();
  dev.xdp = newProg ? { prog: newProg, mode } : undefined;
  cur?.put();
}
