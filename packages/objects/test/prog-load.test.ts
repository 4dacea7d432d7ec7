// BPF_PROG_LOAD: tags as the 6.18 kernel computes them, every errno path core implements, the verifier log rules.
import { describe, expect, it } from 'vitest';
import { Kernel, progTag, tagHex, licenseIsGplCompatible, BpfError, type Verifier } from '@bpfsim/objects';
import { arrayMap, call, errnoOf, exit, fromHex, hashMap, ldMapFd, mov64, retImm, setup, socketFilter } from './support.js';

describe('program tag (bpf_prog_calc_tag)', () => {
  // Values read from the reference kernel (testing/kernel-oracle/FACTS.md and a direct check with bpf(2)).
  it.each([
    [0, '59f4a931744dcdc6'],
    [2, '614b434cd8324ecc'],
    [1, 'b11459a0e11ca14c'],
  ])('r0 = %i; exit → %s', (imm, tag) => {
    const { proc } = setup();
    const p = socketFilter(proc, retImm(imm));
    expect(tagHex(proc.progInfo(p).tag)).toBe(tag);
    expect(proc.fdinfo(p)).toContain(`prog_tag:\t${tag}\n`);
    expect(tagHex(progTag(retImm(imm)))).toBe(tag);
  });

  it('map fds are zeroed before hashing: lddw r1, <any map fd> gives 0bd0168676c7c779', () => {
    const { proc } = setup();
    const tags = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const m = arrayMap(proc);
      const p = socketFilter(proc, [ldMapFd(1, m), mov64(0, 0), exit]);
      tags.add(tagHex(proc.progInfo(p).tag));
    }
    expect([...tags]).toEqual(['0bd0168676c7c779']);
  });

  it('does not depend on program type or license', () => {
    const { proc } = setup();
    const a = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_XDP', insns: retImm(0), license: 'Proprietary' });
    expect(tagHex(proc.progInfo(a).tag)).toBe('59f4a931744dcdc6');
  });
});

