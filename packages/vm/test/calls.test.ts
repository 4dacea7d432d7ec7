// bpf-to-bpf calls, helper calls and tail calls.
import type { Instruction } from '@bpfsim/isa';
import { interpret, Memory, VmFault, type HelperFn, type HelperTable, type TailCallResolver } from '@bpfsim/vm';
import { describe, expect, it } from 'vitest';
import { asm } from './helpers.js';

describe('bpf-to-bpf calls', () => {
  it('pass r1..r5, return r0, preserve r6..r9 of the caller', () => {
    const p = asm(`
      mov %r6, 6
      mov %r7, 7
      mov %r8, 8
      mov %r9, 9
      mov %r1, 100
      mov %r5, 5
      call local fn
      # r0 = 105; r6..r9 must be back to 6..9
      add %r0, %r6
      add %r0, %r7
      add %r0, %r8
      add %r0, %r9
      exit
    fn:
      mov %r6, 1000
      mov %r7, 1000
      mov %r8, 1000
      mov %r9, 1000
      mov %r0, %r1
      add %r0, %r5
      exit`);
    expect(interpret(p).r0).toBe(105n + 6n + 7n + 8n + 9n);
  });

  it('give each frame its own zeroed 512-byte stack and restore r10', () => {
    const p = asm(`
      stdw [%r10-8], 11
      mov %r6, %r10
      call local fn
      # the caller's slot is untouched, r10 is the caller's again
      ldxdw %r1, [%r10-8]
      add %r0, %r1
      jne %r6, %r10, bad
      exit
    bad:
      mov %r0, -1
      exit
    fn:
      ldxdw %r0, [%r10-8]
      stdw [%r10-8], 99
      jeq %r10, %r6, bad2
      exit
    bad2:
      mov %r0, -2
      exit`);
    // callee reads 0 from its fresh stack; caller then adds its own 11
    expect(interpret(p).r0).toBe(11n);
  });

  it('a callee stack is zeroed again at every call (no leftovers from the previous call)', () => {
    const p = asm(`
      call local fn
      mov %r6, %r0
      call local fn
      add %r0, %r6
      exit
    fn:
      ldxdw %r0, [%r10-8]
      stdw [%r10-8], 40
      exit`);
    expect(interpret(p).r0).toBe(0n);
  });

  it('allow exactly 8 frames', () => {
    // depth counts down in r1: 7 nested calls below the entry frame = 8 frames
    const nest = (calls: number): Instruction[] => asm(`
      mov %r1, ${calls}
      call local f
      exit
    f:
      jeq %r1, 0, leaf
      sub %r1, 1
      call local f
      add %r0, 1
      exit
    leaf:
      mov %r0, 0
      exit`);
    expect(interpret(nest(6)).r0).toBe(6n); // 1 + 7 frames
    const f = (() => {
      try {
        interpret(nest(7));
      } catch (err) {
        return err as VmFault;
      }
      return undefined;
    })();
    expect(f?.kind).toBe('call_depth');
  });

  it('count the call and each exit as one instruction', () => {
    const p = asm('call local +1\nexit\nmov %r0, 3\nexit');
    expect(interpret(p)).toEqual({ r0: 3n, insns: 4 });
  });
});

describe('helper calls', () => {
  it('get r1..r5 as unsigned 64-bit values and set r0 modulo 2^64; r1..r5 are left unchanged', () => {
    const seen: bigint[] = [];
    const helpers: HelperTable = new Map<number, HelperFn>([
      [9, (a, b, c, d, e) => { seen.push(a, b, c, d, e); return -1n; }],
    ]);
    const p = asm(`
      mov %r1, -1
      mov %r2, 2
      mov %r3, 3
      lddw %r4, 0x8000000000000000
      mov %r5, 5
      call 9
      mov %r6, %r0
      add %r1, %r2
      exit`);
    const { r0 } = interpret(p, { helpers });
    expect(seen).toEqual([(1n << 64n) - 1n, 2n, 3n, 1n << 63n, 5n]);
    expect(r0).toBe((1n << 64n) - 1n);
    // r1 + r2 after the call = -1 + 2: the arguments were left in place
    expect(interpret(asm('mov %r1, -1\nmov %r2, 2\ncall 9\nmov %r0, %r1\nadd %r0, %r2\nexit'), { helpers }).r0).toBe(1n);
  });

  it('see the run env, their id and pc, and can read and write program memory', () => {
    const env = { name: 'env' };
    const calls: { id: number; pc: number; env: unknown; where?: { kind: string; offset: number } }[] = [];
    const helpers: HelperTable = new Map<number, HelperFn>([
      [
        16,
        (r1, r2, _r3, _r4, _r5, call) => {
          const region = call.mem.resolve(r1);
          calls.push({ id: call.id, pc: call.pc, env: call.env, where: region && { kind: region.region.kind, offset: region.offset } });
          const bytes = call.mem.read(r1, Number(r2));
          const out = bytes.slice();
          out[0] += 1;
          call.mem.write(r1, out);
          return BigInt(bytes[0]);
        },
      ],
    ]);
    // slots: 0 stdw, 1 mov, 2 add, 3 mov, 4 call
    const p = asm('stdw [%r10-8], 41\nmov %r1, %r10\nadd %r1, -8\nmov %r2, 8\ncall 16\nldxdw %r1, [%r10-8]\nadd %r0, %r1\nexit');
    expect(interpret(p, { helpers, env }).r0).toBe(41n + 42n);
    expect(calls).toEqual([{ id: 16, pc: 4, env, where: { kind: 'stack', offset: 504 } }]);
  });

  it('can map a region for the rest of the run (a map value) and the program can use it', () => {
    const value = new Uint8Array(8);
    const helpers: HelperTable = new Map<number, HelperFn>([
      [1, (_a, _b, _c, _d, _e, call) => call.mem.map({ kind: 'map_value', name: 'map_value', bytes: value, writable: true })],
    ]);
    const memory = new Memory();
    const p = asm('call 1\nstdw [%r0+0], 77\nldxdw %r0, [%r0]\nexit');
    expect(interpret(p, { helpers, memory }).r0).toBe(77n);
    expect(value[0]).toBe(77);
    expect(memory.regionCount).toBe(0); // unmapped after the run
  });

  it('callx calls the helper whose id is in the register', () => {
    const helpers: HelperTable = new Map<number, HelperFn>([[5, (r1) => r1 * 2n]]);
    expect(interpret(asm('mov %r1, 21\nmov %r2, 5\ncall %r2\nexit'), { helpers }).r0).toBe(42n);
    expect(() => interpret(asm('lddw %r2, 0x100000005\ncall %r2\nexit'), { helpers })).toThrow(/unknown helper/);
  });
});

