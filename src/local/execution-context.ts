import type { Json } from './library.js';
import { isObject, type JsonObject } from './states.js';

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

/** Where ASL reads paths and intrinsic functions: payload template keys `x.$`, `*Path` fields and Choice's `Variable`. */
function holdsPath(key: string): boolean {
  return key.endsWith('.$') || key.endsWith('Path') || key === 'Variable';
}

/** Points every `$$.Execution` reference of a definition (a copy the library runs) at EXECUTION_CONTEXT_KEY. */
export function retargetExecutionContext(definition: JsonObject): void {
  retarget(definition);
}

function retarget(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) retarget(item);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    // A Pass state's Result is literal data, even where its keys end in ".$".
    if (key === 'Result' && node.Type === 'Pass') continue;
    if (typeof value === 'string') {
      if (holdsPath(key) && value.includes('$$.Execution')) node[key] = value.replace(LITERAL_OR_REFERENCE, (m) => (m.startsWith("'") ? m : RETARGETED));
    } else {
      retarget(value);
    }
  }
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
