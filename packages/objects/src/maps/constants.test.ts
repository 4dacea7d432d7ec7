import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as C from './constants.js';
import { ERRNO_NUMBERS, errnoName, errnoNumber } from '../errno.js';

const header = '/usr/include/linux/bpf.h';

describe('map type table', () => {
  it('round-trips numbers, uapi names and bpftool names', () => {
    expect(C.resolveMapType('BPF_MAP_TYPE_LRU_PERCPU_HASH')).toBe(10);
    expect(C.resolveMapType('lpm_trie')).toBe(11);
    expect(C.mapTypeBpftoolName(C.BPF_MAP_TYPE_PERCPU_ARRAY)).toBe('percpu_array');
    expect(C.mapTypeBpftoolName(C.BPF_MAP_TYPE_PROG_ARRAY)).toBe('prog_array');
    expect(C.mapTypeUapiName(27)).toBe('BPF_MAP_TYPE_RINGBUF');
    expect(C.resolveMapType(-1)).toBeUndefined();
    expect(C.resolveMapType('nope')).toBeUndefined();
  });

  const hasHeader = existsSync(header);
  if (!hasHeader) console.warn(`constants.test.ts: uapi header check SKIPPED — ${header} not found (install linux-libc-dev)`);
  it.skipIf(!hasHeader)(`matches enum bpf_map_type and the flag values in the installed uapi header${hasHeader ? '' : ` (skipped: ${header} not found)`}`, () => {
    const src = readFileSync(header, 'utf8');
    const body = src.slice(src.indexOf('enum bpf_map_type {'));
    const names = [...body.slice(0, body.indexOf('};')).matchAll(/^\s*(BPF_MAP_TYPE_\w+)(\s*=\s*(\w+))?,/gm)];
    let n = 0;
    for (const m of names) {
      if (m[3] && !/^\d+$/.test(m[3])) continue; // alias such as CGROUP_STORAGE = CGROUP_STORAGE_DEPRECATED
      if (m[3]) n = Number(m[3]);
      if (!m[1].endsWith('_DEPRECATED')) expect([m[1], C.MAP_TYPE_BY_NAME.get(m[1])]).toEqual([m[1], n]);
      n++;
    }
    for (const f of ['NO_PREALLOC', 'NO_COMMON_LRU', 'NUMA_NODE', 'RDONLY', 'WRONLY', 'ZERO_SEED', 'RDONLY_PROG', 'WRONLY_PROG', 'MMAPABLE', 'PRESERVE_ELEMS', 'INNER_MAP']) {
      const m = src.match(new RegExp(`BPF_F_${f}\\s*=\\s*\\(1U << (\\d+)\\)`));
      expect([f, (C as Record<string, unknown>)[`BPF_F_${f}`]]).toEqual([f, 1 << Number(m![1])]);
    }
  });
});

describe('errno table', () => {
  it('has the Linux numbers (ENOTSUPP is the kernel-internal 524)', () => {
    expect(errnoNumber('EPERM')).toBe(1);
    expect(errnoNumber('E2BIG')).toBe(7);
    expect(errnoNumber('EINVAL')).toBe(22);
    expect(errnoNumber('EOPNOTSUPP')).toBe(95);
    expect(errnoNumber('ENOTSUPP')).toBe(524);
    expect(errnoName(-28)).toBe('ENOSPC');
    expect(new Set(Object.values(ERRNO_NUMBERS)).size).toBe(Object.keys(ERRNO_NUMBERS).length);
  });
});
