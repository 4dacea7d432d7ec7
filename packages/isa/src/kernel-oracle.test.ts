// Differential test against the running Linux kernel: for thousands of single-instruction probes, decode() must accept
// exactly the encodings the kernel's verifier accepts (it may still refuse them later for semantic reasons, which we
// ignore), except for the two documented places where we follow RFC 9669 / the conformance suite instead; and
// decode(…, { dialect: 'linux' }) must agree with the kernel on every probe.
// Skips (with the reason) when clang-19, unshare or bpf(2) is unavailable. Loads happen inside `unshare -m`.
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, decode, encode, type Instruction } from './index.js';
import { arbInstruction } from './testing/arbitrary.js';
import { kernelVerdictHelper } from './testing/kernel-verdict.js';

const env = kernelVerdictHelper('kernel-oracle.test.ts');

/** Kernel log lines that reject an encoding (as opposed to what the program does with it). */
const ENCODING_REJECTION =
  /unknown opcode|reserved fields|invalid BPF_LD_IMM|invalid bpf_ld_imm64|unrecognized bpf_ld_imm64|invalid atomic opcode|invalid atomic operand size|invalid may_goto|addr_space_cast insn can only convert|R\d+ is invalid|invalid BPF_LD mode|invalid BPF_ALU opcode|invalid BPF_JMP|unknown insn class|invalid (?:BPF_)?(?:ALU|JMP)|invalid .*opcode/;

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

