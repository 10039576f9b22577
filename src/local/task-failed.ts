import type { Json } from './library.js';
import { isObject, type JsonObject } from './json.js';
import { walkStates } from './states.js';

/**
 * States.TaskFailed in a Retry or Catch, matched as Step Functions matches it: a wildcard for every
 * error whose name is not one of Step Functions' own (none starting with "States.": not
 * States.Timeout, States.Permissions, States.ResultPathMatchFailure, States.NoChoiceMatched...),
 * plus States.TaskFailed itself, on a Map or Parallel state as on a Task (LocalStack's AWS-parity
 * matcher, error_equals_decl.py). aws-local-stepfunctions 3.0.0 applies it on Task states only, and
 * there to every error but its own task timeout.
 *
 * The library compares each ErrorEquals entry with the error's name. So in the definition copy it
 * runs, every States.TaskFailed entry is null, which matches nothing; just before the library
 * matches a state's error against its Retry and Catch (run-tap.ts hands the error over,
 * synchronously, when the state fails), that state's entries become the error's name when the
 * wildcard matches it, and null again when not.
 */

const TASK_FAILED = 'States.TaskFailed';

export function taskFailedMatches(errorName: string): boolean {
  return errorName === TASK_FAILED || !errorName.startsWith('States.');
}

interface Slot {
  list: Json[];
  index: number;
}

export class TaskFailedWildcards {
  private constructor(private readonly slots: ReadonlyMap<string, Slot[]>) {}

  /** Sets every States.TaskFailed entry of `definition` (the copy the library runs) to null, and keeps where they are, by state. */
  static install(definition: JsonObject): TaskFailedWildcards {
    const slots = new Map<string, Slot[]>();
    walkStates(definition, ({ name, state }) => {
      for (const field of ['Retry', 'Catch']) {
        const handlers = state[field];
        if (!Array.isArray(handlers)) continue;
        for (const handler of handlers) {
          const list = isObject(handler) ? handler.ErrorEquals : undefined;
          if (!Array.isArray(list)) continue;
          list.forEach((entry, index) => {
            if (entry !== TASK_FAILED) return;
            list[index] = null;
            slots.set(name, [...(slots.get(name) ?? []), { list, index }]);
          });
        }
      }
    });
    return new TaskFailedWildcards(slots);
  }

  /** State `stateName` failed with `error`: the library matches it against the state's Retry and Catch next. */
  aim(stateName: string, error: unknown): void {
    const slots = this.slots.get(stateName);
    if (!slots) return;
    const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
    const value = typeof name === 'string' && taskFailedMatches(name) ? name : null;
    for (const { list, index } of slots) list[index] = value;
  }
}
