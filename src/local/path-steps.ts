/**
 * One step of a path as jsonpath-plus takes it (an element of its path array, at a value), made to
 * find what Step Functions' JSONPath (Jayway) finds there. The patched _trace (library.ts) asks
 * this of every step:
 * - A name starting with "@" or "`" is a property: jsonpath-plus reads "@string()" as its type
 *   selector (and throws a TypeError on "@timestamp", dotted or bracketed alike) and "`x" as an
 *   escaped "x"; Jayway has neither. Such a name is handed on "`"-escaped, as a literal.
 */

/** The step to hand jsonpath-plus. */
export function jaywayStep(loc: string): string {
  return loc.startsWith('@') || loc.startsWith('`') ? `\`${loc}` : loc;
}
