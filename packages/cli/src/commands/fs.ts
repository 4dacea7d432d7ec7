// `bpfsim fs` — the in-memory bpffs from the command line.
//
//   bpfsim fs [--profile modern|4.4] [--state FILE] COMMAND ARGS…   one command; with --state, the world is rebuilt
//                                                                   by replaying FILE (a JSON journal of the commands
//                                                                   that succeeded) and the command is appended to it
//   bpfsim fs [--profile modern|4.4] --script FILE                  one command per line, in one world ('#' comments)
//
// Commands: ls [-l] [PATH] · stat PATH · cat PATH · mkdir [-m MODE] PATH · rmdir PATH · rm PATH · mv OLD NEW ·
// ln [-s] TARGET PATH · pin map|prog|link ID PATH · get PATH · mount [-t bpf|tmpfs] [-o mode=M,uid=U,gid=G] [TARGET]
// (no TARGET and no -t: list mounts) · mount --bind SRC TARGET · umount [-l] TARGET · unshare · su UID[:GID] · umask
// [MODE]. Pinned objects are stand-ins (kind and id, no contents): `cat` of one fails with EIO like a pinned map
// without BTF. `su` switches to a new unprivileged process forked from the current one; `unshare` moves the current
// process to a new mount namespace.
import { createBpffs, formatMode, isBpfError, type Bpffs, type KernelProfile, type PinnableObject, type VfsCaller } from '@bpfsim/bpffs';
import { readInput } from '../args.js';
import { CliError, type CliIO, type Command } from '../io.js';

const USAGE = `usage: bpfsim fs [--profile modern|4.4] [--state FILE] COMMAND [ARGS…]
       bpfsim fs [--profile modern|4.4] --script FILE
commands: ls [-l] [PATH], stat PATH, cat PATH, mkdir [-m MODE] PATH, rmdir PATH, rm PATH, mv OLD NEW,
          ln [-s] TARGET PATH, pin map|prog|link ID PATH, get PATH, mount [-t TYPE] [-o OPTS] [TARGET],
          mount --bind SRC TARGET, umount [-l] TARGET, unshare, su UID[:GID], umask [MODE]
`;

