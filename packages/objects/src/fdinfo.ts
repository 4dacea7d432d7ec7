// /proc/<pid>/fdinfo/<fd> for BPF fds: the generic lines (seq_show in fs/proc/fd.c) then the object's show_fdinfo
// (bpf_map_show_fdinfo, bpf_prog_show_fdinfo, bpf_link_show_fdinfo), field names and order as on Linux 6.18.
import { accessFlags, O_CLOEXEC, OpenFile, type FdEntry, type FileTarget } from './fd-table.js';
import type { MapObject } from './map-object.js';
import type { ProgObject } from './prog/program.js';
import type { LinkObject } from './links/link.js';
import { linkTypeString } from './uapi.js';
import { memlockOf } from './memlock.js';

/** The anon-inode mount's id and the shared anon inode number (boot-dependent on a real machine; fixed here). */
export const ANON_INODE_MNT_ID = 17;
export const ANON_INODE_INO = 1038;

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

export function fdinfoText(e: FdEntry): string {
  const flags = accessFlags(e.file.mode) | (e.cloexec ? O_CLOEXEC : 0);
  const pos = e.file.target.kind === 'seq' ? (e.file.target.pos?.() ?? 0) : 0;
  let s = `pos:\t${pos}\nflags:\t0${flags.toString(8)}\nmnt_id:\t${ANON_INODE_MNT_ID}\nino:\t${ANON_INODE_INO}\n`;
  const t = e.file.target;
  if (t.kind === 'map') s += mapFdinfo(t.obj);
  else if (t.kind === 'prog') s += progFdinfo(t.obj);
  else if (t.kind === 'link') s += linkFdinfo(t.obj);
  else if (t.kind === 'btf') s += `btf_id:\t${t.obj.id}\n`; // bpf_btf_show_fdinfo
  return s;
}

function mapFdinfo(m: MapObject): string {
  const i = m.impl;
  let s =
    `map_type:\t${i.mapType}\nkey_size:\t${i.keySize}\nvalue_size:\t${i.valueSize}\nmax_entries:\t${i.maxEntries}\n` +
    `map_flags:\t${hex(i.mapFlags)}\nmap_extra:\t${hex(i.mapExtra)}\nmemlock:\t${memlockOf(i)}\nmap_id:\t${m.id}\n` +
    `frozen:\t${i.frozen ? 1 : 0}\n`;
  // prog_array: the owner's type once a program used the map (bpf_map_show_fdinfo: owner_prog_type/owner_jited).
  const owner = i.owner;
  if (owner) s += `owner_prog_type:\t${owner.type}\nowner_jited:\t${owner.jited ? 1 : 0}\n`;
  return s;
}

/** bpf_prog_show_fdinfo: memlock is prog->pages × PAGE_SIZE. */
function progFdinfo(p: ProgObject): string {
  const pages = Math.ceil((PROG_HEADER_BYTES + p.xlatedSlots * 8) / 4096);
  return (
    `prog_type:\t${p.type}\nprog_jited:\t${p.jited ? 1 : 0}\nprog_tag:\t${p.tagHex}\nmemlock:\t${pages * 4096}\n` +
    `prog_id:\t${p.id}\nrun_time_ns:\t${p.stats.runTimeNs}\nrun_cnt:\t${p.stats.runCnt}\n` +
    `recursion_misses:\t${p.stats.recursionMisses}\nverified_insns:\t${p.verifiedInsns}\n`
  );
}

/**
 * offsetof(struct bpf_prog, insns) on x86-64 6.18 (bpf_prog_size): a 500-instruction program fits one page and a
 * 501-instruction one takes two (checked on the reference kernel).
 */
const PROG_HEADER_BYTES = 96;

function linkFdinfo(l: LinkObject): string {
  let s = `link_type:\t${linkTypeString(l.linkType)}\nlink_id:\t${l.id}\n`;
  s += `prog_tag:\t${l.prog.tagHex}\nprog_id:\t${l.prog.id}\n`;
  s += l.ops.showFdinfo?.(l) ?? '';
  return s;
}

/** The fdinfo text a fresh O_RDWR|O_CLOEXEC fd (O_RDONLY for links) for `target` would show (bpffs's opt-in `cat`). */
export function objectFdinfo(target: FileTarget): string {
  const mode = target.kind === 'link' ? { read: true, write: false } : { read: true, write: true };
  return fdinfoText({ file: new OpenFile(target, mode), cloexec: true });
}
