import type * as z from 'zod';
import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';

/**
 * A tool's input schema that reads `null` for an optional argument as the argument left out.
 * Function-calling clients in strict mode (OpenAI's among them) must send every property and send
 * `null` for the ones they mean to omit; refusing that fails every call such a client makes. The
 * listed JSON Schema is the object's own (null stays undocumented), and a `null` for a required
 * argument is still refused by the object's own rule.
 */
export function nullAsAbsent(schema: z.ZodObject): StandardSchemaWithJSON<unknown, Record<string, unknown>> {
  const optional = Object.entries(schema.shape)
    .filter(([, field]) => (field as z.ZodType).safeParse(undefined).success)
    .map(([key]) => key);
  const inner = schema['~standard'];
  return { '~standard': { ...inner, validate: (value, options) => inner.validate(withoutNulls(value, optional), options) } };
}

function withoutNulls(value: unknown, optional: string[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const args = value as Record<string, unknown>;
  if (!optional.some((key) => args[key] === null)) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, arg] of Object.entries(args)) {
    if (!(arg === null && optional.includes(key))) kept[key] = arg;
  }
  return kept;
}
