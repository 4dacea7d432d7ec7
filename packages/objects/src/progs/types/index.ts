// objects-progs' program types: ctx layouts (for the ctx-access conversion) and BPF_PROG_TEST_RUN ops, plugged into
// core's ProgTypeRegistry by registerProgTypes (one call in defaultProgTypes).
import type { ProgTypeRegistry } from '../registry.js';
import { PROG_TYPE_NAMES } from '../../uapi.js';
import { registerCtxLayout } from './runnable.js';
import { SKB_LAYOUT, skbTestRun, type SkbFlavour } from './sk-buff.js';
import { XDP_LAYOUT, xdpTestRun } from './xdp.js';
import { rawTpTestRun, tracingTestRun } from './tracing.js';

const type = (name: (typeof PROG_TYPE_NAMES)[number]): number => PROG_TYPE_NAMES.indexOf(name);

/** bpf_prog_test_run_skb's view per type: is_l2 for tc, direct packet writes for tc and lwt_xmit. */
const SKB_TYPES: readonly [(typeof PROG_TYPE_NAMES)[number], SkbFlavour][] = [
  ['SOCKET_FILTER', { l2: false, writablePacket: false }],
  ['SCHED_CLS', { l2: true, writablePacket: true }],
  ['SCHED_ACT', { l2: true, writablePacket: true }],
  ['CGROUP_SKB', { l2: false, writablePacket: false }],
  ['LWT_IN', { l2: false, writablePacket: false }],
  ['LWT_OUT', { l2: false, writablePacket: false }],
  ['LWT_XMIT', { l2: false, writablePacket: true }],
  ['LWT_SEG6LOCAL', { l2: false, writablePacket: false }],
];

/** The skb flavour of a program type, if it runs on an skb. */
export function skbFlavour(progType: number): SkbFlavour | undefined {
  return SKB_TYPES.find(([n]) => type(n) === progType)?.[1];
}

export function registerProgTypes(r: ProgTypeRegistry): void {
  for (const [name, flavour] of SKB_TYPES) {
    registerCtxLayout(type(name), SKB_LAYOUT);
    r.extend(type(name), { testRun: skbTestRun(flavour) });
  }
  registerCtxLayout(type('XDP'), XDP_LAYOUT);
  r.extend(type('XDP'), { testRun: xdpTestRun });
  r.extend(type('RAW_TRACEPOINT'), { testRun: rawTpTestRun });
  r.extend(type('RAW_TRACEPOINT_WRITABLE'), { testRun: rawTpTestRun });
  r.extend(type('TRACING'), { testRun: tracingTestRun });
}
