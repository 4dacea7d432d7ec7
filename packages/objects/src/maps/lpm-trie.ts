// BPF_MAP_TYPE_LPM_TRIE (kernel/bpf/lpm_trie.c): longest-prefix-match over big-endian keys
// `struct bpf_lpm_trie_key_u8 { u32 prefixlen; u8 data[]; }` (prefixlen in host = little-endian order).
// The trie has the kernel's shape — intermediate nodes included — so get_next_key yields the kernel's post-order.
import { BpfError, type Errno } from '../errno.js';
import { BaseMap, type MapSpec } from './base.js';
import { BPF_EXIST, BPF_F_ACCESS_MASK, BPF_F_NO_PREALLOC, BPF_F_NUMA_NODE, BPF_NOEXIST, KMALLOC_MAX_SIZE } from './constants.js';
import type { MapEnv } from './types.js';
import { u32At } from './util.js';
import { bad, flagsAccessOk, type NormalizedAttr } from './validate.js';

const LPM_DATA_SIZE_MAX = 256;
const LPM_DATA_SIZE_MIN = 1;
/** sizeof(struct lpm_trie_node): two child pointers, prefixlen, flags. */
const LPM_TRIE_NODE_SIZE = 24;
const LPM_VAL_SIZE_MAX = KMALLOC_MAX_SIZE - LPM_DATA_SIZE_MAX - LPM_TRIE_NODE_SIZE;
const LPM_KEY_SIZE_MIN = 4 + LPM_DATA_SIZE_MIN;
const LPM_KEY_SIZE_MAX = 4 + LPM_DATA_SIZE_MAX;
const LPM_CREATE_FLAG_MASK = BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_ACCESS_MASK;

/** trie_alloc's checks (the trie has no separate alloc_check: they run after the capability check). */
export function lpmAllocCheck(a: NormalizedAttr): void {
  if (
    a.maxEntries === 0 ||
    !(a.mapFlags & BPF_F_NO_PREALLOC) ||
    a.mapFlags & ~LPM_CREATE_FLAG_MASK ||
    !flagsAccessOk(a.mapFlags) ||
    a.keySize < LPM_KEY_SIZE_MIN ||
    a.keySize > LPM_KEY_SIZE_MAX ||
    a.valueSize < 1 ||
    a.valueSize > LPM_VAL_SIZE_MAX
  ) {
    bad(
      'EINVAL',
      `LPM trie needs max_entries > 0, BPF_F_NO_PREALLOC, key_size 4 + 1..${LPM_DATA_SIZE_MAX} ` +
        `(got ${a.keySize}), value_size 1..${LPM_VAL_SIZE_MAX} (got ${a.valueSize}), flags ⊆ 0x${LPM_CREATE_FLAG_MASK.toString(16)} (got 0x${a.mapFlags.toString(16)})`,
    );
  }
}

interface Node {
  prefixlen: number;
  data: Uint8Array;
  /** null for intermediate nodes (LPM_TREE_NODE_FLAG_IM). */
  value: Uint8Array | null;
  child: [Node | null, Node | null];
}

function extractBit(data: Uint8Array, index: number): 0 | 1 {
  return (data[index >> 3] >> (7 - (index & 7))) & 1 ? 1 : 0;
}

export class LpmTrieMap extends BaseMap {
  readonly dataSize: number;
  readonly maxPrefixlen: number;
  private root: Node | null = null;
  private nEntries = 0;

  constructor(spec: MapSpec, env: MapEnv) {
    super(spec, env);
    this.dataSize = spec.keySize - 4;
    this.maxPrefixlen = this.dataSize * 8;
    this.batchOps = { lookup: 'generic', update: 'generic', delete: 'generic' };
  }

  get count(): number {
    return this.nEntries;
  }

  memUsage(): number {
    return (LPM_TRIE_NODE_SIZE + this.dataSize + this.valueSize) * this.nEntries;
  }

  /** __longest_prefix_match: number of leading bits node and key share, capped at both prefix lengths. */
  private matchLen(node: Node, keyData: Uint8Array, keyPrefixlen: number): number {
    const limit = Math.min(node.prefixlen, keyPrefixlen);
    let n = 0;
    for (let i = 0; i < this.dataSize && n < limit; i++) {
      const diff = node.data[i] ^ keyData[i];
      if (diff === 0) {
        n += 8;
        continue;
      }
      n += Math.clz32(diff) - 24;
      break;
    }
    return Math.min(n, limit);
  }

