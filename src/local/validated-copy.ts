import { mapCalls, parseIntrinsic, printIntrinsic, type IntrinsicCall } from './intrinsics.js';
import { isObject, type JsonObject } from './json.js';
import { walkStates } from './states.js';

/**
 * The copy of a definition the library's validator (asl-validator) checks, in which what it refuses
 * and Step Functions takes is written as something it takes alike:
 * - A number literal with a fraction or an exponent in an intrinsic function's arguments
 *   (`States.Format('price {}', 9.99)`, `States.Array(1e3)`): its grammar knows integers only, and
 *   refused the whole definition. In the copy such a literal is 0 (of its sign); the definition the
 *   library runs keeps it, and reads it with JSON.parse (library-fixes.ts mends what it then does
 *   with one: States.MathRandom).
 * The definition as written is left as it is (the validator fills in fields of the one it checks).
 */

/** Where a state holds payload templates, whose "key.$" values may call intrinsic functions. */
export const TEMPLATE_FIELDS = ['Parameters', 'ItemSelector', 'ResultSelector'];

/** A JSON number with a fraction or an exponent, as Step Functions' intrinsic grammar writes one. */
const NON_INTEGER_LITERAL = /^-?(?:0|[1-9]\d*)(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)$/;

export function isNonIntegerLiteral(arg: string): boolean {
  return NON_INTEGER_LITERAL.test(arg);
}

export function validatedCopy(definition: JsonObject): JsonObject {
  const copy = structuredClone(definition);
  walkStates(copy, ({ state }) => {
    for (const field of TEMPLATE_FIELDS) if (state[field] !== undefined) state[field] = mapTemplateExpressions(state[field], integerLiterals);
  });
  return copy;
}

/** A payload template with `rewrite` applied to each "key.$" expression, at any depth. */
export function mapTemplateExpressions(template: unknown, rewrite: (expression: string) => string): unknown {
  if (Array.isArray(template)) return template.map((item) => mapTemplateExpressions(item, rewrite));
  if (!isObject(template)) return template;
  const fixed: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    fixed[key] = key.endsWith('.$') && typeof value === 'string' ? rewrite(value) : mapTemplateExpressions(value, rewrite);
  }
  return fixed;
}

function integerLiterals(expression: string): string {
  const call = parseIntrinsic(expression);
  if (call === undefined) return expression;
  const rewrite = (c: IntrinsicCall): IntrinsicCall => ({
    name: c.name,
    args: c.args.map((arg) => (typeof arg === 'string' && isNonIntegerLiteral(arg) ? (arg.startsWith('-') ? '-0' : '0') : arg)),
  });
  return printIntrinsic(mapCalls(call, rewrite));
}
