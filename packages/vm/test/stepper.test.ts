// The Stepper and traces: the interpreter one instruction at a time.
import { formatTrace, interpret, Stepper, traceRun, VmFault, type HelperFn } from '@bpfsim/vm';
import { describe, expect, it } from 'vitest';
import { asm } from './helpers.js';

const SUM = asm(`
  mov %r0, 0
  mov %r1, 3
loop:
  add %r0, %r1
  sub %r1, 1
  jne %r1, 0, loop
  exit`);

describe('Stepper', () => {
  it('steps one instruction at a time and reports the registers it changed', () => {
    const s = new Stepper(SUM);
    expect(s.pc).toBe(0);
    expect(s.regs[10]).not.toBe(0n);
    const first = s.step();
    expect(first).toMatchObject({ pc: 0, frame: 0, text: 'r0 = 0', changed: {}, done: false });
    expect(s.step()).toMatchObject({ pc: 1, text: 'r1 = 3', changed: { r1: 3n } });
    expect(s.step()).toMatchObject({ pc: 2, text: 'r0 += r1', changed: { r0: 3n } });
    expect(s.step()).toMatchObject({ pc: 3, changed: { r1: 2n } });
    const jump = s.step();
    expect(jump).toMatchObject({ pc: 4, changed: {} });
    expect(jump.text).toMatch(/^if r1 != 0x0 goto pc-3$/);
    expect(s.pc).toBe(2);
    expect(s.insns).toBe(5);
    expect(s.done).toBe(false);
    expect(s.r0).toBeUndefined();
  });

  it('runTo stops before a breakpoint; continue runs to the end with the same result as a plain run', () => {
    const s = new Stepper(SUM);
    expect(s.runTo([4])).toEqual({ pc: 4, done: false });
    expect(s.regs[0]).toBe(3n);
    expect(s.runTo([4])).toEqual({ pc: 4, done: false });
    expect(s.regs[0]).toBe(5n);
    expect(s.continue()).toMatchObject({ done: true });
    expect(s.r0).toBe(6n);
    expect(s.insns).toBe(interpret(SUM).insns);
    expect(() => s.step()).toThrow(/already exited/);
  });

  it('reports what a store wrote, and where', () => {
    const s = new Stepper(asm('mov %r1, 0x1234\nstxh [%r10-2], %r1\nlock add32 [%r10-4], %r1\nexit'));
    s.step();
    const store = s.step();
    expect(store.wrote?.where).toBe('stack-2');
    expect([...store.wrote!.bytes]).toEqual([0x34, 0x12]);
    expect(store.wrote!.addr).toBe(s.regs[10] - 2n);
    expect(s.step().wrote?.bytes).toEqual(new Uint8Array([0x34, 0x12, 0x34, 0x12]));
    expect(s.step().wrote).toBeUndefined();
    const text = formatTrace(traceRun(asm('stdw [%r10-8], 42\nmov %r0, 0\nexit')).entries);
    expect(text.split('\n')[0]).toMatch(/^0: \*\(u64 \*\)\(r10 -8\) = 42 +; \[stack-8\]=2a00000000000000$/);
  });

  it('shows the current frame, its stack and memory by address', () => {
    const p = asm(`
      stdw [%r10-8], 0x1234
      call local fn
      exit
    fn:
      stb [%r10-1], 0xab
      mov %r0, 1
      exit`);
    const s = new Stepper(p);
    s.step();
    expect(s.stack().slice(504)).toEqual(new Uint8Array([0x34, 0x12, 0, 0, 0, 0, 0, 0]));
    const fp0 = s.regs[10];
    expect(s.readMemory(fp0 - 8n, 2)).toEqual(new Uint8Array([0x34, 0x12]));
    s.step(); // call
    expect(s.frame).toBe(1);
    expect(s.pc).toBe(3);
    expect(s.regs[10]).not.toBe(fp0);
    s.step();
    expect(s.stack()[511]).toBe(0xab);
    s.step();
    s.step(); // exit from fn
    expect(s.frame).toBe(0);
    expect(s.regs[10]).toBe(fp0);
    expect(() => s.readMemory(fp0, 1)).toThrow(/out of bounds/);
  });

  it('keeps the fault that stopped the program', () => {
    const s = new Stepper(asm('mov %r1, 0\nldxw %r0, [%r1]\nexit'));
    s.step();
    expect(() => s.step()).toThrow(VmFault);
    expect(s.fault?.kind).toBe('out_of_bounds');
    expect(() => s.step()).toThrow(s.fault);
    expect(s.done).toBe(false);
  });

  it('obeys the budget like a run', () => {
    const s = new Stepper(asm('ja -1\nexit'), { budget: 3 });
    s.step();
    s.step();
    s.step();
    expect(() => s.step()).toThrow(/budget/);
  });

  it('shares semantics with the interpreter: helpers and lddw', () => {
    const helpers = new Map<number, HelperFn>([[5, (r1) => r1 + 1n]]);
    const p = asm('lddw %r1, 0x100000000\ncall 5\nexit');
    const s = new Stepper(p, { helpers });
    expect(s.step()).toMatchObject({ pc: 0, changed: { r1: 0x100000000n } });
    expect(s.insns).toBe(2);
    expect(s.step()).toMatchObject({ pc: 2, changed: { r0: 0x100000001n } });
    expect(s.step().done).toBe(true);
    expect(s.r0).toBe(interpret(p, { helpers }).r0);
  });
});

