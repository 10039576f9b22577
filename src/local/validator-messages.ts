import { isObject, pointerStep } from './json.js';

/**
 * The library's validator (asl-validator) message for an invalid definition, made to point at what
 * is wrong:
 * - It names nested state lists by its own count ("State machine fsm2 is missing a terminal
 *   state"): they are named by their JSON Pointer.
 * - It checks each state against every state type's schema, and reports the other types' schemas
 *   too: "/States/A/Type is invalid" (unknown types are refused before it runs) and
 *   "/States/A/QueryLanguage is invalid" for a state whose QueryLanguage it filled in itself. Those
 *   lines are left out while another line says what is wrong.
 */

const HEADER = 'State machine definition is invalid, see error(s) below:';
const OTHER_TYPE = /^SCHEMA_VALIDATION_FAILED: (\S*)\/Type is invalid\. must be equal to one of the allowed values$/;
const FILLED_IN = /^SCHEMA_VALIDATION_FAILED: (\S*)\/QueryLanguage is invalid\. must be equal to one of the allowed values$/;
const FSM = /State machine fsm(\d+) is missing a terminal state/g;

export function explainValidation(message: string, definition: unknown): string {
  const [header, ...lines] = message.split('\n').map((line) => line.trim());
  if (header !== HEADER) return message;
  const containers = statesContainers(definition);
  const named = lines.map((line) =>
    line.replace(FSM, (whole, n: string) => {
      const at = containers[Number(n) - 1];
      if (at === undefined) return whole;
      return at === '' ? 'The state machine has no terminal state' : `The states of ${at} have no terminal state`;
    }),
  );
  const meaningful = named.filter((line) => !OTHER_TYPE.test(line) && !filledIn(line, definition));
  return [header, ...(meaningful.length > 0 ? meaningful : named)].join('\n');
}

/** A QueryLanguage error on a state that has none as written, or "JSONPath". */
function filledIn(line: string, definition: unknown): boolean {
  const pointer = FILLED_IN.exec(line)?.[1];
  if (pointer === undefined) return false;
  const state = resolve(definition, pointer);
  return isObject(state) && (state.QueryLanguage === undefined || state.QueryLanguage === 'JSONPath');
}

/** JSON Pointers of the objects holding a "States" key, in the validator's order ($..['States']: depth first, key order). */
function statesContainers(node: unknown, at = '', out: string[] = []): string[] {
  if (typeof node !== 'object' || node === null) return out;
  if (!Array.isArray(node) && Object.hasOwn(node, 'States')) out.push(at);
  for (const [key, value] of Object.entries(node)) statesContainers(value, `${at}/${pointerStep(key)}`, out);
  return out;
}

function resolve(node: unknown, pointer: string): unknown {
  let current = node;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
