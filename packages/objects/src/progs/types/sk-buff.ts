// struct __sk_buff (include/uapi/linux/bpf.h) and BPF_PROG_TEST_RUN for the skb program types (net/bpf/test_run.c
// bpf_prog_test_run_skb): socket_filter, sched_cls, sched_act, cgroup_skb and the lwt types.
//
// The ctx region is the 192-byte uapi struct the program addresses, followed by the hidden pointers data, data_end
// and data_meta (ctx-access.ts rewrites the program's u32 loads of those fields into 64-bit loads of the hidden ones).
import { BpfError } from '../../errno.js';
import type { Kernel } from '../../kernel.js';
import type { ProgObject } from '../../prog/program.js';
import type { Process } from '../../process.js';
import type { TestRunRequest, TestRunResult } from '../test-run.js';
import { runProgram } from '../run.js';
import type { CtxLayout } from './runnable.js';
import { ctxInit, measureRuns, ETH_HLEN } from './test-run-common.js';

/** Byte offsets of struct __sk_buff fields (checked against /usr/include/linux/bpf.h with offsetof). */
export const SKB = {
  len: 0, pkt_type: 4, mark: 8, queue_mapping: 12, protocol: 16, vlan_present: 20, vlan_tci: 24, vlan_proto: 28,
  priority: 32, ingress_ifindex: 36, ifindex: 40, tc_index: 44, cb: 48, hash: 68, tc_classid: 72, data: 76,
  data_end: 80, napi_id: 84, family: 88, remote_ip4: 92, local_ip4: 96, remote_ip6: 100, local_ip6: 116,
  remote_port: 132, local_port: 136, data_meta: 140, flow_keys: 144, tstamp: 152, wire_len: 160, gso_segs: 164,
  sk: 168, gso_size: 176, tstamp_type: 180, hwtstamp: 184,
} as const;
/** sizeof(struct __sk_buff). */
export const SK_BUFF_SIZE = 192;

export const SKB_LAYOUT: CtxLayout = {
  uapiSize: SK_BUFF_SIZE,
  pointerFields: [
    { name: 'data', uapiOffset: SKB.data, hiddenOffset: SK_BUFF_SIZE },
    { name: 'data_end', uapiOffset: SKB.data_end, hiddenOffset: SK_BUFF_SIZE + 8 },
    { name: 'data_meta', uapiOffset: SKB.data_meta, hiddenOffset: SK_BUFF_SIZE + 16 },
  ],
};
const SKB_REGION_SIZE = SK_BUFF_SIZE + 24;

/** PAGE_SIZE - (NET_SKB_PAD + NET_IP_ALIGN) - SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64. */
export const MAX_SKB_TEST_DATA = 4096 - 64 - 320;
/** GSO_MAX_SEGS and GSO_LEGACY_MAX_SIZE (convert___skb_to_skb's limits). */
const GSO_MAX_SEGS = 65535;
const GSO_LEGACY_MAX_SIZE = 65536;

const PACKET_BROADCAST = 1;
const PACKET_MULTICAST = 2;
const PACKET_OTHERHOST = 3;
const AF_INET = 2;
/** The loopback device (always ifindex 1): test_run's default device. */
const LOOPBACK_IFINDEX = 1;
const AF_INET6 = 10;

/** How a program type sees the skb (bpf_prog_test_run_skb's is_l2 / is_direct_pkt_access). */
export interface SkbFlavour {
  /** sched_cls / sched_act: skb->data is the MAC header; others see the network header first. */
  readonly l2: boolean;
  /** May write packet bytes through data (tc, lwt_xmit). */
  readonly writablePacket: boolean;
}

/** The simulated skb of one run: the frame, where the program's data starts, and its __sk_buff. */
export interface SimSkb {
  /** The whole frame, MAC header included. */
  readonly frame: Uint8Array;
  /** Offset in `frame` of skb->data as the program sees it (0 for L2 types, ETH_HLEN otherwise). */
  readonly dataOffset: number;
  /** The __sk_buff region bytes (uapi struct + hidden pointers). */
  readonly ctx: Uint8Array;
}

/**
 * eth_type_trans: pkt_type from the destination MAC against the device's address (00:00:00:00:00:00 for every
 * simulated device) and broadcast address — which the loopback device test_run uses leaves zero
 * (loopback_setup does not call ether_setup), so ff:ff:ff:ff:ff:ff is PACKET_MULTICAST there, as on the kernel.
 * protocol comes back as the skb stores it (__be16).
 */
