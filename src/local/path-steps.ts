/**
 * One step of a path as jsonpath-plus takes it (an element of its path array, at a value), made to
 * find what Step Functions' JSONPath (Jayway) finds there. The patched _trace (library.ts) asks
 * this of every step:
 * - A name starting with "@" or "`" is a property: jsonpath-plus reads "@string()" as its type
 *   selector (and throws a TypeError on "@timestamp", dotted or bracketed alike) and "`x" as an
 *   escaped "x"; Jayway has neither. Such a name is handed on "`"-escaped, as a literal.
 * - Arrays have items and strings have nothing: jsonpath-plus follows every own property of the
 *   JavaScript value, so "$.items.length" and "$.name.length" found a number and "$.name[0]" a
 *   character, where Jayway finds nothing. (An object's "length" key is a key like any other.)
 */

/** The step to hand jsonpath-plus, or undefined where it finds nothing. */
export function jaywayStep(loc: string, value: unknown): string | undefined {
  if (javaScriptOnly(value, loc)) return undefined;
  return loc.startsWith('@') || loc.startsWith('`') ? `\`${loc}` : loc;
}

/** A property JavaScript gives the value and JSON does not: a string's length and characters, an array's length. */
function javaScriptOnly(value: unknown, key: string): boolean {
  if (typeof value === 'string') return key === 'length' || (/^(0|[1-9]\d*)$/.test(key) && Number(key) < value.length);
  return Array.isArray(value) && key === 'length';
}
