// bpf_prog_calc_tag: the program's tag is the first 8 bytes of a digest of its instructions with the map fd / map
// value immediates of ld_imm64 zeroed (both slots), so the tag does not depend on fd numbers.
// The digest is SHA-256 on Linux 6.18 (it was SHA-1 before bpf_prog_calc_tag moved to sha256 for signed
// programs): `r0 = 0; exit` → 59f4a931744dcdc6, checked on the reference kernel (FACTS.md and a direct check).
import { createHash } from 'node:crypto';
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, LDDW } from '@bpfsim/isa';

export function progTag(raw: Uint8Array): Uint8Array {
  const bytes = raw.slice();
  for (let off = 0; off + 16 <= bytes.length; off += 8) {
    if (bytes[off] !== LDDW) continue;
    const src = bytes[off + 1] >> 4;
    if (src === BPF_PSEUDO_MAP_FD || src === BPF_PSEUDO_MAP_VALUE) {
      bytes.fill(0, off + 4, off + 8);
      // The second slot's imm is zeroed only when that slot is the well-formed pseudo insn (code/regs/off all 0).
      if (bytes[off + 8] === 0 && bytes[off + 9] === 0 && bytes[off + 10] === 0 && bytes[off + 11] === 0) bytes.fill(0, off + 12, off + 16);
    }
    off += 8;
  }
  return new Uint8Array(createHash('sha256').update(bytes).digest().subarray(0, 8));
}

export const tagHex = (tag: Uint8Array): string => [...tag].map((b) => b.toString(16).padStart(2, '0')).join('');