  private parseKey(key: Uint8Array): { prefixlen: number; data: Uint8Array } {
    return { prefixlen: u32At(key), data: key.subarray(4, 4 + this.dataSize) };
  }

  /** trie_lookup_elem: the most specific non-intermediate node matching the key. */
  private lookupNode(key: Uint8Array): Node | null {
    const k = this.parseKey(key);
    if (k.prefixlen > this.maxPrefixlen) return null;
    let found: Node | null = null;
    for (let node = this.root; node; ) {
      const matchlen = this.matchLen(node, k.data, k.prefixlen);
      if (matchlen === this.maxPrefixlen) {
        found = node;
        break;
      }
      if (matchlen < node.prefixlen) break;
      if (node.value) found = node;
      node = node.child[extractBit(k.data, node.prefixlen)];
    }
    return found && found.value ? found : null;
  }

  private checkAddElem(flags: number): Errno | undefined {
    if (flags === BPF_EXIST) return 'ENOENT';
    if (this.nEntries === this.maxEntries) return 'ENOSPC';
    this.nEntries++;
    return undefined;
  }

  /** trie_update_elem */
  private updateElem(key: Uint8Array, value: Uint8Array, flags: number): Errno | undefined {
    if (flags > BPF_EXIST) return 'EINVAL';
    const k = this.parseKey(key);
    if (k.prefixlen > this.maxPrefixlen) return 'EINVAL';
    const newNode: Node = {
      prefixlen: k.prefixlen,
      data: k.data.slice(),
      value: new Uint8Array(this.valueSize),
      child: [null, null],
    };
    this.copyValueIn(newNode.value!, value);

    // Walk down to the slot where the new node belongs.
    let parent: Node | null = null;
    let side: 0 | 1 = 0;
    let node = this.root;
    let matchlen = 0;
    while (node) {
      matchlen = this.matchLen(node, k.data, k.prefixlen);
      if (node.prefixlen !== matchlen || node.prefixlen === k.prefixlen) break;
      parent = node;
      side = extractBit(k.data, node.prefixlen);
      node = node.child[side];
    }
    const setSlot = (n: Node) => {
      if (parent) parent.child[side] = n;
      else this.root = n;
    };

    if (!node) {
      const err = this.checkAddElem(flags);
      if (err) return err;
      setSlot(newNode);
      return undefined;
    }
    if (node.prefixlen === matchlen) {
      // Same prefix: replace the node (turning an intermediate node into a real one counts as an insert).
      if (node.value) {
        if (flags === BPF_NOEXIST) return 'EEXIST';
      } else {
        const err = this.checkAddElem(flags);
        if (err) return err;
      }
      newNode.child = node.child;
      setSlot(newNode);
      return undefined;
    }
    const err = this.checkAddElem(flags);
    if (err) return err;
    if (matchlen === k.prefixlen) {
      // The new node is an ancestor of `node`.
      newNode.child[extractBit(node.data, matchlen)] = node;
      setSlot(newNode);
      return undefined;
    }
    const im: Node = { prefixlen: matchlen, data: node.data.slice(), value: null, child: [null, null] };
    if (extractBit(k.data, matchlen)) {
      im.child = [node, newNode];
    } else {
      im.child = [newNode, node];
    }
    setSlot(im);
    return undefined;
  }

  /** trie_delete_elem */
  private deleteElem(key: Uint8Array): Errno | undefined {
    const k = this.parseKey(key);
    if (k.prefixlen > this.maxPrefixlen) return 'EINVAL';
    // Slots are (owner, side) pairs; owner null = root.
    let trimOwner: Node | null = null;
    let trimSide: 0 | 1 = 0;
    let trim2Owner: Node | null = null;
    let trim2Side: 0 | 1 = 0;
    let parent: Node | null = null;
    let node = this.root;
    let matchlen = 0;
    while (node) {
      matchlen = this.matchLen(node, k.data, k.prefixlen);
      if (node.prefixlen !== matchlen || node.prefixlen === k.prefixlen) break;
      parent = node;
      trim2Owner = trimOwner;
      trim2Side = trimSide;
      trimOwner = node;
      trimSide = extractBit(k.data, node.prefixlen);
      node = node.child[trimSide];
    }
    if (!node || node.prefixlen !== k.prefixlen || node.prefixlen !== matchlen || !node.value) return 'ENOENT';
    this.nEntries--;
    const set = (owner: Node | null, s: 0 | 1, n: Node | null) => {
      if (owner) owner.child[s] = n;
      else this.root = n;
    };
    if (node.child[0] && node.child[1]) {
      node.value = null; // becomes intermediate
      return undefined;
    }
    if (parent && !parent.value && !node.child[0] && !node.child[1]) {
      const other = parent.child[0] === node ? parent.child[1] : parent.child[0];
      set(trim2Owner, trim2Side, other);
      return undefined;
    }
    set(trimOwner, trimSide, node.child[0] ?? node.child[1]);
    return undefined;
  }

