// The bpf(2) commands of an oracle script, run through bpfsim's `proc.bpf(cmd, attr)`: attr fields built from the
// script line, outputs (values, keys, info fields, test-run results) reported in the oracle's result format.
import type { OracleResult, ScriptCommand } from './oracle';
import { ScriptError, cString, errnoOf, toHex, type ScriptContext } from './sim-context';

const HASH_TYPES = new Set([1, 5, 9, 10, 13]); // hash, percpu_hash, lru_hash, lru_percpu_hash, hash_of_maps

/** Map-info fields the oracle prints, in its order. */
const MAP_INFO_FIELDS = [
  'type', 'id', 'key_size', 'value_size', 'max_entries', 'map_flags', 'name', 'ifindex',
  'btf_vmlinux_value_type_id', 'btf_id', 'btf_key_type_id', 'btf_value_type_id', 'map_extra',
] as const;
const PROG_INFO_FIELDS = [
  'type', 'id', 'tag', 'jited_prog_len', 'xlated_prog_len', 'created_by_uid', 'nr_map_ids', 'name', 'ifindex',
  'gpl_compatible', 'btf_id', 'run_time_ns', 'run_cnt', 'recursion_misses', 'verified_insns',
] as const;
const LINK_INFO_FIELDS = ['type', 'id', 'prog_id'] as const;