describe('BPF_PROG_LOAD errors (each leaves no program behind)', () => {
  const cases: [string, (p: ReturnType<typeof setup>['proc']) => unknown, string][] = [
    ['insn_cnt 0', (p) => p.bpf('BPF_PROG_LOAD', { prog_type: 1, insns: new Uint8Array(0), insn_cnt: 0, license: 'GPL' }), 'E2BIG'],
    ['insn_cnt above 1M', (p) => p.bpf('BPF_PROG_LOAD', { prog_type: 1, insns: retImm(0), insn_cnt: 1_000_001, license: 'GPL' }), 'E2BIG'],
    ['insn_cnt beyond the buffer', (p) => p.bpf('BPF_PROG_LOAD', { prog_type: 1, insns: retImm(0), insn_cnt: 3, license: 'GPL' }), 'EFAULT'],
    ['prog_type 999', (p) => p.bpf('BPF_PROG_LOAD', { prog_type: 999, insns: retImm(0), license: 'GPL' }), 'EINVAL'],
    ['prog_name with "-"', (p) => p.progLoad({ prog_type: 1, insns: retImm(0), prog_name: 'my-prog' }), 'EINVAL'],
    ['prog_name of 16 chars', (p) => p.progLoad({ prog_type: 1, insns: retImm(0), prog_name: 'a'.repeat(16) }), 'EINVAL'],
    ['unknown prog_flags bit', (p) => p.progLoad({ prog_type: 1, insns: retImm(0), prog_flags: 1 << 12 }), 'EINVAL'],
    ['no license', (p) => p.bpf('BPF_PROG_LOAD', { prog_type: 1, insns: retImm(0) }), 'EFAULT'],
    ['opcode 0xff', (p) => p.bpf('BPF_PROG_LOAD', { prog_type: 1, insns: fromHex('ff00000000000000'), license: 'GPL' }), 'EINVAL'],
    ['truncated lddw', (p) => p.bpf('BPF_PROG_LOAD', { prog_type: 1, insns: fromHex('1801000000000000'), license: 'GPL' }), 'EINVAL'],
    ['bad map fd in lddw', (p) => socketFilter(p, [ldMapFd(1, 42), mov64(0, 0), exit]), 'EBADF'],
    ['prog fd in lddw', (p) => socketFilter(p, [ldMapFd(1, socketFilter(p)), mov64(0, 0), exit]), 'EINVAL'],
    ['unknown helper', (p) => socketFilter(p, [call(100000), exit]), 'EINVAL'],
    ['GPL-only helper from a Proprietary program', (p) => socketFilter(p, [call(6), mov64(0, 0), exit], 'Proprietary'), 'EINVAL'],
    ['a field another command reads (CHECK_ATTR)', (p) => p.bpf('BPF_PROG_LOAD', { prog_type: 1, insns: retImm(0), license: 'GPL', map_fd: 3 }), 'EINVAL'],
    ['log_level 32', (p) => p.progLoad({ prog_type: 1, insns: retImm(0), log_level: 32 }), 'EINVAL'],
    ['log_buf with log_level 0', (p) => p.progLoad({ prog_type: 1, insns: retImm(0), log_buf: new Uint8Array(200), log_size: 200 }), 'EINVAL'],
    ['log_buf with log_size 0', (p) => p.progLoad({ prog_type: 1, insns: retImm(0), log_level: 1, log_buf: new Uint8Array(200), log_size: 0 }), 'EINVAL'],
    ['log_size without log_buf', (p) => p.progLoad({ prog_type: 1, insns: retImm(0), log_level: 1, log_size: 200 }), 'EINVAL'],
    ['direct value of a 16-entry array', (p) => socketFilter(p, [{ opcode: 0x18, dst: 1, src: 2, off: 0, imm: arrayMap(p, 16), imm2: 4 }, mov64(0, 0), exit]), 'ENOTSUPP'],
    ['direct value of a hash', (p) => socketFilter(p, [{ opcode: 0x18, dst: 1, src: 2, off: 0, imm: hashMap(p), imm2: 0 }, mov64(0, 0), exit]), 'EINVAL'],
    ['direct value past value_size', (p) => socketFilter(p, [{ opcode: 0x18, dst: 1, src: 2, off: 0, imm: arrayMap(p, 1), imm2: 8 }, mov64(0, 0), exit]), 'EINVAL'],
    ['BPF_PSEUDO_MAP_IDX without fd_array', (p) => socketFilter(p, [{ opcode: 0x18, dst: 1, src: 5, off: 0, imm: 0, imm2: 0 }, mov64(0, 0), exit]), 'EPROTO'],
    ['BPF_PSEUDO_MAP_IDX naming stdin', (p) => p.bpf('BPF_PROG_LOAD', { prog_type: 1, insns: [{ opcode: 0x18, dst: 1, src: 5, off: 0, imm: 0, imm2: 0 }, mov64(0, 0), exit], license: 'GPL', fd_array: [0] }), 'EINVAL'],
    ['BPF_PSEUDO_MAP_IDX past fd_array', (p) => p.bpf('BPF_PROG_LOAD', { prog_type: 1, insns: [{ opcode: 0x18, dst: 1, src: 5, off: 0, imm: 3, imm2: 0 }, mov64(0, 0), exit], license: 'GPL', fd_array: [0] }), 'EFAULT'],
    ['BPF_PSEUDO_BTF_ID (no kernel BTF)', (p) => socketFilter(p, [{ opcode: 0x18, dst: 1, src: 3, off: 0, imm: 1, imm2: 0 }, mov64(0, 0), exit]), 'EINVAL'],
  ];
  it.each(cases.map(([name, fn, errno]) => [name, errno, fn] as const))('%s → %s', (_name, errno, fn) => {
    const { kernel, proc } = setup();
    const before = kernel.liveIds('prog').length;
    let got: string;
    try {
      fn(proc);
      got = 'success';
    } catch (e) {
      got = e instanceof BpfError ? e.errno : String(e);
    }
    expect(got).toBe(errno);
    // only programs a case created on purpose (the "prog fd in lddw" helper program) may remain
    expect(kernel.liveIds('prog').length - before).toBeLessThanOrEqual(1);
  });

  it('a GPL-only helper is fine for every GPL-compatible license string', () => {
    for (const license of ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']) {
      expect(licenseIsGplCompatible(license)).toBe(true);
      const { proc } = setup();
      expect(socketFilter(proc, [call(5), mov64(0, 0), exit], license)).toBe(3);
    }
    expect(licenseIsGplCompatible('GPLv2')).toBe(false);
    // bpf_ktime_get_ns (#5) is not gpl_only: a Proprietary program may call it (reference kernel, FACTS.md)
    const { proc } = setup();
    expect(socketFilter(proc, [call(5), mov64(0, 0), exit], 'Proprietary')).toBe(3);
    expect(licenseIsGplCompatible('Proprietary')).toBe(false);
  });

  it('the GPL refusal is explained in the log, with the instruction', () => {
    const { proc } = setup();
    const log = new Uint8Array(1024);
    expect(errnoOf(() => proc.progLoad({ prog_type: 1, insns: [mov64(0, 0), call(6), exit], license: 'Proprietary', log_level: 1, log_buf: log, log_size: 1024 }))).toBe('EINVAL');
    const text = new TextDecoder().decode(log.subarray(0, log.indexOf(0)));
    // The kernel's verifier prints register states before these lines; the closing statistics line is always there.
    expect(text).toBe(
      '1: (85) call bpf_trace_printk#6\ncannot call GPL-restricted function from non-GPL compatible program\n' +
        'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n',
    );
  });
});

