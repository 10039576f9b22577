import type { StateMachine as LibStateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import { fixArgument, unmarkPath } from './intrinsic-args.js';

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
 */
let pathFixes: Promise<void> | undefined;
export function installPathFixes(): Promise<void> {
  pathFixes ??= import('jsonpath-plus').then(({ JSONPath }) => {
    type Evaluate = (this: { wrap?: boolean }, expr: unknown, ...rest: unknown[]) => unknown;
    const proto = JSONPath.prototype as unknown as { evaluate: Evaluate };
    const evaluate = proto.evaluate;
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
      return evaluate.call(this, expr, ...rest);
    };
  });
  return pathFixes;
}
