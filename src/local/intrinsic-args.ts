/**
 * Intrinsic function arguments that aws-local-stepfunctions 3.0.0 refuses where Step Functions
 * takes them. Its functions cannot be reached, but it reads every path argument through
 * jsonpath-plus, which the engine patches (library.ts). So library-fixes marks such a path argument
 * with a suffix naming the fix, and the patched evaluator finds the value without the suffix and
 * fixes it before the function sees it:
 * - `format`: States.Format renders an object or array as Step Functions does (Java's toString of
 *   a map or list: `{a=1, b=[x, y]}`, strings unquoted); the library takes only scalars.
 * - `integer`: States.MathRandom takes the integer part of a non-integer bound; the library refuses it.
 * - `json`: States.StringToJson of an empty or blank string is null; the library's JSON.parse throws.
 * - `items`: States.ArrayGetItem at an index the array does not have (negative, past its end, not
 *   an integer) fails with States.Runtime; the library's gives null. The array is handed on as a
 *   view whose read at such an index throws.
 *
 * An argument that is itself a call (States.Format('{}', States.Array(1))) is not a path, so it is
 * not fixed. What the functions throw is mended too: see mendIntrinsicError.
 */

export type ArgumentFix = 'format' | 'integer' | 'json' | 'items';

const MARK = '#executions-mcp:';
const FIXES: readonly ArgumentFix[] = ['format', 'integer', 'json', 'items'];
const MARKS = new RegExp(`${MARK}(?:${FIXES.join('|')})`, 'g');

export function markPath(path: string, fix: ArgumentFix): string {
  return `${path}${MARK}${fix}`;
}

/** The path without its mark and the fix it asks for; undefined when it is not marked. */
export function unmarkPath(path: string): { path: string; fix: ArgumentFix } | undefined {
  const at = path.lastIndexOf(MARK);
  if (at < 0) return undefined;
  const fix = FIXES.find((f) => f === path.slice(at + MARK.length));
  return fix === undefined ? undefined : { path: path.slice(0, at), fix };
}

/** Messages that quote a marked path (one that points to no value) quote it as written. */
function withoutMarks(text: string): string {
  return text.replace(MARKS, '');
}

/** The value a marked path argument hands the function; undefined (nothing found) stays undefined. */
export function fixArgument(value: unknown, fix: ArgumentFix): unknown {
  switch (fix) {
    case 'format':
      return typeof value === 'object' && value !== null ? formatText(value) : value;
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : value;
    case 'json':
      return isBlank(value) ? 'null' : value;
    case 'items':
      return Array.isArray(value) ? checkedItems(value) : value;
  }
}

/** The keys a number index reads (String(-1), "1.5", "NaN", "Infinity"), and those of an array's items. */
const NUMBER_KEY = /^(?:-?(?:\d|Infinity)|NaN$)/;
const ITEM_KEY = /^(?:0|[1-9]\d*)$/;

/** The array as States.ArrayGetItem reads it, failing at an index it does not have. */
function checkedItems(items: unknown[]): unknown[] {
  return new Proxy(items, {
    get(target, key, receiver) {
      if (typeof key === 'string' && NUMBER_KEY.test(key) && !(ITEM_KEY.test(key) && Number(key) < target.length)) {
        const n = target.length;
        const error = new Error(`Intrinsic function States.ArrayGetItem was given index ${key} for an array of ${n} items: the index must be a non-negative integer less than ${n}`);
        error.name = 'States.Runtime';
        throw Object.assign(error, { isRetryable: false, isCatchable: false });
      }
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

/** An empty or whitespace-only string: JSON text of nothing, which Step Functions reads as null. */
export function isBlank(value: unknown): boolean {
  return typeof value === 'string' && value.trim() === '';
}

/** Step Functions' text of a value in States.Format: Java's Map and List toString, other values as JSON. */
export function formatText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(formatText).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value).map(([k, v]) => `${k}=${formatText(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The library's class of each intrinsic function (StatesBase64Decode), where its code throws. */
const INTRINSIC_FRAME = /\n\s*at States([A-Z]\w*)\.execute \(/;

/**
 * A state's error as Step Functions reports it; called before Retry and Catch read it:
 * - A message quoting a marked path quotes it as written.
 * - What an intrinsic function's own code throws (atob's InvalidCharacterError in
 *   States.Base64Decode, JSON.parse's SyntaxError in States.StringToJson) becomes States.Runtime,
 *   naming the function, as the library's other intrinsic failures are (neither retried nor caught).
 */
export function mendIntrinsicError(error: unknown): void {
  if (!(error instanceof Error || error instanceof DOMException)) return;
  if (error.message.includes(MARK)) redefine(error, 'message', withoutMarks(error.message));
  if (error.name.startsWith('States.')) return;
  const fn = INTRINSIC_FRAME.exec(error.stack ?? '')?.[1];
  if (fn === undefined) return;
  // V8's JSON.parse message quotes the input's first 10 characters: a cut no redaction could match.
  const message = error.name === 'SyntaxError' ? error.message.replace(/,? ".*"(\.\.\.)? is not valid JSON$/s, ' is not valid JSON') : error.message;
  redefine(error, 'message', `Intrinsic function States.${fn} failed: ${error.name}: ${message}`);
  redefine(error, 'name', 'States.Runtime');
  redefine(error, 'isRetryable', false);
  redefine(error, 'isCatchable', false);
}

/** A DOMException's name and message are getters: an own property shadows them. */
function redefine(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}