describe('privileges', () => {
  it('with only CAP_BPF: socket_filter loads, xdp needs CAP_NET_ADMIN, kprobe CAP_PERFMON (FACTS.md)', () => {
    const k = new Kernel();
    const p = k.spawn({ uid: 65534, gid: 65534, caps: ['CAP_BPF'] });
    const fd = p.progLoad({ prog_type: 'BPF_PROG_TYPE_SOCKET_FILTER', insns: retImm(0) });
    expect(p.progInfo(fd).created_by_uid).toBe(65534);
    expect(errnoOf(() => p.progLoad({ prog_type: 'BPF_PROG_TYPE_XDP', insns: retImm(0) }))).toBe('EPERM');
    expect(errnoOf(() => p.progLoad({ prog_type: 'BPF_PROG_TYPE_KPROBE', insns: retImm(0) }))).toBe('EPERM');
  });

  it('without capabilities and unprivileged_bpf_disabled, nothing loads; with it 0, socket filters do', () => {
    const k = new Kernel();
    const p = k.spawn({ uid: 1000, gid: 1000, caps: [] });
    expect(errnoOf(() => p.progLoad({ prog_type: 1, insns: retImm(0) }))).toBe('EPERM');
    expect(errnoOf(() => p.mapCreate({ map_type: 1, key_size: 4, value_size: 4, max_entries: 1 }))).toBe('EPERM');
    k.sysctl.unprivileged_bpf_disabled = 0;
    expect(p.progLoad({ prog_type: 1, insns: retImm(0) })).toBe(3);
    expect(errnoOf(() => p.progLoad({ prog_type: 'BPF_PROG_TYPE_TRACEPOINT', insns: retImm(0) }))).toBe('EPERM');
  });

  it('validation errors win over EPERM for maps (map_alloc_check runs before the capability checks)', () => {
    const k = new Kernel();
    const p = k.spawn({ uid: 1000, gid: 1000, caps: [] });
    expect(errnoOf(() => p.mapCreate({ map_type: 2, key_size: 8, value_size: 4, max_entries: 1 }))).toBe('EINVAL');
  });
});

describe('verifier log', () => {
  it('a successful load at level 1 writes the statistics line and log_true_size', () => {
    const { proc } = setup();
    const log_buf = new Uint8Array(256);
    const attr: Record<string, unknown> = { prog_type: 1, insns: retImm(0), license: 'GPL', log_level: 1, log_buf, log_size: 256 };
    proc.bpf('BPF_PROG_LOAD', attr);
    const line = 'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n';
    expect(new TextDecoder().decode(log_buf.subarray(0, log_buf.indexOf(0)))).toBe(line);
    expect(attr.log_true_size).toBe(line.length + 1);
  });

  it('a log that does not fit keeps its tail (rotating log), fails with ENOSPC, and creates nothing', () => {
    const { kernel, proc } = setup();
    const log_buf = new Uint8Array(64);
    const attr: Record<string, unknown> = { prog_type: 1, insns: retImm(0), license: 'GPL', log_level: 1, log_buf, log_size: 64 };
    expect(errnoOf(() => proc.bpf('BPF_PROG_LOAD', attr))).toBe('ENOSPC');
    const line = 'processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n';
    expect(new TextDecoder().decode(log_buf.subarray(0, 63))).toBe(line.slice(line.length - 63));
    expect(log_buf[63]).toBe(0);
    expect(kernel.liveIds('prog')).toEqual([]);
  });

  it('BPF_LOG_FIXED keeps the head instead', () => {
    const { proc } = setup();
    const log_buf = new Uint8Array(32);
    expect(errnoOf(() => proc.progLoad({ prog_type: 1, insns: retImm(0), log_level: 1 | 8, log_buf, log_size: 32 }))).toBe('ENOSPC');
    expect(new TextDecoder().decode(log_buf.subarray(0, 31))).toBe('processed 2 insns (limit 100000');
  });
});

