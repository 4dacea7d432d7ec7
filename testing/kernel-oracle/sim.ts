// Runs an oracle script on bpfsim instead of the kernel: translates each JSON-lines command into the simulator's
// `proc.bpf(cmd, attr)` / `proc.fs.*` calls and answers in the oracle's result format, so one script drives both.
// It takes the process through a small structural interface, so this module imports no bpfsim package.
import type { OracleResult, ScriptCommand, ScriptRun } from './oracle';
import { runBpfCommand } from './sim-bpf';
import { ScriptContext, ScriptError, errnoOf, type SimProcess } from './sim-context';
import { runFsCommand } from './sim-fs';

export { errnoOf, fromHex, toHex, type SimFs, type SimProcess } from './sim-context';

export interface SimOptions {
  /** Per-cpu value layout: the simulated kernel's CPU count (use the real kernel's possible CPUs). */
  ncpus: number;
  /**
   * `drop_privs`: return the process that continues the script with these credentials. The kernel's helper keeps
   * its fds across the switch; a simulator that cannot change a process's credentials may spawn a new process —
   * scripts that use drop_privs then only reach earlier objects through pins and `$x.id` variables.
   */
  dropPrivs?: (from: SimProcess, creds: { uid: number; gid: number; caps: string[] }) => SimProcess;
}

/** Result of a simulator run: the same shape as a kernel run. */
export type SimRun = ScriptRun;

const FD_COMMANDS = new Set([
  'BPF_MAP_CREATE',
  'BPF_BTF_LOAD',
  'BPF_PROG_LOAD',
  'BPF_OBJ_GET',
  'BPF_MAP_GET_FD_BY_ID',
  'BPF_PROG_GET_FD_BY_ID',
  'BPF_LINK_GET_FD_BY_ID',
  'BPF_LINK_CREATE',
  'dup',
]);

/** Commands whose non-negative return value is a new fd (compared as "fd", never by number). */
export function returnsFd(cmd: string): boolean {
  return FD_COMMANDS.has(cmd);
}

export function runOnSim(start: SimProcess, script: readonly ScriptCommand[], options: SimOptions): SimRun {
  const ctx = new ScriptContext(start, options.ncpus);

  /** The process pseudo-commands (close, dup, fdinfo, pin_cpu, drop_privs, wait_gone); false for others. */
  const runProcessCommand = (c: ScriptCommand, out: OracleResult): boolean => {
    switch (c.cmd) {
      case 'close':
        ctx.proc.close(ctx.num(c, 'fd', -1));
        out.ret = 0;
        return true;
      case 'dup': {
        const fd = ctx.proc.dup(ctx.num(c, 'fd', -1));
        out.ret = fd;
        ctx.bindFd(c, fd);
        return true;
      }
      case 'fdinfo':
        out.text = ctx.proc.fdinfo(ctx.num(c, 'fd', -1));
        out.ret = 0;
        return true;
      case 'pin_cpu':
        // bpfsim runs syscalls on one simulated CPU; the kernel side pins itself so per-CPU effects are stable.
        out.ret = 0;
        return true;
      case 'drop_privs': {
        if (!options.dropPrivs) throw new ScriptError('drop_privs is not supported by this simulator setup');
        const caps = (ctx.str(c, 'caps') ?? 'CAP_BPF').split(/[ ,]+/).filter(Boolean);
        ctx.proc = options.dropPrivs(ctx.proc, { uid: ctx.num(c, 'uid', 65534), gid: ctx.num(c, 'gid', 65534), caps });
        out.ret = 0;
        return true;
      }
      case 'wait_gone': {
        // The kernel frees some objects after an RCU grace period or from a workqueue; bpfsim frees synchronously,
        // so one probe decides. Like the oracle, probe with GET_NEXT_ID(id - 1), which takes no reference.
        const kind = ctx.str(c, 'kind') ?? 'map';
        const cmd = kind === 'prog' ? 'BPF_PROG_GET_NEXT_ID' : kind === 'link' ? 'BPF_LINK_GET_NEXT_ID' : 'BPF_MAP_GET_NEXT_ID';
        const id = ctx.num(c, 'id', 0);
        const attr: Record<string, unknown> = { start_id: id - 1 };
        try {
          ctx.proc.bpf(cmd, attr);
        } catch (e) {
          if (errnoOf(e) !== 'ENOENT') throw e;
          out.ret = 0;
          return true;
        }
        if (Number(attr.next_id) === id) out.errno = 'ETIMEDOUT';
        else out.ret = 0;
        return true;
      }
      default:
        return false;
    }
  };

  const results = script.map((c, i) => {
    const out: OracleResult = { i };
    try {
      if (!runProcessCommand(c, out) && !runFsCommand(ctx, c, out)) runBpfCommand(ctx, c, out);
    } catch (e) {
      const errno = errnoOf(e);
      delete out.ret;
      if (errno) out.errno = errno;
      else out.error = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
    }
    return out;
  });
  return { results, vars: ctx.vars, kinds: ctx.kinds };
}
