import type * as z from 'zod';
import type { StandardSchemaV1, StandardSchemaWithJSON } from '@modelcontextprotocol/server';

type Validated = StandardSchemaV1.Result<Record<string, unknown>>;

/**
 * A tool's input schema as the SDK sees it: the object's own, with two allowances for the way
 * models call tools. The listed JSON Schema is the object's own.
 * - `null` for an optional argument is read as the argument left out. Function-calling clients in
 *   strict mode (OpenAI's among them) must send every property, and send `null` for the ones they
 *   mean to omit. A `null` for a required argument is still refused by the object's own rule.
 * - An argument of the wrong type is refused for that alone: zod also applies a length bound to a
 *   string sent where a list belongs ("expected string to have <=4 characters"), which misleads.
 */
export function toolInputSchema(schema: z.ZodObject): StandardSchemaWithJSON<unknown, Record<string, unknown>> {
  const optional = Object.entries(schema.shape)
    .filter(([, field]) => (field as z.ZodType).safeParse(undefined).success)
    .map(([key]) => key);
  const inner = schema['~standard'];
  const validate = (value: unknown, options?: StandardSchemaV1.Options): Validated | Promise<Validated> => {
    const result = inner.validate(withoutNulls(value, optional), options);
    return result instanceof Promise ? result.then(typeIssuesFirst) : typeIssuesFirst(result);
  };
  return { '~standard': { ...inner, validate } };
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

/** Leaves out the other issues of an argument whose type is wrong. */
function typeIssuesFirst(result: Validated): Validated {
  if (!result.issues) return result;
  const mistyped = new Set(result.issues.filter((issue) => (issue as { code?: unknown }).code === 'invalid_type').map((issue) => pathKey(issue.path)));
  if (mistyped.size === 0) return result;
  return { issues: result.issues.filter((issue) => (issue as { code?: unknown }).code === 'invalid_type' || !mistyped.has(pathKey(issue.path))) };
}

function pathKey(path: StandardSchemaV1.Issue['path']): string {
  return JSON.stringify((path ?? []).map((part) => (typeof part === 'object' ? part.key : part)));
}
