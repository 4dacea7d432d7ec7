// Differential test: the gpl_only column of the helper table against the running kernel. Each helper is called from a
// program with license "Proprietary" of many program types; the verifier either refuses it as GPL-restricted, or
// gets past that check (any later verdict), or says the type cannot use the helper (no information).
// Skips (with the reason) when clang-19, unshare or bpf(2) is unavailable. Loads happen inside `unshare -m`; nothing
// is attached or pinned.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HELPERS, encode, type Instruction } from './index.js';
import { kernelVerdictHelper } from './testing/kernel-verdict.js';

const env = kernelVerdictHelper('helpers.kernel.test.ts');

/** uapi enum bpf_prog_type values, with the expected_attach_type a type insists on (enum bpf_attach_type). */
const PROG_TYPES: ReadonlyArray<readonly [string, number, number, number]> = [
  // name, prog_type, expected_attach_type, prog_flags
  ['socket_filter', 1, 0, 0], ['kprobe', 2, 0, 0], ['sched_cls', 3, 0, 0], ['sched_act', 4, 0, 0],
  ['tracepoint', 5, 0, 0], ['xdp', 6, 0, 0], ['perf_event', 7, 0, 0], ['cgroup_skb', 8, 0, 0],
  ['cgroup_sock', 9, 2 /* BPF_CGROUP_INET_SOCK_CREATE */, 0], ['lwt_in', 10, 0, 0], ['lwt_out', 11, 0, 0],
  ['lwt_xmit', 12, 0, 0], ['sock_ops', 13, 0, 0], ['sk_skb', 14, 0, 0], ['cgroup_device', 15, 0, 0],
  ['sk_msg', 16, 0, 0], ['raw_tracepoint', 17, 0, 0], ['cgroup_sock_addr', 18, 10 /* BPF_CGROUP_INET4_CONNECT */, 0],
  ['lwt_seg6local', 19, 0, 0], ['sk_reuseport', 21, 0, 0], ['flow_dissector', 22, 0, 0], ['cgroup_sysctl', 23, 0, 0],
  ['raw_tracepoint_writable', 24, 0, 0], ['cgroup_sockopt', 25, 21 /* BPF_CGROUP_GETSOCKOPT */, 0],
  ['sk_lookup', 30, 36 /* BPF_SK_LOOKUP */, 0], ['syscall', 31, 0, 16 /* BPF_F_SLEEPABLE */],
  ['netfilter', 32, 45 /* BPF_NETFILTER */, 0],
];

const mov = (dst: number, src: number | undefined, imm = 0): Instruction =>
  src === undefined ? { opcode: 0xb7, dst, src: 0, off: 0, imm } : { opcode: 0xbf, dst, src, off: 0, imm: 0 };
const program = (helper: number): string =>
  Buffer.from(
    encode([
      mov(6, 1),
      ...[0, 2, 3, 4, 5, 7, 8, 9].map((r) => mov(r, undefined)),
      { opcode: 0x85, dst: 0, src: 0, off: 0, imm: helper },
      mov(0, undefined),
      { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]),
  ).toString('hex');

type Verdict = 'gpl' | 'free' | 'unavailable' | 'inconclusive';

/** Reads the verifier log after the `N: (85) call` line that do_check prints (log level 2). */
function verdictOf(output: string): Verdict {
  if (output === 'ok') return 'free';
  const lines = output.split('|');
  const at = lines.findIndex((l) => /^\d+: \(85\) call /.test(l));
  if (at < 0) return 'inconclusive';
  const next = lines[at + 1] ?? '';
  if (/cannot call GPL-restricted function/.test(next)) return 'gpl';
  if (/cannot use helper|does not support helper|unknown func|invalid func/.test(next)) return 'unavailable';
  return 'free'; // check_helper_call tests gpl_only right after finding the proto: any later error means "allowed".
}

describe.skipIf('skip' in env)('helper gpl_only agrees with the Linux verifier', () => {
  it('for every helper the kernel offers to one of 27 program types', () => {
    const binary = (env as { binary: string }).binary;
    const lines: string[] = [];
    const keys: Array<[number, string]> = [];
    for (const h of HELPERS) {
      for (const [name, type, attach, flags] of PROG_TYPES) {
        lines.push(`@${type}:${attach}:${flags}:2:Proprietary ${program(h.id)}`);
        keys.push([h.id, name]);
      }
    }
    const out = execFileSync('unshare', ['-m', binary], { input: `${lines.join('\n')}\n`, encoding: 'utf8', maxBuffer: 1 << 28 })
      .trimEnd()
      .split('\n');
    expect(out).toHaveLength(lines.length);
    const mismatches: string[] = [];
    const measured = new Set<number>();
    out.forEach((line, i) => {
      const [id, type] = keys[i];
      const v = verdictOf(line);
      if (v !== 'gpl' && v !== 'free') return;
      measured.add(id);
      const h = HELPERS[id - 1];
      const expected = h.gplOnly && !h.gplOnlyExceptIn?.includes(type);
      if ((v === 'gpl') !== expected) mismatches.push(`${id} ${h.name} in ${type}: kernel ${v}, table gplOnly ${h.gplOnly}`);
    });
    expect(mismatches).toEqual([]);
    console.log(`helper gpl_only: ${measured.size} of ${HELPERS.length} helpers measured`);
    // A kernel without most program types would prove little.
    expect(measured.size).toBeGreaterThan(150);
  });
});