  /** trie_get_next_key: post-order (more specific prefixes first); an unknown key restarts at the leftmost node. */
  protected sysGetNextKey(key: Uint8Array | null): Uint8Array {
    const searchRootTop = this.root;
    if (!searchRootTop) throw new BpfError('ENOENT', 'the trie is empty');
    const leftmost = (from: Node | null): Node => {
      let next: Node | null = null;
      for (let node = from; node; ) {
        if (!node.value) node = node.child[0];
        else {
          next = node;
          node = node.child[0] ?? next.child[1];
        }
      }
      return next!;
    };
    const out = (n: Node) => {
      const b = new Uint8Array(this.keySize);
      new DataView(b.buffer).setUint32(0, n.prefixlen, true);
      b.set(n.data, 4);
      return b;
    };
    if (!key) return out(leftmost(searchRootTop));
    const k = this.parseKey(key);
    if (k.prefixlen > this.maxPrefixlen) return out(leftmost(searchRootTop));
    const stack: Node[] = [];
    let node: Node | null = searchRootTop;
    let matchlen = 0;
    while (node) {
      stack.push(node);
      matchlen = this.matchLen(node, k.data, k.prefixlen);
      if (node.prefixlen !== matchlen || node.prefixlen === k.prefixlen) break;
      node = node.child[extractBit(k.data, node.prefixlen)];
    }
    if (!node || node.prefixlen !== matchlen || !node.value) return out(leftmost(searchRootTop));
    let cur = stack[stack.length - 1];
    for (let sp = stack.length - 1; sp > 0; sp--) {
      const p = stack[sp - 1];
      if (p.child[0] === cur && p.child[1]) return out(leftmost(p.child[1]));
      if (p.value) return out(p);
      cur = p;
    }
    throw new BpfError('ENOENT', 'no key after this one');
  }

  protected sysLookup(key: Uint8Array | null): Uint8Array {
    const n = this.lookupNode(key!);
    if (!n) throw new BpfError('ENOENT', 'no prefix in the trie matches this key');
    return this.copyValueOut(n.value!);
  }

  protected sysUpdate(key: Uint8Array | null, value: Uint8Array, flags: number): void {
    const err = this.updateElem(key!, value, flags);
    if (err) throw new BpfError(err, lpmWhy(err, key!));
  }

  protected sysDelete(key: Uint8Array | null): void {
    const err = this.deleteElem(key!);
    if (err) throw new BpfError(err, lpmWhy(err, key!));
  }

  override lookupForProgram(key: Uint8Array, _cpu = 0): Uint8Array | null {
    return this.lookupNode(key)?.value ?? null;
  }

  override updateFromProgram(key: Uint8Array, value: Uint8Array, flags: number, _cpu = 0): number {
    const err = this.updateElem(key, value, flags);
    return err ? -NUM[err] : 0;
  }

  override deleteFromProgram(key: Uint8Array, _cpu = 0): number {
    const err = this.deleteElem(key);
    return err ? -NUM[err] : 0;
  }
}

const NUM: Record<string, number> = { EINVAL: 22, ENOENT: 2, ENOSPC: 28, EEXIST: 17 };

function lpmWhy(err: Errno, key: Uint8Array): string {
  const plen = u32At(key);
  switch (err) {
    case 'ENOSPC':
      return 'the trie is full (max_entries reached)';
    case 'EEXIST':
      return `BPF_NOEXIST: prefix /${plen} already present`;
    case 'ENOENT':
      return `no entry for prefix /${plen}`;
    default:
      return `prefixlen ${plen} larger than the key's data, or bad flags`;
  }
}
