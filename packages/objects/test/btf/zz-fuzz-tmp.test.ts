import { it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { btf as B, isBpfError } from '@bpfsim/objects';
it('fuzz diff', () => {
  const blobs = readFileSync('/tmp/btffuzz/blobs.txt', 'utf8').trim().split('\n');
  const kern = readFileSync('/tmp/btffuzz/kernel.jsonl', 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const out: string[] = [];
  let bad = 0;
  blobs.forEach((h, i) => {
    let log = '';
    let r = 0;
    try {
      B.parseBtf(new Uint8Array(Buffer.from(h, 'hex')), { write: (s) => (log += s) });
    } catch (e) {
      if (!isBpfError(e)) { out.push(`${i} CRASH ${String(e)}`); bad++; return; }
      r = -({ EINVAL: 22, EEXIST: 17, ENOTSUPP: 524, E2BIG: 7, EFAULT: 14 } as Record<string, number>)[e.errno];
    }
    if (r !== kern[i].r || log !== kern[i].log) {
      bad++;
      out.push(JSON.stringify({ i, sim: r, kern: kern[i].r, simTail: log.slice(-300), kernTail: kern[i].log.slice(-300) }));
    }
  });
  writeFileSync('/tmp/btffuzz/diff.txt', `${bad} mismatches\n` + out.join('\n'));
});
