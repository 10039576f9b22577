import type { Json } from './library.js';
import { isBlank, markPath, type ArgumentFix } from './intrinsic-args.js';
import { mapCalls, parseIntrinsic, printIntrinsic, type IntrinsicCall } from './intrinsics.js';
import { isObject, type JsonObject } from './json.js';
import { walkStates } from './states.js';
import { isNonIntegerLiteral, mapTemplateExpressions, TEMPLATE_FIELDS } from './validated-copy.js';

/**
 * Rewrites of the definition copy the library runs, where aws-local-stepfunctions 3.0.0 gives
 * another result than Step Functions for the same definition (the definition as written is what
 * describe and the history show):
 * - ResultPath "$", in a state or a Catch, writes the result under a key named "$": it is the
 *   default, so it is left out; "$['a b']" loses its "$" the same way. ("$" on 0, false, "" or null
 *   is mended where it fails, in jsonpath-plus: see installPathFixes.)
 * - A Pass `Result` of 0, false, "" or null passes the input through: the value is put in the
 *   context object, under CONSTANTS_CONTEXT_KEY, and the state reads it as its input.
 * - `IsPresent`, `IsNull`, `IsNumeric`, `IsString`, `IsBoolean` or `IsTimestamp` false never
 *   matches: it is written as the `Not` of the true test.
 * - A comparison of a value of another type (NumericLessThan on "3" or null, StringMatches on 404)
 *   coerces it, or throws a TypeError that fails the execution; Step Functions finds it false.
 *   Each comparison is written as the `And` of its type test and itself.
 * - States.JsonMerge merges into its first argument, which is the state's input itself (or the
 *   execution input): later iterations and states then read the merged object. The first argument
 *   is first merged with nothing, whose result the library hands on as a copy.
 * - Intrinsic arguments the library refuses where Step Functions takes them (an object to
 *   States.Format, a non-integer bound to States.MathRandom, a blank string to
 *   States.StringToJson) are marked, to be fixed where the library reads them: see intrinsic-args.ts;
 *   so is the array of States.ArrayGetItem, which must fail at an index it does not have.
 *   A bound of States.MathRandom written as a literal with a fraction is written as its integer part.
 * (States.TaskFailed in Retry and Catch is rewritten, and set per failure, by task-failed.ts.)
 */
export const CONSTANTS_CONTEXT_KEY = 'LocalEngineResults';

const TYPE_TESTS = ['IsPresent', 'IsNull', 'IsNumeric', 'IsString', 'IsBoolean', 'IsTimestamp'];

/** The type test each family of comparisons needs its Variable to pass. */
const COMPARISON_TYPES: Array<[prefix: string, test: string]> = [
  ['String', 'IsString'],
  ['Numeric', 'IsNumeric'],
  ['Timestamp', 'IsTimestamp'],
  ['Boolean', 'IsBoolean'],
];

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
    for (const field of TEMPLATE_FIELDS) if (state[field] !== undefined) state[field] = mapTemplateExpressions(state[field], fixExpression);
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
  const { Next, ...comparison } = fixed;
  const test = TYPE_TESTS.find((name) => fixed[name] === false);
  const typed = test === undefined ? typeTestOf(fixed) : undefined;
  let rewritten: JsonObject;
  if (test !== undefined) rewritten = { Not: { ...comparison, [test]: true } };
  else if (typed !== undefined) rewritten = { And: [{ Variable: fixed.Variable, [typed]: true }, comparison] };
  else return fixed;
  if (Next !== undefined) rewritten.Next = Next;
  return rewritten;
}

/** The type test a comparison rule's Variable must pass first (none for And/Or/Not and type tests). */
function typeTestOf(rule: JsonObject): string | undefined {
  if (typeof rule.Variable !== 'string') return undefined;
  for (const key of Object.keys(rule)) {
    const family = COMPARISON_TYPES.find(([prefix]) => key.startsWith(prefix));
    if (family) return family[1];
  }
  return undefined;
}

/** Calls whose arguments need a fix, by name. */
const MENDED_CALLS = ['States.JsonMerge', 'States.Format', 'States.MathRandom', 'States.StringToJson', 'States.ArrayGetItem'];

function fixExpression(expression: string): string {
  if (!MENDED_CALLS.some((name) => expression.includes(name))) return expression;
  const call = parseIntrinsic(expression);
  if (call === undefined) return expression;
  return printIntrinsic(mapCalls(call, fixCall));
}

function fixCall(call: IntrinsicCall): IntrinsicCall {
  const [first, ...rest] = call.args;
  if (first === undefined) return call;
  switch (call.name) {
    case 'States.JsonMerge': {
      // Merging nothing into it changes nothing, and the library passes a call's result on as a copy.
      const copy = { name: 'States.JsonMerge', args: [first, { name: 'States.StringToJson', args: ["'{}'"] }, 'false'] };
      return { name: call.name, args: [copy, ...rest] };
    }
    case 'States.Format':
      // The values after the template may be objects or arrays (intrinsic-args.ts).
      return { name: call.name, args: [first, ...rest.map((arg) => markIfPath(arg, 'format'))] };
    case 'States.MathRandom': {
      // Step Functions takes the integer part of each bound, read from a path or written as a literal.
      const [end, ...seed] = rest;
      const bounds = end === undefined ? [first] : [first, end];
      return { name: call.name, args: [...bounds.map((arg) => truncateIfLiteral(markIfPath(arg, 'integer'))), ...seed] };
    }
    case 'States.ArrayGetItem':
      // An index the array does not have fails the state (intrinsic-args.ts).
      return { name: call.name, args: [markIfPath(first, 'items'), ...rest] };
    case 'States.StringToJson':
      // Of an empty or blank string it is null.
      if (typeof first === 'string' && first.startsWith("'") && isBlank(first.slice(1, -1))) return { name: call.name, args: ["'null'", ...rest] };
      return { name: call.name, args: [markIfPath(first, 'json'), ...rest] };
    default:
      return call;
  }
}

function truncateIfLiteral(arg: IntrinsicCall | string): IntrinsicCall | string {
  if (typeof arg !== 'string' || !isNonIntegerLiteral(arg)) return arg;
  const value = Number(arg);
  return Number.isFinite(value) ? String(Math.trunc(value)) : arg;
}

function markIfPath(arg: IntrinsicCall | string, fix: ArgumentFix): IntrinsicCall | string {
  return typeof arg === 'string' && arg.startsWith('$') ? markPath(arg, fix) : arg;
}
