import { describe, expect, it } from 'vitest';
import { BPF_EXIST, BPF_F_NO_PREALLOC, BPF_NOEXIST } from './constants.js';
import { createMap } from './create.js';
import { isBpfError } from '../errno.js';
import { errnoOf, FakeEnv, readU32, u32 } from './test-support.js';
import type { BpfMap } from './types.js';

const env = new FakeEnv(2);
const key = (plen: number, ...ip: number[]) => {
  const k = new Uint8Array(8);
  k.set(u32(plen));
  k.set(ip, 4);
  return k;
};
const trie = (max = 16) => createMap({ map_type: 'lpm_trie', key_size: 8, value_size: 4, max_entries: max, map_flags: BPF_F_NO_PREALLOC }, env);
const fmt = (k: Uint8Array) => `${k[4]}.${k[5]}.${k[6]}.${k[7]}/${readU32(k)}`;

function walk(m: BpfMap): string[] {
  const out: string[] = [];
  let k: Uint8Array | null = null;
  for (;;) {
    try {
      k = m.getNextKey(k);
    } catch (e) {
      if (isBpfError(e, 'ENOENT')) return out; // past the last key
      throw e;
    }
    out.push(fmt(k));
  }
}

describe('LPM trie', () => {
  it('longest prefix wins: 10.0.0.0/8 vs 10.1.0.0/16', () => {
    const m = trie();
    m.update(key(8, 10, 0, 0, 0), u32(8));
    m.update(key(16, 10, 1, 0, 0), u32(16));
    expect(readU32(m.lookup(key(32, 10, 1, 2, 3)))).toBe(16);
    expect(readU32(m.lookup(key(32, 10, 2, 2, 3)))).toBe(8);
    expect(readU32(m.lookup(key(16, 10, 1, 255, 255)))).toBe(16);
    expect(readU32(m.lookup(key(15, 10, 1, 0, 0)))).toBe(8); // a /15 query can only match the /8
    expect(errnoOf(() => m.lookup(key(32, 11, 0, 0, 0)))).toBe('ENOENT');
    expect(errnoOf(() => m.lookup(key(33, 10, 0, 0, 0)))).toBe('ENOENT');
    const live = m.lookupForProgram(key(32, 10, 1, 9, 9), 0)!;
    live.set(u32(99));
    expect(readU32(m.lookup(key(16, 10, 1, 0, 0)))).toBe(99);
  });

  it('get_next_key is post-order: the kernel documentation example', () => {
    const m = trie();
    m.update(key(16, 192, 168, 0, 0), u32(1));
    m.update(key(24, 192, 168, 0, 0), u32(2));
    m.update(key(24, 192, 168, 128, 0), u32(3));
    m.update(key(24, 192, 168, 1, 0), u32(5));
    expect(walk(m)).toEqual(['192.168.0.0/24', '192.168.1.0/24', '192.168.128.0/24', '192.168.0.0/16']);
    // a key that is not in the trie (here the intermediate 192.168.0.0/23) restarts at the leftmost node
    expect(fmt(m.getNextKey(key(23, 192, 168, 0, 0)))).toBe('192.168.0.0/24');
    expect(m.count).toBe(4);
  });

  it('update flags, ENOSPC when full, EINVAL for prefixlen > data bits, delete', () => {
    const m = trie(2);
    expect(errnoOf(() => m.update(key(8, 10, 0, 0, 0), u32(1), BPF_EXIST))).toBe('ENOENT');
    m.update(key(8, 10, 0, 0, 0), u32(1), BPF_NOEXIST);
    expect(errnoOf(() => m.update(key(8, 10, 0, 0, 0), u32(1), BPF_NOEXIST))).toBe('EEXIST');
    m.update(key(16, 10, 1, 0, 0), u32(2));
    expect(errnoOf(() => m.update(key(16, 10, 2, 0, 0), u32(2)))).toBe('ENOSPC');
    expect(errnoOf(() => m.update(key(33, 10, 2, 0, 0), u32(2)))).toBe('EINVAL');
    expect(errnoOf(() => m.update(key(8, 10, 2, 0, 0), u32(2), 3))).toBe('EINVAL');
    expect(errnoOf(() => m.delete(key(12, 10, 0, 0, 0)))).toBe('ENOENT');
    m.delete(key(8, 10, 0, 0, 0));
    expect(readU32(m.lookup(key(32, 10, 1, 1, 1)))).toBe(2);
    expect(errnoOf(() => m.lookup(key(32, 10, 2, 1, 1)))).toBe('ENOENT');
    expect(m.updateFromProgram(key(8, 10, 0, 0, 0), u32(3), 0, 0)).toBe(0);
    expect(m.deleteFromProgram(key(8, 10, 0, 0, 0), 0)).toBe(0);
    expect(m.deleteFromProgram(key(8, 10, 0, 0, 0), 0)).toBe(-2);
    expect(errnoOf(() => m.lookupAndDelete(key(16, 10, 1, 0, 0)))).toBe('ENOTSUPP');
  });

  it('deleting every key in any order empties the trie and keeps lookups right (exhaustive over 6 prefixes)', () => {
    const prefixes = [key(8, 10, 0, 0, 0), key(16, 10, 1, 0, 0), key(16, 10, 2, 0, 0), key(24, 10, 1, 1, 0), key(24, 10, 1, 2, 0), key(32, 10, 1, 1, 7)];
    for (let rot = 0; rot < prefixes.length; rot++) {
      const m = trie();
      prefixes.forEach((p, i) => m.update(p, u32(i)));
      const order = [...prefixes.slice(rot), ...prefixes.slice(0, rot)];
      const alive = new Set(prefixes.map((_, i) => i));
      for (const p of order) {
        m.delete(p);
        alive.delete(prefixes.indexOf(p));
        // 10.1.1.7 matches the most specific alive prefix among /32, /24 10.1.1, /16 10.1, /8
        const chain = [5, 3, 1, 0].find((i) => alive.has(i));
        const q = key(32, 10, 1, 1, 7);
        if (chain === undefined) expect(errnoOf(() => m.lookup(q))).toBe('ENOENT');
        else expect(readU32(m.lookup(q))).toBe(chain);
        expect(walk(m).length).toBe(alive.size);
      }
      expect(m.count).toBe(0);
    }
  });

  it('generic batch ops work on tries', () => {
    const m = trie();
    m.update(key(8, 10, 0, 0, 0), u32(1));
    m.update(key(16, 10, 1, 0, 0), u32(2));
    const r = m.lookupBatch({ count: 8 });
    expect([r.count, r.error?.errno]).toEqual([2, 'ENOENT']);
    const d = m.deleteBatch({ count: 2, keys: r.keys });
    expect(d.count).toBe(2);
    expect(m.count).toBe(0);
  });
});
