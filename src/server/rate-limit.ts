/** Process-wide sliding-window limit on write calls: a runaway agent cannot start or stop executions in a loop. 0 = no limit. */
export class WriteRateLimiter {
  private readonly stamps: number[] = [];

  constructor(
    private readonly limit = 30,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a write and returns a ticket that can take it back, or returns false when the limit is reached. */
  tryAcquire(): { refund(): void } | false {
    if (this.limit <= 0) return { refund: () => undefined };
    const t = this.now();
    while (this.stamps.length > 0 && (this.stamps[0] ?? 0) <= t - this.windowMs) this.stamps.shift();
    if (this.stamps.length >= this.limit) return false;
    this.stamps.push(t);
    // Takes back this write, if still counted (one the backend refused outright); not another's.
    return { refund: () => this.remove(t) };
  }

  private remove(at: number): void {
    const index = this.stamps.lastIndexOf(at);
    if (index >= 0) this.stamps.splice(index, 1);
  }

  /** Seconds until the oldest write in the window leaves it. */
  secondsUntilFree(): number {
    const oldest = this.stamps[0];
    return oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  describe(): string {
    return `${this.limit} write call${this.limit === 1 ? '' : 's'} per ${Math.round(this.windowMs / 1000)} s`;
  }
}
