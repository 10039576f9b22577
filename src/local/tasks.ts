import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { followSignals, pause } from '../server/deadline.js';
import { redactInResult } from '../log.js';
import { cutAt } from '../server/render.js';
import { evaluatePath, parseReferencePath } from './jsonpath.js';
import type { Json } from './library.js';
import { isLambdaReference, lambdaFunctionName, type ResourceInfo } from './resources.js';
import { LONGEST_WAIT_MS, type ScaledWait } from './timescale.js';

/**
 * Local task handlers: `handlers.mjs` (or `handlers.js`) in the definitions directory default-exports
 * `{ [resourceArn]: async (input, context) => output }`. Tasks never reach the network: a Task with
 * no handler fails with LocalEngine.HandlerNotFound.
 */

export interface TaskContext {
  stateName: string;
  resource: string;
  executionArn: string;
  executionName: string;
  stateMachineArn: string;
  /**
   * Aborted while the handler runs if its execution ends (stopped, timed out, failed elsewhere) or
   * the Map iteration or Parallel branch running it is given up; never once the handler has settled.
   */
  signal: AbortSignal;
}

export type LocalHandler = (input: Json, context: TaskContext) => unknown;

export interface HandlerSet {
  file: string | undefined;
  byKey: Map<string, LocalHandler>;
  byFunctionName: Map<string, LocalHandler>;
}

export const HANDLER_FILES = ['handlers.mjs', 'handlers.js'];
export const NO_HANDLER_ERROR = 'LocalEngine.HandlerNotFound';
const RUN_GIVEN_UP_ERROR = 'LocalEngine.RunEnded';

