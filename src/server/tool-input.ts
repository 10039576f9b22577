import * as z from 'zod';
import type { StandardSchemaV1, StandardSchemaWithJSON } from '@modelcontextprotocol/server';

type Validated = StandardSchemaV1.Result<Record<string, unknown>>;

/**
 * A tool's input schema as the SDK sees it: the object's own, with two allowances for the way
 * models call tools. The listed JSON Schema is the object's own.
 * - `null` for an optional argument (at any depth) is read as the argument left out.
 *   Function-calling clients in strict mode (OpenAI's among them) must send every property, and
 *   send `null` for the ones they mean to omit. A `null` for a required argument is still refused
 *   by the object's own rule.
 * - An argument of the wrong type is refused for that alone: zod also applies a length bound to a
 *   string sent where a list belongs ("expected string to have <=4 characters"), which misleads.
 */
export function toolInputSchema(schema: z.ZodObject): StandardSchemaWithJSON<unknown, Record<string, unknown>> {
  const plan = nullPlanOf(schema);
  const inner = schema['~standard'];
  const explain = (result: Validated): Validated => withNextStep(typeIssuesFirst(result), schema);
  const validate = (value: unknown, options?: StandardSchemaV1.Options): Validated | Promise<Validated> => {
    const result = inner.validate(withoutNulls(value, plan), options);
    return result instanceof Promise ? result.then(explain) : explain(result);
  };
  return { '~standard': { ...inner, validate } };
}

/** An object's optional keys, and the plans of the objects nested in it (codeContext.contextUrl). */
interface NullPlan {
  optional: Set<string>;
  nested: Map<string, NullPlan>;
}

function nullPlanOf(schema: z.ZodObject): NullPlan {
  const plan: NullPlan = { optional: new Set(), nested: new Map() };
  for (const [key, field] of Object.entries(schema.shape) as Array<[string, z.ZodType]>) {
    if (field.safeParse(undefined).success) plan.optional.add(key);
    const object = objectWithin(field);
    if (object) plan.nested.set(key, nullPlanOf(object));
  }
  return plan;
}

/** The object an optional (or defaulted, described…) field holds, if it holds one. */
function objectWithin(field: z.ZodType): z.ZodObject | undefined {
  const schema = unwrapped(field);
  return schema instanceof z.ZodObject ? schema : undefined;
}

function unwrapped(field: z.ZodType): z.ZodType | undefined {
  let schema: z.ZodType | undefined = field;
  while (schema && WRAPPERS.has(schema._zod.def.type)) schema = (schema._zod.def as { innerType?: z.ZodType }).innerType;
  return schema;
}
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly']);

function withoutNulls(value: unknown, plan: NullPlan): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, arg] of Object.entries(value)) {
    if (arg === null && plan.optional.has(key)) continue;
    const nested = plan.nested.get(key);
    // Defined, not assigned: a "__proto__" argument stays an argument (which the schema refuses).
    Object.defineProperty(kept, key, { value: nested ? withoutNulls(arg, nested) : arg, enumerable: true, writable: true, configurable: true });
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

/**
 * Ends the refusal with what it changed and the next step, as every other error does. The SDK
 * joins the issues after "Invalid arguments for tool NAME:", so the step rides on the last one.
 * A misspelt argument (Input, status, codeContext.projectID) is the common case: naming the keys
 * its object takes lets the model correct it in one go.
 */
function withNextStep(result: Validated, schema: z.ZodObject): Validated {
  const issues = result.issues;
  const last = issues?.at(-1);
  if (!issues || !last) return result;
  const takes = new Map<string, string>();
  for (const issue of issues) {
    if ((issue as { code?: unknown }).code !== 'unrecognized_keys') continue;
    const path = (issue.path ?? []).map((part) => (typeof part === 'object' ? part.key : part));
    const object = objectAt(schema, path);
    // Array indexes are left out: every item of a list takes the same keys.
    const label = path.filter((part) => typeof part === 'string').join('.');
    if (object) takes.set(label, `${label === '' ? 'this tool' : label} takes ${Object.keys(object.shape).join(', ')}`);
  }
  const next =
    takes.size > 0
      ? `correct the arguments and call again; ${[...takes.entries()].sort(([a], [b]) => a.length - b.length).map(([, text]) => text).join('; ')}`
      : "correct the arguments named here and call again (the tool's inputSchema gives each one's type and bounds)";
  return { issues: [...issues.slice(0, -1), { ...last, message: `${last.message}. Nothing was done. Next: ${next}.` }] };
}

/** The object schema at an issue's path (through optional wrappers and lists), if there is one. */
function objectAt(schema: z.ZodObject, path: PropertyKey[]): z.ZodObject | undefined {
  let at: z.ZodType = schema;
  for (const part of path) {
    const object = objectWithin(at);
    if (object && typeof part === 'string') {
      const field = object.shape[part] as z.ZodType | undefined;
      if (!field) return undefined;
      at = field;
      continue;
    }
    const list = unwrapped(at);
    if (!(list instanceof z.ZodArray) || typeof part !== 'number') return undefined;
    at = list.element as z.ZodType;
  }
  return objectWithin(at);
}

function pathKey(path: StandardSchemaV1.Issue['path']): string {
  return JSON.stringify((path ?? []).map((part) => (typeof part === 'object' ? part.key : part)));
}
