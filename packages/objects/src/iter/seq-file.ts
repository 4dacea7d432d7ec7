// The output buffer of a bpf_iter session: the parts of struct seq_file that bpf_seq_read and the seq helpers use
// (fs/seq_file.c: seq_write, seq_set_overflow, seq_has_overflowed).

/** PAGE_SIZE << 3: bpf_seq_read allocates the buffer once, at this size, and never grows it. */
export const ITER_SEQ_BUF_SIZE = 4096 << 3;

export class SeqBuffer {
  readonly size: number;
  readonly buf: Uint8Array;
  /** Bytes in the buffer not yet copied to user space (== size means "overflowed"). */
  count = 0;
  /** Where the next copy to user space starts. */
  from = 0;

  constructor(size = ITER_SEQ_BUF_SIZE) {
    this.size = size;
    this.buf = new Uint8Array(size);
  }

  /** seq_has_overflowed: seq_set_overflow marks an overflow by making count equal to size. */
  get overflowed(): boolean {
    return this.count === this.size;
  }

  /**
   * seq_write: all of `data` or nothing. It fits only if count + len < size (strictly: the kernel keeps one byte
   * spare), otherwise the buffer is marked overflowed. Returns false on overflow.
   */
  write(data: Uint8Array): boolean {
    if (this.count + data.length < this.size) {
      this.buf.set(data, this.count);
      this.count += data.length;
      return true;
    }
    this.count = this.size;
    return false;
  }
}
