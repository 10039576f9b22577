import type { StateMachine as LibStateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import { fixArgument, unmarkPath } from './intrinsic-args.js';
import { jaywayStep } from './path-steps.js';

/** Lazy access to aws-local-stepfunctions: importing it costs ~140 ms, so only the engine loads it. */

export type { StateMachineDefinition };
export type LibraryStateMachine = LibStateMachine;
export type RunOptions = NonNullable<Parameters<LibStateMachine['run']>[1]>;
export type Execution = ReturnType<LibStateMachine['run']>;
export type LibraryEvent = Execution['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type Library = typeof import('aws-local-stepfunctions');
let loading: Promise<Library> | undefined;

export function loadLibrary(): Promise<Library> {
  loading ??= import('aws-local-stepfunctions');
  return loading;
}

/**
 * Every Task state of the library calls Promise.withResolvers (Node >= 22). Installed when the
 * engine starts, never at import, and only when missing.
 */
export function installPromisePolyfill(): void {
  const ctor = Promise as unknown as { withResolvers?: () => unknown };
  if (typeof ctor.withResolvers === 'function') return;
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor) {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

/**
 * Installed once, when the engine first builds a machine, never at import, on jsonpath-plus, which
 * the library evaluates every path with:
 * - It answers nothing for "$" on 0, false, "" or null: "x.$": "$" in Parameters, ItemSelector or
 *   ResultSelector, or a Choice on "$", then fails with States.Runtime where Step Functions reads
 *   the value. Its evaluate() answers those itself.
 * - A path argument of an intrinsic function that library-fixes marked is read without its mark,
 *   and the value found is fixed for the function (intrinsic-args.ts).
 * - Each step of a path finds what Jayway, Step Functions' JSONPath, finds (path-steps.ts): a key
 *   starting with "@" is a key; arrays and strings have no "length".
 * - A path it cannot evaluate (it throws a TypeError or an Error of its own) fails the state with
 *   States.Runtime, which no Retry or Catch handles, as Step Functions' path errors do; the host's
 *   exception would be retried and caught as an error named TypeError.
 */
let pathFixes: Promise<void> | undefined;
export function installPathFixes(): Promise<void> {
  pathFixes ??= import('jsonpath-plus').then(({ JSONPath }) => {
    type Evaluate = (this: { wrap?: boolean }, expr: unknown, ...rest: unknown[]) => unknown;
    type Trace = (this: unknown, expr: unknown[], value: unknown, ...rest: unknown[]) => unknown;
    const proto = JSONPath.prototype as unknown as { evaluate: Evaluate; _trace: Trace };
    const evaluate = proto.evaluate;
    const trace = proto._trace;
    proto._trace = function jaywayTrace(expr, value, ...rest): unknown {
      const [loc, ...next] = expr;
      if (typeof loc !== 'string') return trace.call(this, expr, value, ...rest);
      const step = jaywayStep(loc, value);
      // What a trace finds is a list of matches: none.
      if (step === undefined) return [];
      return trace.call(this, step === loc ? expr : [step, ...next], value, ...rest);
    };
    proto.evaluate = function fixedEvaluate(expr, ...rest): unknown {
      if (typeof expr === 'object' && expr !== null && !Array.isArray(expr)) {
        const { path, json } = expr as { path?: unknown; json?: unknown };
        const marked = typeof path === 'string' ? unmarkPath(path) : undefined;
        if (marked) {
          const found: unknown = fixedEvaluate.call(this, { ...expr, path: marked.path }, ...rest);
          return found === undefined ? undefined : fixArgument(found, marked.fix);
        }
        if (path === '$' && (json === 0 || json === false || json === '' || json === null)) {
          const wrap = Object.hasOwn(expr, 'wrap') ? (expr as { wrap?: boolean }).wrap : this.wrap;
          return wrap === false ? json : [json];
        }
      }
      try {
        return evaluate.call(this, expr, ...rest);
      } catch (err) {
        throw unevaluablePath(expr, err);
      }
    };
  });
  return pathFixes;
}

/** A States.Runtime error (neither retried nor caught: the library reads the two flags) for a path jsonpath-plus threw on. */
function unevaluablePath(expr: unknown, err: unknown): unknown {
  if (!(err instanceof Error) || err.name.startsWith('States.')) return err;
  const path = typeof expr === 'object' && expr !== null ? (expr as { path?: unknown }).path : expr;
  const error = new Error(`Path expression '${String(path)}' could not be evaluated: ${err.message}`);
  error.name = 'States.Runtime';
  return Object.assign(error, { isRetryable: false, isCatchable: false });
}
