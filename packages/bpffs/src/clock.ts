// The filesystem's notion of time: a virtual clock, so timestamps are deterministic in tests.

export interface Clock {
  /** Milliseconds since the (virtual) epoch. */
  now(): number;
}

/** A clock that only moves when told to. */
export class VirtualClock implements Clock {
  constructor(private ms = 0) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`VirtualClock.advance: bad step ${ms}`);
    this.ms += ms;
  }
}