const ALL_CAPS = new Set(['CAP_SYS_ADMIN', 'CAP_BPF', 'CAP_NET_ADMIN', 'CAP_PERFMON', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_CHOWN', 'CAP_DAC_READ_SEARCH']);

/** A stand-in object: the CLI has no kernel objects, only their kind and id. */
class StandIn implements PinnableObject {
  refs = 0;
  constructor(
    readonly kind: 'map' | 'prog' | 'link',
    readonly id: number,
  ) {}
  retain(): void {
    this.refs++;
  }
  release(): void {
    this.refs--;
  }
}

interface Session {
  fs: Bpffs;
  current: VfsCaller;
  nextPid: number;
  objects: Map<string, StandIn>;
}

function newSession(profile: KernelProfile): Session {
  const fs = createBpffs(undefined, { profile });
  const init: VfsCaller = { pid: 1, uid: 0, gid: 0, hasCap: (c) => ALL_CAPS.has(c), mountNamespace: undefined };
  fs.attachProcess(init, undefined);
  return { fs, current: init, nextPid: 2, objects: new Map() };
}

/** Split a line like a shell would for simple words: whitespace separates, single/double quotes group. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] ?? m[2] ?? m[3]);
  return words;
}

const parseOctal = (s: string, what: string): number => {
  if (!/^[0-7]{1,5}$/.test(s)) throw new CliError(`${what}: '${s}' is not an octal mode`, 2);
  return parseInt(s, 8);
};

const parseId = (s: string, what: string): number => {
  if (!/^\d+$/.test(s)) throw new CliError(`${what}: '${s}' is not a number`, 2);
  return Number(s);
};

function need(args: string[], n: number, usage: string): void {
  if (args.length !== n) throw new CliError(`usage: ${usage}`, 2);
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
}

/** Run one command in the session; returns its output. Kernel errors propagate as BpfError. */
function run(s: Session, words: string[]): string {
  const [cmd, ...args] = words;
  const p = s.fs.fsFor(s.current);
  switch (cmd) {
    case 'ls': {
      const long = args[0] === '-l';
      const rest = long ? args.slice(1) : args;
      if (rest.length > 1) throw new CliError('usage: ls [-l] [PATH]', 2);
      const dir = rest[0] ?? '/sys/fs/bpf';
      const names = p.readdir(dir);
      if (!long) return names.map((n) => n + '\n').join('');
      return names
        .map((n) => {
          const path = `${dir.replace(/\/+$/, '')}/${n}`;
          const st = p.lstat(path);
          const link = st.kind === 'symlink' ? ` -> ${p.readlink(path)}` : '';
          return `${formatMode(st.mode)} ${st.nlink} ${st.uid} ${st.gid} ${st.size} ${formatTime(st.mtimeMs)} ${n}${link}\n`;
        })
        .join('');
    }
    case 'stat': {
      need(args, 1, 'stat PATH');
      const st = p.stat(args[0]);
      const obj = st.object ? ` ${st.object.kind} id ${st.object.id}` : '';
      return `${args[0]}: ${st.kind}${obj} mode ${formatMode(st.mode)} (${(st.mode & 0o7777).toString(8).padStart(4, '0')}) uid ${st.uid} gid ${st.gid} nlink ${st.nlink} ino ${st.ino} fs ${st.fsType} dev ${st.dev}\n`;
    }
    case 'cat':
      need(args, 1, 'cat PATH');
      return new TextDecoder().decode(p.readFile(args[0]));
    case 'mkdir': {
      if (args[0] === '-m') {
        need(args, 3, 'mkdir [-m MODE] PATH');
        // mkdir(1) -m sets the exact mode; the syscall would apply the umask, so clear it around the call.
        const old = p.umask(0);
        try {
          p.mkdir(args[2], parseOctal(args[1], 'mkdir -m'));
        } finally {
          p.umask(old);
        }
        return '';
      }
      need(args, 1, 'mkdir [-m MODE] PATH');
      p.mkdir(args[0]);
      return '';
    }
    case 'rmdir':
      need(args, 1, 'rmdir PATH');
      p.rmdir(args[0]);
      return '';
    case 'rm':
      need(args, 1, 'rm PATH');
      p.unlink(args[0]);
      return '';
    case 'mv':
      need(args, 2, 'mv OLD NEW');
      p.rename(args[0], args[1]);
      return '';
    case 'ln':
      if (args[0] === '-s') {
        need(args, 3, 'ln -s TARGET PATH');
        p.symlink(args[1], args[2]);
      } else {
        need(args, 2, 'ln TARGET PATH');
        p.link(args[0], args[1]);
      }
      return '';
    case 'pin': {
      need(args, 3, 'pin map|prog|link ID PATH');
      const [kind, idText, path] = args;
      if (kind !== 'map' && kind !== 'prog' && kind !== 'link') throw new CliError(`pin: unknown object kind '${kind}'`, 2);
      const key = `${kind}:${parseId(idText, 'pin')}`;
      const obj = s.objects.get(key) ?? new StandIn(kind, Number(idText));
      s.objects.set(key, obj);
      s.fs.pin(s.current, path, obj);
      return '';
    }
    case 'get': {
      need(args, 1, 'get PATH');
      const obj = s.fs.get(s.current, args[0], { read: true, write: true });
      obj.release(); // the CLI does not keep the fd
      return `${obj.kind} id ${obj.id}\n`;
    }
    case 'mount': {
      if (args[0] === '--bind') {
        need(args, 3, 'mount --bind SRC TARGET');
        s.fs.bindMount(s.current, args[1], args[2]);
        return '';
      }
      let type: 'bpf' | 'tmpfs' | undefined;
      const opts: { mode?: number; uid?: number; gid?: number } = {};
      const rest: string[] = [];
      for (let i = 0; i < args.length; i++) {
        if (args[i] === '-t') {
          const t = args[++i];
          if (t !== 'bpf' && t !== 'tmpfs') throw new CliError(`mount: unknown filesystem type '${t}'`, 2);
          type = t;
        } else if (args[i] === '-o') {
          for (const kv of (args[++i] ?? '').split(',').filter(Boolean)) {
            const [k, v = ''] = kv.split('=');
            if (k === 'mode') opts.mode = parseOctal(v, 'mount -o mode');
            else if (k === 'uid' || k === 'gid') opts[k] = parseId(v, `mount -o ${k}`);
            // bpf_parse_param ignores unknown options, as the kernel does
          }
        } else rest.push(args[i]);
      }
      if (rest.length === 0 && type === undefined) {
        return s.fs
          .mounts(s.current)
          .map((m) => `${m.fsType === 'bpf' ? 'bpf' : 'tmpfs'} ${m.target} ${m.fsType} rw${m.options ? ',' + m.options : ''} (sb ${m.sb})\n`)
          .join('');
      }
      if (rest.length > 1) throw new CliError('usage: mount [-t TYPE] [-o OPTS] [TARGET]', 2);
      s.fs.mount(s.current, type ?? 'bpf', rest[0] ?? '/sys/fs/bpf', opts);
      return '';
    }
    case 'umount': {
      const lazy = args[0] === '-l';
      const rest = lazy ? args.slice(1) : args;
      need(rest, 1, 'umount [-l] TARGET');
      s.fs.umount(s.current, rest[0], { lazy });
      return '';
    }
    case 'unshare':
      need(args, 0, 'unshare');
      s.fs.unshare(s.current, 'mnt');
      return '';
    case 'su': {
      need(args, 1, 'su UID[:GID]');
      const [u, g = u] = args[0].split(':');
      const child: VfsCaller = { pid: s.nextPid++, uid: parseId(u, 'su'), gid: parseId(g, 'su'), hasCap: () => false, mountNamespace: undefined };
      s.fs.attachProcess(child, s.current);
      s.current = child;
      return '';
    }
    case 'umask':
      if (args.length === 0) return p.umask().toString(8).padStart(4, '0') + '\n';
      need(args, 1, 'umask [MODE]');
      p.umask(parseOctal(args[0], 'umask'));
      return '';
    default:
      throw new CliError(`fs: unknown command '${cmd ?? ''}'\n${USAGE}`, 2);
  }
}

/** Run `words`, turning a kernel error into a CliError naming the command. */
function runReported(s: Session, words: string[], where: string): string {
  try {
    return run(s, words);
  } catch (err) {
    if (isBpfError(err)) throw new CliError(`${where}${words[0]}: ${err.message}`);
    throw err;
  }
}

function readJournal(io: CliIO, path: string): { profile: KernelProfile; commands: string[][] } | undefined {
  let bytes: Uint8Array;
  try {
    bytes = io.readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // a new state file
    throw new CliError(`--state ${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const j = JSON.parse(new TextDecoder().decode(bytes)) as { profile?: unknown; commands?: unknown };
    if ((j.profile !== 'modern' && j.profile !== '4.4') || !Array.isArray(j.commands) || !j.commands.every((c) => Array.isArray(c) && c.every((w) => typeof w === 'string'))) {
      throw new Error('expected {"profile": "modern"|"4.4", "commands": [[word, …], …]}');
    }
    return { profile: j.profile, commands: j.commands as string[][] };
  } catch (err) {
    throw new CliError(`--state ${path}: not a bpfsim fs state file (${(err as Error).message})`);
  }
}

export const command: Command = (argv: string[], io: CliIO) => {
  let profile: KernelProfile | undefined;
  let state: string | undefined;
  let script: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      io.stdout(USAGE);
      return 0;
    } else if (a === '--profile') {
      const v = argv[++i];
      if (v !== 'modern' && v !== '4.4') throw new CliError(`--profile: expected modern or 4.4, got '${v ?? ''}'`, 2);
      profile = v;
    } else if (a === '--state') state = argv[++i];
    else if (a === '--script') script = argv[++i];
    else break;
  }
  const words = argv.slice(i);

  if (script !== undefined) {
    if (words.length > 0 || state !== undefined) throw new CliError('--script takes no command and no --state', 2);
    const s = newSession(profile ?? 'modern');
    const lines = new TextDecoder().decode(readInput(io, script)).split('\n');
    lines.forEach((line, n) => {
      const w = splitWords(line.replace(/(^|\s)#.*$/, ''));
      if (w.length > 0) io.stdout(runReported(s, w, `${script}:${n + 1}: `));
    });
    return 0;
  }

  if (words.length === 0) {
    io.stderr(USAGE);
    return 2;
  }
  const journal = state !== undefined ? readJournal(io, state) : undefined;
  if (journal && profile && journal.profile !== profile) throw new CliError(`--state ${state}: made with profile ${journal.profile}, not ${profile}`, 2);
  const s = newSession(journal?.profile ?? profile ?? 'modern');
  for (const past of journal?.commands ?? []) runReported(s, past, `--state ${state}: replaying `);
  io.stdout(runReported(s, words, ''));
  const readOnly = ['ls', 'stat', 'cat', 'get'].includes(words[0]) || (words.length === 1 && ['mount', 'umask'].includes(words[0]));
  if (state !== undefined && !readOnly) {
    const commands = [...(journal?.commands ?? []), words];
    try {
      io.writeFile(state, JSON.stringify({ profile: s.fs.profile, commands }, null, 1) + '\n');
    } catch (err) {
      throw new CliError(`--state ${state}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return 0;
};
