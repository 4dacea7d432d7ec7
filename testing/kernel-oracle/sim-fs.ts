// The filesystem pseudo-commands of an oracle script (mkdir, rmdir, unlink, rename, chmod, chown, readdir, stat,
// read), run through the process's bpffs view `proc.fs`.
import type { OracleResult, ScriptCommand } from './oracle';
import { ScriptError, type ScriptContext } from './sim-context';

/** Runs `c` if it is a filesystem command; false when it is not one. */
export function runFsCommand(ctx: ScriptContext, c: ScriptCommand, out: OracleResult): boolean {
  switch (c.cmd) {
    case 'mkdir':
      ctx.fs().mkdir(ctx.path(c, 'path'), ctx.num(c, 'mode', 0o755));
      out.ret = 0;
      return true;
    case 'rmdir':
      ctx.fs().rmdir(ctx.path(c, 'path'));
      out.ret = 0;
      return true;
    case 'unlink':
      ctx.fs().unlink(ctx.path(c, 'path'));
      out.ret = 0;
      return true;
    case 'rename':
      ctx.fs().rename(ctx.path(c, 'from'), ctx.path(c, 'to'));
      out.ret = 0;
      return true;
    case 'chmod': {
      const fs = ctx.fs();
      if (!fs.chmod) throw new ScriptError('proc.fs.chmod is missing');
      fs.chmod(ctx.path(c, 'path'), ctx.num(c, 'mode', 0));
      out.ret = 0;
      return true;
    }
    case 'chown': {
      const fs = ctx.fs();
      if (!fs.chown) throw new ScriptError('proc.fs.chown is missing');
      fs.chown(ctx.path(c, 'path'), ctx.num(c, 'uid', -1), ctx.num(c, 'gid', -1));
      out.ret = 0;
      return true;
    }
    case 'readdir': {
      const entries = ctx.fs().readdir(ctx.path(c, 'path'));
      out.ret = 0;
      out.entries = [...entries];
      return true;
    }
    case 'stat': {
      const st = ctx.fs().stat(ctx.path(c, 'path'));
      out.ret = 0;
      out.mode = st.mode;
      out.type = fileType(st.mode);
      out.uid = st.uid;
      out.gid = st.gid;
      out.nlink = st.nlink;
      out.size = st.size ?? 0;
      return true;
    }
    case 'read': {
      const data = ctx.fs().readFile(ctx.path(c, 'path'));
      // oracle.c escapes every byte it read as one \u00XX character, so bytes map to latin1 characters one to one
      const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
      out.ret = bytes.length;
      out.text = text;
      return true;
    }
    default:
      return false;
  }
}

function fileType(mode: number): string {
  const fmt = mode & 0o170000;
  if (fmt === 0o040000) return 'dir';
  if (fmt === 0o100000) return 'file';
  if (fmt === 0o120000) return 'symlink';
  return 'other';
}
