// Reference counting with the kernel's rule: an object is freed exactly when its last reference goes, never twice,
// and never touched after. Underflow is a simulator bug and throws loudly instead of corrupting state.
import type { ObjectKind } from './events.js';

export class RefcountError extends Error {
  override readonly name = 'RefcountError';
}

/** The part of every BPF object that counts references (bpf_map.refcnt, bpf_prog_aux.refcnt, bpf_link.refcnt). */
export abstract class Refcounted {
  abstract readonly kind: ObjectKind;
  private refs = 1; // the creator's reference (handed to the first fd)
  private dead = false;

  get refcnt(): number {
    return this.refs;
  }

  get freed(): boolean {
    return this.dead;
  }

  /** bpf_map_inc / bpf_prog_inc / bpf_link_inc. */
  get(): void {
    if (this.dead) throw new RefcountError(`${this.kind} ${this.describe()}: reference taken after free`);
    this.refs++;
  }

  /** bpf_map_put / bpf_prog_put / bpf_link_put: frees on the last reference. */
  put(): void {
    if (this.dead || this.refs <= 0) throw new RefcountError(`${this.kind} ${this.describe()}: reference dropped after free`);
    if (--this.refs === 0) {
      this.dead = true;
      this.onFree();
    }
  }

  protected abstract describe(): string;
  /** Called once, when the last reference is dropped. */
  protected abstract onFree(): void;
}
