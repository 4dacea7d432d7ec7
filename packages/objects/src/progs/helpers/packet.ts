// Copying packet bytes (net/core/filter.c): bpf_skb_load_bytes / bpf_skb_store_bytes on the skb's data (from
// skb->data: the MAC header for tc, the network header for socket filters and cgroup_skb) and
// bpf_xdp_load_bytes / bpf_xdp_store_bytes on an xdp_buff's data .. data_end.
import type { HelperCall } from '@bpfsim/vm';
import type { HelperSpec } from '../helpers.js';
import { buffOf } from '../types/xdp.js';
import { EFAULT, EINVAL, helper, ret } from './define.js';

const INT_MAX = 0x7fffffff;
/** BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH: what skb_store_bytes accepts (checksums are not modelled). */
const STORE_FLAGS = (1 << 0) | (1 << 1);
const SKB_TYPES = ['SOCKET_FILTER', 'SCHED_CLS', 'SCHED_ACT', 'CGROUP_SKB', 'LWT_IN', 'LWT_OUT', 'LWT_XMIT', 'LWT_SEG6LOCAL', 'SK_SKB'];
const SKB_WRITERS = ['SCHED_CLS', 'SCHED_ACT', 'LWT_XMIT', 'SK_SKB'];

/** The skb's linear data the program's ctx stands for (the ctx region's `packet`). */
function skbData(r1: bigint, call: HelperCall, name: string): Uint8Array {
  const at = call.mem.resolve(r1);
  const data = at && at.offset === 0 && at.region.kind === 'ctx' ? at.region.packet : undefined;
  if (!data) throw new Error(`${name}: r1 = 0x${r1.toString(16)} is not an __sk_buff context`);
  return data;
}

/** Reads `len` bytes at `offset` of `data` into the program buffer `to`; out of range zeroes it and is -EFAULT. */
function loadBytes(data: Uint8Array, offset: bigint, to: bigint, lenArg: bigint, call: HelperCall): bigint {
  const len = Number(lenArg & 0xffffffffn);
  const off = Number(offset & 0xffffffffn);
  if (off > INT_MAX || off + len > data.length) {
    if (len) call.mem.write(to, new Uint8Array(len));
    return ret(EFAULT);
  }
  if (len) call.mem.write(to, data.slice(off, off + len));
  return 0n;
}

function storeBytes(data: Uint8Array, offset: bigint, from: bigint, lenArg: bigint, call: HelperCall): bigint {
  const len = Number(lenArg & 0xffffffffn);
  const off = Number(offset & 0xffffffffn);
  if (off > INT_MAX || off + len > data.length) return ret(EFAULT);
  if (len) data.set(call.mem.read(from, len), off);
  return 0n;
}

export function packetHelpers(): HelperSpec[] {
  return [
    helper('skb_load_bytes', (r1, r2, r3, r4, _5, call) => loadBytes(skbData(r1, call, 'bpf_skb_load_bytes'), r2, r3, r4, call), SKB_TYPES),
    helper('skb_store_bytes', (r1, r2, r3, r4, r5, call) => {
      if (r5 & ~BigInt(STORE_FLAGS)) return ret(EINVAL);
      return storeBytes(skbData(r1, call, 'bpf_skb_store_bytes'), r2, r3, r4, call);
    }, SKB_WRITERS),
    helper('xdp_load_bytes', (r1, r2, r3, r4, _5, call) => {
      const b = buffOf(r1, call, 'bpf_xdp_load_bytes');
      return loadBytes(b.page.subarray(b.data, b.end), r2, r3, r4, call);
    }, ['XDP']),
    helper('xdp_store_bytes', (r1, r2, r3, r4, _5, call) => {
      const b = buffOf(r1, call, 'bpf_xdp_store_bytes');
      return storeBytes(b.page.subarray(b.data, b.end), r2, r3, r4, call);
    }, ['XDP']),
  ];
}
