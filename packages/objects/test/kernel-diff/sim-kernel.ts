// bpfsim's Kernel for the differential tests: @bpfsim/objects' Kernel behind the harness's SimKernelLike. The
// harness spells capabilities as the oracle's plain strings; a name bpfsim does not model is an error here, not
// silently dropped, so a script cannot run on the simulator with different privileges than on the kernel. No
// bpffs is installed: these scripts use bpf(2) and process commands only (packages/bpffs has its own adapter).
import { ALL_CAPS, Kernel as ObjectsKernel, type Capability } from '@bpfsim/objects';
import type { Creds, SimKernelLike } from '../../../../testing/kernel-oracle/harness';
import type { SimProcess } from '../../../../testing/kernel-oracle/sim';

const isCapability = (name: string): name is Capability => (ALL_CAPS as readonly string[]).includes(name);

export class Kernel implements SimKernelLike {
  readonly kernel: ObjectsKernel;

  constructor(options: { ncpus?: number } = {}) {
    this.kernel = new ObjectsKernel(options);
  }

  spawn(creds: Creds): SimProcess {
    const unknown = creds.caps.filter((c) => !isCapability(c));
    if (unknown.length > 0) throw new Error(`bpfsim does not model capabilities ${unknown.join(', ')}`);
    const proc = this.kernel.spawn({ uid: creds.uid, gid: creds.gid, caps: creds.caps.filter(isCapability) });
    return {
      bpf: (cmd, attr) => proc.bpf(cmd, attr),
      close: (fd) => proc.close(fd),
      dup: (fd) => proc.dup(fd),
      fdinfo: (fd) => proc.fdinfo(fd),
    };
  }
}