describe('verifier hook', () => {
  it('a custom verifier sees maps and helpers, its errno and log reach the caller, verified_insns is kept', () => {
    const seen: number[] = [];
    const strict: Verifier = (req) => {
      for (const [, m] of req.mapsByInsn) seen.push(m.mapType);
      if (req.insns.length > 3) {
        req.log.write('too long\n');
        throw new BpfError('EACCES', 'program too long');
      }
      return { verifiedInsns: 42 };
    };
    const { proc } = setup({ verifier: strict });
    const m = hashMap(proc);
    const ok = socketFilter(proc, [ldMapFd(1, m), mov64(0, 0), exit]);
    expect(proc.progInfo(ok).verified_insns).toBe(42);
    expect(seen).toEqual([1]);
    const log = new Uint8Array(100);
    expect(errnoOf(() => proc.progLoad({ prog_type: 1, insns: [mov64(0, 0), mov64(0, 0), mov64(0, 0), exit], log_level: 1, log_buf: log, log_size: 100 }))).toBe('EACCES');
    expect(new TextDecoder().decode(log.subarray(0, 9))).toBe('too long\n');
  });
});

describe('expected_attach_type and prog_array owners', () => {
  it('cgroup_sock defaults 0 to BPF_CGROUP_INET_SOCK_CREATE and refuses ingress; syscall programs take none', () => {
    const { proc } = setup();
    const p = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_CGROUP_SOCK', insns: retImm(1) });
    expect(p).toBe(3);
    expect(errnoOf(() => proc.progLoad({ prog_type: 'BPF_PROG_TYPE_CGROUP_SOCK', insns: retImm(1), expected_attach_type: 'BPF_CGROUP_INET_EGRESS' }))).toBe('EINVAL');
    expect(errnoOf(() => proc.progLoad({ prog_type: 'BPF_PROG_TYPE_SYSCALL', insns: retImm(1), expected_attach_type: 'BPF_XDP' }))).toBe('EINVAL');
    expect(errnoOf(() => proc.progLoad({ prog_type: 'BPF_PROG_TYPE_CGROUP_SKB', insns: retImm(1), expected_attach_type: 999 }))).toBe('EINVAL');
    expect(proc.progLoad({ prog_type: 'BPF_PROG_TYPE_CGROUP_SKB', insns: retImm(1), expected_attach_type: 'BPF_CGROUP_INET_EGRESS' })).toBe(4);
  });

  it('the first program using a prog_array owns it; another type using it is EINVAL; fdinfo shows the owner', () => {
    const { proc } = setup();
    const pa = proc.mapCreate({ map_type: 'BPF_MAP_TYPE_PROG_ARRAY', key_size: 4, value_size: 4, max_entries: 2 });
    expect(proc.fdinfo(pa)).not.toContain('owner_prog_type');
    socketFilter(proc, [ldMapFd(2, pa), mov64(0, 0), exit]);
    expect(proc.fdinfo(pa)).toContain('owner_prog_type:\t1\nowner_jited:\t1\n');
    expect(errnoOf(() => proc.progLoad({ prog_type: 'BPF_PROG_TYPE_XDP', insns: [ldMapFd(2, pa), mov64(0, 0), exit] }))).toBe('EINVAL');
  });
});

const STATS0 = 'processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n';

