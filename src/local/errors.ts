/**
 * A Step Functions API error: HTTP 400 with `{"__type": code, "message": message}`, as AWS sends it,
 * plus any members the error's shape has (ResourceNotFound's `resourceName`).
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly members: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** The one error code for "valid for AWS, beyond the embedded engine", so callers can recognise it. */
export const UNSUPPORTED = 'UnsupportedOperation';

/** `what` is the subject of the sentence: pass `'are'` for a plural one. */
export const notSupported = (what: string, verb: 'is' | 'are' = 'is'): ApiError =>
  new ApiError(UNSUPPORTED, `${what} ${verb} not supported by the embedded Step Functions engine (local mode)`);

export const validation = (field: string, value: unknown, constraint: string): ApiError =>
  new ApiError(
    'ValidationException',
    `1 validation error detected: Value ${value === undefined || value === null ? 'null' : `'${String(value)}'`} at '${field}' failed to satisfy constraint: ${constraint}`,
  );
