// A loaded program (struct bpf_prog + bpf_prog_aux): instructions after map fds were rewritten to map addresses,
// the maps it uses (each holding a reference), its tag, and run statistics.
import type { Instruction } from '@bpfsim/isa';
import type { InsnFacts, LoadedProgram } from '@bpfsim/vm';
import type { PinnableObject } from '../vfs.js';
import { Refcounted } from '../refcount.js';
import type { KernelCore } from '../kernel-core.js';
import type { MapObject } from '../map-object.js';
import { objectFdinfo } from '../fdinfo.js';
import type { IterTarget } from '../iter/targets.js';

export interface ProgStats {
  runTimeNs: bigint;
  runCnt: bigint;
  recursionMisses: bigint;
}

export interface ProgDescriptor {
  type: number;
  expectedAttachType: number;
  name: string;
  /** Instructions as the program runs them (map fds replaced by map addresses). */
  insns: readonly Instruction[];
  /** 8 bytes: bpf_prog_calc_tag. */
  tag: Uint8Array;
  license: string;
  gplCompatible: boolean;
  usedMaps: MapObject[];
  createdByUid: number;
  loadTimeNs: bigint;
  verifiedInsns: number;
  progFlags: number;
  jited: boolean;
  /** Slots (8-byte units) of the translated program. */
  xlatedSlots: number;
  /** The translated image as bytes (what bpf_prog_info.xlated_prog_insns dumps, map addresses included). */
  xlated: Uint8Array;
  /** bpf_prog_aux.max_ctx_offset as the verifier reported it (undefined: unknown). */
  maxCtxOffset?: number;
  /** prog->aux->attach_btf_id (for an iterator: the vmlinux BTF id of bpf_iter_<target>); 0 when none. */
  attachBtfId: number;
  /** BPF_TRACE_ITER programs: the iterator target they were loaded for. */
  iterTarget?: IterTarget;
}

export class ProgObject extends Refcounted implements PinnableObject, ProgDescriptor {
  readonly kind = 'prog' as const;
  readonly id: number;
  readonly type!: number;
  readonly expectedAttachType!: number;
  readonly name!: string;
  readonly insns!: readonly Instruction[];
  readonly tag!: Uint8Array;
  readonly license!: string;
  readonly gplCompatible!: boolean;
  readonly usedMaps!: MapObject[];
  readonly createdByUid!: number;
  readonly loadTimeNs!: bigint;
  readonly verifiedInsns!: number;
  readonly progFlags!: number;
  readonly jited!: boolean;
  readonly xlatedSlots!: number;
  readonly xlated!: Uint8Array;
  readonly maxCtxOffset?: number;
  readonly attachBtfId!: number;
  readonly iterTarget?: IterTarget;
  readonly stats: ProgStats = { runTimeNs: 0n, runCnt: 0n, recursionMisses: 0n };
  /** The VM's compiled form, built on first run. */
  compiled: LoadedProgram | undefined;
  /** What the verifier proved per instruction (handed to the JIT when the instructions are still the verified ones). */
  facts: readonly InsnFacts[] | undefined;

  constructor(private readonly core: KernelCore, desc: ProgDescriptor) {
    super();
    Object.assign(this, desc);
    this.id = core.progIds.alloc(this);
    core.events.emit({ type: 'create', kind: 'prog', id: this.id });
  }

  get tagHex(): string {
    return [...this.tag].map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  /** bpf_prog_inc / bpf_prog_put: fds, pins, links and prog_array entries all hold plain references. */
  retain(): void {
    this.get();
  }
  release(): void {
    this.put();
  }

  /** The /proc fdinfo text of an fd for this object (bpffs shows it for `cat` when asked to). */
  fdinfo(): string {
    return objectFdinfo({ kind: 'prog', obj: this });
  }

  protected describe(): string {
    return `id ${this.id}`;
  }

  /** __bpf_prog_put: the ID goes, then bpf_prog_free drops the used maps (bpf_free_used_maps). */
  protected onFree(): void {
    this.core.progIds.remove(this.id);
    this.core.events.emit({ type: 'free', kind: 'prog', id: this.id });
    for (const m of this.usedMaps) m.put();
  }
}