describe('default verifier: control flow', () => {
  it('a program not ending in exit/ja is EINVAL with the kernel log line', () => {
    const { proc } = setup();
    const log = new Uint8Array(256);
    expect(errnoOf(() => proc.progLoad({ prog_type: 1, insns: [mov64(0, 0)], log_level: 1, log_buf: log, log_size: 256 }))).toBe('EINVAL');
    expect(new TextDecoder().decode(log.subarray(0, log.indexOf(0)))).toBe(`last insn is not an exit or jmp\n${STATS0}`);
  });

  it('an opcode outside the instruction table logs "unknown opcode ff" as resolve_pseudo_ldimm64 does (after an lddw too)', () => {
    const { proc } = setup();
    const log = new Uint8Array(256);
    const image = fromHex('1800000005000000 0000000000000000 ff00000000000000 9500000000000000');
    expect(errnoOf(() => proc.progLoad({ prog_type: 1, insns: image, log_level: 1, log_buf: log, log_size: 256 }))).toBe('EINVAL');
    expect(new TextDecoder().decode(log.subarray(0, log.indexOf(0)))).toBe(`unknown opcode ff\n${STATS0}`);
  });

  it('a jump outside the program is EINVAL ("jump out of range")', () => {
    const { proc } = setup();
    const log = new Uint8Array(256);
    const ja = { opcode: 0x05, dst: 0, src: 0, off: 5, imm: 0 };
    expect(errnoOf(() => proc.progLoad({ prog_type: 1, insns: [mov64(0, 0), ja, exit], log_level: 1, log_buf: log, log_size: 256 }))).toBe('EINVAL');
    expect(new TextDecoder().decode(log.subarray(0, log.indexOf(0)))).toBe(`jump out of range from insn 1 to 7\n${STATS0}`);
  });
});

const statsLine = (n: number): string => STATS0.replace('processed 0', `processed ${n}`);
const logOf = (b: Uint8Array): string => new TextDecoder().decode(b.subarray(0, b.indexOf(0)));

describe('default verifier: registers read before written on the entry path', () => {
  it('exit with R0 unset is EACCES "R0 !read_ok"; a read of another unset register names it', () => {
    const { kernel, proc } = setup();
    const log = new Uint8Array(512);
    const load = (insns: object[]) => proc.progLoad({ prog_type: 1, insns, log_level: 1, log_buf: log.fill(0), log_size: 512 } as never);
    expect(errnoOf(() => load([exit]))).toBe('EACCES');
    expect(logOf(log)).toBe(`R0 !read_ok\n${statsLine(1)}`);
    expect(errnoOf(() => load([mov64(3, 1), { opcode: 0xbf, dst: 0, src: 2, off: 0, imm: 0 }, exit]))).toBe('EACCES');
    expect(logOf(log)).toBe(`R2 !read_ok\n${statsLine(2)}`);
    // r0 += r0 before r0 is written: the source operand is checked first
    expect(errnoOf(() => load([{ opcode: 0x0f, dst: 0, src: 0, off: 0, imm: 0 }, exit]))).toBe('EACCES');
    expect(kernel.liveIds('prog')).toEqual([]);
  });

  it('gives no verdict once the path branches, calls or touches memory (the program loads as before)', () => {
    const { proc } = setup();
    // if r1 == 0 goto +1; r0 = 0; exit — the kernel explores both paths; the default verifier does not
    expect(socketFilter(proc, [{ opcode: 0x15, dst: 1, src: 0, off: 1, imm: 0 }, mov64(0, 0), exit])).toBeGreaterThan(0);
    expect(socketFilter(proc, [call(5), exit])).toBeGreaterThan(0); // bpf_ktime_get_ns sets r0
    expect(socketFilter(proc, [mov64(0, 0), { opcode: 0x05, dst: 0, src: 0, off: 0, imm: 0 }, exit])).toBeGreaterThan(0);
  });
});

describe('sleepable programs (check_attach_btf_id)', () => {
  it('a syscall program must be sleepable; a socket filter must not be — EINVAL with the kernel\'s log line', () => {
    const { proc } = setup();
    const log = new Uint8Array(512);
    expect(errnoOf(() => proc.progLoad({ prog_type: 'BPF_PROG_TYPE_SYSCALL', insns: retImm(0), log_level: 1, log_buf: log, log_size: 512 }))).toBe('EINVAL');
    expect(logOf(log)).toBe(`Syscall programs can only be sleepable\n${STATS0}`);
    expect(proc.progLoad({ prog_type: 'BPF_PROG_TYPE_SYSCALL', insns: retImm(0), prog_flags: 1 << 4 })).toBeGreaterThan(0);
    log.fill(0);
    expect(errnoOf(() => proc.progLoad({ prog_type: 1, insns: retImm(0), prog_flags: 1 << 4, log_level: 1, log_buf: log, log_size: 512 }))).toBe('EINVAL');
    expect(logOf(log)).toBe(`Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable\n${STATS0}`);
    expect(proc.progLoad({ prog_type: 'BPF_PROG_TYPE_KPROBE', insns: retImm(0), prog_flags: 1 << 4 })).toBeGreaterThan(0); // uprobes may sleep
  });
});

