// The programs in examples/ that the README's demo runs: they must keep working, with results checked by hand.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { main } from './index.js';
import { fakeIO } from './testing/fake-io.js';

const repo = new URL('../../../', import.meta.url);
const read = (path: string) => new Uint8Array(readFileSync(new URL(path, repo)));

describe('examples/', () => {
  it('sum-bytes.s sums the bytes of hello.txt on both engines', async () => {
    // "hello, bpfsim!\n": 104+101+108+108+111+44+32+98+112+102+115+105+109+33+10 = 1292
    for (const engine of ['interp', 'jit']) {
      const { io, out } = fakeIO({
        'examples/sum-bytes.s': read('examples/sum-bytes.s'),
        'examples/hello.txt': read('examples/hello.txt'),
      });
      expect(await main(['asm', '--syntax', 'llvm', 'examples/sum-bytes.s', '-o', 'sum.bin'], io)).toBe(0);
      expect(await main(['run', 'sum.bin', '--syntax', 'raw', '--mem', 'examples/hello.txt', '--engine', engine, '--json'], io)).toBe(0);
      expect(JSON.parse(out.stdout).r0).toBe('1292');
      expect(out.stderr).toBe('');
    }
  });

  it('count-packets.bpftool: three test runs of the XDP program leave 3 in the map, and each returns XDP_PASS', async () => {
    const { io, out } = fakeIO({
      'examples/count-packets.bpftool': read('examples/count-packets.bpftool'),
      'examples/count-packets.s': read('examples/count-packets.s'),
    });
    expect(await main(['prog', '--script', 'examples/count-packets.bpftool'], io)).toBe(0);
    expect(out.stdout).toContain('Return value: 2,');
    expect(out.stdout).toContain('key: 00 00 00 00  value: 03 00 00 00 00 00 00 00');
    expect(out.stderr).toBe('');
  });
});
