/**
 * At most `size` requests to a backend at a time; the others wait here, first come first served.
 *
 * A request that waited in the SDK's own queue (node's http agent) for a free socket had the SDK's
 * connection timeout running, so a slow but healthy backend failed calls as "cannot connect" after
 * a few seconds. Waiting here instead, a request meets that timeout only once it connects, and
 * waits as long as its call allows: a waiter whose signal aborts (a cancel, the call's deadline)
 * leaves the queue at once, without ever being sent.
 */
export class ConnectionGate {
  private active = 0;
  /** Wake-ups of the waiting requests, in arrival order (a Set keeps it, and deletes in O(1)). */
  private readonly waiting = new Set<() => void>();

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a connection gate needs at least one slot, not ${size}`);
  }

  /** Requests waiting for a slot. */
  get queued(): number {
    return this.waiting.size;
  }

  /**
   * Runs `work` once a slot is free, holding it until `work` settles (an SDK send with its retries
   * holds one slot throughout: it never needs a second, so it cannot deadlock against the gate).
   * Rejects with a NotSent, without running `work`, when `signal` aborts first.
   */
  async run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    await this.acquire(signal);
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(new NotSent(signal.reason));
    // Nobody jumps the queue: a free slot with waiters is already promised to the first of them.
    if (this.active < this.size && this.waiting.size === 0) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        this.waiting.delete(wake);
        reject(new NotSent(signal.reason));
      };
      this.waiting.add(wake);
      signal.addEventListener('abort', leave, { once: true });
    });
  }

  private release(): void {
    const next = this.waiting.values().next();
    if (next.done) {
      this.active -= 1;
      return;
    }
    // The slot passes straight to the first waiter: the count of slots in use stays the same.
    this.waiting.delete(next.value);
    next.value();
  }
}

/**
 * A request that left the queue, never sent, when its signal aborted. Named AbortError, as the
 * SDK's own error for a request aborted before it was sent, so a cancel reads as one.
 */
export class NotSent extends Error {
  override name = 'AbortError';
  constructor(cause: unknown) {
    super('aborted while waiting for a connection; not sent', { cause });
  }
}
