// The probe language of map-probe.c, run against bpfsim's maps, so the same script can be compared with the
// kernel's answers line by line (see ../kernel-oracle.test.ts).
import { BpfError } from '../../errno.js';
import { FULL_ACCESS } from '../base.js';
import { createMap } from '../create.js';
import type { FakeEnv } from '../test-support.js';
import type { BpfMap } from '../types.js';

function unhex(s: string): Uint8Array | null {
  if (s === '-' || s === undefined) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function hex(b: Uint8Array): string {
  return [...b.subarray(0, 64)].map((x) => x.toString(16).padStart(2, '0')).join('');
}

function hexAll(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

export function runScript(lines: string[], env: FakeEnv): string[] {
  const maps: BpfMap[] = [];
  const fds: number[] = [];
  const out: string[] = [];
  for (const line of lines) {
    const [cmd, a1, a2, a3, a4, a5, a6, a7] = line.trim().split(/\s+/);
    try {
      if (cmd === 'create') {
        const m = createMap(
          {
            map_type: Number(a1),
            key_size: Number(a2),
            value_size: Number(a3),
            max_entries: Number(a4),
            map_flags: Number(a5),
            map_extra: BigInt(a6),
            inner_map_fd: a7 !== undefined ? fds[Number(a7)] : undefined,
          },
          env,
        );
        maps.push(m);
        fds.push(env.addMap(m).fd);
        out.push(`ok ${maps.length - 1}`);
        continue;
      }
      const m = maps[Number(a1)];
      const key = unhex(a2);
      switch (cmd) {
        case 'update':
          m.update(key, unhex(a3)!, Number(a4), FULL_ACCESS);
          out.push('ok');
          break;
        case 'updfd': {
          const v = new Uint8Array(4);
          new DataView(v.buffer).setUint32(0, fds[Number(a3)], true);
          m.update(key, v, Number(a4), FULL_ACCESS);
          out.push('ok');
          break;
        }
        case 'lookup':
          out.push(`ok ${hex(m.lookup(key, Number(a3), FULL_ACCESS, unhex(a4) ?? undefined))}`);
          break;
        case 'lookupq':
          m.lookup(key, Number(a3), FULL_ACCESS);
          out.push('ok');
          break;
        case 'lad':
          out.push(`ok ${hex(m.lookupAndDelete(key, Number(a3), FULL_ACCESS))}`);
          break;
        case 'delete':
          m.delete(key, FULL_ACCESS);
          out.push('ok');
          break;
        case 'next':
          out.push(`ok ${hex(m.getNextKey(key, FULL_ACCESS))}`);
          break;
        case 'batch': {
          // batch <slot> <L|LD|LQ|LDQ> <in|-> <count> <ks> <vs> <elem_flags>
          const mode = a2;
          const attr = { inBatch: unhex(a3), count: Number(a4), elem_flags: Number(a7) };
          let r;
          try {
            r = mode.includes('D') ? m.lookupAndDeleteBatch(attr, FULL_ACCESS) : m.lookupBatch(attr, FULL_ACCESS);
          } catch (e) {
            if (!(e instanceof BpfError)) throw e;
            // errors before any element: the kernel leaves count as the caller set it
            out.push(`${e.errno} count=${a4}`);
            break;
          }
          let s = `${r.error ? r.error.errno : 'ok'} count=${r.count}`;
          if (!mode.includes('Q') && (!r.error || r.error.errno === 'ENOENT')) {
            const ks = Number(a5);
            const outb = new Uint8Array(ks);
            if (r.outBatch) outb.set(r.outBatch.subarray(0, ks));
            s += ` out=${hexAll(outb)} keys=${hexAll(r.keys ?? new Uint8Array(0))} vals=${hexAll(r.values ?? new Uint8Array(0))}`;
          }
          out.push(s);
          break;
        }
        case 'ubatch': {
          // ubatch <slot> <U|D> <count> <keys> <values|-> <elem_flags>
          const attr = { count: Number(a3), keys: unhex(a4) ?? undefined, values: unhex(a5) ?? undefined, elem_flags: Number(a6) };
          try {
            const r = a2 === 'D' ? m.deleteBatch(attr, FULL_ACCESS) : m.updateBatch(attr, FULL_ACCESS);
            out.push(`${r.error ? r.error.errno : 'ok'} count=${r.count}`);
          } catch (e) {
            if (!(e instanceof BpfError)) throw e;
            out.push(`${e.errno} count=${a3}`);
          }
          break;
        }
        case 'memlock':
          out.push(`ok ${m.memUsage()}`);
          break;
        case 'freeze':
          m.freeze(FULL_ACCESS);
          out.push('ok');
          break;
        default:
          out.push('EBADCMD');
      }
    } catch (e) {
      if (!(e instanceof BpfError)) throw e;
      out.push(e.errno);
    }
    void a5;
  }
  return out;
}

/** The probe prints 64 bytes of its (0xaa-filled) buffer; bpfsim prints exactly the value: compare the prefix. */
export function sameResult(kernel: string, sim: string): boolean {
  if (kernel === sim) return true;
  if (!kernel.startsWith('ok ') || !sim.startsWith('ok ')) return false;
  return kernel.slice(3).startsWith(sim.slice(3));
}