function ethTypeTrans(frame: Uint8Array, loopback: boolean): { pktType: number; protocolBe: number } {
  const dst = frame.subarray(0, 6);
  let pktType = 0;
  if (dst.some((b) => b !== 0)) {
    const broadcast = !loopback && dst.every((b) => b === 0xff);
    if (dst[0] & 1) pktType = broadcast ? PACKET_BROADCAST : PACKET_MULTICAST;
    else pktType = PACKET_OTHERHOST;
  }
  const proto = (frame[12] << 8) | frame[13];
  // eth_proto_is_802_3: >= ETH_P_802_3_MIN (0x600); else raw 802.3 (0xFFFF magic) or 802.2.
  const host = proto >= 0x600 ? proto : frame[14] === 0xff && frame[15] === 0xff ? 0x0001 : 0x0004;
  // The u32 field holds the big-endian u16 as stored: bytes hi, lo read little-endian.
  return { pktType, protocolBe: ((host >> 8) & 0xff) | ((host & 0xff) << 8) };
}

/**
 * Builds the skb a program sees for `frame` arriving on device `ifindex` (bpf_prog_test_run_skb after
 * eth_type_trans, the sk fields filled from the IP header, then convert___skb_to_skb with `ctxIn`).
 */
export function buildSkb(frame: Uint8Array, flavour: SkbFlavour, ifindex: number, ctxIn?: Uint8Array): SimSkb {
  const ctx = new Uint8Array(SKB_REGION_SIZE);
  const v = new DataView(ctx.buffer);
  const dataOffset = flavour.l2 ? 0 : ETH_HLEN;
  const { pktType, protocolBe } = ethTypeTrans(frame, ifindex === LOOPBACK_IFINDEX);
  const l3 = frame.subarray(ETH_HLEN);
  if (ctxIn) {
    // The fields convert___skb_to_skb takes over (mark, priority, ingress_ifindex, cb, tstamp, wire_len, gso_*,
    // hwtstamp); ifindex picked the device.
    for (const [off, size] of ALLOWED_CTX_FIELDS) ctx.set(ctxIn.subarray(off, off + size), off);
  }
  v.setUint32(SKB.len, frame.length - dataOffset, true);
  v.setUint32(SKB.pkt_type, pktType, true);
  v.setUint32(SKB.protocol, protocolBe, true);
  v.setUint32(SKB.ifindex, ifindex, true);
  if (v.getUint32(SKB.wire_len, true) === 0) v.setUint32(SKB.wire_len, frame.length - dataOffset, true);
  // The socket test_run creates: family and addresses from the IP header (sk_rcv_saddr = saddr, sk_daddr = daddr).
  if (protocolBe === 0x0008) {
    v.setUint32(SKB.family, AF_INET, true);
    if (l3.length >= 20) {
      ctx.set(l3.subarray(16, 20), SKB.remote_ip4);
      ctx.set(l3.subarray(12, 16), SKB.local_ip4);
    }
  } else if (protocolBe === 0xdd86) {
    v.setUint32(SKB.family, AF_INET6, true);
    if (l3.length >= 40) {
      ctx.set(l3.subarray(24, 40), SKB.remote_ip6);
      ctx.set(l3.subarray(8, 24), SKB.local_ip6);
    }
  }
  return { frame, dataOffset, ctx };
}

/** [offset, size] of the __sk_buff fields test_run accepts in ctx_in (convert___skb_to_skb). */
const ALLOWED_CTX_FIELDS: readonly (readonly [number, number])[] = [
  [SKB.mark, 4], [SKB.priority, 4], [SKB.ingress_ifindex, 4], [SKB.ifindex, 4], [SKB.cb, 20], [SKB.tstamp, 8],
  [SKB.wire_len, 4], [SKB.gso_segs, 4], [SKB.gso_size, 4], [SKB.hwtstamp, 8],
];

