import { isObject, type JsonObject } from './json.js';

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
  /** The state is in JSONata (refused as unsupported): its fields are not checked. */
  jsonata: boolean;
}

/** Step Functions' ranges for a retrier's integer fields. */
const RETRIER_INTEGERS: Array<[field: string, min: number, max: number]> = [
  ['IntervalSeconds', 1, 99_999_999],
  ['MaxAttempts', 0, 99_999_999],
  ['MaxDelaySeconds', 1, 31_622_401],
];

export function aslRuleProblems(s: RuledState): string[] {
  return [...nameProblems(s), ...fieldProblems(s), ...errorHandlerProblems(s), ...failPathProblems(s)];
}

const MACHINE_FIELDS = ['Comment', 'StartAt', 'States', 'TimeoutSeconds', 'Version', 'QueryLanguage'];
const MAX_NAME = 80;

/** The top level of a definition: the validator reports an unknown field as " is invalid", naming nothing. */
export function machineProblems(definition: JsonObject): string[] {
  return Object.keys(definition)
    .filter((field) => !MACHINE_FIELDS.includes(field))
    .map((field) => `the state machine has field ${field}, which a state machine cannot have (/${field})`);
}

function nameProblems({ name, pointer }: RuledState): string[] {
  const length = [...name].length;
  return length > MAX_NAME ? [`state name "${name}" is ${length} characters long; the limit is ${MAX_NAME} (${pointer})`] : [];
}

const COMMON = ['Type', 'Comment', 'QueryLanguage'];
const FLOW = ['Next', 'End', 'InputPath', 'OutputPath', 'Assign'];
const RESULT = ['ResultPath', 'Parameters', 'ResultSelector', 'Retry', 'Catch'];
/**
 * The fields each state type may have (JSONPath states; JSONata is refused as unsupported). The
 * library's validator reports a field of another type as "/States/A/Type is invalid" or "must
 * match exactly one schema in oneOf", which names neither the field nor the state.
 */
const FIELDS: Record<string, { allowed: string[]; required: string[] }> = {
  Pass: { allowed: [...FLOW, 'ResultPath', 'Parameters', 'Result'], required: [] },
  Task: {
    allowed: [...FLOW, ...RESULT, 'Resource', 'TimeoutSeconds', 'TimeoutSecondsPath', 'HeartbeatSeconds', 'HeartbeatSecondsPath', 'Credentials'],
    required: ['Resource'],
  },
  Choice: { allowed: ['Choices', 'Default', 'InputPath', 'OutputPath', 'Assign'], required: ['Choices'] },
  Wait: { allowed: [...FLOW, 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'], required: [] },
  Succeed: { allowed: ['InputPath', 'OutputPath'], required: [] },
  Fail: { allowed: ['Error', 'ErrorPath', 'Cause', 'CausePath'], required: [] },
  Parallel: { allowed: [...FLOW, ...RESULT, 'Branches'], required: ['Branches'] },
  Map: {
    allowed: [
      ...FLOW,
      ...RESULT,
      ...['ItemsPath', 'ItemSelector', 'ItemProcessor', 'Iterator', 'MaxConcurrency', 'MaxConcurrencyPath', 'Label'],
      ...['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailurePercentage', 'ToleratedFailurePercentagePath', 'ToleratedFailureCount', 'ToleratedFailureCountPath'],
    ],
    required: [],
  },
};

function fieldProblems({ name, state, pointer, jsonata }: RuledState): string[] {
  const type = String(state.Type);
  const fields = FIELDS[type];
  if (fields === undefined || jsonata) return [];
  const out: string[] = [];
  for (const field of Object.keys(state)) {
    if (!COMMON.includes(field) && !fields.allowed.includes(field)) out.push(`${type} state "${name}" has field ${field}, which a ${type} state cannot have (${pointer}/${field})`);
  }
  for (const field of fields.required) if (state[field] === undefined) out.push(`${type} state "${name}" has no ${field}, which a ${type} state must have (${pointer})`);
  return out;
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

/**
 * `$` then `.name`, `['name']` or `[0]` steps, or the same after `$$`: a path to one value (no
 * wildcards, filters, slices or `..`). Wider than jsonpath.ts's parseReferencePath, which refuses
 * what it cannot evaluate itself (context paths, names not starting with a letter) and lets the
 * library handle it: here a refusal rejects the definition, so only what AWS rejects is refused.
 */
const REFERENCE_PATH = /^\$\$?(?:\.[^.[\]*'"]+|\['(?:[^'\\]|\\.)*'\]|\["(?:[^"\\]|\\.)*"\]|\[\d+\])*$/;

export function isReferencePath(path: string): boolean {
  return REFERENCE_PATH.test(path);
}
