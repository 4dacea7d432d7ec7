// The verifier log (kernel/bpf/log.c): bpf_vlog_init's attribute rules, the rotating log that keeps the tail
// (or the head with BPF_LOG_FIXED), truncation → ENOSPC, and log_true_size.
import { BpfError } from '../errno.js';

export const BPF_LOG_LEVEL1 = 1;
export const BPF_LOG_LEVEL2 = 2;
export const BPF_LOG_STATS = 4;
export const BPF_LOG_FIXED = 8;
export const BPF_LOG_MASK = BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2 | BPF_LOG_STATS | BPF_LOG_FIXED;

export class VerifierLog {
  private text = '';

  /**
   * bpf_vlog_init + bpf_verifier_log_attr_valid: a buffer needs a size and vice versa, a buffer needs a level,
   * unknown level bits and sizes above UINT_MAX >> 2 are EINVAL. (Checked on 6.18: log_size 0 with a buffer →
   * EINVAL, log_level 0 with a buffer → EINVAL, log_level 1 with a NULL buffer and a size → EINVAL.)
   */
  constructor(
    readonly level: number,
    readonly buf: Uint8Array | undefined,
    readonly size: number,
  ) {
    if (level & ~BPF_LOG_MASK) throw new BpfError('EINVAL', `BPF_PROG_LOAD: log_level ${level} has unknown bits (mask 0x${BPF_LOG_MASK.toString(16)})`);
    if (!!buf !== !!size) throw new BpfError('EINVAL', `BPF_PROG_LOAD: log_buf and log_size must be given together`);
    if (buf && level === 0) throw new BpfError('EINVAL', 'BPF_PROG_LOAD: log_buf given with log_level 0');
    if (size > 0xffffffff >>> 2) throw new BpfError('EINVAL', `BPF_PROG_LOAD: log_size ${size} too large`);
    if (buf && buf.length < size) throw new BpfError('EFAULT', `BPF_PROG_LOAD: log_buf holds ${buf.length} bytes, log_size says ${size}`);
  }

  get enabled(): boolean {
    return this.level !== 0;
  }

  /** Appends text (only kept when logging is on, like bpf_verifier_log_write). */
  write(s: string): void {
    if (this.enabled) this.text += s;
  }

  get contents(): string {
    return this.text;
  }

  /**
   * bpf_vlog_finalize: copies the log to the user buffer (NUL-terminated) and reports the size it needed
   * (log_true_size, NUL included). Returns true when the log did not fit — the load then fails with ENOSPC.
   */
  finalize(): { truncated: boolean; trueSize: number } {
    if (!this.enabled || !this.buf) return { truncated: false, trueSize: this.enabled ? utf8(this.text).length + 1 : 0 };
    const bytes = utf8(this.text);
    const trueSize = bytes.length + 1;
    const room = this.size - 1;
    let kept: Uint8Array;
    if (bytes.length <= room) kept = bytes;
    else if (this.level & BPF_LOG_FIXED) kept = bytes.subarray(0, room);
    else kept = bytes.subarray(bytes.length - room); // rotating log keeps the newest bytes
    this.buf.set(kept, 0);
    this.buf[kept.length] = 0;
    return { truncated: bytes.length > room, trueSize };
  }
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
