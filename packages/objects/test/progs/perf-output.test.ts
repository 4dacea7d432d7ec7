// bpf_perf_event_output end to end: a perf_event_array whose slots hold BPF-output perf events (one per cpu, as
// libbpf's perf_buffer opens them), samples read back with the map's consumer. Core's MapEnv does not resolve perf
// event fds yet, so this test gives the Kernel a map factory whose env does what the kernel's perf_event_get does:
// kernel.probes.perfEventTarget(file) for the fd being stored.
import { describe, expect, it } from 'vitest';
import { Kernel, type Process } from '@bpfsim/objects';
import { defaultMapFactory } from '../../src/map-factory.js';
import { PerfEventArrayMap } from '../../src/maps/fd-array.js';
import { load, runRawTp, u32le } from './support.js';

function perfKernel(jit: boolean): { kernel: Kernel; proc: Process } {
  let current: Process | undefined;
  let kernel!: Kernel;
  kernel = new Kernel({
    jit,
    ncpus: 2,
    mapFactory: (attr, env) =>
      defaultMapFactory(attr, {
        ncpus: env.ncpus,
        capable: env.capable,
        resolveFd: (fd, want) => {
          const target = want === 'perf_event' && current ? kernel.probes.perfEventTarget(current.entry(fd).file) : undefined;
          return target ? { id: 0, target, retain: () => {}, release: () => {} } : env.resolveFd(fd, want);
        },
      }),
  });
  current = kernel.spawn();
  return { kernel, proc: current };
}

for (const jit of [false, true]) {
  describe(`bpf_perf_event_output (${jit ? 'jit' : 'interpreter'})`, () => {
    it('BPF_F_CURRENT_CPU writes to the running cpu\'s event; another cpu\'s slot is -EOPNOTSUPP', () => {
      const { kernel, proc } = perfKernel(jit);
      const pa = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PERF_EVENT_ARRAY', key_size: 4, value_size: 4, max_entries: 2 });
      for (const cpu of [0, 1]) proc.mapUpdate(pa, u32le(cpu), u32le(kernel.probes.perfEventOpen(proc, { bpfOutput: { cpu } })));
      const out = (flags: string) => load(proc, 'BPF_PROG_TYPE_RAW_TRACEPOINT', `
        r6 = *(u64 *)(r1 + 0)
        *(u64 *)(r10 - 8) = r6
        r4 = r10
        r4 += -8
        r2 = map_fd({pa})
        r3 = ${flags}
        r5 = 8
        call bpf_perf_event_output
        exit`, { pa });
      const current = out('0xffffffff ll');
      expect(runRawTp(proc, current, [0x1111n])).toBe(0);
      const attr: Record<string, unknown> = { prog_fd: current, ctx_in: new Uint8Array(8).fill(0x22), cpu: 1, flags: 1 };
      proc.bpf('BPF_PROG_TEST_RUN', attr); // BPF_F_TEST_RUN_ON_CPU: runs on cpu 1
      expect(attr.retval).toBe(0);
      expect(runRawTp(proc, out('1'), [0x3333n])).toBe(-95 >>> 0); // slot 1 is cpu 1's event, we run on cpu 0
      const impl = proc.mapFromFd(pa, 'test').impl as PerfEventArrayMap;
      const got: string[] = [];
      impl.consume((s) => got.push(`${s.index}:${Buffer.from(s.data).toString('hex')}`));
      expect(got).toEqual(['0:1111000000000000', '1:2222222222222222']);
    });

    it('a slot holding a kprobe perf event (not a BPF-output event) is -EINVAL', () => {
      const { kernel, proc } = perfKernel(jit);
      const pa = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PERF_EVENT_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });
      proc.mapUpdate(pa, u32le(0), u32le(kernel.probes.perfEventOpen(proc, { kprobe: 'vfs_read' })));
      const p = load(proc, 'BPF_PROG_TYPE_RAW_TRACEPOINT', `
        r4 = r10
        r4 += -8
        r1 = 0
        *(u64 *)(r10 - 8) = r1
        r2 = map_fd({pa})
        r3 = 0
        r5 = 8
        call bpf_perf_event_output
        exit`, { pa });
      expect(runRawTp(proc, p)).toBe(-22 >>> 0);
    });
  });
}
