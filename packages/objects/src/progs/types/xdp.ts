// struct xdp_md and the xdp_buff behind it (include/net/xdp.h), BPF_PROG_TEST_RUN for XDP (net/bpf/test_run.c
// bpf_prog_test_run_xdp), the head/tail/meta adjustment helpers (net/core/filter.c), and a device receiving a frame
// (the driver's XDP hook: run the attached program, act on the verdict).
//
// The frame lives in one page: XDP_PACKET_HEADROOM (256) bytes of headroom, the data, and tailroom up to
// PAGE_SIZE - SKB_DATA_ALIGN(sizeof(struct skb_shared_info)). The program's packet region is [data_meta, data_end);
// an adjustment maps a new region and rewrites the hidden pointers (the verifier invalidates old packet pointers
// after these helpers, so a verified program reloads them from the ctx).
import type { HelperCall } from '@bpfsim/vm';
import { BpfError } from '../../errno.js';
import type { Kernel } from '../../kernel.js';
import type { ProgObject } from '../../prog/program.js';
import type { Process } from '../../process.js';
import type { TestRunRequest, TestRunResult } from '../test-run.js';
import { runProgram } from '../run.js';
import type { CtxLayout } from './runnable.js';
import { ctxInit, measureRuns, ETH_HLEN } from './test-run-common.js';

export const XDP_MD = { data: 0, data_end: 4, data_meta: 8, ingress_ifindex: 12, rx_queue_index: 16, egress_ifindex: 20 } as const;
/** sizeof(struct xdp_md). */
export const XDP_MD_SIZE = 24;
export const XDP_LAYOUT: CtxLayout = {
  uapiSize: XDP_MD_SIZE,
  pointerFields: [
    { name: 'data', uapiOffset: XDP_MD.data, hiddenOffset: XDP_MD_SIZE },
    { name: 'data_end', uapiOffset: XDP_MD.data_end, hiddenOffset: XDP_MD_SIZE + 8 },
    { name: 'data_meta', uapiOffset: XDP_MD.data_meta, hiddenOffset: XDP_MD_SIZE + 16 },
  ],
};

export const XDP_PACKET_HEADROOM = 256;
const PAGE_SIZE = 4096;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64. */
const SHINFO_SIZE = 320;
/** sizeof(struct xdp_frame): the head of the headroom adjust_head / adjust_meta must leave alone. */
const XDP_FRAME_SIZE = 40;
export const XDP_MAX_TEST_DATA = PAGE_SIZE - XDP_PACKET_HEADROOM - SHINFO_SIZE;
const BPF_F_TEST_XDP_LIVE_FRAMES = 1 << 1;
/** enum bpf_attach_type values test_run refuses for XDP (BPF_XDP_DEVMAP, BPF_XDP_CPUMAP). */
const BPF_XDP_DEVMAP = 33;
const BPF_XDP_CPUMAP = 35;

export const XDP_ABORTED = 0;
export const XDP_DROP = 1;
export const XDP_PASS = 2;
export const XDP_TX = 3;
export const XDP_REDIRECT = 4;

/** struct xdp_buff: offsets into `page`. */
export class XdpBuff {
  readonly page = new Uint8Array(PAGE_SIZE);
  readonly ctx = new Uint8Array(XDP_MD_SIZE + 24);
  private readonly view = new DataView(this.ctx.buffer);
  meta: number;
  data: number;
  end: number;
  /** Address of page[regionStart] in the program's memory while a run is going on. */
  private base = 0n;
  private regionStart = 0;

  constructor(frame: Uint8Array, headroom: number, metalen: number, ingressIfindex: number, rxQueue: number) {
    this.meta = headroom;
    this.data = headroom + metalen;
    this.end = headroom + frame.length;
    this.page.set(frame, headroom);
    this.view.setUint32(XDP_MD.ingress_ifindex, ingressIfindex, true);
    this.view.setUint32(XDP_MD.rx_queue_index, rxQueue, true);
  }

  /** The packet region the program may address now. */
  region(): Uint8Array {
    this.regionStart = this.meta;
    return this.page.subarray(this.meta, this.end);
  }

  /** Records where region() was mapped and writes the hidden data pointers. */
  mapped(addr: bigint): void {
    this.base = addr;
    const at = (off: number): bigint => this.base + BigInt(off - this.regionStart);
    this.view.setBigUint64(XDP_MD_SIZE, at(this.data), true);
    this.view.setBigUint64(XDP_MD_SIZE + 8, at(this.end), true);
    this.view.setBigUint64(XDP_MD_SIZE + 16, at(this.meta), true);
  }

  /** data_meta .. data_end: what test_run copies out and a device transmits or passes up. */
  frameOut(): Uint8Array {
    return this.page.slice(this.meta, this.end);
  }

  get hardEnd(): number {
    return PAGE_SIZE - SHINFO_SIZE;
  }
}

