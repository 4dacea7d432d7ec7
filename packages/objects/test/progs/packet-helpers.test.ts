// bpf_skb_load_bytes / _store_bytes, bpf_xdp_load_bytes / _store_bytes and bpf_get_current_cgroup_id.
import { describe, expect, it } from 'vitest';
import { ipv4Frame, load, runRawTp, setup } from './support.js';

/** Loads `len` bytes at `off` through `helper` into fp-8 and returns them as a u64 (or 1000 + -errno). */
const loadProg = (helper: string, off: number, len: number) => `
  r6 = r1
  r1 = 0
  *(u64 *)(r10 - 8) = r1
  r1 = r6
  r2 = ${off}
  r3 = r10
  r3 += -8
  r4 = ${len}
  call ${helper}
  if r0 != 0 goto +2
  r0 = *(u64 *)(r10 - 8)
  exit
  r0 = -r0
  r0 += 1000
  exit`;

for (const jit of [false, true]) {
  describe(`packet helpers (${jit ? 'jit' : 'interpreter'})`, () => {
    it('skb_load_bytes reads from skb->data: the network header for socket filters, the MAC header for tc', () => {
      const { proc } = setup({ jit });
      const frame = ipv4Frame();
      const run = (type: string, off: number, len: number) =>
        proc.progTestRun(load(proc, type, loadProg('bpf_skb_load_bytes', off, len)), { data_in: frame }).retval;
      expect(run('BPF_PROG_TYPE_SOCKET_FILTER', 9, 1)).toBe(17); // IP protocol
      expect(run('BPF_PROG_TYPE_SCHED_CLS', 12, 2)).toBe(0x0008); // ethertype bytes 08 00, read little-endian
      expect(run('BPF_PROG_TYPE_SOCKET_FILTER', 20, 4)).toBe(0xefbeadde); // the payload
      expect(run('BPF_PROG_TYPE_SOCKET_FILTER', 21, 4)).toBe(1014); // past the end: -EFAULT
    });

    it('skb_store_bytes rewrites the packet a tc program sees (data_out shows it); bad flags are -EINVAL', () => {
      const { proc } = setup({ jit });
      const store = (flags: number) => load(proc, 'BPF_PROG_TYPE_SCHED_CLS', `
        r6 = r1
        r1 = 0xbbaa
        *(u16 *)(r10 - 2) = r1
        r1 = r6
        r2 = 0
        r3 = r10
        r3 += -2
        r4 = 2
        r5 = ${flags}
        call bpf_skb_store_bytes
        exit`);
      const out = proc.progTestRun(store(0), { data_in: ipv4Frame() });
      expect(out.retval).toBe(0);
      expect([...out.data_out!.subarray(0, 3)]).toEqual([0xaa, 0xbb, 0]);
      expect(proc.progTestRun(store(4), { data_in: ipv4Frame() }).retval).toBe(-22 >>> 0);
    });

    it('xdp_load_bytes / xdp_store_bytes work on data .. data_end', () => {
      const { proc } = setup({ jit });
      const frame = Uint8Array.from({ length: 40 }, (_, i) => i);
      const ld = load(proc, 'BPF_PROG_TYPE_XDP', loadProg('bpf_xdp_load_bytes', 36, 4));
      expect(proc.progTestRun(ld, { data_in: frame }).retval).toBe(0x27262524);
      const past = load(proc, 'BPF_PROG_TYPE_XDP', loadProg('bpf_xdp_load_bytes', 37, 4));
      expect(proc.progTestRun(past, { data_in: frame }).retval).toBe(1014);
      const st = load(proc, 'BPF_PROG_TYPE_XDP', `
        r6 = r1
        r1 = 0x99
        *(u8 *)(r10 - 1) = r1
        r1 = r6
        r2 = 39
        r3 = r10
        r3 += -1
        r4 = 1
        call bpf_xdp_store_bytes
        r0 = 2
        exit`);
      expect(proc.progTestRun(st, { data_in: frame }).data_out![39]).toBe(0x99);
    });
  });
}

describe('bpf_get_current_cgroup_id', () => {
  it('reports the cgroup the process joined (the root, id 1, by default)', () => {
    const { kernel, proc } = setup();
    const p = load(proc, 'BPF_PROG_TYPE_RAW_TRACEPOINT', 'call bpf_get_current_cgroup_id\nexit');
    expect(runRawTp(proc, p)).toBe(1);
    const cg = kernel.cgroups.mkdir('/svc');
    kernel.cgroups.join(proc, '/svc');
    expect(runRawTp(proc, p)).toBe(cg.id);
  });
});
