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
  const explain = (result: Validated): Validated => withNextStep(typeIssuesFirst(result), Object.keys(schema.shape));
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
  let schema: z.ZodType | undefined = field;
  while (schema && WRAPPERS.has(schema._zod.def.type)) schema = (schema._zod.def as { innerType?: z.ZodType }).innerType;
  return schema instanceof z.ZodObject ? schema : undefined;
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
 * A misspelt argument (Input, status) is the common case: naming the ones the tool takes lets
 * the model correct it in one go.
 */
function withNextStep(result: Validated, argumentNames: string[]): Validated {
  const issues = result.issues;
  const last = issues?.at(-1);
  if (!issues || !last) return result;
  const unknownTopLevel = issues.some((issue) => (issue as { code?: unknown }).code === 'unrecognized_keys' && !issue.path?.length);
  const next = unknownTopLevel
    ? `correct the arguments and call again; this tool takes ${argumentNames.join(', ')}`
    : "correct the arguments named here and call again (the tool's inputSchema gives each one's type and bounds)";
  return { issues: [...issues.slice(0, -1), { ...last, message: `${last.message}. Nothing was done. Next: ${next}.` }] };
}

function pathKey(path: StandardSchemaV1.Issue['path']): string {
  return JSON.stringify((path ?? []).map((part) => (typeof part === 'object' ? part.key : part)));
}