/** xdp_md ctx bytes → the buffer they belong to (for the adjust helpers). */
const buffs = new WeakMap<Uint8Array, XdpBuff>();

function runOnBuff(kernel: Kernel, prog: ProgObject, buff: XdpBuff, proc?: Process, cpu = 0): number {
  buffs.set(buff.ctx, buff);
  const r = runProgram(kernel, prog, {
    proc,
    cpu,
    regions: [
      { kind: 'ctx', name: 'ctx', bytes: buff.ctx, writable: false },
      { kind: 'packet', name: 'packet', bytes: buff.region(), writable: true },
    ],
    args: (addrs) => {
      buff.mapped(addrs[1]);
      return [addrs[0]];
    },
  });
  return Number(r.r0 & 0xffffffffn);
}

const metalenInvalid = (n: number): boolean => (n & 3) !== 0 || n > 32;

/** bpf_prog_test_run_xdp without live frames (BPF_F_TEST_XDP_LIVE_FRAMES is refused with EOPNOTSUPP here). */
export function xdpTestRun(req: TestRunRequest): TestRunResult {
  const cmd = 'BPF_PROG_TEST_RUN';
  const eat = req.prog.expectedAttachType;
  if (eat === BPF_XDP_DEVMAP || eat === BPF_XDP_CPUMAP) throw new BpfError('EINVAL', `${cmd}: devmap/cpumap XDP programs cannot be test-run`);
  if (req.flags & ~BPF_F_TEST_XDP_LIVE_FRAMES) throw new BpfError('EINVAL', `${cmd}: unknown flags 0x${req.flags.toString(16)}`);
  if (req.flags & BPF_F_TEST_XDP_LIVE_FRAMES) throw new BpfError('EOPNOTSUPP', `${cmd}: live-frame mode is not simulated`);
  if (req.batchSize) throw new BpfError('EINVAL', `${cmd}: batch_size needs BPF_F_TEST_XDP_LIVE_FRAMES`);
  const size = req.dataIn?.length ?? 0;
  const ctx = ctxInit(req, XDP_MD_SIZE);
  let headroom = XDP_PACKET_HEADROOM;
  let metalen = 0;
  let ingress = 1;
  let rxQueue = 0;
  if (ctx) {
    const v = new DataView(ctx.buffer);
    const data = v.getUint32(XDP_MD.data, true);
    const dataEnd = v.getUint32(XDP_MD.data_end, true);
    if (v.getUint32(XDP_MD.data_meta, true) || dataEnd > size || data > dataEnd || metalenInvalid(data)) {
      throw new BpfError('EINVAL', `${cmd}: xdp_md ctx_in needs data_meta 0, data <= data_end <= data_size_in and data (the metadata length) a multiple of 4 up to 32`);
    }
    metalen = data;
    headroom -= data;
    // xdp_convert_md_to_buff
    if (v.getUint32(XDP_MD.egress_ifindex, true)) throw new BpfError('EINVAL', `${cmd}: xdp_md.egress_ifindex must be 0`);
    const ifindex = v.getUint32(XDP_MD.ingress_ifindex, true);
    rxQueue = v.getUint32(XDP_MD.rx_queue_index, true);
    if (!ifindex && rxQueue) throw new BpfError('EINVAL', `${cmd}: rx_queue_index without ingress_ifindex`);
    if (ifindex) {
      if (!req.kernel.netdevs.get(ifindex)) throw new BpfError('ENODEV', `${cmd}: xdp_md.ingress_ifindex ${ifindex}: no such device`);
      // Simulated devices have one rx queue.
      if (rxQueue >= 1) throw new BpfError('EINVAL', `${cmd}: rx_queue_index ${rxQueue} >= the device's 1 rx queue`);
      ingress = ifindex;
    }
  }
  const max = PAGE_SIZE - headroom - SHINFO_SIZE;
  if (size < ETH_HLEN || size > max) {
    throw new BpfError('EINVAL', `${cmd}: data_in must hold ${ETH_HLEN}..${max} bytes (multi-buffer frames are not simulated), got ${size}`);
  }
  // Each repeat starts from the same input (the kernel re-initialises the xdp_buff per run only in live mode; in
  // plain mode all repeats share one buffer, which this reproduces).
  const buff = new XdpBuff(req.dataIn!, headroom, metalen, ingress, rxQueue);
  const { retval, duration } = measureRuns(req, () => runOnBuff(req.kernel, req.prog, buff, req.proc));
  let ctxOut: Uint8Array | undefined;
  if (ctx) {
    // xdp_convert_buff_to_md
    const v = new DataView(ctx.buffer);
    v.setUint32(XDP_MD.data, buff.data - buff.meta, true);
    v.setUint32(XDP_MD.data_end, buff.end - buff.meta, true);
    ctxOut = ctx;
  }
  return { retval, duration, dataOut: buff.frameOut(), ctxOut: req.wantsCtxOut ? ctxOut : undefined };
}

