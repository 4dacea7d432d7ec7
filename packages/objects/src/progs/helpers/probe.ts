// bpf_probe_read_{kernel,user}[_str] (kernel/trace/bpf_trace.c): copy from an address that may be bad. The simulator
// has one address space — the program's regions — so "kernel" and "user" memory are both that; an address outside
// every region is a fault: the destination is zeroed and the helper returns -EFAULT.
import type { HelperCall } from '@bpfsim/vm';
import type { HelperSpec } from '../helpers.js';
import { EFAULT, helper, ret, TRACING_TYPES } from './define.js';

function readNofault(call: HelperCall, addr: bigint, size: number): Uint8Array | undefined {
  const at = call.mem.resolve(addr);
  if (!at || at.offset + size > at.region.bytes.length) return undefined;
  return at.region.bytes.slice(at.offset, at.offset + size);
}

function probeRead(r1: bigint, r2: bigint, r3: bigint, call: HelperCall): bigint {
  const size = Number(r2 & 0xffffffffn);
  if (size === 0) return 0n;
  const data = readNofault(call, r3, size);
  call.mem.write(r1, data ?? new Uint8Array(size));
  return data ? 0n : ret(EFAULT);
}

/** Copies a NUL-terminated string of at most size - 1 bytes plus NUL; returns the bytes copied with the NUL. */
function probeReadStr(r1: bigint, r2: bigint, r3: bigint, call: HelperCall): bigint {
  const size = Number(r2 & 0xffffffffn);
  if (size === 0) return 0n;
  const at = call.mem.resolve(r3);
  if (!at) {
    call.mem.write(r1, new Uint8Array(size));
    return ret(EFAULT);
  }
  const avail = at.region.bytes.subarray(at.offset, Math.min(at.region.bytes.length, at.offset + size - 1));
  const nul = avail.indexOf(0);
  const str = nul < 0 ? avail : avail.subarray(0, nul);
  if (nul < 0 && str.length < size - 1) {
    // Ran off the end of the region before a NUL: the copy faults.
    call.mem.write(r1, new Uint8Array(size));
    return ret(EFAULT);
  }
  const out = new Uint8Array(str.length + 1);
  out.set(str);
  call.mem.write(r1, out);
  return BigInt(out.length);
}

export function probeHelpers(): HelperSpec[] {
  return [
    helper('probe_read', (r1, r2, r3, _4, _5, call) => probeRead(r1, r2, r3, call), TRACING_TYPES),
    helper('probe_read_str', (r1, r2, r3, _4, _5, call) => probeReadStr(r1, r2, r3, call), TRACING_TYPES),
    helper('probe_read_user', (r1, r2, r3, _4, _5, call) => probeRead(r1, r2, r3, call), TRACING_TYPES),
    helper('probe_read_user_str', (r1, r2, r3, _4, _5, call) => probeReadStr(r1, r2, r3, call), TRACING_TYPES),
    helper('probe_read_kernel', (r1, r2, r3, _4, _5, call) => probeRead(r1, r2, r3, call)),
    helper('probe_read_kernel_str', (r1, r2, r3, _4, _5, call) => probeReadStr(r1, r2, r3, call)),
  ];
}
