// bpfsim with bpffs installed, for the differential tests: each simulated kernel gets its own bpffs (mounted at
// /sys/fs/bpf, like the oracle's fresh mount); objects' Process then reaches it as proc.fs.
import { Kernel as ObjectsKernel } from '@bpfsim/objects';
import { createBpffs, type VfsCaller } from '@bpfsim/bpffs';
import type { DiffOptions, SimKernelCtor, SimKernelLike } from '../../../../testing/kernel-oracle/harness';
import type { SimProcess } from '../../../../testing/kernel-oracle/sim';

/** DiffOptions that install a bpffs in each simulated kernel (createBpffs calls kernel.installVfs). */
export const withBpffs: Pick<DiffOptions, 'Kernel' | 'setupSim'> = {
  // The harness spells capabilities as plain strings (the oracle's), objects as its Capability union.
  Kernel: ObjectsKernel as unknown as SimKernelCtor,
  setupSim: (kernel) => {
    createBpffs(kernel as ObjectsKernel);
  },
};

/**
 * A world with only bpffs and processes (no BPF objects): enough for scripts made of mkdir/rmdir/rename/readdir/
 * stat/chmod, so the filesystem semantics are compared with the kernel on their own.
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