export async function loadHandlers(dir: string, warn: (message: string) => void): Promise<HandlerSet> {
  const set: HandlerSet = { file: undefined, byKey: new Map(), byFunctionName: new Map() };
  const file = HANDLER_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file) return set;
  set.file = file;
  let mod: { default?: unknown; handlers?: unknown };
  try {
    mod = (await import(pathToFileURL(file).href)) as typeof mod;
  } catch (err) {
    // A syntax error's message names no file: say which one.
    throw new Error(`${file} cannot be loaded: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
  const table = mod.default ?? mod.handlers;
  // An array is an object too, but its keys would be "0", "1": no Task resource matches them.
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    const found = Array.isArray(table) ? 'an array' : table === null ? 'null' : table === undefined ? 'nothing' : `a ${typeof table}`;
    throw new Error(`${file} must default-export an object mapping Task resource ARNs to functions (it exports ${found})`);
  }
  for (const [key, fn] of Object.entries(table)) {
    if (typeof fn !== 'function') {
      warn(`${file}: "${key}" is not a function; ignored`);
      continue;
    }
    const handler = fn as LocalHandler;
    set.byKey.set(key, handler);
    if (isLambdaReference(key)) set.byFunctionName.set(lambdaFunctionName(key), handler);
  }
  return set;
}

/** Which handler serves a Task, and under which name (for error messages). */
export function resolveHandler(set: HandlerSet, resource: ResourceInfo, params: Json): { handler: LocalHandler | undefined; wanted: string } {
  if (resource.lambdaInvoke) {
    const fn = params !== null && typeof params === 'object' && !Array.isArray(params) ? params.FunctionName : undefined;
    if (typeof fn === 'string') {
      const handler = set.byKey.get(fn) ?? set.byFunctionName.get(lambdaFunctionName(fn)) ?? set.byKey.get(resource.arn);
      return { handler, wanted: fn };
    }
    return { handler: set.byKey.get(resource.arn), wanted: resource.arn };
  }
  const handler =
    set.byKey.get(resource.arn) ?? (resource.kind === 'lambda' ? set.byFunctionName.get(lambdaFunctionName(resource.arn)) : undefined);
  return { handler, wanted: resource.arn };
}

/** An error as the library needs it: `name` is the ASL Error, `message` the Cause, no `cause`. */
export class TaskError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

/** Step Functions' quota for a state's input, result or output: 256 KiB of UTF-8. */
const PAYLOAD_LIMIT_BYTES = 262_144;

export function exceedsPayloadLimit(json: string): boolean {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most texts are decided without measuring.
  return json.length * 3 > PAYLOAD_LIMIT_BYTES && Buffer.byteLength(json, 'utf8') > PAYLOAD_LIMIT_BYTES;
}

/** States.DataLimitExceeded is terminal: no Retry or Catch handles it (the library reads these two flags). */
export function dataLimitExceeded(what: string): TaskError {
  const error = new TaskError('States.DataLimitExceeded', `The state/task '${what}' returned a result with a size exceeding the maximum number of bytes service limit.`);
  return Object.assign(error, { isRetryable: false, isCatchable: false });
}

/**
 * A States.Runtime error of the engine's own code, as terminal as the library's: no Retry or Catch
 * handles it, not even one on the Map or Parallel around the state.
 */
function statesRuntime(cause: string): TaskError {
  return Object.assign(new TaskError('States.Runtime', cause), { isRetryable: false, isCatchable: false });
}

/** Step Functions' limits on a failure's error name and cause (characters). */
const MAX_ERROR = 256;
const MAX_CAUSE = 32_768;

function toTaskError(err: unknown, lambdaStyle: boolean): TaskError {
  let error = 'Error';
  let cause = String(err);
  if (err instanceof Error) {
    error = err.name || 'Error';
    cause = err.message;
  } else if (typeof err === 'object' && err !== null) {
    // Plain objects thrown: { Error, Cause } as a state reports it, or an error-like { name, message }.
    const e = err as { Error?: unknown; Cause?: unknown; name?: unknown; message?: unknown };
    const name = typeof e.Error === 'string' ? e.Error : e.name;
    const message = typeof e.Cause === 'string' ? e.Cause : e.message;
    if (typeof name === 'string' && name !== '') error = name;
    cause = typeof message === 'string' ? message : jsonOr(err, cause);
  }
  // Redacted before the cut, which could keep the first characters of a secret a handler echoed.
  error = cutAt(redactInResult(error), MAX_ERROR);
  if (!lambdaStyle) return new TaskError(error, cutAt(redactInResult(cause), MAX_CAUSE));
  // Lambda reports failures as a JSON document in Cause; keep that shape for Lambda resources: the
  // message is cut inside it, until the document (escapes included) fits.
  let message = redactInResult(cause);
  let document = JSON.stringify({ errorMessage: message, errorType: error });
  while (document.length > MAX_CAUSE) {
    message = cutAt(message, Math.floor((message.length * MAX_CAUSE) / document.length) - 1);
    document = JSON.stringify({ errorMessage: message, errorType: error });
  }
  return new TaskError(error, document);
}

function jsonOr(value: unknown, fallback: string): string {
  try {
    return JSON.stringify(value) ?? fallback;
  } catch {
    return fallback;
  }
}

/** A handler result as JSON: the value the library gets, and its text for the history (taken now). */
function toJson(value: unknown): { json: Json; text: string } {
  if (value === undefined) return { json: null, text: 'null' };
  try {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) throw new Error(`${typeof value === 'object' ? 'an object whose toJSON gives nothing' : `a ${typeof value}`} has no JSON form`);
    return { json: JSON.parse(text) as Json, text };
  } catch (err) {
    throw new TaskError('LocalEngine.InvalidOutput', `the local handler returned a value that is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** One Task attempt, recorded for the history (the library's log has neither parameters nor raw result). */
export interface Invocation {
  /** Effective input (after InputPath and Parameters), as JSON. */
  params: string;
  /** Raw result as JSON, once the handler succeeded. */
  result: string | undefined;
  /** The timeout TimeoutSecondsPath resolved to, for this attempt. */
  timeoutSeconds?: number;
}

/** Learns of each Task attempt when the library calls its handler (the history recorder). */
export interface TaskCallSink {
  called(stateName: string, params: string, timeoutSeconds: number | undefined): Invocation;
}

export interface RunBinding {
  handlers: HandlerSet;
  calls: TaskCallSink;
  /** True when the execution ended or the run calling the handler was given up on (a stop, or its Map or Parallel failed). */
  givenUp(): boolean;
  /** What aborts a handler called now: the execution's signal and that of the run calling it. */
  abortSources(): AbortSignal[];
  context: Omit<TaskContext, 'stateName' | 'resource'>;
  timeScale: number;
  handlerFileHint: string;
}

/** Why a handler's signal fired when its execution goes on: its Map item or Parallel branch was given up. */
const GIVEN_UP_REASON = 'its Map iteration or Parallel branch was given up (another one failed)';

/**
 * A handler's signal, following the execution's signal (whose reason says how it ended) and those of
 * the runs calling it. The library aborts a run without a reason, and on an execution timeout before
 * it reports the timeout (synchronously, right after): the run's abort is read a microtask later,
 * when the execution's reason is known.
 */
function followRunSignals([execution, ...runs]: AbortSignal[]): { signal: AbortSignal; dispose(): void } {
  const runGivenUp = new AbortController();
  const giveUp = () => runGivenUp.abort(new DOMException(GIVEN_UP_REASON, 'AbortError'));
  const onRun = () => queueMicrotask(giveUp);
  if (runs.some((r) => r.aborted)) giveUp();
  else for (const r of runs) r.addEventListener('abort', onRun, { once: true });
  // The execution first: when both have fired, its reason is the one kept.
  const followed = followSignals(execution ? [execution, runGivenUp.signal] : [runGivenUp.signal]);
  return {
    signal: followed.signal,
    dispose: () => {
      for (const r of runs) r.removeEventListener('abort', onRun);
      followed.dispose();
    },
  };
}

/** The wrapped handler of one Task state for one execution. Called synchronously by the library. */
export function taskHandler(stateName: string, resource: ResourceInfo, run: RunBinding, timeoutSecondsPath?: string): (input: Json) => Promise<Json> {
  const lambdaStyle = resource.kind === 'lambda' || resource.lambdaInvoke;
  return (input) => {
    // The library still retries, or runs on a state it was inside, after a run was aborted: Step
    // Functions would start no new attempt, so the handler (and its side effects) must not run.
    if (run.givenUp()) return Promise.reject(new TaskError(RUN_GIVEN_UP_ERROR, `state '${stateName}' was not run: its execution, Map or Parallel had already ended`));
    const timeout = timeoutSecondsPath === undefined ? undefined : resolveTimeout(timeoutSecondsPath, input);
    // Step Functions resolves TimeoutSecondsPath before it schedules anything; the library only after
    // calling the handler, and then fails the state with States.Runtime. Leave that failure to it,
    // with no call: this promise is dropped unanswered when the library throws.
    if (timeout === 'invalid') return new Promise<Json>(() => undefined);
    const params = JSON.stringify(input ?? null);
    const invocation = run.calls.called(stateName, params, timeout);
    const { handler, wanted } = resolveHandler(run.handlers, resource, input);
    if (!handler) {
      return Promise.reject(
        new TaskError(
          NO_HANDLER_ERROR,
          `No local handler for Task resource '${wanted}' (state '${stateName}'). The embedded engine never calls AWS; ` +
            `add one to ${run.handlerFileHint}: export default { '${wanted}': async (input) => ({ ...input }) }`,
        ),
      );
    }
    // Like Lambda, the handler gets a serialised copy: changing it must not change the execution's data.
    const copy = JSON.parse(params) as Json;
    const payload = resource.lambdaInvoke && copy !== null && typeof copy === 'object' && !Array.isArray(copy) ? (copy.Payload ?? {}) : copy;
    // Followed only while the handler runs: one that has returned must not see the abort that ends
    // its execution later (it would undo work that succeeded).
    const call = followRunSignals(run.abortSources());
    const ctx: TaskContext = { ...run.context, stateName, resource: wanted, signal: call.signal };
    return (async () => {
      let raw: unknown;
      try {
        raw = await handler(payload, ctx);
      } catch (err) {
        throw toTaskError(err, lambdaStyle);
      } finally {
        call.dispose();
      }
      const out = toJson(raw);
      if (exceedsPayloadLimit(out.text)) throw dataLimitExceeded(wanted);
      if (!resource.lambdaInvoke) {
        invocation.result = out.text;
        return out.json;
      }
      const result: Json = { ExecutedVersion: '$LATEST', Payload: out.json, StatusCode: 200 };
      invocation.result = JSON.stringify(result);
      return result;
    })();
  };
}

/**
 * A Task's TimeoutSecondsPath on its effective input, checked as the library checks it (an integer
 * of at least 1); undefined where this evaluator cannot tell ($$ context paths, filters).
 */
function resolveTimeout(path: string, input: Json): number | 'invalid' | undefined {
  if (!parseReferencePath(path)) return undefined;
  const found = evaluatePath(path, input);
  return found.ok && typeof found.value === 'number' && Number.isInteger(found.value) && found.value >= 1 ? found.value : 'invalid';
}

/**
 * The pseudo-Task that runs a path-based Wait scaled by the time factor (see timescale.ts). It checks
 * the value as the library's own Wait does, with its messages: the scale changes durations only.
 */
export function scaledWaitHandler(wait: ScaledWait, run: RunBinding): (input: Json) => Promise<Json> {
  return async (input) => {
    const path = wait.secondsPath ?? wait.timestampPath ?? '$';
    const found = evaluatePath(path, input);
    if (!found.ok) throw statesRuntime(`Path expression '${path}' does not point to a value`);
    const value = found.value;
    let ms: number;
    if (wait.secondsPath !== undefined) {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw statesRuntime(`Path expression '${path}' evaluated to ${JSON.stringify(value)}, but expected an integer`);
      if (value < 0) throw statesRuntime(`Path expression '${path}' evaluated to ${JSON.stringify(value)}, but expected an integer >= 0`);
      ms = value * 1000;
    } else {
      if (typeof value !== 'string' || !RFC3339.test(value)) {
        throw statesRuntime(`Path expression '${path}' evaluated to ${JSON.stringify(value)}, but expected a timestamp conforming to the RFC3339 profile`);
      }
      ms = Math.max(0, Date.parse(value) - Date.now());
    }
    await pause(Math.min(ms * run.timeScale, LONGEST_WAIT_MS), run.context.signal);
    return input;
  };
}

/** The timestamps a Wait's TimestampPath accepts (the library's and Step Functions' RFC 3339 profile). */
const RFC3339 = /^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(\.\d+)?(Z|[+-]([01][0-9]|2[0-3]):([0-5][0-9]))$/;

