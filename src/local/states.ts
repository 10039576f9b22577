import { aslRuleProblems, machineProblems } from './asl-rules.js';
import { isObject, pointerStep, type JsonObject } from './json.js';
import { classifyResource, type ResourceInfo } from './resources.js';

/**
 * A walk over a definition, nested Map ItemProcessor/Iterator and Parallel Branches included.
 * The library keys overrides by state name, and history needs each state's type and container,
 * so names must be unique across the whole machine (AWS requires that too).
 */

export type StateType = 'Task' | 'Parallel' | 'Map' | 'Pass' | 'Wait' | 'Choice' | 'Succeed' | 'Fail';
const STATE_TYPES = new Set<string>(['Task', 'Parallel', 'Map', 'Pass', 'Wait', 'Choice', 'Succeed', 'Fail']);
/** State names aws-local-stepfunctions 3.0.0 (or its asl-validator) cannot run: fields it looks up by name anywhere in a definition. */
const LIBRARY_FIELD_NAMES = new Set(['StartAt', 'States', 'Next', 'Default', 'Branches', 'Iterator']);

export interface StateInfo {
  name: string;
  type: StateType;
  /** The Map or Parallel state this state runs inside; undefined at the top level. */
  parent: string | undefined;
  /** Branch index inside a Parallel parent. */
  branch: number | undefined;
  resource: ResourceInfo | undefined;
  timeoutSeconds: number | undefined;
  /** Task states: where the timeout comes from at run time, when TimeoutSeconds is not given. */
  timeoutSecondsPath: string | undefined;
  heartbeatSeconds: number | undefined;
  /** Fail states: whether Error/Cause are given (the library invents defaults, AWS leaves them out). */
  failHasError: boolean;
  failHasCause: boolean;
  /** Map states: where the items come from, to report MapStateStarted.length. */
  inputPath: string | null | undefined;
  itemsPath: string | undefined;
  /** Map states: concurrent iterations (the library runs at most 40, like AWS inline Maps). */
  maxConcurrency: number;
  /** As written: "$" or absent is the whole result, null the input kept. */
  resultPath: string | null | undefined;
  /** `field.$` entries of Parameters (ItemSelector on a Map) reading the state's input: field name → path. */
  inputTemplatePaths: Array<{ field: string; path: string }>;
  /** `field.$` entries of ResultSelector reading the state's result. */
  resultSelectorPaths: Array<{ field: string; path: string }>;
}

/** The `field.$` entries of a payload template whose value is a path into the input (not `$$`, not an intrinsic). */
function templatePaths(template: unknown, out: Array<{ field: string; path: string }> = []): Array<{ field: string; path: string }> {
  if (Array.isArray(template)) for (const item of template) templatePaths(item, out);
  if (!isObject(template)) return out;
  for (const [field, value] of Object.entries(template)) {
    if (field.endsWith('.$') && typeof value === 'string' && value.startsWith('$') && !value.startsWith('$$')) out.push({ field, path: value });
    else templatePaths(value, out);
  }
  return out;
}

export interface WalkedState {
  name: string;
  state: JsonObject;
  parent: string | undefined;
  branch: number | undefined;
  /** JSON Pointer to the state in the definition (/States/M/ItemProcessor/States/A), as AWS names a field in validation errors. */
  pointer: string;
}

/** Every state of a definition, depth first; `scope` objects (the machine, iterators, branches) included. */
export function walkStates(definition: JsonObject, visit: (s: WalkedState) => void, onScope?: (scope: JsonObject) => void): void {
  const walkScope = (scope: unknown, parent: string | undefined, branch: number | undefined, at: string) => {
    if (!isObject(scope)) return;
    onScope?.(scope);
    const states = scope.States;
    if (!isObject(states)) return;
    for (const [name, state] of Object.entries(states)) {
      if (!isObject(state)) continue;
      const pointer = `${at}/States/${pointerStep(name)}`;
      visit({ name, state, parent, branch, pointer });
      if (state.Type === 'Map') {
        const field = state.ItemProcessor === undefined ? 'Iterator' : 'ItemProcessor';
        walkScope(state[field], name, undefined, `${pointer}/${field}`);
      }
      if (state.Type === 'Parallel' && Array.isArray(state.Branches)) {
        state.Branches.forEach((b, i) => walkScope(b, name, i, `${pointer}/Branches/${i}`));
      }
    }
  };
  walkScope(definition, undefined, undefined, '');
}

export interface DefinitionProblem {
  /** true: valid for AWS but beyond the embedded engine; false: invalid for AWS too. */
  unsupported: boolean;
  message: string;
}