describe('tail calls', () => {
  // r2 = the prog array "pointer" (any value the resolver understands), r3 = index
  const tailCaller = (index: number): Instruction[] => asm(`
    mov %r6, %r1
    lddw %r2, 0xabc
    mov %r3, ${index}
    call 12
    # fell through
    mov %r0, 1000
    add %r0, %r6
    exit`);

  it('replace the program: same r1 (ctx), fresh stack, never return', () => {
    const target = asm('ldxdw %r0, [%r10-8]\nadd %r0, %r1\nexit');
    const seen: [bigint, number][] = [];
    const tailCalls: TailCallResolver = (ptr, idx) => {
      seen.push([ptr, idx]);
      return idx === 2 ? { insns: target } : undefined;
    };
    const caller = asm('stdw [%r10-8], 5\nmov %r1, 7\nlddw %r2, 0xabc\nmov %r3, 2\ncall 12\nmov %r0, 99\nexit');
    expect(interpret(caller, { tailCalls }).r0).toBe(7n); // 0 from the fresh stack + r1
    expect(seen).toEqual([[0xabcn, 2]]);
  });

  it('fall through on a missing slot, leaving r0 as it was', () => {
    const tailCalls: TailCallResolver = () => undefined;
    expect(interpret(tailCaller(3), { tailCalls, args: [5n] }).r0).toBe(1005n);
  });

  it('index is the low 32 bits of r3', () => {
    const seen: number[] = [];
    const tailCalls: TailCallResolver = (_p, idx) => (seen.push(idx), undefined);
    interpret(asm('lddw %r3, 0x1ffffffff\ncall 12\nexit'), { tailCalls });
    expect(seen).toEqual([0xffffffff]);
  });

  it('stop after 33 tail calls (MAX_TAIL_CALL_CNT) and fall through', () => {
    // a program that counts its executions in a map-like region and tail-calls itself
    const counter = new Uint8Array(8);
    const memory = new Memory();
    const counterAddr = memory.map({ kind: 'map_value', name: 'map_value', bytes: counter, writable: true });
    const self = asm(`
      ldxdw %r2, [%r1]
      add %r2, 1
      stxdw [%r1], %r2
      lddw %r2, 0xabc
      mov %r3, 0
      call 12
      ldxdw %r0, [%r1]
      exit`);
    const tailCalls: TailCallResolver = () => ({ insns: self });
    const { r0 } = interpret(self, { tailCalls, memory, args: [counterAddr] });
    expect(r0).toBe(34n); // the first run + 33 tail calls
  });

  it('do not count a miss (empty slot: null, or index out of range: undefined) toward the limit, as Linux 6.18', () => {
    const run = (answer: null | undefined): bigint => {
      let calls = 0;
      const target = asm('mov %r0, 1\nexit');
      // 40 misses first, then a hit: the misses used up nothing, so the hit happens
      const tailCalls: TailCallResolver = () => (++calls <= 40 ? answer : { insns: target });
      const p = asm(`
        mov %r6, 41
      again:
        lddw %r2, 0xabc
        mov %r3, 0
        call 12
        sub %r6, 1
        jne %r6, 0, again
        mov %r0, 0
        exit`);
      return interpret(p, { tailCalls }).r0;
    };
    expect(run(undefined)).toBe(1n);
    expect(run(null)).toBe(1n);
  });

  it('a VmFault without a pc from a helper or resolver is placed at the call', () => {
    const fault = new VmFault('helper_error', 'bpf_tail_call: r2 is not a map pointer', { pc: -1 });
    const tailCalls: TailCallResolver = () => { throw fault; };
    const err = (() => {
      try {
        interpret(tailCaller(0), { tailCalls });
      } catch (e) {
        return e as VmFault;
      }
    })();
    expect(err?.kind).toBe('helper_error');
    expect(err?.pc).toBe(4);
    expect(err?.message).toMatch(/^bpf_tail_call: r2 is not a map pointer, pc 4 \(call 12\)$/);
    const helpers = new Map<number, HelperFn>([[9, () => { throw fault; }]]);
    expect(() => interpret(asm('mov %r0, 0\ncall 9\nexit'), { helpers })).toThrow(/, pc 1 \(call /);
  });

  it('a resolver that throws is a helper_error', () => {
    const tailCalls: TailCallResolver = () => { throw new Error('no map'); };
    expect(() => interpret(tailCaller(0), { tailCalls })).toThrow(/helper bpf_tail_call#12 failed: no map/);
  });

  it('without a resolver, helper 12 is an ordinary helper', () => {
    const helpers: HelperTable = new Map<number, HelperFn>([[12, () => 4n]]);
    expect(interpret(asm('call 12\nexit'), { helpers }).r0).toBe(4n);
  });
});
