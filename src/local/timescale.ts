import { parseReferencePath } from './jsonpath.js';
import { isObject, walkStates, type JsonObject } from './states.js';

/**
 * The definition the library runs, and the Wait overrides, for a time-scale factor F:
 * - Wait Seconds: waitTimeOverrides (ms) = Seconds × 1000 × F.
 * - Wait Timestamp: an override getter, read by the library when the Wait starts: (Timestamp − now) × F.
 * - Wait SecondsPath / TimestampPath: the value is only known at run time, so the state runs as a
 *   local pseudo-Task that reads the path and sleeps the scaled time (history still shows a Wait).
 * - Retry: IntervalSeconds and MaxDelaySeconds × F in the definition itself, so BackoffRate and
 *   jitter keep their shape (a fixed retryIntervalOverrides value would flatten the back-off).
 * - Top-level TimeoutSeconds × F, so an execution timeout keeps its place relative to its Waits.
 * Task TimeoutSeconds are not scaled: local handlers run in real time.
 */

/** The library gives Tasks a 60 s default timeout; AWS has none. setTimeout caps at 2^31-1 ms. */
const NO_TASK_TIMEOUT_SECONDS = 2_147_483;
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
  const scale = factor !== 1;
  if (scale && typeof definition.TimeoutSeconds === 'number') definition.TimeoutSeconds = definition.TimeoutSeconds * factor;

  walkStates(definition, ({ name, state }) => {
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = NO_TASK_TIMEOUT_SECONDS;
    }
    if (!scale) return;
    if (Array.isArray(state.Retry)) {
      for (const retrier of state.Retry) {
        if (!isObject(retrier)) continue;
        retrier.IntervalSeconds = (typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1) * factor;
        if (typeof retrier.MaxDelaySeconds === 'number') retrier.MaxDelaySeconds = retrier.MaxDelaySeconds * factor;
      }
    }
    if (state.Type !== 'Wait') return;
    if (typeof state.Seconds === 'number') {
      waitTimeOverrides[name] = state.Seconds * 1000 * factor;
    } else if (typeof state.Timestamp === 'string') {
      const at = Date.parse(state.Timestamp);
      Object.defineProperty(waitTimeOverrides, name, {
        enumerable: true,
        get: () => Math.max(0, (at - now()) * factor),
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