// Probe program: r6 = ctx (LD_ABS needs it), r0..r5 and r7..r9 = 0, the probe, r0 = 0, exit.
const PROLOGUE: Instruction[] = [
  { opcode: 0xbf, dst: 6, src: 1, off: 0, imm: 0 },
  ...[0, 1, 2, 3, 4, 5, 7, 8, 9].map((r) => ({ opcode: 0xb7, dst: r, src: 0, off: 0, imm: 0 })),
];
const EPILOGUE: Instruction[] = [
  { opcode: 0xb7, dst: 0, src: 0, off: 0, imm: 0 },
  { opcode: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
];

/** Kernel errors from passes that run before the per-instruction checks (kfunc BTF lookup), which hide the verdict. */
const INCONCLUSIVE = /failed to find BTF for kernel function|kernel btf_id \d+ is not a function|kfunc offset > 0 without fd_array|negative offset disallowed for kernel module function call/;

/** Raw 8-byte slots of a probe (one slot, or two for lddw with an arbitrary second slot). */
function probeBytes(slots: Uint8Array): Uint8Array {
  const pre = encode(PROLOGUE);
  // An exit probe ends the program (anything after it would be unreachable): set r0 first.
  const post = slots[0] === 0x95 ? new Uint8Array(0) : encode(EPILOGUE);
  if (slots[0] === 0x95) {
    const out = new Uint8Array(pre.length + 8 + slots.length);
    out.set(pre, 0);
    out.set(encode([EPILOGUE[0]]), pre.length);
    out.set(slots, pre.length + 8);
    return out;
  }
  const out = new Uint8Array(pre.length + slots.length + post.length);
  out.set(pre, 0);
  out.set(slots, pre.length);
  out.set(post, pre.length + slots.length);
  return out;
}

const slot = (opcode: number, dst: number, src: number, off: number, imm: number): Uint8Array => {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint8(0, opcode);
  v.setUint8(1, (src << 4) | dst);
  v.setInt16(2, off, true);
  v.setInt32(4, imm, true);
  return b;
};

/** Jumps and calls get offsets that keep the target inside the probe program (the next instruction). */
function tame(insn: Instruction): Instruction | undefined {
  if (insn.opcode === 0x85 && insn.src === 1) return undefined; // local call needs a subprogram
  if (insn.opcode === 0x85 && insn.src === 0) return { ...insn, imm: 7 }; // get_prandom_u32
  const cls = insn.opcode & 7;
  if ((cls === 5 || cls === 6) && insn.opcode !== 0x85 && insn.opcode !== 0x95 && insn.opcode !== 0x8d) {
    return insn.opcode === 0x06 ? { ...insn, imm: 0 } : { ...insn, off: 0 };
  }
  return insn;
}

function probes(): Uint8Array[] {
  const out: Uint8Array[] = [];
  // Every valid form (Linux extensions included), from the independent generator.
  for (const insn of fc.sample(arbInstruction(), { numRuns: 1500, seed: 9669 })) {
    const t = tame(insn);
    if (t) out.push(encode([t]));
  }
  // Every opcode byte with each field in turn set to values that are reserved for some opcodes and not for others.
  const variants: Array<[number, number, number, number]> = [
    [0, 0, 0, 0], [1, 0, 0, 0], [11, 0, 0, 0], [15, 0, 0, 0], [1, 2, 0, 0], [1, 11, 0, 0], [0, 1, 0, 0],
    [0, 2, 0, 0], [0, 3, 0, 0], [1, 0, 1, 0], [1, 2, 1, 0], [1, 0, 0, 1], [1, 2, 0, 1], [1, 0, 0, 16], [1, 0, 0, 32],
    [1, 0, 0, 64], [1, 0, 0, 8], [1, 0, 1, 16], [1, 2, 8, 0], [1, 2, 16, 0], [1, 2, 32, 0], [1, 2, 4, 0],
    [1, 2, 2, 0], [1, 2, 1, 1], [1, 2, 1, 0x10000], [1, 2, 1, 2], [1, 2, 0, 0x01], [1, 2, 0, 0x41], [1, 2, 0, 0x10],
    [1, 2, 0, 0xe0], [1, 2, 0, 0xe1], [1, 2, 0, 0xf1], [1, 2, 0, 0x100], [1, 2, 0, 0x110], [1, 2, 0, 0x120],
    [0, 0, 0, 1], [0, 0, 1, 0], [1, 2, -1, 0],
  ];
  for (let opcode = 0; opcode < 256; opcode++) {
    if (opcode === 0x18) continue;
    for (const [dst, src, off, imm] of variants) {
      const t = tame({ opcode, dst, src, off, imm });
      if (t) out.push(slot(t.opcode, t.dst, t.src, t.off, t.imm));
    }
  }
  // lddw: each pseudo source, reserved first-slot fields, and a dirty second slot.
  for (const [dst, src, off, imm2, second] of [
    [1, 0, 0, 5, [0, 0, 0]], [1, 7, 0, 0, [0, 0, 0]], [1, 0, 1, 0, [0, 0, 0]], [11, 0, 0, 0, [0, 0, 0]],
    [1, 1, 0, 1, [0, 0, 0]], [1, 5, 0, 1, [0, 0, 0]], [1, 0, 0, 0, [0x07, 0, 0]], [1, 0, 0, 0, [0, 1, 0]],
    [1, 0, 0, 0, [0, 0, 1]], [1, 0, 0, 0, [0, 0x10, 0]],
  ] as const) {
    const b = new Uint8Array(16);
    b.set(slot(0x18, dst, src, off, 0), 0);
    b.set(slot(second[0], second[1] & 0x0f, second[1] >> 4, second[2], imm2), 8);
    out.push(b);
  }
  return out;
}

/**
 * Where we knowingly differ from Linux 6.18, each with its reason. Returns the reason, or undefined if none applies.
 */
function knownDivergence(probe: Uint8Array, oursAccepts: boolean, kernelAccepts: boolean): string | undefined {
  const opcode = probe[0];
  const off = new DataView(probe.buffer, probe.byteOffset).getInt16(2, true);
  // RFC 9669 §3 "unused fields shall be zero" and conformance negative/unused-exit-offset: we reject, Linux doesn't
  // check exit's off (do_check_insn tests only src, dst, imm and the class).
  if (opcode === 0x95 && off !== 0 && !oursAccepts && kernelAccepts) return 'exit off';
  // callx: conformance group "callx" and LLVM; the Linux verifier refuses BPF_CALL|BPF_X.
  if (opcode === 0x8d && oursAccepts && !kernelAccepts) return 'callx';
  return undefined;
}

describe.skipIf('skip' in env)('decode agrees with the Linux verifier on which encodings are valid', () => {
  it('for every probe', () => {
    const binary = (env as { binary: string }).binary;
    const list = probes();
    const programs = list.map(probeBytes);
    const output = execFileSync('unshare', ['-m', binary], {
      input: programs.map(hex).join('\n') + '\n',
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    });
    const verdicts = output.trimEnd().split('\n');
    expect(verdicts).toHaveLength(programs.length);
    const mismatches: string[] = [];
    const divergences = new Map<string, number>();
    let inconclusive = 0;
    const linuxMismatches: string[] = [];
    let rejectedByBoth = 0;
    let acceptedByBoth = 0;
    list.forEach((probe, i) => {
      const kernel = verdicts[i];
      if (INCONCLUSIVE.test(kernel)) {
        inconclusive++;
        return;
      }
      const kernelAccepts = kernel === 'ok' || !ENCODING_REJECTION.test(kernel);
      let oursAccepts = true;
      let ours = 'ok';
      try {
        decode(programs[i]);
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        oursAccepts = false;
        ours = e.message;
      }
      // The 'linux' dialect must agree with the kernel everywhere, with no exceptions.
      let linuxAccepts = true;
      try {
        decode(programs[i], { dialect: 'linux' });
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        linuxAccepts = false;
      }
      if (linuxAccepts !== kernelAccepts) linuxMismatches.push(`${hex(probe)}: linux dialect ${linuxAccepts} | kernel ${kernel.slice(0, 200)}`);
      if (oursAccepts === kernelAccepts) {
        if (oursAccepts) acceptedByBoth++;
        else rejectedByBoth++;
        return;
      }
      const why = knownDivergence(probe, oursAccepts, kernelAccepts);
      if (why) divergences.set(why, (divergences.get(why) ?? 0) + 1);
      else mismatches.push(`${hex(probe)}: ours ${ours} | kernel ${kernel.split('|').filter((l) => !/^\d+: |^processed/.test(l)).join(' / ').slice(0, 200)}`);
    });
    expect(mismatches).toEqual([]);
    expect(linuxMismatches).toEqual([]);
    console.log(`kernel oracle: ${list.length} probes, ${acceptedByBoth} valid and ${rejectedByBoth} invalid on both sides, ${inconclusive} inconclusive`);
    // Both verdicts must be well represented, or the comparison proves little.
    expect(acceptedByBoth).toBeGreaterThan(1500);
    expect(rejectedByBoth).toBeGreaterThan(4000);
    // Only the kfunc probes (call with src 2) may be inconclusive.
    expect(inconclusive).toBeLessThan(list.length / 20);
    // The documented divergences must really occur (otherwise the exception list is stale).
    expect([...divergences.keys()].sort()).toEqual(['callx', 'exit off']);
  });
});
