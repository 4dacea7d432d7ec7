// The kernel oracle's own guarantees: it refuses anything outside its sandbox, so differential scripts can never
// touch this machine's objects, paths or interfaces.
import { describe, expect, it } from 'vitest';
import { availability, warnIfSkipped } from '../../../../testing/kernel-oracle/harness';
import { runOnKernel } from '../../../../testing/kernel-oracle/oracle';

warnIfSkipped();

describe.skipIf(!availability.ok)('kernel oracle sandbox', () => {
  const refused = (cmd: Record<string, unknown>): string => {
    try {
      runOnKernel([cmd as { cmd: string }]);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };

  it('refuses paths outside /sys/fs/bpf and /tmp, and ".." components', () => {
    expect(refused({ cmd: 'mkdir', path: '/etc/bpfsim-oracle' })).toMatch(/outside the sandbox/);
    expect(refused({ cmd: 'BPF_OBJ_GET', pathname: '/sys/fs/bpf/../../../etc/passwd' })).toMatch(/'\.\.' is not allowed/);
    expect(refused({ cmd: 'read', path: '/proc/self/maps' })).toMatch(/outside the sandbox/);
  });

  it('refuses GET_FD_BY_ID of ids the script did not create', () => {
    expect(refused({ cmd: 'BPF_MAP_GET_FD_BY_ID', map_id: 1 })).toMatch(/not created by this script/);
    expect(refused({ cmd: 'BPF_PROG_GET_FD_BY_ID', prog_id: 1 })).toMatch(/not created by this script/);
  });

  it("does not read the kernel's preloaded iterator pins (they list every object on the machine)", () => {
    expect(refused({ cmd: 'read', path: '/sys/fs/bpf/progs.debug' })).toMatch(/may only be stat'ed/);
    expect(refused({ cmd: 'BPF_OBJ_GET', pathname: '/sys/fs/bpf/maps.debug' })).toMatch(/may only be stat'ed/);
  });

  it('refuses offload and attach-at-load program types, and closing stdio', () => {
    expect(refused({ cmd: 'BPF_PROG_LOAD', prog_type: 26, insns: '', license: 'GPL' })).toMatch(/refused/);
    expect(refused({ cmd: 'BPF_MAP_CREATE', map_type: 1, key_size: 4, value_size: 4, max_entries: 1, map_ifindex: 1 })).toMatch(/refused/);
    expect(refused({ cmd: 'close', fd: 1 })).toMatch(/refusing to close stdio/);
  });

  it('gives each run a fresh bpffs: a pin from one run is gone in the next', () => {
    const create = { cmd: 'BPF_MAP_CREATE', map_type: 2, key_size: 4, value_size: 4, max_entries: 1, as: 'm' };
    const first = runOnKernel([create, { cmd: 'BPF_OBJ_PIN', bpf_fd: '$m', pathname: '/sys/fs/bpf/keep' }]);
    expect(first[1].ret).toBe(0);
    const second = runOnKernel([{ cmd: 'BPF_OBJ_GET', pathname: '/sys/fs/bpf/keep' }]);
    expect(second[0].errno).toBe('ENOENT');
  });
});
