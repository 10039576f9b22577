/** A JSON object as the engine reads definitions and state data. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A key as one step of a JSON Pointer (RFC 6901: "~" and "/" escaped), as AWS names a field in validation errors. */
export function pointerStep(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
