import type { Json } from './library.js';
import { isObject, walkStates, type JsonObject } from './states.js';

/**
 * Rewrites of the definition copy the library runs, where aws-local-stepfunctions 3.0.0 gives
 * another result than Step Functions for the same definition (the definition as written is what
 * describe and the history show):
 * - ResultPath "$", in a state or a Catch, writes the result under a key named "$": it is the
 *   default, so it is left out; "$['a b']" loses its "$" the same way. ("$" on 0, false, "" or null
 *   is mended where it fails, in jsonpath-plus: see installRootPathFix.)
 * - A Pass `Result` of 0, false, "" or null passes the input through: the value is put in the
 *   context object, under CONSTANTS_CONTEXT_KEY, and the state reads it as its input.
 * - `IsPresent`, `IsNull`, `IsNumeric`, `IsString`, `IsBoolean` or `IsTimestamp` false never
 *   matches: it is written as the `Not` of the true test.
 */
export const CONSTANTS_CONTEXT_KEY = 'LocalEngineResults';

const TYPE_TESTS = ['IsPresent', 'IsNull', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'];

/** Applies the rewrites in place; returns the Pass results that now live in the context object. */
export function workAroundLibrary(definition: JsonObject): Json[] {
  const constants: Json[] = [];
  walkStates(definition, ({ state }) => {
    fixResultPath(state);
    if (Array.isArray(state.Catch)) for (const catcher of state.Catch) if (isObject(catcher)) fixResultPath(catcher);
    if (state.Type === 'Pass' && 'Result' in state && isFalsyJson(state.Result)) {
      // Result replaces the effective input, so InputPath and Parameters never mattered.
      state.InputPath = `$$.${CONSTANTS_CONTEXT_KEY}[${constants.push(state.Result) - 1}]`;
      delete state.Result;
      delete state.Parameters;
    }
    if (Array.isArray(state.Choices)) state.Choices = state.Choices.map(fixRule);
  });
  return constants;
}

function fixResultPath(holder: JsonObject): void {
  const path = holder.ResultPath;
  if (path === '$') delete holder.ResultPath;
  else if (typeof path === 'string' && path.startsWith('$[')) holder.ResultPath = path.slice(1);
}

function isFalsyJson(value: unknown): value is Json {
  return value === 0 || value === false || value === '' || value === null;
}

/** A Choice rule with its false type tests turned into Not of the true ones, at any depth. */
function fixRule(rule: unknown): unknown {
  if (!isObject(rule)) return rule;
  const fixed: JsonObject = { ...rule };
  if (Array.isArray(fixed.And)) fixed.And = fixed.And.map(fixRule);
  if (Array.isArray(fixed.Or)) fixed.Or = fixed.Or.map(fixRule);
  if (fixed.Not !== undefined) fixed.Not = fixRule(fixed.Not);
  const test = TYPE_TESTS.find((name) => fixed[name] === false);
  if (test === undefined) return fixed;
  const { Next, ...comparison } = fixed;
  const not: JsonObject = { Not: { ...comparison, [test]: true } };
  if (Next !== undefined) not.Next = Next;
  return not;
}
