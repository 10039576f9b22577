/**
 * The request's signal, also aborted (with a TimeoutError reason) after `ms`. Hand-made rather than
 * AbortSignal.any + AbortSignal.timeout, which cost ~20 µs per call and leave a timer behind.
 */
export function callSignal(request: AbortSignal, ms: number): { signal: AbortSignal; timedOut(): boolean; dispose(): void } {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(request.reason);
  if (request.aborted) onAbort();
  else request.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError'));
  }, ms);
  return {
    signal: controller.signal,
    timedOut: () => timedOut && !request.aborted,
    dispose: () => {
      clearTimeout(timer);
      request.removeEventListener('abort', onAbort);
    },
  };
}
