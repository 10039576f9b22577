/**
 * Waiting for a condition in real time, also while a test fakes the clock: vi.waitFor and
 * expect.poll advance a fake clock as they poll, which would let a back-off or a deadline pass
 * that the test means to keep pending. The real timers are taken when this module loads.
 */
const realSetTimeout = globalThis.setTimeout;
const realNow = performance.now.bind(performance);

/** Resolves once `condition()` holds; rejects only after `limitMs`, i.e. on a hang. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, limitMs = 10_000): Promise<void> {
  const giveUpAt = realNow() + limitMs;
  while (!(await condition())) {
    if (realNow() > giveUpAt) throw new Error(`still waiting after ${limitMs} ms for ${what}`);
    await new Promise((resolve) => realSetTimeout(resolve, 5));
  }
}

/** The outcome of `promise` once it settles, readable synchronously (for until()). */
export function track<T>(promise: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}
