import { redactInResult } from '../log.js';
import { cutAt } from '../server/render.js';
import { evaluatePath } from './jsonpath.js';
import type { Json } from './library.js';
import { isObject } from './json.js';
import type { StateInfo } from './states.js';

/** Step Functions' limit on a cause (characters). */
const MAX_CAUSE = 32_768;

/**
 * Step Functions' cause for a ResultPath (a state's, or the Catch's that handled its failure) that
 * cannot be applied: the state's input is not an object ("Unable to apply ReferencePath $.x to input
 * \"a@x\""); the library's is only the error's name. Undefined when `path` cannot fail on `rawInput`.
 */
export function resultPathCause(path: unknown, rawInput: Json): string | undefined {
  if (typeof path !== 'string' || path === '$' || isObject(rawInput)) return undefined;
  // Redacted before the cut, which could keep the first characters of a secret in the input.
  return cutAt(redactInResult(`Unable to apply ReferencePath ${path} to input ${JSON.stringify(rawInput)}`), MAX_CAUSE);
}

const MISSING_PATH = /^Path expression '(.+)' does not point to a value$/;

/**
 * Step Functions' cause for a Parameters (or ItemSelector) path that finds nothing names the field
 * and shows the input it looked in; the library's names only the path. Undefined when `cause` is
 * not that failure, or no field of the state reads that path.
 */
export function templatePathCause(info: StateInfo, cause: string, stateInput: Json, taskResult?: Json): string | undefined {
  const path = MISSING_PATH.exec(cause)?.[1];
  if (path === undefined) return undefined;
  const entry = info.inputTemplatePaths.find((p) => p.path === path);
  const input = entry ? afterInputPath(info.inputPath, stateInput) : undefined;
  // Found there, it was not the template that failed (an OutputPath or ResultSelector reading the same path).
  if (entry && input !== undefined && !evaluatePath(entry.path, input).ok) return notFound(entry, input);
  // A Task's ResultSelector reads the task's result.
  const selected = taskResult === undefined ? undefined : info.resultSelectorPaths.find((p) => p.path === path);
  if (selected && taskResult !== undefined && !evaluatePath(selected.path, taskResult).ok) return notFound(selected, taskResult);
  return undefined;
}

function notFound(entry: { field: string; path: string }, input: Json): string {
  return `The JSONPath '${entry.path}' specified for the field '${entry.field}' could not be found in the input '${JSON.stringify(input)}'`;
}

/** The input a state's template reads: after its InputPath (null: an empty object); undefined when the path finds nothing. */
function afterInputPath(inputPath: string | null | undefined, stateInput: Json): Json | undefined {
  if (inputPath === null) return {};
  if (inputPath === undefined) return stateInput;
  const found = evaluatePath(inputPath, stateInput);
  return found.ok ? found.value : undefined;
}
