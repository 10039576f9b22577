import type { SfnBackend } from '../backends/sfn/client.js';
import type { Config } from '../config.js';
import { ToolError } from '../server/errors.js';

/**
 * The local engine beside a starting server. It loads in the background, so the server answers
 * initialize and tools/list at once, and the first Step Functions call waits for it.
 *
 * When it fails to load (a broken DIR, a handlers.mjs that throws or never settles, a --local-port
 * in use), the server still answers initialize and answers Step Functions calls with the reason;
 * it stops (exit code 2) once the client could learn why. A failure can come before the transport
 * reads the host's first message (a handlers.mjs that throws at once takes ~100 ms): stopping then
 * would leave the host with a closed connection and the reason only on stderr.
 */

/**
 * After the client has initialized (or after the failure, if that came later): the time it has to
 * make a first Step Functions call and read why the engine failed, before the server stops. Enough
 * for a client that calls as soon as it has connected; a host that waits for its model to call
 * learns of the failure from the server's exit and its stderr, as for any server that fails to start.
 */
export const FAILED_ENGINE_GRACE_MS = 2000;

export interface BackgroundEngine {
  /** The Step Functions backend: waits for the engine; after a failure, rejects with the reason. */
  sfn(): Promise<SfnBackend>;
  /** The client has read the answer to initialize (notifications/initialized). */
  initialized(): void;
  close(): Promise<void>;
}

export interface FailureHooks {
  /** The engine failed to load (called at once, with the reason). */
  failed(reason: string): void;
  /** Time to stop the server: the client could learn why (it lets calls in flight answer first). */
  stop(): void;
}

export function loadInBackground(config: Config, hooks: FailureHooks): BackgroundEngine {
  const dir = config.local?.dir;
  const deadlineMs = config.limits.callDeadlineMs;
  const loading = import('./index.js').then(({ startLocalEngine }) => startLocalEngine(config));
  const engine = withinTime(loading, deadlineMs, () => new Error(`it did not finish loading within ${deadlineMs} ms: does ${dir}/handlers.mjs wait on something that never settles?`));

  let failure: string | undefined;
  let initialized = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const stopNow = () => {
    if (stopping) return;
    stopping = true;
    clearTimeout(timer);
    hooks.stop();
  };
  // Not unref'd: the process must end through stop(), with exit code 2, whatever else is running.
  const stopIn = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(stopNow, ms);
  };
  engine.catch((err: unknown) => {
    failure = err instanceof Error ? err.message : String(err);
    hooks.failed(failure);
    // A client that never initializes (none connected over HTTP, or one that calls tools at once)
    // is waited for as long as a call may wait for the engine to load.
    stopIn(initialized ? FAILED_ENGINE_GRACE_MS : deadlineMs);
  });

  return {
    async sfn() {
      try {
        return await (await engine).sfnBackend();
      } catch (err) {
        // This call is the client's chance to learn why: the server stops once it has answered.
        stopNow();
        throw new ToolError(
          `The embedded Step Functions engine failed to start (${err instanceof Error ? err.message : String(err)}); the server is stopping. Next: fix it and restart the server.`,
        );
      }
    },
    initialized() {
      if (initialized) return;
      initialized = true;
      if (failure !== undefined && !stopping) stopIn(FAILED_ENGINE_GRACE_MS);
    },
    close: async () => (await engine).close(),
  };
}

/** `work`, or the error `late()` makes once `ms` have passed without it settling. */
function withinTime<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
