// A minimal filesystem for tests: a flat table of paths holding pinned objects (no directories or permissions —
// packages/bpffs is the real one). Pins hold one reference each, as bpffs inodes do.
import { BpfError, type PinnableObject, type VfsCaller, type VfsHooks } from '@bpfsim/objects';

export class FakeVfs implements VfsHooks {
  readonly pins = new Map<string, PinnableObject>();
  readonly attached: number[] = [];

  pin(_caller: VfsCaller, pathname: string, obj: PinnableObject): void {
    if (!pathname.startsWith('/sys/fs/bpf/')) throw new BpfError('EPERM', `${pathname}: not on a bpffs`);
    if (this.pins.has(pathname)) throw new BpfError('EEXIST', `${pathname} exists`);
    obj.retain();
    this.pins.set(pathname, obj);
  }

  get(_caller: VfsCaller, pathname: string): PinnableObject {
    const obj = this.pins.get(pathname);
    if (!obj) throw new BpfError('ENOENT', `${pathname}: no such file`);
    obj.retain();
    return obj;
  }

  attachProcess(child: VfsCaller): void {
    this.attached.push(child.pid);
  }

  unlink(pathname: string): void {
    const obj = this.pins.get(pathname);
    if (!obj) throw new BpfError('ENOENT', `${pathname}: no such file`);
    this.pins.delete(pathname);
    obj.release();
  }

  processApi(caller: VfsCaller) {
    return { fs: { whoami: () => caller.pid, unlink: (p: string) => this.unlink(p) } };
  }
}
