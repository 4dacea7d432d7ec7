// bpffs installed in @bpfsim/objects' Kernel: BPF_OBJ_PIN / BPF_OBJ_GET through proc.bpf, proc.fs/mount/unshare,
// and the kernel's object lifetime (a pin keeps a map alive after its last fd closes; unlink frees it).
import { describe, expect, it } from 'vitest';
import { Kernel, isBpfError } from '@bpfsim/objects';
import { createBpffs } from '@bpfsim/bpffs';

const B = '/sys/fs/bpf';
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

function boot() {
  const kernel = new Kernel();
  const bpffs = createBpffs(kernel);
  const proc = kernel.spawn();
  return { kernel, bpffs, proc };
}

function errnoOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isBpfError(e)) return e.errno;
    throw e;
  }
  return undefined;
}

const newArray = (proc: ReturnType<Kernel['spawn']>) =>
  proc.mapCreate({ map_type: 'BPF_MAP_TYPE_ARRAY', key_size: 4, value_size: 4, max_entries: 1 });

describe('bpffs in the objects kernel', () => {
  it('a pin keeps the map alive after its last fd closes; unlink frees it', () => {
    const { proc } = boot();
    const fd = newArray(proc);
    proc.mapUpdate(fd, u32(0), u32(42));
    const id = proc.mapInfo(fd).id;
    proc.objPin(fd, `${B}/counters`);
    proc.close(fd);
    const again = proc.objGet(`${B}/counters`);
    expect(proc.mapInfo(again).id).toBe(id);
    expect([...proc.mapLookup(again, u32(0))]).toEqual([...u32(42)]);
    proc.close(again);
    expect(proc.getNextId('map', 0)).toBe(id); // still alive: held by the pin
    (proc.fs as { unlink(p: string): void }).unlink(`${B}/counters`);
    expect(errnoOf(() => proc.getFdById('map', id))).toBe('ENOENT');
  });

  it('pin errors come from the filesystem with the kernel errno', () => {
    const { proc } = boot();
    const fd = newArray(proc);
    proc.objPin(fd, `${B}/m`);
    expect(errnoOf(() => proc.objPin(fd, `${B}/m`))).toBe('EEXIST');
    expect(errnoOf(() => proc.objPin(fd, '/tmp/m'))).toBe('EPERM');
    expect(errnoOf(() => proc.objPin(fd, `${B}/nodir/m`))).toBe('ENOENT');
    expect(errnoOf(() => proc.objGet(`${B}/none`))).toBe('ENOENT');
    expect(errnoOf(() => proc.objGet(B))).toBe('EACCES');
  });

  it('a process in another mount namespace with its own bpffs does not see the pin; unmounting frees the map', () => {
    const { kernel, proc } = boot();
    const child = kernel.spawn();
    child.unshare('mnt');
    child.mount('bpf', B);
    const fd = newArray(child);
    const id = child.mapInfo(fd).id;
    child.objPin(fd, `${B}/private`);
    child.close(fd);
    expect(errnoOf(() => proc.objGet(`${B}/private`))).toBe('ENOENT');
    const fs = child.fs as { readdir(p: string): string[] };
    expect(fs.readdir(B)).toEqual(['private', 'progs.debug', 'maps.debug']); // bpf_preload populated the new instance
    child.exit(); // the namespace goes with its last process, the bpffs with it, the pin with the bpffs
    expect(errnoOf(() => proc.getFdById('map', id))).toBe('ENOENT');
  });

  it('an unprivileged process gets EACCES on a root 0600 pin and can read a 0644 one read-only', () => {
    const { kernel, proc } = boot();
    const fd = newArray(proc);
    proc.objPin(fd, `${B}/secret`);
    proc.objPin(fd, `${B}/shared`);
    (proc.fs as { chmod(p: string, m: number): void }).chmod(`${B}/shared`, 0o644);
    const user = kernel.spawn({ uid: 65534, gid: 65534, caps: [] });
    expect(errnoOf(() => user.objGet(`${B}/secret`))).toBe('EACCES');
    expect(errnoOf(() => user.objGet(`${B}/shared`))).toBe('EACCES'); // read-write asked
    const ro = user.objGet(`${B}/shared`, 1 << 3); // BPF_F_RDONLY
    expect(ro).toBeGreaterThanOrEqual(3);
  });
});
