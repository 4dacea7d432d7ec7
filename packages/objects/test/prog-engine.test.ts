// Which VM engine runs a program: Kernel({ jit: true }) must really run on the JIT (not silently on the interpreter),
// and jit: false on the interpreter. Both engines are wrapped through the VM's registerEngine to record their use.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileJit, loadInterpreter, registerEngine } from '@bpfsim/vm';
import { addImm, exit, mov64, setup, socketFilter } from './support.js';

let used: string[] = [];

beforeEach(() => {
  used = [];
  registerEngine('jit', (insns, opts) => (used.push('jit'), compileJit(insns, opts)));
  registerEngine('interp', (insns, opts) => (used.push('interp'), loadInterpreter(insns, opts)));
});

afterEach(() => {
  registerEngine('jit', compileJit);
  registerEngine('interp', loadInterpreter);
});

// r0 = 40; r0 += 2; exit
const prog = () => [mov64(0, 40), addImm(0, 2), exit];

describe('program engine', () => {
  it('a jit kernel compiles test-run programs with the JIT and reports jited', () => {
    const { proc } = setup({ jit: true });
    const fd = socketFilter(proc, prog());
    expect(proc.progTestRun(fd, { data_in: new Uint8Array(14) }).retval).toBe(42);
    expect(used).toEqual(['jit']);
    expect(proc.progInfo(fd).jited_prog_len).toBeGreaterThan(0);
    expect(proc.fdinfo(fd)).toContain('prog_jited:\t1\n');
  });

  it('an interpreter kernel runs programs on the interpreter and reports not jited', () => {
    const { proc } = setup({ jit: false });
    const fd = socketFilter(proc, prog());
    expect(proc.progTestRun(fd, { data_in: new Uint8Array(14) }).retval).toBe(42);
    expect(used).toEqual(['interp']);
    expect(proc.progInfo(fd).jited_prog_len).toBe(0);
    expect(proc.fdinfo(fd)).toContain('prog_jited:\t0\n');
  });
});
