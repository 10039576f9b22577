import type { StateMachine as LibStateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';

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