describe('max_ctx_offset of syscall programs', () => {
  it('ctx_in must cover the largest context access; unknown when r1 is copied (then the run\'s bounds decide)', () => {
    const { proc } = setup();
    // r0 = *(u32 *)(r1 + 12); exit → max_ctx_offset 16
    const p = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_SYSCALL', insns: [{ opcode: 0x61, dst: 0, src: 1, off: 12, imm: 0 }, exit], prog_flags: 1 << 4 });
    expect(errnoOf(() => proc.progTestRun(p, { ctx_in: new Uint8Array(15) }))).toBe('EINVAL');
    expect(errnoOf(() => proc.progTestRun(p))).toBe('EINVAL');
    const ctx = new Uint8Array(16);
    ctx[12] = 9;
    expect(proc.progTestRun(p, { ctx_in: ctx }).retval).toBe(9);
    // r2 = r1; r0 = *(u32 *)(r2 + 12): not known statically; a short ctx faults at run time instead (EFAULT)
    const q = proc.progLoad({ prog_type: 'BPF_PROG_TYPE_SYSCALL', insns: [{ opcode: 0xbf, dst: 2, src: 1, off: 0, imm: 0 }, { opcode: 0x61, dst: 0, src: 2, off: 12, imm: 0 }, exit], prog_flags: 1 << 4 });
    expect(errnoOf(() => proc.progTestRun(q, { ctx_in: new Uint8Array(15) }))).toBe('EFAULT');
  });
});

describe('fd_array (BPF_PSEUDO_MAP_IDX)', () => {
  it('resolves map indexes through fd_array; the log of a missing fd_array matches 6.18', () => {
    const { proc } = setup();
    const m = arrayMap(proc, 1);
    const idx = { opcode: 0x18, dst: 1, src: 5, off: 0, imm: 1, imm2: 0 };
    const p = proc.bpf('BPF_PROG_LOAD', { prog_type: 1, insns: [idx, mov64(0, 0), exit], license: 'GPL', fd_array: [0, m] });
    expect(proc.progInfo(p).map_ids).toEqual([1]);
    const log = new Uint8Array(512);
    expect(errnoOf(() => proc.progLoad({ prog_type: 1, insns: [idx, mov64(0, 0), exit], log_level: 1, log_buf: log, log_size: 512 }))).toBe('EPROTO');
    expect(new TextDecoder().decode(log.subarray(0, log.indexOf(0)))).toBe(`fd_idx without fd_array is invalid\n${STATS0}`);
  });

  it('fd_array_cnt binds every map of the array, used or not', () => {
    const { proc } = setup();
    const a = arrayMap(proc, 1);
    const b = hashMap(proc);
    const p = proc.bpf('BPF_PROG_LOAD', { prog_type: 1, insns: retImm(0), license: 'GPL', fd_array: new Int32Array([a, b]), fd_array_cnt: 2 });
    expect(proc.progInfo(p).map_ids).toEqual([1, 2]);
    expect(errnoOf(() => proc.bpf('BPF_PROG_LOAD', { prog_type: 1, insns: retImm(0), license: 'GPL', fd_array: [a, 0], fd_array_cnt: 2 }))).toBe('EINVAL');
  });
});

describe('verifier facts reach the program', () => {
  it('facts the verifier returns are kept for the JIT when they index the loaded instructions', () => {
    const facts = [{}, { memSafe: true }, {}];
    const { kernel, proc } = setup({ verifier: (req) => ({ verifiedInsns: req.insns.length, facts }) });
    const p = socketFilter(proc, [mov64(1, 0), mov64(0, 0), exit]);
    expect(kernel.progIds.get(proc.progInfo(p).id)!.facts).toBe(facts);
    expect(proc.progTestRun(p, { data_in: new Uint8Array(14) }).retval).toBe(0);
  });
});
