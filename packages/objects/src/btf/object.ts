// struct btf as a kernel object: its own ID space (btf_idr, idr_alloc_cyclic from 1), a reference count held by
// fds and by maps created with it (btf_get / btf_put), and struct bpf_btf_info.
import { CyclicIdr } from '../ids.js';
import { RefcountError } from '../refcount.js';
import type { ParsedBtf } from './parse.js';

/** sizeof(struct bpf_btf_info) in Linux 6.18. */
export const BTF_INFO_SIZE = 32;

export class BtfObject {
  readonly kind = 'btf' as const;
  readonly id: number;
  private refs = 1;
  private dead = false;

  constructor(
    private readonly idr: CyclicIdr<BtfObject>,
    readonly btf: ParsedBtf,
    /** Called once when the last reference goes (tests watch frees through it). */
    private readonly onFreed?: (o: BtfObject) => void,
  ) {
    this.id = idr.alloc(this);
  }

  get refcnt(): number {
    return this.refs;
  }

  get freed(): boolean {
    return this.dead;
  }

  /** The raw blob as loaded (bpf_btf_info.btf points at it). */
  get data(): Uint8Array {
    return this.btf.data;
  }

  /** btf_get (refcount_inc). */
  get(): void {
    if (this.dead) throw new RefcountError(`btf ${this.id}: reference taken after free`);
    this.refs++;
  }

  /** btf_put: the last reference removes the ID (btf_free_id) and frees the BTF. */
  put(): void {
    if (this.dead || this.refs <= 0) throw new RefcountError(`btf ${this.id}: reference dropped after free`);
    if (--this.refs === 0) {
      this.dead = true;
      this.idr.remove(this.id);
      this.onFreed?.(this);
    }
  }

  /** struct bpf_btf_info as an object (name/kernel_btf are for vmlinux/module BTF only). */
  info(): { btf_size: number; id: number; name: string; name_len: number; kernel_btf: number } {
    return { btf_size: this.data.length, id: this.id, name: '', name_len: 0, kernel_btf: 0 };
  }

  /** The uapi bytes: btf(u64) btf_size(u32) id(u32) name(u64) name_len(u32) kernel_btf(u32). */
  infoBytes(): Uint8Array {
    const b = new Uint8Array(BTF_INFO_SIZE);
    const dv = new DataView(b.buffer);
    dv.setUint32(8, this.data.length, true);
    dv.setUint32(12, this.id, true);
    return b;
  }
}

/** The BTF ID space of each simulated kernel (kept beside the kernel, keyed by it). */
const registries = new WeakMap<object, CyclicIdr<BtfObject>>();

export function btfIdr(kernel: object): CyclicIdr<BtfObject> {
  let idr = registries.get(kernel);
  if (!idr) registries.set(kernel, (idr = new CyclicIdr<BtfObject>()));
  return idr;
}
