import { parseReferencePath } from './jsonpath.js';
import { isObject, type JsonObject } from './json.js';
import { walkStates } from './states.js';

/**
 * The definition the library runs, and the Wait overrides, for a time-scale factor F:
 * - Wait Seconds: waitTimeOverrides (ms) = Seconds × 1000 × F.
 * - Wait Timestamp: an override getter, read by the library when the Wait starts: (Timestamp − now) × F.
 * - Wait SecondsPath / TimestampPath: the value is only known at run time, so the state runs as a
 *   local pseudo-Task that reads the path and sleeps the scaled time (history still shows a Wait),
 *   at any scale, so that the sleep is capped too.
 * - Retry: IntervalSeconds and MaxDelaySeconds × F in the definition itself, so BackoffRate and
 *   jitter keep their shape (a fixed retryIntervalOverrides value would flatten the back-off).
 * - Top-level TimeoutSeconds × F, so an execution timeout keeps its place relative to its Waits.
 * Task TimeoutSeconds are not scaled: local handlers run in real time.
 *
 * Node's timers hold at most 2^31-1 ms (about 24.8 days) and fire at once beyond it, so every
 * duration the library sleeps or times out on is capped at that, scaled or not: a 30-day Wait must
 * still be waiting, not over in a millisecond.
 */

/** The longest timer Node keeps, in whole seconds. The library gives Tasks a 60 s default timeout; AWS has none: this stands for none. */
const NO_TASK_TIMEOUT_SECONDS = 2_147_483;
/** The longest Wait or retry delay: a second under the timeout of the pseudo-Task that runs a path-based Wait. */
const LONGEST_WAIT_SECONDS = NO_TASK_TIMEOUT_SECONDS - 1;
export const LONGEST_WAIT_MS = LONGEST_WAIT_SECONDS * 1000;
export const SCALED_WAIT_RESOURCE = 'arn:aws:states:::local:scaledWait';

export interface ScaledWait {
  secondsPath?: string;
  timestampPath?: string;
}

export interface RuntimeDefinition {
  definition: JsonObject;
  waitTimeOverrides: Record<string, number>;
  /** Wait states replaced by a pseudo-Task, by state name. */
  scaledWaits: Map<string, ScaledWait>;
}

export function runtimeDefinition(original: JsonObject, factor: number, now: () => number = Date.now): RuntimeDefinition {
  const definition = structuredClone(original);
  const waitTimeOverrides: Record<string, number> = {};
  const scaledWaits = new Map<string, ScaledWait>();
  if (typeof definition.TimeoutSeconds === 'number') definition.TimeoutSeconds = Math.min(definition.TimeoutSeconds * factor, NO_TASK_TIMEOUT_SECONDS);

  walkStates(definition, ({ name, state }) => {
    if (state.Type === 'Task' && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = typeof state.TimeoutSeconds === 'number' ? Math.min(state.TimeoutSeconds, NO_TASK_TIMEOUT_SECONDS) : NO_TASK_TIMEOUT_SECONDS;
    }
    if (Array.isArray(state.Retry)) {
      for (const retrier of state.Retry) {
        if (!isObject(retrier)) continue;
        const interval = (typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1) * factor;
        retrier.IntervalSeconds = Math.min(interval, LONGEST_WAIT_SECONDS);
        // The back-off grows past any bound without it.
        const maxDelay = typeof retrier.MaxDelaySeconds === 'number' ? retrier.MaxDelaySeconds * factor : Infinity;
        retrier.MaxDelaySeconds = Math.min(maxDelay, LONGEST_WAIT_SECONDS);
      }
    }
    if (state.Type !== 'Wait') return;
    if (typeof state.Seconds === 'number') {
      waitTimeOverrides[name] = Math.min(state.Seconds * 1000 * factor, LONGEST_WAIT_MS);
    } else if (typeof state.Timestamp === 'string') {
      const at = Date.parse(state.Timestamp);
      Object.defineProperty(waitTimeOverrides, name, {
        enumerable: true,
        get: () => Math.min(Math.max(0, (at - now()) * factor), LONGEST_WAIT_MS),
      });
    } else {
      const path = typeof state.SecondsPath === 'string' ? state.SecondsPath : typeof state.TimestampPath === 'string' ? state.TimestampPath : undefined;
      // Paths the engine cannot evaluate itself keep the library's own, unscaled Wait.
      if (path === undefined || parseReferencePath(path) === undefined) return;
      scaledWaits.set(name, typeof state.SecondsPath === 'string' ? { secondsPath: path } : { timestampPath: path });
      const task: JsonObject = { Type: 'Task', Resource: SCALED_WAIT_RESOURCE, TimeoutSeconds: NO_TASK_TIMEOUT_SECONDS };
      for (const key of ['Comment', 'InputPath', 'OutputPath', 'Next', 'End']) if (key in state) task[key] = state[key];
      for (const key of Object.keys(state)) delete state[key];
      Object.assign(state, task);
    }
  });
  return { definition, waitTimeOverrides, scaledWaits };
}
