// bpfsim with bpffs installed, for the differential tests. @bpfsim/objects' Kernel is read dynamically while it is
// being built; each simulated kernel gets its own bpffs (mounted at /sys/fs/bpf, like the oracle's fresh mount).
import * as objects from '@bpfsim/objects';
import { createBpffs, type Bpffs, type KernelLike, type VfsCaller } from '@bpfsim/bpffs';
import {
  exportedClass,
  type DiffOptions,
  type SimKernelCtor,
  type SimKernelLike,
} from '../../../../testing/kernel-oracle/harness';
import type { SimFs, SimProcess } from '../../../../testing/kernel-oracle/sim';

export const Kernel = exportedClass<SimKernelCtor>(objects, 'Kernel');

const installed = new WeakMap<SimKernelLike, Bpffs>();

/** DiffOptions that install a bpffs in each simulated kernel and give processes `fs` if objects does not yet. */
export const withBpffs: Pick<DiffOptions, 'Kernel' | 'setupSim' | 'adaptProcess'> = {
  Kernel,
  setupSim: (kernel) => {
    installed.set(kernel, createBpffs(kernel as unknown as KernelLike));
  },
  adaptProcess: (proc, kernel) => {
    if (proc.fs) return proc;
    const bpffs = installed.get(kernel);
    if (!bpffs) return proc;
    const fs: SimFs = bpffs.fsFor(proc as unknown as VfsCaller);
    return {
      bpf: (cmd, attr) => proc.bpf(cmd, attr),
      close: (fd) => proc.close(fd),
      dup: (fd) => proc.dup(fd),
      fdinfo: (fd) => proc.fdinfo(fd),
      fs,
    };
  },
};

/**
 * A world with only bpffs and processes (no BPF objects): enough for scripts made of mkdir/rmdir/rename/readdir/
 * stat/chmod, so the filesystem semantics are compared with the kernel before @bpfsim/objects is complete.
 * Any bpf(2) command in such a script fails loudly (ENOSYS-like error), never silently.
 */
export class BpffsOnlyKernel implements SimKernelLike {
  readonly bpffs = createBpffs();
  private nextPid = 100;
  spawn(creds: { uid: number; gid: number; caps: string[] }): SimProcess {
    const caller: VfsCaller = {
      pid: this.nextPid++,
      uid: creds.uid,
      gid: creds.gid,
      // root in the kernel holds every capability; the oracle's drop_privs keeps exactly `caps`
      hasCap: (cap) => (creds.uid === 0 && creds.caps.includes('CAP_SYS_ADMIN')) || creds.caps.includes(cap),
      mountNamespace: undefined,
    };
    this.bpffs.attachProcess(caller, undefined);
    const none = (what: string) => (): never => {
      throw new Error(`${what} is not available in a bpffs-only world`);
    };
    return { bpf: none('bpf(2)'), close: none('close'), dup: none('dup'), fdinfo: none('fdinfo'), fs: this.bpffs.fsFor(caller) };
  }
}
