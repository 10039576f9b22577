/** A write the limiter counts. */
export interface WriteTicket {
  /** Takes back this write, if still counted (one the backend refused outright); not another's. */
  refund(): void;
  /** Its tool call has ended (answered, failed or refunded): the write is no longer in flight. */
  settle(): void;
}

interface Stamp {
  at: number;
  settled: boolean;
}

const FREE: WriteTicket = { refund: () => undefined, settle: () => undefined };

/** Process-wide sliding-window limit on write calls: a runaway agent cannot start or stop executions in a loop. 0 = no limit. */
export class WriteRateLimiter {
  private readonly stamps: Stamp[] = [];

  constructor(
    private readonly limit = 30,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records a write and returns its ticket, or returns false when the limit is reached. A write
   * counts from when it is sent, so concurrent ones stay within the limit; one the backend then
   * refuses is taken back (refund).
   */
  tryAcquire(): WriteTicket | false {
    if (this.limit <= 0) return FREE;
    this.prune();
    if (this.stamps.length >= this.limit) return false;
    const stamp: Stamp = { at: this.now(), settled: false };
    this.stamps.push(stamp);
    return {
      refund: () => {
        const index = this.stamps.indexOf(stamp);
        if (index >= 0) this.stamps.splice(index, 1);
      },
      settle: () => {
        stamp.settled = true;
      },
    };
  }

  /**
   * Writes in the window whose call has not ended: any of them the backend refuses leaves the
   * window within moments, so a refusal's wait is not that of a window of settled writes.
   */
  inFlight(): number {
    this.prune();
    return this.stamps.filter((stamp) => !stamp.settled).length;
  }

  /** Seconds until the oldest write in the window leaves it. */
  secondsUntilFree(): number {
    this.prune();
    const oldest = this.stamps[0];
    return oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest.at + this.windowMs - this.now()) / 1000));
  }

  describe(): string {
    return `${this.limit} write call${this.limit === 1 ? '' : 's'} per ${Math.round(this.windowMs / 1000)} s`;
  }

  private prune(): void {
    const t = this.now();
    while (this.stamps.length > 0 && (this.stamps[0]?.at ?? 0) <= t - this.windowMs) this.stamps.shift();
  }
}
