// Credentials of simulated processes: root holds every capability objects knows, bpffs's filesystem ones included
// (CAP_CHOWN for chown, CAP_FOWNER for sticky directories and chmod of others' files, CAP_DAC_OVERRIDE /
// CAP_DAC_READ_SEARCH for permission bits); other users hold none unless given; fork keeps them.
import { describe, expect, it } from 'vitest';
import { ALL_CAPS, Kernel, type VfsCaller } from '@bpfsim/objects';

const FS_CAPS = ['CAP_CHOWN', 'CAP_FOWNER', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH'] as const;

describe('capabilities', () => {
  it('root spawned by objects holds the filesystem capabilities bpffs asks for by name', () => {
    const kernel = new Kernel();
    const root: VfsCaller = kernel.spawn();
    for (const cap of FS_CAPS) expect([cap, root.hasCap(cap)]).toEqual([cap, true]);
    expect([...ALL_CAPS].sort()).toEqual(
      ['CAP_BPF', 'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_NET_ADMIN', 'CAP_PERFMON', 'CAP_SYS_ADMIN'],
    );
  });

  it('an ordinary user has none of them; given ones survive fork', () => {
    const kernel = new Kernel();
    const user = kernel.spawn({ uid: 1000 });
    for (const cap of FS_CAPS) expect(user.hasCap(cap)).toBe(false);
    const owner = kernel.spawn({ uid: 1000, caps: ['CAP_FOWNER'] });
    const child = owner.fork();
    expect([child.hasCap('CAP_FOWNER'), child.hasCap('CAP_CHOWN')]).toEqual([true, false]);
  });
});
