// The reference engine: a switch-dispatch interpreter over the pre-decoded program (decoded.ts), registers as
// int32 halves (Machine.L / Machine.H), no BigInt and no allocation on the hot path. RFC 9669 semantics throughout:
// 32-bit results zero-extend, shift counts are masked, x / 0 = 0 and x % 0 = x, INT_MIN / -1 = INT_MIN.
//
// `execute` runs until the program exits or the Machine asks to pause (stepping); the Stepper drives the very same
// loop one instruction at a time, so there is one definition of every instruction's meaning.
import type { Instruction } from '@bpfsim/isa';
import { bswap16, bswap32, mulhiU32, OUT, sdivmod64, udivmod64 } from './arith.js';
import { callHelper, popFrame, pushFrame } from './calls.js';
import { decodeProgram, type DecodedProgram } from './decoded.js';
import type { CompileOptions, LoadedProgram, RunOptions, RunResult } from './engine.js';
import { insnFault, memoryFault, type VmFault } from './fault.js';
import { Machine } from './machine.js';
import { LO_BASE } from './memory.js';

/** Runs `m` until its entry frame exits (returns true) or a stepping pause (returns false). Throws VmFault. */
export function execute(m: Machine): boolean {
  const L = m.L;
  const H = m.H;
  const { views, lengths, writable } = m.memory;
  const LO = LO_BASE;
  let prog = m.prog;
  let op = prog.op;
  let dst = prog.dst;
  let src = prog.src;
  let off = prog.off;
  let imm = prog.imm;
  let aux = prog.aux;
  let pc = m.pc;
  let n = m.n;
  let limit = m.limit;
  for (;;) {
    if (n >= limit) {
      m.pc = pc;
      m.n = n;
      if (m.checkpoint()) return false;
      limit = m.limit;
    }
    n++;
    const d = dst[pc];
    // Case labels are number literals (internal codes commented with their OP name from decoded.ts), so V8 builds
    // one jump table for the whole switch.
    switch (op[pc]) {
      case 0x07: { // add64 imm
        const bl = imm[pc], bh = bl >> 31; const a = L[d], r = (a + bl) | 0;
        H[d] = (H[d] + bh + (r >>> 0 < a >>> 0 ? 1 : 0)) | 0;
        L[d] = r;
        break;
      }
      case 0x17: { // sub64 imm
        const bl = imm[pc], bh = bl >> 31; const a = L[d];
        H[d] = (H[d] - bh - (a >>> 0 < bl >>> 0 ? 1 : 0)) | 0;
        L[d] = (a - bl) | 0;
        break;
      }
      case 0x27: { // mul64 imm
        const bl = imm[pc], bh = bl >> 31; const a = L[d];
        H[d] = (Math.imul(H[d], bl) + Math.imul(a, bh) + mulhiU32(a, bl)) | 0;
        L[d] = Math.imul(a, bl);
        break;
      }
      case 0x37: { // div64 imm: x / 0 = 0
        const bl = imm[pc], bh = bl >> 31;
        if ((bl | bh) === 0) {
          L[d] = 0;
          H[d] = 0;
        } else if ((H[d] | bh) === 0) {
          L[d] = (L[d] >>> 0) / (bl >>> 0);
        } else {
          udivmod64(L[d], H[d], bl, bh);
          L[d] = OUT[0];
          H[d] = OUT[1];
        }
        break;
      }
      case 0x47: { // or64 imm
        const bl = imm[pc], bh = bl >> 31;
        L[d] |= bl;
        H[d] |= bh;
        break;
      }
      case 0x57: { // and64 imm
        const bl = imm[pc], bh = bl >> 31;
        L[d] &= bl;
        H[d] &= bh;
        break;
      }
      case 0xa7: { // xor64 imm
        const bl = imm[pc], bh = bl >> 31;
        L[d] ^= bl;
        H[d] ^= bh;
        break;
      }
      case 0x67: { // lsh64 imm
        const c = imm[pc] & 63, lo = L[d];
        if (c >= 32) {
          H[d] = lo << (c - 32);
          L[d] = 0;
        } else if (c !== 0) {
          H[d] = (H[d] << c) | (lo >>> (32 - c));
          L[d] = lo << c;
        }
        break;
      }
      case 0x77: { // rsh64 imm
        const c = imm[pc] & 63, hi = H[d];
        if (c >= 32) {
          L[d] = hi >>> (c - 32);
          H[d] = 0;
        } else if (c !== 0) {
          L[d] = (L[d] >>> c) | (hi << (32 - c));
          H[d] = hi >>> c;
        }
        break;
      }
      case 0xc7: { // arsh64 imm
        const c = imm[pc] & 63, hi = H[d];
        if (c >= 32) {
          L[d] = hi >> (c - 32);
          H[d] = hi >> 31;
        } else if (c !== 0) {
          L[d] = (L[d] >>> c) | (hi << (32 - c));
          H[d] = hi >> c;
        }
        break;
      }
      case 0x97: { // mod64 imm: x % 0 = x
        const bl = imm[pc], bh = bl >> 31;
        if ((bl | bh) === 0) break;
        if ((H[d] | bh) === 0) {
          L[d] = (L[d] >>> 0) % (bl >>> 0);
        } else {
          udivmod64(L[d], H[d], bl, bh);
          L[d] = OUT[2];
          H[d] = OUT[3];
        }
        break;
      }
      case 0xb7: // mov64 imm
        L[d] = imm[pc];
        H[d] = imm[pc] >> 31;
        break;
      case 0x60: { // OP.SDIV64_K: sdiv64 imm
        const bl = imm[pc], bh = bl >> 31;
        if ((bl | bh) === 0) {
          L[d] = 0;
          H[d] = 0;
        } else {
          sdivmod64(L[d], H[d], bl, bh);
          L[d] = OUT[0];
          H[d] = OUT[1];
        }
        break;
      }
      case 0x70: { // OP.SMOD64_K: smod64 imm
        const bl = imm[pc], bh = bl >> 31;
        if ((bl | bh) === 0) break;
        sdivmod64(L[d], H[d], bl, bh);
        L[d] = OUT[2];
        H[d] = OUT[3];
        break;
      }
      case 0x0f: { // add64 reg
        const s = src[pc], bl = L[s], bh = H[s]; const a = L[d], r = (a + bl) | 0;
        H[d] = (H[d] + bh + (r >>> 0 < a >>> 0 ? 1 : 0)) | 0;
        L[d] = r;
        break;
      }
      case 0x1f: { // sub64 reg
        const s = src[pc], bl = L[s], bh = H[s]; const a = L[d];
        H[d] = (H[d] - bh - (a >>> 0 < bl >>> 0 ? 1 : 0)) | 0;
        L[d] = (a - bl) | 0;
        break;
      }
      case 0x2f: { // mul64 reg
        const s = src[pc], bl = L[s], bh = H[s]; const a = L[d];
        H[d] = (Math.imul(H[d], bl) + Math.imul(a, bh) + mulhiU32(a, bl)) | 0;
        L[d] = Math.imul(a, bl);
        break;
      }
      case 0x3f: { // div64 reg: x / 0 = 0
        const s = src[pc], bl = L[s], bh = H[s];
        if ((bl | bh) === 0) {
          L[d] = 0;
          H[d] = 0;
        } else if ((H[d] | bh) === 0) {
          L[d] = (L[d] >>> 0) / (bl >>> 0);
        } else {
          udivmod64(L[d], H[d], bl, bh);
          L[d] = OUT[0];
          H[d] = OUT[1];
        }
        break;
      }
      case 0x4f: { // or64 reg
        const s = src[pc], bl = L[s], bh = H[s];
        L[d] |= bl;
        H[d] |= bh;
        break;
      }
      case 0x5f: { // and64 reg
        const s = src[pc], bl = L[s], bh = H[s];
        L[d] &= bl;
        H[d] &= bh;
        break;
      }
      case 0xaf: { // xor64 reg
        const s = src[pc], bl = L[s], bh = H[s];
        L[d] ^= bl;
        H[d] ^= bh;
        break;
      }
      case 0x6f: { // lsh64 reg
        const c = L[src[pc]] & 63, lo = L[d];
        if (c >= 32) {
          H[d] = lo << (c - 32);
          L[d] = 0;
        } else if (c !== 0) {
          H[d] = (H[d] << c) | (lo >>> (32 - c));
          L[d] = lo << c;
        }
        break;
      }
      case 0x7f: { // rsh64 reg
        const c = L[src[pc]] & 63, hi = H[d];
        if (c >= 32) {
          L[d] = hi >>> (c - 32);
          H[d] = 0;
        } else if (c !== 0) {
          L[d] = (L[d] >>> c) | (hi << (32 - c));
          H[d] = hi >>> c;
        }
        break;
      }
      case 0xcf: { // arsh64 reg
        const c = L[src[pc]] & 63, hi = H[d];
        if (c >= 32) {
          L[d] = hi >> (c - 32);
          H[d] = hi >> 31;
        } else if (c !== 0) {
          L[d] = (L[d] >>> c) | (hi << (32 - c));
          H[d] = hi >> c;
        }
        break;
      }
      case 0x9f: { // mod64 reg: x % 0 = x
        const s = src[pc], bl = L[s], bh = H[s];
        if ((bl | bh) === 0) break;
        if ((H[d] | bh) === 0) {
          L[d] = (L[d] >>> 0) % (bl >>> 0);
        } else {
          udivmod64(L[d], H[d], bl, bh);
          L[d] = OUT[2];
          H[d] = OUT[3];
        }
        break;
      }
      case 0xbf: { // mov64 reg
        const s = src[pc];
        L[d] = L[s];
        H[d] = H[s];
        break;
      }
      case 0x68: { // OP.SDIV64_X: sdiv64 reg
        const s = src[pc], bl = L[s], bh = H[s];
        if ((bl | bh) === 0) {
          L[d] = 0;
          H[d] = 0;
        } else {
          sdivmod64(L[d], H[d], bl, bh);
          L[d] = OUT[0];
          H[d] = OUT[1];
        }
        break;
      }
      case 0x78: { // OP.SMOD64_X: smod64 reg
        const s = src[pc], bl = L[s], bh = H[s];
        if ((bl | bh) === 0) break;
        sdivmod64(L[d], H[d], bl, bh);
        L[d] = OUT[2];
        H[d] = OUT[3];
        break;
      }
      case 0x87: { // neg64
        const lo = L[d];
        H[d] = (~H[d] + (lo === 0 ? 1 : 0)) | 0;
        L[d] = -lo | 0;
        break;
      }
      case 0xa0: { // OP.MOVSX64_8
        const v = (L[src[pc]] << 24) >> 24;
        L[d] = v;
        H[d] = v >> 31;
        break;
      }
      case 0xa8: { // OP.MOVSX64_16
        const v = (L[src[pc]] << 16) >> 16;
        L[d] = v;
        H[d] = v >> 31;
        break;
      }
      case 0xb0: { // OP.MOVSX64_32
        const v = L[src[pc]];
        L[d] = v;
        H[d] = v >> 31;
        break;
      }
      case 0x04: { // add32 imm
        const b = imm[pc];
        L[d] = (L[d] + b) | 0;
        H[d] = 0;
        break;
      }
      case 0x14: { // sub32 imm
        const b = imm[pc];
        L[d] = (L[d] - b) | 0;
        H[d] = 0;
        break;
      }
      case 0x24: { // mul32 imm
        const b = imm[pc];
        L[d] = Math.imul(L[d], b);
        H[d] = 0;
        break;
      }
      case 0x44: { // or32 imm
        const b = imm[pc];
        L[d] = L[d] | b;
        H[d] = 0;
        break;
      }
      case 0x54: { // and32 imm
        const b = imm[pc];
        L[d] = L[d] & b;
        H[d] = 0;
        break;
      }
      case 0xa4: { // xor32 imm
        const b = imm[pc];
        L[d] = L[d] ^ b;
        H[d] = 0;
        break;
      }
      case 0x64: { // lsh32 imm
        const b = imm[pc];
        L[d] = L[d] << (b & 31);
        H[d] = 0;
        break;
      }
      case 0x74: { // rsh32 imm
        const b = imm[pc];
        L[d] = L[d] >>> (b & 31);
        H[d] = 0;
        break;
      }
      case 0xc4: { // arsh32 imm
        const b = imm[pc];
        L[d] = L[d] >> (b & 31);
        H[d] = 0;
        break;
      }
      case 0x34: { // div32 imm
        const b = imm[pc];
        L[d] = b === 0 ? 0 : (L[d] >>> 0) / (b >>> 0);
        H[d] = 0;
        break;
      }
      case 0x94: { // mod32 imm
        const b = imm[pc];
        if (b !== 0) L[d] = (L[d] >>> 0) % (b >>> 0);
        H[d] = 0;
        break;
      }
      case 0x80: { // OP.SDIV32_K: sdiv32 imm: INT_MIN / -1 = INT_MIN
        const b = imm[pc];
        L[d] = b === 0 ? 0 : L[d] / b;
        H[d] = 0;
        break;
      }
      case 0x90: { // OP.SMOD32_K: smod32 imm: INT_MIN % -1 = 0
        const b = imm[pc];
        if (b !== 0) L[d] = L[d] % b;
        H[d] = 0;
        break;
      }
      case 0xb4: // mov32 imm
        L[d] = imm[pc];
        H[d] = 0;
        break;
      case 0x0c: { // add32 reg
        const b = L[src[pc]];
        L[d] = (L[d] + b) | 0;
        H[d] = 0;
        break;
      }
      case 0x1c: { // sub32 reg
        const b = L[src[pc]];
        L[d] = (L[d] - b) | 0;
        H[d] = 0;
        break;
      }
      case 0x2c: { // mul32 reg
        const b = L[src[pc]];
        L[d] = Math.imul(L[d], b);
        H[d] = 0;
        break;
      }
      case 0x4c: { // or32 reg
        const b = L[src[pc]];
        L[d] = L[d] | b;
        H[d] = 0;
        break;
      }
      case 0x5c: { // and32 reg
        const b = L[src[pc]];
        L[d] = L[d] & b;
        H[d] = 0;
        break;
      }
      case 0xac: { // xor32 reg
        const b = L[src[pc]];
        L[d] = L[d] ^ b;
        H[d] = 0;
        break;
      }
      case 0x6c: { // lsh32 reg
        const b = L[src[pc]];
        L[d] = L[d] << (b & 31);
        H[d] = 0;
        break;
      }
      case 0x7c: { // rsh32 reg
        const b = L[src[pc]];
        L[d] = L[d] >>> (b & 31);
        H[d] = 0;
        break;
      }
      case 0xcc: { // arsh32 reg
        const b = L[src[pc]];
        L[d] = L[d] >> (b & 31);
        H[d] = 0;
        break;
      }
      case 0x3c: { // div32 reg
        const b = L[src[pc]];
        L[d] = b === 0 ? 0 : (L[d] >>> 0) / (b >>> 0);
        H[d] = 0;
        break;
      }
      case 0x9c: { // mod32 reg
        const b = L[src[pc]];
        if (b !== 0) L[d] = (L[d] >>> 0) % (b >>> 0);
        H[d] = 0;
        break;
      }
      case 0x88: { // OP.SDIV32_X: sdiv32 reg: INT_MIN / -1 = INT_MIN
        const b = L[src[pc]];
        L[d] = b === 0 ? 0 : L[d] / b;
        H[d] = 0;
        break;
      }
      case 0x98: { // OP.SMOD32_X: smod32 reg: INT_MIN % -1 = 0
        const b = L[src[pc]];
        if (b !== 0) L[d] = L[d] % b;
        H[d] = 0;
        break;
      }
      case 0xbc: // mov32 reg
        L[d] = L[src[pc]];
        H[d] = 0;
        break;
      case 0x84: // neg32
        L[d] = -L[d];
        H[d] = 0;
        break;
      case 0xb8: // OP.MOVSX32_8
        L[d] = (L[src[pc]] << 24) >> 24;
        H[d] = 0;
        break;
      case 0xc0: // OP.MOVSX32_16
        L[d] = (L[src[pc]] << 16) >> 16;
        H[d] = 0;
        break;
      case 0xc8: // OP.LE16
        L[d] &= 0xffff;
        H[d] = 0;
        break;
      case 0xd0: // OP.LE32
        H[d] = 0;
        break;
      case 0xd8: // OP.NOP
        break;
      case 0xe0: // OP.SWAP16
        L[d] = bswap16(L[d]);
        H[d] = 0;
        break;
      case 0xe8: // OP.SWAP32
        L[d] = bswap32(L[d]);
        H[d] = 0;
        break;
      case 0xf0: { // OP.SWAP64
        const lo = L[d];
        L[d] = bswap32(H[d]);
        H[d] = bswap32(lo);
        break;
      }
      // The loads and stores below (like the ALU and jump cases) are written out one case per opcode on purpose; do
      // not fold them into a shared access function or a size table. Literal case labels let V8 build one jump table
      // for the whole switch (see above), and each body inlines its bounds check on Memory's parallel arrays
      // (memory.ts), so the hot path stays monomorphic with no call per access. What that buys is measured in
      // docs/BENCHMARKS.md: about 3.4 ns per instruction on mem_loop, 0.68x uBPF's C interpreter.
      case 0x61: { // ldxw
        const s = src[pc];
        const o = off[pc], a = L[s], lo = (a + o) | 0;
        const slot = (H[s] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 4) throw accessFault(m, pc, s, o, 4, false);
        L[d] = views[slot].getInt32(at, true);
        H[d] = 0;
        break;
      }
      case 0x81: { // ldxsw
        const s = src[pc];
        const o = off[pc], a = L[s], lo = (a + o) | 0;
        const slot = (H[s] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 4) throw accessFault(m, pc, s, o, 4, false);
        const v = views[slot].getInt32(at, true);
        L[d] = v;
        H[d] = v >> 31;
        break;
      }
      case 0x62: { // stw
        const o = off[pc], a = L[d], lo = (a + o) | 0;
        const slot = (H[d] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 4 || !writable[slot]) {
          throw accessFault(m, pc, d, o, 4, true);
        }
        views[slot].setInt32(at, imm[pc], true);
        break;
      }
      case 0x63: { // stxw
        const o = off[pc], a = L[d], lo = (a + o) | 0;
        const slot = (H[d] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 4 || !writable[slot]) {
          throw accessFault(m, pc, d, o, 4, true);
        }
        views[slot].setInt32(at, L[src[pc]], true);
        break;
      }
      case 0x69: { // ldxh
        const s = src[pc];
        const o = off[pc], a = L[s], lo = (a + o) | 0;
        const slot = (H[s] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 2) throw accessFault(m, pc, s, o, 2, false);
        L[d] = views[slot].getUint16(at, true);
        H[d] = 0;
        break;
      }
      case 0x89: { // ldxsh
        const s = src[pc];
        const o = off[pc], a = L[s], lo = (a + o) | 0;
        const slot = (H[s] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 2) throw accessFault(m, pc, s, o, 2, false);
        const v = views[slot].getInt16(at, true);
        L[d] = v;
        H[d] = v >> 31;
        break;
      }
      case 0x6a: { // sth
        const o = off[pc], a = L[d], lo = (a + o) | 0;
        const slot = (H[d] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 2 || !writable[slot]) {
          throw accessFault(m, pc, d, o, 2, true);
        }
        views[slot].setInt16(at, imm[pc], true);
        break;
      }
      case 0x6b: { // stxh
        const o = off[pc], a = L[d], lo = (a + o) | 0;
        const slot = (H[d] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 2 || !writable[slot]) {
          throw accessFault(m, pc, d, o, 2, true);
        }
        views[slot].setInt16(at, L[src[pc]], true);
        break;
      }
      case 0x71: { // ldxb
        const s = src[pc];
        const o = off[pc], a = L[s], lo = (a + o) | 0;
        const slot = (H[s] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 1) throw accessFault(m, pc, s, o, 1, false);
        L[d] = views[slot].getUint8(at);
        H[d] = 0;
        break;
      }
      case 0x91: { // ldxsb
        const s = src[pc];
        const o = off[pc], a = L[s], lo = (a + o) | 0;
        const slot = (H[s] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 1) throw accessFault(m, pc, s, o, 1, false);
        const v = views[slot].getInt8(at);
        L[d] = v;
        H[d] = v >> 31;
        break;
      }
      case 0x72: { // stb
        const o = off[pc], a = L[d], lo = (a + o) | 0;
        const slot = (H[d] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 1 || !writable[slot]) {
          throw accessFault(m, pc, d, o, 1, true);
        }
        views[slot].setInt8(at, imm[pc]);
        break;
      }
      case 0x73: { // stxb
        const o = off[pc], a = L[d], lo = (a + o) | 0;
        const slot = (H[d] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 1 || !writable[slot]) {
          throw accessFault(m, pc, d, o, 1, true);
        }
        views[slot].setInt8(at, L[src[pc]]);
        break;
      }
      case 0x79: { // ldxdw
        const s = src[pc];
        const o = off[pc], a = L[s], lo = (a + o) | 0;
        const slot = (H[s] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 8) throw accessFault(m, pc, s, o, 8, false);
        const view = views[slot];
        L[d] = view.getInt32(at, true);
        H[d] = view.getInt32(at + 4, true);
        break;
      }
      case 0x7a: { // stdw
        const o = off[pc], a = L[d], lo = (a + o) | 0;
        const slot = (H[d] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 8 || !writable[slot]) {
          throw accessFault(m, pc, d, o, 8, true);
        }
        const view = views[slot];
        view.setInt32(at, imm[pc], true);
        view.setInt32(at + 4, imm[pc] >> 31, true);
        break;
      }
      case 0x7b: { // stxdw
        const o = off[pc], a = L[d], lo = (a + o) | 0;
        const slot = (H[d] + (o >> 31) + (lo >>> 0 < a >>> 0 ? 1 : 0) - 1) | 0;
        const at = (lo - LO) | 0;
        if (slot >>> 0 >= lengths.length || at < 0 || at > lengths[slot] - 8 || !writable[slot]) {
          throw accessFault(m, pc, d, o, 8, true);
        }
        const view = views[slot];
        view.setInt32(at, L[src[pc]], true);
        view.setInt32(at + 4, H[src[pc]], true);
        break;
      }
      case 0x15: { // jeq imm
        const bl = imm[pc], bh = bl >> 31;
        if (L[d] === bl && H[d] === bh) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x1d: { // jeq reg
        const s = src[pc], bl = L[s], bh = H[s];
        if (L[d] === bl && H[d] === bh) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x25: { // jgt imm
        const bl = imm[pc], bh = bl >> 31;
        const ah = H[d] >>> 0, uh = bh >>> 0;
        if (ah > uh || (ah === uh && L[d] >>> 0 > bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x2d: { // jgt reg
        const s = src[pc], bl = L[s], bh = H[s];
        const ah = H[d] >>> 0, uh = bh >>> 0;
        if (ah > uh || (ah === uh && L[d] >>> 0 > bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x35: { // jge imm
        const bl = imm[pc], bh = bl >> 31;
        const ah = H[d] >>> 0, uh = bh >>> 0;
        if (ah > uh || (ah === uh && L[d] >>> 0 >= bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x3d: { // jge reg
        const s = src[pc], bl = L[s], bh = H[s];
        const ah = H[d] >>> 0, uh = bh >>> 0;
        if (ah > uh || (ah === uh && L[d] >>> 0 >= bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x45: { // jset imm
        const bl = imm[pc], bh = bl >> 31;
        if ((L[d] & bl) !== 0 || (H[d] & bh) !== 0) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x4d: { // jset reg
        const s = src[pc], bl = L[s], bh = H[s];
        if ((L[d] & bl) !== 0 || (H[d] & bh) !== 0) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x55: { // jne imm
        const bl = imm[pc], bh = bl >> 31;
        if (L[d] !== bl || H[d] !== bh) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x5d: { // jne reg
        const s = src[pc], bl = L[s], bh = H[s];
        if (L[d] !== bl || H[d] !== bh) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x65: { // jsgt imm
        const bl = imm[pc], bh = bl >> 31;
        const ah = H[d];
        if (ah > bh || (ah === bh && L[d] >>> 0 > bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x6d: { // jsgt reg
        const s = src[pc], bl = L[s], bh = H[s];
        const ah = H[d];
        if (ah > bh || (ah === bh && L[d] >>> 0 > bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x75: { // jsge imm
        const bl = imm[pc], bh = bl >> 31;
        const ah = H[d];
        if (ah > bh || (ah === bh && L[d] >>> 0 >= bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x7d: { // jsge reg
        const s = src[pc], bl = L[s], bh = H[s];
        const ah = H[d];
        if (ah > bh || (ah === bh && L[d] >>> 0 >= bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xa5: { // jlt imm
        const bl = imm[pc], bh = bl >> 31;
        const ah = H[d] >>> 0, uh = bh >>> 0;
        if (ah < uh || (ah === uh && L[d] >>> 0 < bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xad: { // jlt reg
        const s = src[pc], bl = L[s], bh = H[s];
        const ah = H[d] >>> 0, uh = bh >>> 0;
        if (ah < uh || (ah === uh && L[d] >>> 0 < bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xb5: { // jle imm
        const bl = imm[pc], bh = bl >> 31;
        const ah = H[d] >>> 0, uh = bh >>> 0;
        if (ah < uh || (ah === uh && L[d] >>> 0 <= bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xbd: { // jle reg
        const s = src[pc], bl = L[s], bh = H[s];
        const ah = H[d] >>> 0, uh = bh >>> 0;
        if (ah < uh || (ah === uh && L[d] >>> 0 <= bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xc5: { // jslt imm
        const bl = imm[pc], bh = bl >> 31;
        const ah = H[d];
        if (ah < bh || (ah === bh && L[d] >>> 0 < bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xcd: { // jslt reg
        const s = src[pc], bl = L[s], bh = H[s];
        const ah = H[d];
        if (ah < bh || (ah === bh && L[d] >>> 0 < bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xd5: { // jsle imm
        const bl = imm[pc], bh = bl >> 31;
        const ah = H[d];
        if (ah < bh || (ah === bh && L[d] >>> 0 <= bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xdd: { // jsle reg
        const s = src[pc], bl = L[s], bh = H[s];
        const ah = H[d];
        if (ah < bh || (ah === bh && L[d] >>> 0 <= bl >>> 0)) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x16: { // jeq32 imm
        const b = imm[pc];
        if (L[d] === b) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x1e: { // jeq32 reg
        const b = L[src[pc]];
        if (L[d] === b) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x26: { // jgt32 imm
        const b = imm[pc];
        if (L[d] >>> 0 > b >>> 0) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x2e: { // jgt32 reg
        const b = L[src[pc]];
        if (L[d] >>> 0 > b >>> 0) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x36: { // jge32 imm
        const b = imm[pc];
        if (L[d] >>> 0 >= b >>> 0) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x3e: { // jge32 reg
        const b = L[src[pc]];
        if (L[d] >>> 0 >= b >>> 0) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x46: { // jset32 imm
        const b = imm[pc];
        if ((L[d] & b) !== 0) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x4e: { // jset32 reg
        const b = L[src[pc]];
        if ((L[d] & b) !== 0) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x56: { // jne32 imm
        const b = imm[pc];
        if (L[d] !== b) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x5e: { // jne32 reg
        const b = L[src[pc]];
        if (L[d] !== b) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x66: { // jsgt32 imm
        const b = imm[pc];
        if (L[d] > b) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x6e: { // jsgt32 reg
        const b = L[src[pc]];
        if (L[d] > b) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x76: { // jsge32 imm
        const b = imm[pc];
        if (L[d] >= b) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x7e: { // jsge32 reg
        const b = L[src[pc]];
        if (L[d] >= b) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xa6: { // jlt32 imm
        const b = imm[pc];
        if (L[d] >>> 0 < b >>> 0) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xae: { // jlt32 reg
        const b = L[src[pc]];
        if (L[d] >>> 0 < b >>> 0) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xb6: { // jle32 imm
        const b = imm[pc];
        if (L[d] >>> 0 <= b >>> 0) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xbe: { // jle32 reg
        const b = L[src[pc]];
        if (L[d] >>> 0 <= b >>> 0) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xc6: { // jslt32 imm
        const b = imm[pc];
        if (L[d] < b) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xce: { // jslt32 reg
        const b = L[src[pc]];
        if (L[d] < b) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xd6: { // jsle32 imm
        const b = imm[pc];
        if (L[d] <= b) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0xde: { // jsle32 reg
        const b = L[src[pc]];
        if (L[d] <= b) {
          pc = aux[pc];
          continue;
        }
        break;
      }
      case 0x05: // ja
      case 0x06: // gotol
        pc = aux[pc];
        continue;
      case 0xe5: // may_goto: taken once the frame's allowance (BPF_MAX_LOOPS) is used up, as the kernel interpreter
        // counts (x86-64/arm64 JITs of Linux 6.15+ use a 250 ms time budget instead: see README.md)
        if (m.mayGotoLeft === 0) {
          pc = aux[pc];
          continue;
        }
        m.mayGotoLeft--;
        break;
      case 0x18: // lddw: the 64-bit constant as is (pseudo sources were resolved by whoever built the program)
        L[d] = imm[pc];
        H[d] = aux[pc];
        if (n >= m.budget) {
          m.pc = pc;
          m.n = n - 1;
          throw m.budgetFault();
        }
        n++; // counts as the two slots it occupies
        pc += 2;
        continue;
      case 0x85: // call helper
      case 0x8d: {
        // callx: the helper whose id is in dst (an id that does not fit 31 bits is unknown)
        const id = op[pc] === 0x85 ? imm[pc] : H[d] === 0 && L[d] >= 0 ? L[d] : -1;
        m.pc = pc;
        m.n = n;
        if (callHelper(m, id, pc) === 'tail') {
          prog = m.prog;
          op = prog.op;
          dst = prog.dst;
          src = prog.src;
          off = prog.off;
          imm = prog.imm;
          aux = prog.aux;
          pc = m.pc;
          n = m.n;
          limit = m.limit;
          continue;
        }
        // A callback the helper ran (callSubprogram) executed instructions and may have moved the limits.
        n = m.n;
        limit = m.limit;
        break;
      }
      case 0xf8: // OP.CALL_LOCAL
        m.pc = pc;
        m.n = n;
        pushFrame(m, pc, aux[pc]);
        pc = m.pc;
        continue;
      case 0x20: // ldabsw
      case 0x28: // ldabsh
      case 0x30: // ldabsb
      case 0x40: // ldindw
      case 0x48: // ldindh
      case 0x50: // ldindb
        m.pc = pc;
        m.n = n;
        if (loadPacket(m, pc, op[pc])) break;
        L[0] = 0; // the kernel ends the program with r0 = 0 (bpf_gen_ld_abs)
        H[0] = 0;
      // falls through to exit
      case 0x95: // exit
        m.pc = pc;
        m.n = n;
        if (m.depth === m.floor) {
          m.done = true;
          return true;
        }
        popFrame(m);
        prog = m.prog;
        op = prog.op;
        dst = prog.dst;
        src = prog.src;
        off = prog.off;
        imm = prog.imm;
        aux = prog.aux;
        pc = m.pc;
        continue;
      case 0xc3: // atomic32
      case 0xdb: // atomic64
      case 0xcb: // atomic16 (load-acquire / store-release)
      case 0xd3: // atomic8
        atomic(m, pc, op[pc]);
        break;
      case 0x00: // OP.END
        m.pc = pc;
        m.n = n;
        throw insnFault('bad_jump', `execution fell off the end of the program (${prog.slots} slot${prog.slots === 1 ? '' : 's'})`, pc, undefined);
      default:
        m.pc = pc;
        m.n = n;
        throw insnFault('invalid_insn', `cannot execute opcode 0x${op[pc].toString(16).padStart(2, '0')}`, pc, m.insnAt(pc));
    }
    pc++;
  }
}

/** Fault for a load/store through register `base` + `off` that missed every (writable) region. */
function accessFault(m: Machine, pc: number, base: number, off: number, size: number, write: boolean): VmFault {
  const addr = BigInt.asUintN(64, m.reg(base) + BigInt(off));
  return memoryFault(m.memory, Number(addr >> 32n), Number(addr & 0xffffffffn), size, write, pc, m.insnAt(pc));
}

/**
 * BPF_STX | BPF_ATOMIC: add/or/and/xor (optionally fetching the old value into src), xchg, cmpxchg (compare with
 * r0, old value into r0), load-acquire and store-release. The VM is single-threaded, so plain reads and writes
 * are atomic. 32-bit forms zero-extend what they write into registers.
 */
function atomic(m: Machine, pc: number, opcode: number): void {
  const L = m.L;
  const H = m.H;
  const p = m.prog;
  const d = p.dst[pc];
  const s = p.src[pc];
  const o = p.off[pc];
  const kind = p.imm[pc];
  const size = opcode === 0xdb ? 8 : opcode === 0xc3 ? 4 : opcode === 0xcb ? 2 : 1;
  const base = kind === 0x100 ? s : d; // load-acquire reads from src + off into dst
  const addr = BigInt.asUintN(64, m.reg(base) + BigInt(o));
  const hi = Number(addr >> 32n);
  const lo = Number(addr & 0xffffffffn);
  const write = kind !== 0x100;
  const at = m.memory.locate(hi, lo, size);
  if (at.slot < 0 || (write && !m.memory.writable[at.slot])) {
    throw memoryFault(m.memory, hi, lo, size, write, pc, m.insnAt(pc));
  }
  const view = m.memory.views[at.slot];
  const off = at.offset;
  const readLo = (): number =>
    size === 8 || size === 4 ? view.getInt32(off, true) : size === 2 ? view.getUint16(off, true) : view.getUint8(off);
  const oldLo = readLo();
  const oldHi = size === 8 ? view.getInt32(off + 4, true) : 0;
  const writeValue = (vlo: number, vhi: number): void => {
    if (size === 8) {
      view.setInt32(off, vlo, true);
      view.setInt32(off + 4, vhi, true);
    } else if (size === 4) view.setInt32(off, vlo, true);
    else if (size === 2) view.setInt16(off, vlo, true);
    else view.setInt8(off, vlo);
  };
  const wide = size === 8;
  switch (kind) {
    case 0x100: // load-acquire: dst = *(src + off)
      L[d] = oldLo;
      H[d] = oldHi;
      return;
    case 0x110: // store-release: *(dst + off) = src
      writeValue(L[s], H[s]);
      return;
    case 0xe1: // xchg
      writeValue(L[s], wide ? H[s] : 0);
      L[s] = oldLo;
      H[s] = oldHi;
      return;
    case 0xf1: {
      // cmpxchg: if *ptr == r0 then *ptr = src; r0 = old (compare on the operand width)
      const equal = wide ? oldLo === L[0] && oldHi === H[0] : oldLo === L[0];
      if (equal) writeValue(L[s], H[s]);
      L[0] = oldLo;
      H[0] = oldHi;
      return;
    }
  }
  const fetch = (kind & 0x01) !== 0;
  let nlo: number;
  let nhi: number;
  switch (kind & ~0x01) {
    case 0x00: {
      nlo = (oldLo + L[s]) | 0;
      nhi = wide ? (oldHi + H[s] + (nlo >>> 0 < oldLo >>> 0 ? 1 : 0)) | 0 : 0;
      break;
    }
    case 0x40:
      nlo = oldLo | L[s];
      nhi = oldHi | H[s];
      break;
    case 0x50:
      nlo = oldLo & L[s];
      nhi = oldHi & H[s];
      break;
    case 0xa0:
      nlo = oldLo ^ L[s];
      nhi = oldHi ^ H[s];
      break;
    default:
      throw insnFault('invalid_insn', `unknown atomic operation 0x${kind.toString(16)}`, pc, m.insnAt(pc));
  }
  writeValue(nlo, wide ? nhi : 0);
  if (fetch) {
    L[s] = oldLo;
    H[s] = oldHi;
  }
}

/**
 * Legacy packet loads (LD_ABS / LD_IND): r0 = the big-endian B/H/W at offset imm (LD_ABS) or src + imm (LD_IND,
 * a 32-bit signed sum) of the packet of the ctx in r6 (the region's `packet`, else the region itself). Returns
 * false when the bytes are not inside the packet: the kernel then ends the program with r0 = 0 (bpf_gen_ld_abs).
 * Negative offsets (the kernel's SKF_LL_OFF / SKF_NET_OFF ancillary areas) are out of the packet here.
 */
function loadPacket(m: Machine, pc: number, opcode: number): boolean {
  const ctx = m.memory.resolve(m.reg(6));
  if (!ctx) {
    throw insnFault('out_of_bounds', `LD_ABS/LD_IND needs the ctx pointer in r6, which holds ${m.memory.describe(m.reg(6))}`, pc, m.insnAt(pc));
  }
  const packet = ctx.region.packet ?? ctx.region.bytes;
  const size = (opcode & 0x18) === 0x10 ? 1 : (opcode & 0x18) === 0x08 ? 2 : 4;
  const imm = m.prog.imm[pc];
  const offset = (opcode & 0xe0) === 0x40 ? (m.L[m.prog.src[pc]] + imm) | 0 : imm;
  if (offset < 0 || offset + size > packet.length) return false;
  let v = 0;
  for (let i = 0; i < size; i++) v = (v << 8) | packet[offset + i];
  m.L[0] = v;
  m.H[0] = 0;
  return true;
}

/** Runs a program on the interpreter. */
export function interpret(insns: readonly Instruction[] | DecodedProgram, opts: RunOptions = {}): RunResult {
  const m = new Machine(insns, opts);
  try {
    execute(m);
    return { r0: m.r0, insns: m.n };
  } finally {
    m.release();
  }
}

/** Loads a program for the interpreter (validated now, run any number of times). */
export function loadInterpreter(insns: readonly Instruction[], _opts: CompileOptions = {}): LoadedProgram {
  const decoded = decodeProgram(insns);
  return {
    insns: decoded.insns,
    run: (opts?: RunOptions) => interpret(decoded, opts),
  };
}
