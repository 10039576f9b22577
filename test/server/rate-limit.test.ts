import { describe, expect, it } from 'vitest';
import { WriteRateLimiter, type WriteTicket } from '../../src/server/rate-limit.js';

/** The write limit over time: a write leaves the window 60 s after it was made, not before. */
const granted = (ticket: unknown) => ticket !== false;

function take(limiter: WriteRateLimiter): WriteTicket {
  const ticket = limiter.tryAcquire();
  if (!ticket) throw new Error('the write was refused');
  return ticket;
}

describe('WriteRateLimiter', () => {
  it('refuses past the limit until the oldest write is 60 s old, and says how long that is', () => {
    let now = 1_000_000;
    const limiter = new WriteRateLimiter(3, 60_000, () => now);
    expect([limiter.tryAcquire(), limiter.tryAcquire()].map(granted)).toEqual([true, true]);
    now += 20_000;
    expect(granted(limiter.tryAcquire())).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
    expect(limiter.secondsUntilFree()).toBe(40);
    now += 39_000;
    expect(limiter.tryAcquire()).toBe(false);
    expect(limiter.secondsUntilFree()).toBe(1);
    // The first two writes leave the window together; the third stays 20 s longer.
    now += 1_000;
    expect([limiter.tryAcquire(), limiter.tryAcquire(), limiter.tryAcquire()].map(granted)).toEqual([true, true, false]);
    expect(limiter.secondsUntilFree()).toBe(20);
  });

  it('a refund takes back its own write only, not a later one after its own has left the window', () => {
    let now = 0;
    const limiter = new WriteRateLimiter(2, 60_000, () => now);
    const first = limiter.tryAcquire();
    if (!first) throw new Error('the first write was refused');
    first.refund();
    expect([limiter.tryAcquire(), limiter.tryAcquire(), limiter.tryAcquire()].map(granted)).toEqual([true, true, false]);
    // A call that outlived the window: its write is gone from the count; refunding it frees no other.
    now = 10_000;
    const late = new WriteRateLimiter(1, 60_000, () => now);
    const slow = late.tryAcquire();
    now = 70_001;
    const next = late.tryAcquire();
    expect(granted(next)).toBe(true);
    if (slow) slow.refund();
    expect(late.tryAcquire()).toBe(false);
  });

  it('tells the writes still in flight from settled ones: refunded, settled or aged out, a write is no longer in flight', () => {
    let now = 0;
    const limiter = new WriteRateLimiter(3, 60_000, () => now);
    const [a, b, c] = [take(limiter), take(limiter), take(limiter)];
    expect(limiter.tryAcquire()).toBe(false);
    expect(limiter.inFlight()).toBe(3);
    a.settle();
    expect(limiter.inFlight()).toBe(2);
    // Refunded, a write leaves the window too: another fits.
    b.refund();
    expect(limiter.inFlight()).toBe(1);
    const d = take(limiter);
    expect(limiter.inFlight()).toBe(2);
    d.settle();
    c.settle();
    expect([limiter.tryAcquire(), limiter.inFlight(), limiter.secondsUntilFree()]).toEqual([false, 0, 60]);
    // A call that outlives the window: its write leaves the count, in flight or not.
    const late = new WriteRateLimiter(1, 60_000, () => now);
    late.tryAcquire();
    now = 60_000;
    expect(late.inFlight()).toBe(0);
  });

  it('a limit of 0 never refuses', () => {
    const limiter = new WriteRateLimiter(0, 60_000, () => 0);
    for (let i = 0; i < 1000; i += 1) expect(granted(limiter.tryAcquire())).toBe(true);
    expect(limiter.describe()).toBe('0 write calls per 60 s');
  });
});