/** convert___skb_to_skb's checks: every byte outside the allowed fields zero, wire_len and gso_segs in range. */
export function checkSkbCtxIn(ctx: Uint8Array, frameLen: number): void {
  const allowed = new Uint8Array(SK_BUFF_SIZE);
  for (const [off, size] of ALLOWED_CTX_FIELDS) allowed.fill(1, off, off + size);
  for (let i = 0; i < SK_BUFF_SIZE; i++) {
    if (!allowed[i] && ctx[i]) {
      const field = Object.entries(SKB).filter(([, o]) => o <= i).sort((a, b) => b[1] - a[1])[0][0];
      throw new BpfError('EINVAL', `BPF_PROG_TEST_RUN: __sk_buff.${field} (byte ${i}) must be zero in ctx_in`);
    }
  }
  const v = new DataView(ctx.buffer, ctx.byteOffset, SK_BUFF_SIZE);
  const wire = v.getUint32(SKB.wire_len, true);
  if (wire !== 0 && (wire < frameLen || wire > GSO_LEGACY_MAX_SIZE)) {
    throw new BpfError('EINVAL', `BPF_PROG_TEST_RUN: __sk_buff.wire_len ${wire} must be 0 or ${frameLen}..${GSO_LEGACY_MAX_SIZE}`);
  }
  const segs = v.getUint32(SKB.gso_segs, true);
  if (segs > GSO_MAX_SEGS) throw new BpfError('EINVAL', `BPF_PROG_TEST_RUN: __sk_buff.gso_segs ${segs} > GSO_MAX_SEGS`);
}

/** Runs `prog` once on `skb`: maps the __sk_buff and the packet, fills the hidden data pointers. Returns r0 (u32). */
export function runOnSkb(kernel: Kernel, prog: ProgObject, skb: SimSkb, flavour: SkbFlavour, proc?: Process, cpu = 0): number {
  const pkt = skb.frame.subarray(skb.dataOffset);
  const v = new DataView(skb.ctx.buffer);
  const r = runProgram(kernel, prog, {
    proc,
    cpu,
    regions: [
      { kind: 'ctx', name: 'ctx', bytes: skb.ctx, writable: true, packet: pkt },
      { kind: 'packet', name: 'packet', bytes: pkt, writable: flavour.writablePacket },
    ],
    args: (addrs) => {
      v.setBigUint64(SK_BUFF_SIZE, addrs[1], true);
      v.setBigUint64(SK_BUFF_SIZE + 8, addrs[1] + BigInt(pkt.length), true);
      v.setBigUint64(SK_BUFF_SIZE + 16, addrs[1], true);
      return [addrs[0]];
    },
  });
  return Number(r.r0 & 0xffffffffn);
}

/** bpf_prog_test_run_skb for a program type of the given flavour. */
export function skbTestRun(flavour: SkbFlavour): (req: TestRunRequest) => TestRunResult {
  return (req) => {
    const cmd = 'BPF_PROG_TEST_RUN';
    if (req.flags || req.cpu || req.batchSize) throw new BpfError('EINVAL', `${cmd}: flags, cpu and batch_size must be 0 for skb programs`);
    const data = req.dataIn;
    if (!data || data.length < ETH_HLEN || data.length > MAX_SKB_TEST_DATA) {
      throw new BpfError('EINVAL', `${cmd}: data_in must hold ${ETH_HLEN}..${MAX_SKB_TEST_DATA} bytes (an Ethernet frame), got ${data?.length ?? 0}`);
    }
    const ctxIn = ctxInit(req, SK_BUFF_SIZE);
    if (ctxIn) checkSkbCtxIn(ctxIn, flavour.l2 ? data.length : data.length - ETH_HLEN);
    const ctxIfindex = ctxIn ? new DataView(ctxIn.buffer).getUint32(SKB.ifindex, true) : 0;
    let ifindex = 1;
    if (ctxIfindex > 1) {
      if (!req.kernel.netdevs.get(ctxIfindex)) throw new BpfError('ENODEV', `${cmd}: __sk_buff.ifindex ${ctxIfindex}: no such device`);
      ifindex = ctxIfindex;
    }
    const skb = buildSkb(data.slice(), flavour, ifindex, ctxIn);
    const { retval, duration } = measureRuns(req, () => runOnSkb(req.kernel, req.prog, skb, flavour, req.proc));
    // Non-L2 programs get the MAC header back zeroed (test_run pushes hh_len bytes and memsets them).
    const out = skb.frame.slice();
    if (!flavour.l2) out.fill(0, 0, ETH_HLEN);
    let ctxOut: Uint8Array | undefined;
    if (ctxIn) {
      // convert_skb_to___skb: what the kernel copies back over the ctx_in copy.
      ctxOut = ctxIn.slice();
      for (const [off, size] of [[SKB.mark, 4], [SKB.priority, 4], [SKB.ingress_ifindex, 4], [SKB.ifindex, 4], [SKB.tstamp, 8], [SKB.cb, 20], [SKB.wire_len, 4], [SKB.gso_segs, 4], [SKB.hwtstamp, 8]] as const) {
        ctxOut.set(skb.ctx.subarray(off, off + size), off);
      }
    }
    return { retval, duration, dataOut: out, ctxOut: req.wantsCtxOut ? ctxOut : undefined };
  };
}
