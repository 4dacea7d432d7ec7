// Puts a kernel run and a simulator run of the same script into a comparable form: everything that is a property
// of the machine rather than of BPF semantics (fd numbers, global ids, durations, mount/inode numbers) becomes a
// symbol, everything else is kept exactly.
import type { ObjectKind, ScriptCommand, ScriptRun } from './oracle';
import { returnsFd } from './sim';

export interface NormalizeOptions {
  /** Drop these result fields entirely (e.g. JIT sizes, which a simulator does not reproduce). */
  drop?: readonly string[];
  /** fdinfo lines (by field name) whose values are replaced by '*' (mnt_id and ino always are). */
  maskFdinfo?: readonly string[];
  /**
   * Rows whose `next_key` outputs are compared as a set (sorted among themselves): a hash map walk visits every key
   * once, but in the order of the kernel's randomly seeded buckets.
   */
  unorderedNextKeys?: readonly number[];
  /** `{ row: ref }`: row's next_key is shown as `=#ref` when it equals row ref's (a walk restarting at the first key). */
  sameNextKeyAs?: Readonly<Record<number, number>>;
  /**
   * Maps (by script variable) whose 4-byte values are object ids as the syscall reports them: `{ outer: 'map' }` for
   * map-in-map, `{ pa: 'prog' }` for prog_array. Their looked-up values become the id's variable name.
   */
  idValues?: Readonly<Record<string, ObjectKind>>;
}

const ALWAYS_MASKED_FDINFO = ['mnt_id', 'ino'];
type IdNames = Record<ObjectKind, Map<number, string>>;

/**
 * A comparable copy of a run: fd returns become 'fd', ids become the script variable that names them (`$m.id`,
 * looked up among objects of the right kind) or 'id', `duration` becomes whether it is positive, fdinfo texts get ids
 * symbolised and mnt_id/ino masked, info_len is kept only where the script asked for one, and keys are sorted.
 */
export function normalize(
  script: readonly ScriptCommand[],
  run: ScriptRun,
  options: NormalizeOptions = {},
): Record<string, unknown>[] {
  const ids: IdNames = { map: new Map(), prog: new Map(), link: new Map() };
  for (const [name, kind] of run.kinds) {
    const id = run.vars.get(`${name}.id`);
    if (id !== undefined && !ids[kind].has(id)) ids[kind].set(id, `$${name}.id`);
  }
  const symbol = (kind: ObjectKind, v: unknown): unknown => (typeof v === 'number' ? (ids[kind].get(v) ?? 'id') : v);
  const masked = new Set([...ALWAYS_MASKED_FDINFO, ...(options.maskFdinfo ?? [])]);

  const rows = run.results.map((r, i) => {
    const c = script[i];
    const out: Record<string, unknown> = { cmd: c?.cmd };
    const infoKind: ObjectKind = 'key_size' in r ? 'map' : 'tag' in r ? 'prog' : 'link';
    const mapVar = typeof c?.map_fd === 'string' && c.map_fd.startsWith('$') ? c.map_fd.slice(1) : undefined;
    const valueKind = mapVar ? options.idValues?.[mapVar] : undefined;
    for (const [k, v] of Object.entries(r)) {
      if (k === 'i' || options.drop?.includes(k)) continue;
      if (k === 'info_len' && c?.info_len === undefined) continue;
      if (k === 'ret' && c && returnsFd(c.cmd) && typeof v === 'number' && v >= 0) out.ret = 'fd';
      else if (k === 'id') out.id = symbol(infoKind, v);
      else if (k === 'prog_id') out.prog_id = symbol('prog', v);
      else if (k === 'next_id') out.next_id = 'id';
      else if (k === 'btf_id') out.btf_id = v ? 'id' : v; // a global BTF object id, or 0 for none
      else if (k === 'map_ids' && Array.isArray(v)) out.map_ids = v.map((x) => symbol('map', x));
      else if (k === 'duration') out.duration_positive = typeof v === 'number' && v > 0;
      else if (k === 'xlated_prog_insns' && typeof v === 'string') out.xlated_prog_insns = xlatedWithMapIds(v, ids);
      else if (k === 'text' && c?.cmd === 'fdinfo' && typeof v === 'string') out.text = normalizeFdinfo(v, ids, masked);
      else if (k === 'value' && valueKind && typeof v === 'string' && v.length === 8) out.value = symbol(valueKind, leU32(v));
      else out[k] = v;
    }
    return sortKeys(out);
  });

  for (const [row, ref] of Object.entries(options.sameNextKeyAs ?? {})) {
    const r = rows[Number(row)];
    if (r && rows[ref] && r.next_key !== undefined && r.next_key === rows[ref].next_key) r.next_key = `=#${ref}`;
  }
  const unordered = (options.unorderedNextKeys ?? []).filter((i) => rows[i] && 'next_key' in rows[i]);
  const sorted = unordered.map((i) => String(rows[i].next_key)).sort();
  unordered.forEach((row, j) => {
    rows[row].next_key = sorted[j];
  });
  return rows;
}

function normalizeFdinfo(text: string, ids: IdNames, masked: Set<string>): string {
  return text
    .split('\n')
    .map((line) => {
      const m = /^([a-z_]+):\t(.*)$/.exec(line);
      if (!m) return line;
      const [, key, value] = m;
      if (masked.has(key)) return `${key}:\t*`;
      const kind: ObjectKind | undefined =
        key === 'map_id' ? 'map' : key === 'prog_id' ? 'prog' : key === 'link_id' ? 'link' : undefined;
      if (kind) return `${key}:\t${ids[kind].get(Number(value)) ?? 'id'}`;
      return line;
    })
    .join('\n');
}

/**
 * Translated instructions, one hex string each; a map-loading lddw (src_reg BPF_PSEUDO_MAP_FD 1 or
 * BPF_PSEUDO_MAP_VALUE 2), which the kernel shows with the map's id as imm, gets that id's name instead.
 */
function xlatedWithMapIds(hex: string, ids: IdNames): string[] {
  const insns = hex.match(/.{1,16}/g) ?? [];
  return insns.map((x) => {
    const src = parseInt(x.slice(2, 3), 16);
    if (x.startsWith('18') && (src === 1 || src === 2)) {
      const id = leU32(x.slice(8, 16));
      return `${x.slice(0, 8)}<${ids.map.get(id) ?? 'id'}>`;
    }
    return x;
  });
}

function leU32(hex: string): number {
  return parseInt(hex.slice(6, 8) + hex.slice(4, 6) + hex.slice(2, 4) + hex.slice(0, 2), 16);
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a === 'cmd' ? -1 : b === 'cmd' ? 1 : a.localeCompare(b))));
}

/** Side-by-side rows for a readable assertion message: script line, kernel, simulator. */
export function describeDifferences(
  script: readonly ScriptCommand[],
  kernel: readonly Record<string, unknown>[],
  sim: readonly Record<string, unknown>[],
): string {
  const rows: string[] = [];
  script.forEach((c, i) => {
    const k = JSON.stringify(kernel[i]);
    const s = JSON.stringify(sim[i]);
    if (k !== s) rows.push(`#${i} ${JSON.stringify(c)}\n  kernel: ${k}\n  bpfsim: ${s}`);
  });
  return rows.join('\n');
}