describe('traces', () => {
  it('record every executed instruction with kernel-log text and changes', () => {
    const { entries, result } = traceRun(SUM);
    expect(result).toEqual(interpret(SUM));
    expect(entries.map((e) => e.pc)).toEqual([0, 1, 2, 3, 4, 2, 3, 4, 2, 3, 4, 5]);
    expect(entries[2]).toEqual({ pc: 2, frame: 0, text: 'r0 += r1', changed: { r0: 3n } });
    const text = formatTrace(entries);
    expect(text.split('\n')).toHaveLength(12);
    expect(text.split('\n')[1]).toMatch(/^1: r1 = 3 +; r1=0x3$/);
    expect(text.split('\n')[11]).toBe('5: exit');
  });

  it('end with the fault when the program faults', () => {
    const { entries, fault, result } = traceRun(asm('mov %r0, 1\nja -1\nexit'), { budget: 5 });
    expect(result).toBeUndefined();
    expect(fault?.kind).toBe('budget');
    expect(entries).toHaveLength(5);
  });

  it('keep only the last maxEntries', () => {
    const { entries } = traceRun(SUM, { maxEntries: 3 });
    expect(entries.map((e) => e.pc)).toEqual([3, 4, 5]);
  });
});

describe('stepping and running agree', () => {
  it('on every conformance program: same r0, same instruction count, one trace entry per executed instruction', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const { loadConformanceProgram, parseConformanceData, programSlots } = await import('@bpfsim/isa');
    const { CONFORMANCE_HELPERS, inputMemory } = await import('@bpfsim/vm');
    const dir = fileURLToPath(new URL('../../../../shared/conformance/tests/', import.meta.url));
    const files = readdirSync(dir).filter((f) => f.endsWith('.data'));
    expect(files).toHaveLength(313); // the suite's README count: an empty directory must not pass
    for (const file of files) {
      const data = parseConformanceData(readFileSync(dir + file, 'utf8'));
      const insns = loadConformanceProgram(data);
      const input = data.mem.length > 0 ? data.mem : undefined;
      const run = interpret(insns, { ...inputMemory(input), helpers: CONFORMANCE_HELPERS });
      const traced = traceRun(insns, { ...inputMemory(input), helpers: CONFORMANCE_HELPERS });
      expect(traced.result, file).toEqual(run);
      const slots = programSlots(insns);
      const lddwSlots = new Set(slots.filter((_, i) => insns[i].opcode === 0x18));
      const lddws = traced.entries.filter((e) => lddwSlots.has(e.pc)).length; // an lddw counts two
      expect(traced.entries.length + lddws, file).toBe(run.insns);
    }
  });
});
