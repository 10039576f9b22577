/**
 * A signal aborted when any of `sources` aborts (with its reason), or by `abort`, until disposed:
 * what follows it after that (a handler that has returned, a call that has answered) never sees a
 * later abort.
 */
export function followSignals(sources: AbortSignal[]): { signal: AbortSignal; abort(reason: unknown): void; dispose(): void } {
  const controller = new AbortController();
  const abort = (reason: unknown) => controller.abort(reason);
  const aborted = sources.find((source) => source.aborted);
  if (aborted) {
    abort(aborted.reason);
    return { signal: controller.signal, abort, dispose: () => undefined };
  }
  const onAbort = (event: Event) => abort((event.target as AbortSignal).reason);
  for (const source of sources) source.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, abort, dispose: () => sources.forEach((source) => source.removeEventListener('abort', onAbort)) };
}

const deadlines = new WeakMap<AbortSignal, number>();

/**
 * When a signal from callSignal() aborts for lack of time (epoch ms); undefined for a signal with
 * no time limit. A backend's retry waits no longer than this: a wait past it ends in a timeout
 * that says less than the reply it waited on.
 */
export function deadlineOf(signal: AbortSignal): number | undefined {
  return deadlines.get(signal);
}

/**
 * The request's signal (or any of several), also aborted (with a TimeoutError reason) after `ms`.
 * Hand-made rather than AbortSignal.any + AbortSignal.timeout, which cost ~20 µs per call and leave
 * a timer behind.
 */
export function callSignal(request: AbortSignal | AbortSignal[], ms: number): { signal: AbortSignal; timedOut(): boolean; dispose(): void } {
  const sources = Array.isArray(request) ? request : [request];
  const followed = followSignals(sources);
  // The earliest time limit among the sources still holds: a nested limit never extends an outer one.
  deadlines.set(followed.signal, Math.min(Date.now() + ms, ...sources.map((source) => deadlineOf(source) ?? Infinity)));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    followed.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError'));
  }, ms);
  return {
    signal: followed.signal,
    timedOut: () => timedOut && !sources.some((source) => source.aborted),
    dispose: () => {
      clearTimeout(timer);
      followed.dispose();
    },
  };
}

/** Waits `ms` (nothing when not positive), ending early, without error, when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * `work`, or a rejection with the signal's reason as soon as it aborts: for work that does not
 * watch the signal itself (undici between dispatches, the AWS credential chain). The work is left
 * to finish on its own.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // Abandoned, not awaited: its own failure must not surface as an unhandled rejection.
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
