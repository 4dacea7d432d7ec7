// A link (struct bpf_link): holds one program reference and keeps it attached to a hook until the link is freed
// or detached. Each attach kind supplies a LinkOps (links/registry.ts); this file is the kind-independent part.
import type { PinnableObject } from '../vfs.js';
import { Refcounted } from '../refcount.js';
import type { KernelCore } from '../kernel-core.js';
import type { ProgObject } from '../prog/program.js';

import { objectFdinfo } from '../fdinfo.js';

/** What one attach kind implements (the kernel's struct bpf_link_ops). */
export interface LinkOps {
  /** enum bpf_link_type. */
  readonly linkType: number;
  /** Detach from the hook when the link is freed (ops->release). Must not throw. */
  release(link: LinkObject): void;
  /** BPF_LINK_DETACH (ops->detach); without it LINK_DETACH is EOPNOTSUPP. */
  detach?(link: LinkObject): void;
  /** BPF_LINK_UPDATE (ops->update_prog): swap the program on the hook; throw BpfError to refuse. */
  updateProg?(link: LinkObject, newProg: ProgObject, oldProg: ProgObject | undefined): void;
  /** Extra fdinfo lines after link_id/prog_tag/prog_id (ops->show_fdinfo), each ending in \n. */
  showFdinfo?(link: LinkObject): string;
  /** Type-specific bpf_link_info fields, written into the union at offset 16 (ops->fill_link_info). */
  fillLinkInfo?(link: LinkObject, view: DataView): void;
  /** Typed view of the same fields, merged into LinkInfo. */
  infoFields?(link: LinkObject): Record<string, number | bigint | string | undefined>;
  /**
   * A new read session of the link (iterator links: bpf_iter_fops → prepare_seq_file); what bpffs uses when a pin
   * of the link is opened. Without it the link has no `openSession` and its pin cannot be read.
   */
  openSession?(link: LinkObject): LinkReadSession;
}

/** A readable session (a seq_file): read(n) returns up to n bytes, empty at the end; close releases it. */
export interface LinkReadSession {
  read(n: number): Uint8Array;
  close(): void;
}

export class LinkObject extends Refcounted implements PinnableObject {
  readonly kind = 'link' as const;
  readonly id: number;
  /** The program the link holds (NULL after detach for some kinds in the kernel; here kept until free). */
  prog: ProgObject;
  /** True once BPF_LINK_DETACH ran: the hook no longer runs the program. */
  detached = false;
  /** Kind-specific state (e.g. the device an XDP link is on). */
  state: Record<string, unknown> = {};
  /** Present exactly when the link kind can be read (LinkOps.openSession): a new session per call. */
  readonly openSession?: () => LinkReadSession;

  constructor(
    private readonly core: KernelCore,
    readonly ops: LinkOps,
    prog: ProgObject,
    readonly attachType: number,
  ) {
    super();
    this.prog = prog; // the caller's reference moves into the link
    const open = ops.openSession;
    if (open) this.openSession = () => open(this);
    this.id = core.linkIds.alloc(this);
    core.events.emit({ type: 'create', kind: 'link', id: this.id });
  }

  get linkType(): number {
    return this.ops.linkType;
  }

  retain(): void {
    this.get();
  }
  release(): void {
    this.put();
  }

  /** The /proc fdinfo text of an fd for this object (bpffs shows it for `cat` when asked to). */
  fdinfo(): string {
    return objectFdinfo({ kind: 'link', obj: this });
  }

  protected describe(): string {
    return `id ${this.id}`;
  }

  /** bpf_link_free: the ID goes, the hook lets go (unless detached already), then the program reference drops. */
  protected onFree(): void {
    this.core.linkIds.remove(this.id);
    this.core.events.emit({ type: 'free', kind: 'link', id: this.id });
    if (!this.detached) this.ops.release(this);
    this.prog.put();
  }
}