// ---- the adjustment helpers ----

export function buffOf(r1: bigint, call: HelperCall, name: string): XdpBuff {
  const at = call.mem.resolve(r1);
  const b = at && at.offset === 0 ? buffs.get(at.region.bytes) : undefined;
  if (!b) throw new Error(`${name}: r1 = 0x${r1.toString(16)} is not an xdp_md context`);
  return b;
}

/** After an adjustment: a new packet region and new hidden pointers. */
function remap(b: XdpBuff, call: HelperCall): void {
  b.mapped(call.mem.map({ kind: 'packet', name: 'packet', bytes: b.region(), writable: true }));
}

const s32 = (v: bigint): number => Number(BigInt.asIntN(32, v));
const EINVAL = BigInt.asUintN(64, -22n);
const EACCES = BigInt.asUintN(64, -13n);

/** bpf_xdp_adjust_head: moves data (and the metadata in front of it) by `offset`. */
export function xdpAdjustHead(r1: bigint, r2: bigint, call: HelperCall): bigint {
  const b = buffOf(r1, call, 'bpf_xdp_adjust_head');
  const offset = s32(r2);
  const metalen = b.data - b.meta;
  const data = b.data + offset;
  if (data < XDP_FRAME_SIZE + metalen || data > b.end - ETH_HLEN) return EINVAL;
  if (metalen) b.page.copyWithin(b.meta + offset, b.meta, b.data);
  b.meta += offset;
  b.data = data;
  remap(b, call);
  return 0n;
}

/** bpf_xdp_adjust_tail: moves data_end; growing zeroes the new bytes. */
export function xdpAdjustTail(r1: bigint, r2: bigint, call: HelperCall): bigint {
  const b = buffOf(r1, call, 'bpf_xdp_adjust_tail');
  const offset = s32(r2);
  const end = b.end + offset;
  if (end > b.hardEnd || end < b.data + ETH_HLEN) return EINVAL;
  if (offset > 0) b.page.fill(0, b.end, end);
  b.end = end;
  remap(b, call);
  return 0n;
}

/** bpf_xdp_adjust_meta: moves data_meta (the metadata area must stay a multiple of 4, at most 32 bytes). */
export function xdpAdjustMeta(r1: bigint, r2: bigint, call: HelperCall): bigint {
  const b = buffOf(r1, call, 'bpf_xdp_adjust_meta');
  const meta = b.meta + s32(r2);
  if (meta < XDP_FRAME_SIZE || meta > b.data) return EINVAL;
  if (metalenInvalid(b.data - meta)) return EACCES;
  b.meta = meta;
  remap(b, call);
  return 0n;
}

// ---- a device receiving a frame ----

export interface XdpVerdict {
  /** The program's action (XDP_PASS when no program is attached); unknown actions count as XDP_ABORTED. */
  readonly action: number;
  /** The frame after the program (data .. data_end), as it would be passed up or transmitted. */
  readonly frame: Uint8Array;
}

/**
 * A frame arrives on device `ifindex` (the driver's receive path, or netif_receive_generic_xdp for generic XDP): its
 * XDP program — attached by BPF_LINK_CREATE or the legacy way, in either mode — runs on an xdp_buff with
 * XDP_PACKET_HEADROOM, rx queue 0 and ingress_ifindex `ifindex`, and the verdict comes back with the frame as the
 * program left it (after bpf_xdp_adjust_head/tail, without the metadata). Nothing attached: XDP_PASS and the frame
 * unchanged. ENODEV for a device that does not exist (or was removed); EINVAL for a frame that is shorter than an
 * Ethernet header or does not fit in one page.
 */
export function xdpReceive(kernel: Kernel, ifindex: number, frame: Uint8Array): XdpVerdict {
  const dev = kernel.netdevs.get(ifindex);
  if (!dev) throw new BpfError('ENODEV', `XDP receive: no device with ifindex ${ifindex}`);
  if (frame.length < ETH_HLEN || frame.length > XDP_MAX_TEST_DATA) {
    throw new BpfError('EINVAL', `XDP receive on ${dev.name}: a frame holds ${ETH_HLEN}..${XDP_MAX_TEST_DATA} bytes, got ${frame.length}`);
  }
  if (!dev.xdp) return { action: XDP_PASS, frame: frame.slice() };
  const buff = new XdpBuff(frame, XDP_PACKET_HEADROOM, 0, ifindex, 0);
  const action = runOnBuff(kernel, dev.xdp.prog, buff);
  // bpf_warn_invalid_xdp_action: an unknown action is handled as XDP_ABORTED (the frame is dropped)
  return { action: action <= XDP_REDIRECT ? action : XDP_ABORTED, frame: buff.page.slice(buff.data, buff.end) };
}
