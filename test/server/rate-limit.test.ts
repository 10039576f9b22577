import { describe, expect, it } from 'vitest';
import { WriteRateLimiter } from '../../src/server/rate-limit.js';

/** The write limit over time: a write leaves the window 60 s after it was made, not before. */
describe('WriteRateLimiter', () => {
  it('refuses past the limit until the oldest write is 60 s old, and says how long that is', () => {
    let now = 1_000_000;
    const limiter = new WriteRateLimiter(3, 60_000, () => now);
    expect([limiter.tryAcquire(), limiter.tryAcquire()]).toEqual([true, true]);
    now += 20_000;
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
    expect(limiter.secondsUntilFree()).toBe(40);
    now += 39_000;
    expect(limiter.tryAcquire()).toBe(false);
    expect(limiter.secondsUntilFree()).toBe(1);
    // The first two writes leave the window together; the third stays 20 s longer.
    now += 1_000;
    expect([limiter.tryAcquire(), limiter.tryAcquire(), limiter.tryAcquire()]).toEqual([true, true, false]);
    expect(limiter.secondsUntilFree()).toBe(20);
  });

  it('a limit of 0 never refuses', () => {
    const limiter = new WriteRateLimiter(0, 60_000, () => 0);
    for (let i = 0; i < 1000; i += 1) expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.describe()).toBe('0 write calls per 60 s');
  });
});
