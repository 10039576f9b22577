import type { Json } from './library.js';
import { isObject, type JsonObject } from './json.js';
import { walkStates } from './states.js';

/**
 * `$$.Execution` as Step Functions gives it, in every Map iteration and Parallel branch too.
 *
 * The library runs each iteration and branch as a nested run that rebuilds `$$.Execution` with
 * the item's (or branch's) input and its own start time. So the definition the library runs reads
 * `$$.Execution` from a key of the context object the library copies unchanged into nested runs.
 */
export const EXECUTION_CONTEXT_KEY = 'LocalEngineExecution';

const RETARGETED = `$$.${EXECUTION_CONTEXT_KEY}`;

/** A quoted intrinsic-function literal (left as it is), or a reference to `$$.Execution`. */
const LITERAL_OR_REFERENCE = /'(?:[^'\\]|\\.)*'|\$\$\.Execution(?![\w$])/g;

/** Payload templates: only their keys ending in ".$" hold a path or an intrinsic function. */
const TEMPLATES = ['Parameters', 'ItemSelector', 'ResultSelector'] as const;

/** Points every `$$.Execution` reference of a definition (a copy the library runs) at EXECUTION_CONTEXT_KEY. */
export function retargetExecutionContext(definition: JsonObject): void {
  walkStates(definition, ({ state }) => {
    // State fields that hold a path: InputPath, ItemsPath, SecondsPath, TimeoutSecondsPath, ...
    for (const [key, value] of Object.entries(state)) if (key.endsWith('Path') && typeof value === 'string') state[key] = retarget(value);
    for (const key of TEMPLATES) retargetTemplate(state[key]);
    if (Array.isArray(state.Choices)) for (const rule of state.Choices) retargetRule(rule);
  });
}

/** A payload template, at any depth: the values of its "x.$" keys; every other value is literal data. */
function retargetTemplate(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) retargetTemplate(item);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (key.endsWith('.$') && typeof value === 'string') node[key] = retarget(value);
    else retargetTemplate(value);
  }
}

/** A Choice rule: its Variable and *Path comparisons, and the rules nested in And, Or and Not. */
function retargetRule(rule: unknown): void {
  if (!isObject(rule)) return;
  for (const [key, value] of Object.entries(rule)) {
    if ((key === 'Variable' || key.endsWith('Path')) && typeof value === 'string') rule[key] = retarget(value);
    else if (key === 'And' || key === 'Or') (Array.isArray(value) ? value : []).forEach(retargetRule);
    else if (key === 'Not') retargetRule(value);
  }
}

const QUOTED_RETARGETED = new RegExp(`'\\$\\$\\.${EXECUTION_CONTEXT_KEY}(?![\\w$])`, 'g');

/** A message quoting a retargeted path ("Path expression '$$.LocalEngineExecution.X' does not point to a value") quotes it as written. */
export function mendRetargetedPath(error: unknown): void {
  if (!(error instanceof Error) || !error.message.includes(RETARGETED)) return;
  error.message = error.message.replace(QUOTED_RETARGETED, () => "'$$.Execution");
}

function retarget(value: string): string {
  return value.includes('$$.Execution') ? value.replace(LITERAL_OR_REFERENCE, (m) => (m.startsWith("'") ? m : RETARGETED)) : value;
}

export interface ExecutionContextFields {
  arn: string;
  name: string;
  roleArn: string;
  /** The parsed input. Nothing changes it in place: the library copies on ResultPath, handlers get copies. */
  input: Json;
  startDate: number;
}

/** The value of EXECUTION_CONTEXT_KEY for one execution, in the order of Step Functions' fields. */
export function executionContext(run: ExecutionContextFields): JsonObject {
  return { Id: run.arn, Input: run.input, Name: run.name, RoleArn: run.roleArn, StartTime: new Date(run.startDate).toISOString(), RedriveCount: 0 };
}
