import { isObject, type JsonObject } from './states.js';

/**
 * ASL rules Step Functions enforces when a state machine is created and the library's validator
 * (asl-validator) does not: the library would run such a definition. Each problem names the state
 * and, as AWS does, the field's JSON Pointer.
 */

export interface RuledState {
  name: string;
  state: JsonObject;
  /** JSON Pointer to the state (/States/A). */
  pointer: string;
}

/** Step Functions' ranges for a retrier's integer fields. */
const RETRIER_INTEGERS: Array<[field: string, min: number, max: number]> = [
  ['IntervalSeconds', 1, 99_999_999],
  ['MaxAttempts', 0, 99_999_999],
  ['MaxDelaySeconds', 1, 31_622_401],
];

export function aslRuleProblems(s: RuledState): string[] {
  return [...errorHandlerProblems(s), ...failPathProblems(s)];
}

/** Retry and Catch: ErrorEquals names at least one error, and States.ALL alone, in the last entry. */
function errorHandlerProblems({ name, state, pointer }: RuledState): string[] {
  const out: string[] = [];
  for (const field of ['Retry', 'Catch'] as const) {
    const entries = state[field];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry, i) => {
      if (field === 'Retry' && isObject(entry)) out.push(...retrierProblems(name, i, entry, `${pointer}/Retry/${i}`));
      if (field === 'Catch' && isObject(entry) && typeof entry.ResultPath === 'string' && entry.ResultPath.startsWith('$$')) {
        out.push(`state "${name}": Catch[${i}] has ResultPath "${entry.ResultPath}", a context path, where only a path into the state's data is allowed`);
      }
      const errors: unknown = isObject(entry) ? entry.ErrorEquals : undefined;
      if (Array.isArray(errors) && errors.length === 0) {
        out.push(`state "${name}": ${field}[${i}] has an empty ErrorEquals; it must name at least one error (${pointer}/${field}/${i}/ErrorEquals)`);
      }
      if (!Array.isArray(errors) || !errors.includes('States.ALL')) return;
      if (errors.length > 1) out.push(`state "${name}": States.ALL must appear alone in the ErrorEquals of ${field}[${i}]`);
      if (i !== entries.length - 1) out.push(`state "${name}": the ${field} entry with States.ALL must be the last one (it is ${field}[${i}] of ${entries.length})`);
    });
  }
  return out;
}

function retrierProblems(name: string, i: number, retrier: JsonObject, pointer: string): string[] {
  const out: string[] = [];
  for (const [field, min, max] of RETRIER_INTEGERS) {
    const value = retrier[field];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= min && (value as number) <= max)) {
      out.push(`state "${name}": Retry[${i}] has ${field} ${JSON.stringify(value)}; it must be an integer from ${min} to ${max} (${pointer}/${field})`);
    }
  }
  const rate = retrier.BackoffRate;
  if (rate !== undefined && !(typeof rate === 'number' && rate >= 1)) out.push(`state "${name}": Retry[${i}] has BackoffRate ${JSON.stringify(rate)}; it must be a number of at least 1.0`);
  const jitter = retrier.JitterStrategy;
  if (jitter !== undefined && jitter !== 'FULL' && jitter !== 'NONE') out.push(`state "${name}": Retry[${i}] has JitterStrategy ${JSON.stringify(jitter)}; it must be FULL or NONE`);
  return out;
}

/** A Fail state's ErrorPath and CausePath: a reference path (an intrinsic function is refused as unsupported elsewhere). */
function failPathProblems({ name, state, pointer }: RuledState): string[] {
  if (state.Type !== 'Fail') return [];
  const out: string[] = [];
  for (const field of ['ErrorPath', 'CausePath']) {
    const path = state[field];
    if (typeof path !== 'string' || path.startsWith('States.') || isReferencePath(path)) continue;
    out.push(`Fail state "${name}" has ${field} ${JSON.stringify(path)}, which is not a reference path like $.error or $$.Execution.Name, nor an intrinsic function (${pointer}/${field})`);
  }
  return out;
}

/** `$` then `.name`, `['name']` or `[0]` steps, or the same after `$$`: a path to one value (no wildcards, filters, slices or `..`). */
const REFERENCE_PATH = /^\$\$?(?:\.[^.[\]*'"]+|\['(?:[^'\\]|\\.)*'\]|\["(?:[^"\\]|\\.)*"\]|\[\d+\])*$/;

export function isReferencePath(path: string): boolean {
  return REFERENCE_PATH.test(path);
}