export interface StateIndex {
  states: Map<string, StateInfo>;
  /** Why the embedded engine cannot run this definition, when it cannot. */
  problems: DefinitionProblem[];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function indexStates(definition: JsonObject): StateIndex {
  const states = new Map<string, StateInfo>();
  const problems: DefinitionProblem[] = [];
  const unsupported = (message: string) => problems.push({ unsupported: true, message });
  if (definition.QueryLanguage === 'JSONata') {
    unsupported('QueryLanguage "JSONata" is not supported by the embedded engine (only JSONPath definitions run locally)');
  }
  for (const message of machineProblems(definition)) problems.push({ unsupported: false, message });
  walkStates(
    definition,
    ({ name, state, parent, branch, pointer }) => {
      const type = String(state.Type);
      if (states.has(name)) problems.push({ unsupported: false, message: `state name "${name}" is used more than once; state names must be unique across the state machine` });
      if (!STATE_TYPES.has(type)) {
        problems.push({ unsupported: false, message: `state "${name}" has unknown Type "${type}"` });
        return;
      }
      if (state.QueryLanguage === 'JSONata') {
        unsupported(`state "${name}" uses QueryLanguage "JSONata", which the embedded engine does not support`);
      }
      if (LIBRARY_FIELD_NAMES.has(name)) {
        unsupported(`state "${name}" has the name of an ASL field, which the embedded engine does not support (its definition checks take the name for the field); rename the state to run it locally`);
      }
      if (state.Assign !== undefined) unsupported(`state "${name}" uses Assign (variables), which the embedded engine does not support`);
      if (type === 'Map') {
        const processor = state.ItemProcessor;
        const mode = isObject(processor) && isObject(processor.ProcessorConfig) ? processor.ProcessorConfig.Mode : undefined;
        const distributed = ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailurePercentage', 'ToleratedFailureCount'].filter(
          (k) => state[k] !== undefined,
        );
        if (mode === 'DISTRIBUTED' || distributed.length > 0) {
          unsupported(`Map state "${name}" is a Distributed Map (${distributed.join(', ') || 'Mode DISTRIBUTED'}), which the embedded engine does not support`);
        }
      }
      if (type === 'Task') for (const message of taskProblems(name, state)) unsupported(message);
      const jsonata = definition.QueryLanguage === 'JSONata' || state.QueryLanguage === 'JSONata';
      for (const message of aslRuleProblems({ name, state, pointer, jsonata })) problems.push({ unsupported: false, message });
      if (typeof state.ResultPath === 'string' && state.ResultPath.startsWith('$$')) {
        problems.push({ unsupported: false, message: `state "${name}" has ResultPath "${state.ResultPath}", a context path, where only a path into the state's data is allowed` });
      }
      if (type === 'Fail' && [state.ErrorPath, state.CausePath].some((p) => typeof p === 'string' && p.startsWith('States.'))) {
        unsupported(`Fail state "${name}" uses an intrinsic function in ErrorPath or CausePath, which the embedded engine does not support (a JSONPath like $.error works)`);
      }
      const resource = type === 'Task' && typeof state.Resource === 'string' ? classifyResource(state.Resource) : undefined;
      states.set(name, {
        name,
        type: type as StateType,
        parent,
        branch,
        resource,
        timeoutSeconds: num(state.TimeoutSeconds),
        timeoutSecondsPath: state.TimeoutSeconds === undefined && typeof state.TimeoutSecondsPath === 'string' ? state.TimeoutSecondsPath : undefined,
        heartbeatSeconds: num(state.HeartbeatSeconds),
        failHasError: state.Error !== undefined || state.ErrorPath !== undefined,
        failHasCause: state.Cause !== undefined || state.CausePath !== undefined,
        inputPath: state.InputPath === null ? null : typeof state.InputPath === 'string' ? state.InputPath : undefined,
        itemsPath: typeof state.ItemsPath === 'string' ? state.ItemsPath : undefined,
        // MaxConcurrencyPath is only known at run time: assume the default.
        maxConcurrency: num(state.MaxConcurrency) || 40,
        resultPath: state.ResultPath === null ? null : typeof state.ResultPath === 'string' ? state.ResultPath : undefined,
        inputTemplatePaths: templatePaths(type === 'Map' ? (state.ItemSelector ?? state.Parameters) : state.Parameters),
        resultSelectorPaths: templatePaths(state.ResultSelector),
      });
    },
    (scope) => {
      if (scope !== definition && scope.QueryLanguage === 'JSONata') {
        unsupported('a nested ItemProcessor or Branch uses QueryLanguage "JSONata", which the embedded engine does not support');
      }
    },
  );
  const seen = new Set<string>();
  return { states, problems: problems.filter((p) => !seen.has(p.message) && seen.add(p.message)) };
}

/** Task features the library would silently ignore (it neither waits for a token nor sends heartbeats). */
const UNSUPPORTED_TASK_FIELDS = ['HeartbeatSeconds', 'HeartbeatSecondsPath', 'Credentials'];

function taskProblems(name: string, state: JsonObject): string[] {
  const out: string[] = [];
  if (typeof state.Resource === 'string' && state.Resource.endsWith('.waitForTaskToken')) {
    out.push(`Task state "${name}" uses the callback pattern (.waitForTaskToken), which the embedded engine does not support`);
  }
  for (const field of UNSUPPORTED_TASK_FIELDS) {
    if (state[field] !== undefined) out.push(`Task state "${name}" uses ${field}, which the embedded engine does not support`);
  }
  return out;
}
