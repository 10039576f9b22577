/**
 * Tool calls in flight, so a shutdown (SIGTERM, or the host closing stdin after its last request)
 * can let them answer before the process goes.
 */
export class CallTracker {
  private inFlight = 0;
  private waiters: Array<() => void> = [];

  /** Marks a call as started; the returned function marks it done. */
  begin(): () => void {
    this.inFlight += 1;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const wake of this.waiters.splice(0)) wake();
    };
  }

  get active(): number {
    return this.inFlight;
  }

  /** Resolves when no call is in flight, or after `timeoutMs`, whichever comes first. */
  idle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