export function runBpfCommand(ctx: ScriptContext, c: ScriptCommand, out: OracleResult): void {
  const cmd = c.cmd;
  switch (cmd) {
    case 'BPF_MAP_CREATE': {
      const attr: Record<string, unknown> = {};
      for (const k of ['map_type', 'key_size', 'value_size', 'max_entries', 'map_flags', 'inner_map_fd', 'numa_node', 'map_extra']) {
        attr[k] = ctx.num(c, k, 0);
      }
      for (const k of ['btf_fd', 'btf_key_type_id', 'btf_value_type_id']) if (ctx.has(c, k)) attr[k] = ctx.num(c, k, 0);
      if (ctx.str(c, 'map_name') !== undefined) attr.map_name = ctx.str(c, 'map_name');
      const fd = ctx.proc.bpf(cmd, attr);
      out.ret = fd;
      ctx.bindFd(c, fd);
      return;
    }
    case 'BPF_MAP_LOOKUP_ELEM':
    case 'BPF_MAP_LOOKUP_AND_DELETE_ELEM':
    case 'BPF_MAP_UPDATE_ELEM':
    case 'BPF_MAP_DELETE_ELEM':
    case 'BPF_MAP_GET_NEXT_KEY': {
      const fd = ctx.num(c, 'map_fd', -1);
      const sizes = ctx.valueSize(fd);
      const vs = ctx.has(c, 'value_len') ? ctx.num(c, 'value_len', 0) : sizes.value;
      const attr: Record<string, unknown> = { map_fd: fd, flags: ctx.num(c, 'flags', 0) };
      const key = ctx.bytes(c, 'key');
      if (key) attr.key = key;
      const value = ctx.bytes(c, 'value');
      if (cmd === 'BPF_MAP_UPDATE_ELEM') {
        if (value) attr.value = value;
        out.ret = ctx.proc.bpf(cmd, attr);
      } else if (cmd === 'BPF_MAP_GET_NEXT_KEY') {
        const next = new Uint8Array(sizes.key);
        attr.next_key = next;
        out.ret = ctx.proc.bpf(cmd, attr);
        out.next_key = toHex(next);
        ctx.lastNextKey = next.slice();
      } else if (cmd === 'BPF_MAP_DELETE_ELEM') {
        out.ret = ctx.proc.bpf(cmd, attr);
      } else {
        const buf = new Uint8Array(vs);
        if (value) buf.set(value.subarray(0, vs)); // bloom filter peek: the value to test
        attr.value = buf;
        out.ret = ctx.proc.bpf(cmd, attr);
        out.value = toHex(buf);
      }
      return;
    }
    case 'BPF_MAP_LOOKUP_BATCH':
    case 'BPF_MAP_LOOKUP_AND_DELETE_BATCH':
    case 'BPF_MAP_UPDATE_BATCH':
    case 'BPF_MAP_DELETE_BATCH': {
      const fd = ctx.num(c, 'map_fd', -1);
      const sizes = ctx.valueSize(fd);
      const type = Number(ctx.info(fd)?.type ?? 0);
      // batch tokens: a u32 bucket index for hash maps (htab_map_lookup_batch), a key for the generic walk
      const batchLen = HASH_TYPES.has(type) ? 4 : sizes.key;
      const count = ctx.num(c, 'count', 0);
      const lookup = cmd === 'BPF_MAP_LOOKUP_BATCH' || cmd === 'BPF_MAP_LOOKUP_AND_DELETE_BATCH';
      const keys = lookup ? new Uint8Array(count * sizes.key) : ctx.bytes(c, 'keys');
      const values = lookup ? new Uint8Array(count * sizes.value) : ctx.bytes(c, 'values');
      const outBatch = new Uint8Array(batchLen);
      const attr: Record<string, unknown> = {
        map_fd: fd,
        out_batch: outBatch,
        count,
        elem_flags: ctx.num(c, 'elem_flags', 0),
        flags: ctx.num(c, 'flags', 0),
      };
      const inBatch = ctx.bytes(c, 'in_batch');
      if (inBatch) attr.in_batch = inBatch;
      if (keys) attr.keys = keys;
      if (values) attr.values = values;
      const report = (): void => {
        out.count = Number(attr.count ?? 0);
        if (lookup && keys && values) {
          const n = Math.min(Number(attr.count ?? 0), count);
          out.keys = toHex(keys.subarray(0, n * sizes.key));
          out.values = toHex(values.subarray(0, n * sizes.value));
          out.out_batch = toHex(outBatch);
        }
      };
      try {
        out.ret = ctx.proc.bpf(cmd, attr);
      } catch (e) {
        out.count = Number(attr.count ?? 0);
        if (errnoOf(e) === 'ENOENT') report();
        throw e;
      }
      report();
      return;
    }
    case 'BPF_BTF_LOAD': {
      const blob = ctx.bytes(c, 'btf') ?? new Uint8Array(0);
      const logSize = ctx.num(c, 'btf_log_size', 0);
      const log = logSize ? new Uint8Array(logSize) : undefined;
      const attr: Record<string, unknown> = { btf: blob, btf_size: blob.length, btf_log_level: ctx.num(c, 'btf_log_level', 0) };
      if (log) {
        attr.btf_log_buf = log;
        attr.btf_log_size = logSize;
      }
      try {
        const fd = ctx.proc.bpf(cmd, attr);
        out.ret = fd;
        const as = ctx.str(c, 'as');
        if (as) ctx.vars.set(as, fd);
      } finally {
        if (log) out.log = cString(log);
      }
      return;
    }
    case 'BPF_MAP_FREEZE':
      out.ret = ctx.proc.bpf(cmd, { map_fd: ctx.num(c, 'map_fd', -1) });
      return;
    case 'BPF_PROG_LOAD': {
      const insns = ctx.bytes(c, 'insns') ?? new Uint8Array(0);
      const fixups = ctx.str(c, 'fixups');
      if (fixups) {
        for (const part of fixups.split(/[ ,]+/).filter(Boolean)) {
          const m = /^(\d+)=\$(.+)$/.exec(part);
          const v = m ? ctx.vars.get(m[2]) : undefined;
          if (!m || v === undefined || (Number(m[1]) + 1) * 8 > insns.length) throw new ScriptError('bad fixups');
          new DataView(insns.buffer, insns.byteOffset).setInt32(Number(m[1]) * 8 + 4, v, true);
        }
      }
      const attr: Record<string, unknown> = {
        prog_type: ctx.num(c, 'prog_type', 0),
        insns,
        insn_cnt: ctx.has(c, 'insn_cnt') ? ctx.num(c, 'insn_cnt', 0) : insns.length / 8,
        log_level: ctx.num(c, 'log_level', 0),
        kern_version: ctx.num(c, 'kern_version', 0),
        prog_flags: ctx.num(c, 'prog_flags', 0),
        expected_attach_type: ctx.num(c, 'expected_attach_type', 0),
      };
      if (ctx.str(c, 'license') !== undefined) attr.license = ctx.str(c, 'license');
      if (ctx.str(c, 'prog_name') !== undefined) attr.prog_name = ctx.str(c, 'prog_name');
      const logSize = ctx.num(c, 'log_size', 0);
      const log = logSize ? new Uint8Array(logSize) : undefined;
      if (log) {
        attr.log_buf = log;
        attr.log_size = logSize;
      }
      try {
        const fd = ctx.proc.bpf(cmd, attr);
        out.ret = fd;
        ctx.bindFd(c, fd);
      } finally {
        if (log) out.log = cString(log);
      }
      return;
    }
    case 'BPF_OBJ_PIN':
    case 'BPF_OBJ_GET': {
      const attr: Record<string, unknown> = { pathname: ctx.str(c, 'pathname'), file_flags: ctx.num(c, 'file_flags', 0) };
      if (cmd === 'BPF_OBJ_PIN') attr.bpf_fd = ctx.num(c, 'bpf_fd', 0);
      const r = ctx.proc.bpf(cmd, attr);
      out.ret = r;
      if (cmd === 'BPF_OBJ_GET') ctx.bindFd(c, r);
      return;
    }
    case 'BPF_PROG_TEST_RUN': {
      const dataIn = ctx.bytes(c, 'data_in');
      const ctxIn = ctx.bytes(c, 'ctx_in');
      const dso = ctx.num(c, 'data_size_out', 0);
      const cso = ctx.num(c, 'ctx_size_out', 0);
      const attr: Record<string, unknown> = {
        prog_fd: ctx.num(c, 'prog_fd', -1),
        repeat: ctx.num(c, 'repeat', 0),
        flags: ctx.num(c, 'flags', 0),
        cpu: ctx.num(c, 'cpu', 0),
      };
      if (dataIn) {
        attr.data_in = dataIn;
        attr.data_size_in = ctx.has(c, 'data_size_in') ? ctx.num(c, 'data_size_in', 0) : dataIn.length;
      }
      const dataOut = dso ? new Uint8Array(dso) : undefined;
      if (dataOut) {
        attr.data_out = dataOut;
        attr.data_size_out = dso;
      }
      if (ctxIn) {
        attr.ctx_in = ctxIn;
        attr.ctx_size_in = ctxIn.length;
      }
      const ctxOut = cso ? new Uint8Array(cso) : undefined;
      if (ctxOut) {
        attr.ctx_out = ctxOut;
        attr.ctx_size_out = cso;
      }
      const report = (): void => {
        out.retval = Number(attr.retval ?? 0);
        out.duration = Number(attr.duration ?? 0);
        const n = Number(attr.data_size_out ?? 0);
        out.data_size_out = n;
        if (dataOut) out.data_out = toHex(dataOut.subarray(0, Math.min(n, dso)));
        if (ctxIn) out.ctx_in_after = toHex(ctxIn);
        if (ctxOut) {
          const m = Number(attr.ctx_size_out ?? 0);
          out.ctx_size_out = m;
          out.ctx_out = toHex(ctxOut.subarray(0, Math.min(m, cso)));
        }
      };
      try {
        out.ret = ctx.proc.bpf(cmd, attr);
      } catch (e) {
        if (errnoOf(e) === 'ENOSPC') report(); // the kernel still copies out what fits and the real sizes
        throw e;
      }
      report();
      return;
    }
    case 'BPF_PROG_GET_NEXT_ID':
    case 'BPF_MAP_GET_NEXT_ID':
    case 'BPF_LINK_GET_NEXT_ID': {
      const attr: Record<string, unknown> = { start_id: ctx.num(c, 'start_id', 0) };
      out.ret = ctx.proc.bpf(cmd, attr);
      out.next_id = Number(attr.next_id);
      return;
    }
    case 'BPF_MAP_GET_FD_BY_ID':
    case 'BPF_PROG_GET_FD_BY_ID':
    case 'BPF_LINK_GET_FD_BY_ID': {
      const key = cmd === 'BPF_MAP_GET_FD_BY_ID' ? 'map_id' : cmd === 'BPF_PROG_GET_FD_BY_ID' ? 'prog_id' : 'link_id';
      const fd = ctx.proc.bpf(cmd, { [key]: ctx.num(c, key, 0), open_flags: ctx.num(c, 'open_flags', 0) });
      out.ret = fd;
      ctx.bindFd(c, fd);
      return;
    }
    case 'BPF_OBJ_GET_INFO_BY_FD': {
      const fd = ctx.num(c, 'bpf_fd', -1);
      const kind = ctx.infoKind(fd);
      if (ctx.num(c, 'info_tail', 0)) {
        // raw-bytes form of the info buffer, with a non-zero last byte (the kernel refuses unknown bytes: E2BIG)
        const len = ctx.num(c, 'info_len', 0);
        const raw = new Uint8Array(len);
        if (len > 0) raw[len - 1] = 1;
        const attr: Record<string, unknown> = { bpf_fd: fd, info: raw, info_len: len };
        out.ret = ctx.proc.bpf(cmd, attr);
        out.info_len = Number(attr.info_len);
        return;
      }
      const obj: Record<string, unknown> = {};
      const attr: Record<string, unknown> = { bpf_fd: fd, info: obj };
      if (ctx.has(c, 'info_len')) attr.info_len = ctx.num(c, 'info_len', 0);
      out.ret = ctx.proc.bpf(cmd, attr);
      if (attr.info_len !== undefined) out.info_len = Number(attr.info_len);
      const fields = kind === 'map' ? MAP_INFO_FIELDS : kind === 'prog' ? PROG_INFO_FIELDS : LINK_INFO_FIELDS;
      for (const f of fields) out[f] = infoField(obj[f], f);
      if (kind === 'prog') {
        out.load_time_nonzero = Number(obj.load_time ?? 0) !== 0 ? 1 : 0;
        if (c.xlated) {
          const x = obj.xlated_prog_insns;
          out.xlated_prog_insns = x instanceof Uint8Array ? toHex(x) : x;
          out.map_ids = obj.map_ids;
        }
      }
      return;
    }
    default:
      throw new ScriptError(`command not supported by the simulator translator: ${cmd}`);
  }
}

function infoField(v: unknown, name: string): unknown {
  // A field bpfsim left unset (beyond info_len) reads as the zero-filled C struct the oracle passes would.
  if (v === undefined) return name === 'name' ? '' : name === 'tag' ? '00'.repeat(8) : 0;
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}
