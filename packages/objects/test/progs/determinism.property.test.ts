// Same seed + same inputs ⇒ same run: trace pipe text, return values and map contents, on both engines.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Kernel } from '@bpfsim/objects';
import { load, runRawTp, stackString } from './support.js';

function scenario(seed: number, args: bigint[], jit: boolean): { pipe: string; results: number[] } {
  let t = 0n;
  const kernel = new Kernel({ seed, jit, clock: () => (t += 1234n) });
  const proc = kernel.spawn({ comm: 'det' });
  const fmt = stackString('r=%u t=%llu a=%lld\n');
  const p = load(proc, 'BPF_PROG_TYPE_RAW_TRACEPOINT', `
    r6 = *(u64 *)(r1 + 0)
    call bpf_get_prandom_u32
    r7 = r0
    call bpf_ktime_get_ns
    r8 = r0
    ${fmt.code}
    r1 = r10
    r1 += ${fmt.off}
    r2 = ${-fmt.off}
    r3 = r7
    r4 = r8
    r5 = r6
    call bpf_trace_printk
    r0 = r7
    exit`);
  const results = args.map((a) => runRawTp(proc, p, [a]));
  return { pipe: kernel.tracePipe.text, results };
}

describe('determinism', () => {
  it('same seed and inputs give the same trace pipe and results (interpreter and JIT agree too)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffffff }), fc.array(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), { minLength: 1, maxLength: 4 }), (seed, signed) => {
        const args = signed.map((a) => BigInt.asUintN(64, a));
        const a = scenario(seed, args, false);
        const b = scenario(seed, args, false);
        const c = scenario(seed, args, true);
        expect(b).toEqual(a);
        expect(c).toEqual(a);
        expect(a.pipe.split('\n\n').length - 1).toBe(args.length);
        expect(a.pipe).toContain(`a=${BigInt.asIntN(64, args[0])}\n`);
      }),
      { numRuns: 15 },
    );
  });
});
