import { BackendError, type ErrorKind, isAbort, isDeadline, isRefusedKind } from '../../server/errors.js';
import { brokenTls, CERTIFICATE_CODES, neverConnected, NOT_CONNECTED_CODES } from '../network-errors.js';

/** AWS SDK v3 error → BackendError. Shared by the AWS backends through awsErrorKind. */

const KIND_BY_CODE: Record<string, ErrorKind> = {
  InvalidArn: 'invalid_argument',
  InvalidName: 'invalid_argument',
  InvalidExecutionInput: 'invalid_argument',
  InvalidOutput: 'invalid_argument',
  InvalidDefinition: 'invalid_argument',
  MissingRequiredParameter: 'invalid_argument',
  ValidationException: 'invalid_argument',
  SerializationException: 'invalid_argument',
  InvalidToken: 'expired_token',
  ExecutionDoesNotExist: 'not_found',
  StateMachineDoesNotExist: 'not_found',
  ResourceNotFound: 'not_found',
  ResourceNotFoundException: 'not_found',
  ActivityDoesNotExist: 'not_found',
  ExecutionAlreadyExists: 'conflict',
  ExecutionNotRedrivable: 'conflict',
  StateMachineDeleting: 'conflict',
  ConflictException: 'conflict',
  StateMachineTypeNotSupported: 'not_supported',
  UnsupportedOperation: 'not_supported',
  ExecutionLimitExceeded: 'limit_exceeded',
  ServiceQuotaExceededException: 'limit_exceeded',
  AccessDeniedException: 'access_denied',
  AccessDenied: 'access_denied',
  // AWS common errors (any AWS API may answer them): each a refusal that changed nothing.
  NotAuthorized: 'access_denied',
  OptInRequired: 'access_denied',
  MissingAuthenticationTokenException: 'unauthenticated',
  IncompleteSignatureException: 'unauthenticated',
  SignatureDoesNotMatch: 'unauthenticated',
  RequestExpired: 'unauthenticated',
  InvalidAction: 'not_supported',
  ValidationError: 'invalid_argument',
  KmsAccessDeniedException: 'access_denied',
  KmsInvalidStateException: 'conflict',
  KmsThrottlingException: 'throttled',
  UnrecognizedClientException: 'unauthenticated',
  InvalidSignatureException: 'unauthenticated',
  IncompleteSignature: 'unauthenticated',
  InvalidClientTokenId: 'unauthenticated',
  MissingAuthenticationToken: 'unauthenticated',
  ExpiredTokenException: 'unauthenticated',
  ExpiredToken: 'unauthenticated',
  CredentialsProviderError: 'unauthenticated',
  TimeoutError: 'timeout',
  RequestTimeout: 'timeout',
  RequestTimeoutException: 'timeout',
  InternalFailure: 'unavailable',
  InternalServerError: 'unavailable',
  InternalServerException: 'unavailable',
  ServiceUnavailable: 'unavailable',
  ServiceUnavailableException: 'unavailable',
};

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'SlowDown',
]);

/** Errors thrown by JavaScript itself while reading a reply: never a backend's error code. */
const JS_ERROR_NAMES = new Set(['SyntaxError', 'TypeError', 'RangeError']);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);
/** The server checks AWS_REGION at start, so a region the SDK refuses came from the AWS config file. */
const PROFILE_REGION_HINT =
  'the region of the AWS profile (its region setting in the AWS config or credentials file: ~/.aws/config, or AWS_CONFIG_FILE) is not an AWS region name such as us-east-1: correct it, or set AWS_REGION, and restart the server (this is not fixable from a tool call)';


/** What a TLS failure was, or undefined: a refused certificate, or an endpoint that does not speak https (OpenSSL's words are no help to a model). */
function tlsFailure(err: SdkErrorLike): { code: string; message: string } | undefined {
  const code = err.code ?? '';
  if (CERTIFICATE_CODES.has(code)) {
    return {
      code,
      message: `the Step Functions endpoint's TLS certificate was not accepted (${code}), so nothing was sent: a private CA needs NODE_EXTRA_CA_CERTS, or the endpoint is not the one meant`,
    };
  }
  if (brokenTls(code, err.message ?? '')) {
    return {
      code: 'TlsHandshakeFailed',
      message: 'the TLS connection to the Step Functions endpoint failed: what answers there does not speak https (an http:// endpoint given as https://?), or something on the way broke the connection',
    };
  }
  return undefined;
}

/**
 * The request never left the server: no connection was made (refused, no such host: the failing
 * call is the connect or the lookup) or the server's certificate was refused (only in a handshake).
 * Not any other TLS failure: a middlebox's alert or plaintext on a kept-alive socket raises the same
 * codes after a request went out, and a write that may have been delivered must not be called undone.
 */
export function neverSent(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Error & SdkErrorLike;
  if (e.$metadata?.httpStatusCode !== undefined || e.code === undefined) return false;
  return neverConnected(e.code, e.syscall);
}

const NOT_FROM_A_TOOL = 'this is not fixable from a tool call';

/** Codes an error reply without a Step Functions error name ends up with (after the rewording below). */
const UNNAMED_CODES = new Set(['Unknown', 'UnknownError', 'UnreadableErrorReply']);
/** The connection was made, then lost: a transient backend failure, not a configuration problem. */
const DROPPED_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Modeled error members whose enum value the message does not always tell, by error code. */
const ENUM_MEMBERS: Record<string, string> = { KmsInvalidStateException: 'kmsKeyState', ValidationException: 'reason' };

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  /** Node's: the call that failed (connect, getaddrinfo, read, write). */
  syscall?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $response?: unknown;
}

/**
 * Statuses an AWS JSON API never answers with, unless with an error code of its own: a redirect, a
 * wrong path or method, a proxy wanting credentials. Something else answered at the endpoint's address.
 */
function foreignStatus(code: string, status: number | undefined, err: SdkErrorLike): boolean {
  // After a retry, an attempt before may have reached Step Functions: the outcome stays unknown.
  if (status === undefined || KIND_BY_CODE[code] || THROTTLING.has(code) || (err.$metadata?.attempts ?? 1) > 1) return false;
  return (status >= 300 && status < 400) || status === 404 || status === 405 || status === 407;
}

export function awsErrorKind(code: string, status: number | undefined, err: SdkErrorLike): ErrorKind {
  if (THROTTLING.has(code)) return 'throttled';
  const known = KIND_BY_CODE[code];
  if (known) return known;
  if (foreignStatus(code, status, err)) return 'unreachable';
  // A proxy's "request timeout": the request did not get through in time.
  if (status === 408) return 'timeout';
  if (err.code && NETWORK_CODES.has(err.code)) {
    if (err.code === 'ETIMEDOUT') return 'timeout';
    // Unreachable on a connection already made (syscall read or write): the request may have gone out.
    if (NOT_CONNECTED_CODES.has(err.code) && err.syscall !== undefined && err.syscall !== 'connect' && err.syscall !== 'getaddrinfo') return 'unavailable';
    return DROPPED_CODES.has(err.code) ? 'unavailable' : 'unreachable';
  }
  // Raised by the SDK before it sends anything: a region missing, or one that is not a region name (from a profile).
  if (/region is missing|^Region not accepted/i.test(err.message ?? '')) return 'not_configured';
  if (/could not load credentials|credential/i.test(err.message ?? '') && !status) return 'unauthenticated';
  // An HTTP error status says more than an unreadable body does (a proxy's HTML 503 page, say).
  if (status !== undefined && status >= 500) return 'unavailable';
  if (status === 429) return 'throttled';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'access_denied';
  // Too large for the endpoint (or a proxy before it): sending it again cannot help.
  if (status === 413) return 'invalid_argument';
  // An error reply (4xx) that is not JSON was not Step Functions' answer: something refused the request on the way.
  if (status !== undefined && status >= 400 && status < 500 && JS_ERROR_NAMES.has(code)) return 'invalid_argument';
  if (JS_ERROR_NAMES.has(code) || /deserializ|unexpected token|JSON/i.test(err.message ?? '')) return 'malformed_response';
  if (status === 404) return 'not_found';
  if (status !== undefined && status >= 400) return 'invalid_argument';
  return 'internal';
}

/** One attempt's error (as the SDK raises it, before retries) is the service refusing the request: it was not carried out. */
export function attemptRefused(err: unknown): boolean {
  if (!(err instanceof Error) || isAbort(err)) return false;
  if (neverSent(err)) return true;
  const e = err as Error & SdkErrorLike;
  const code = e.code && NETWORK_CODES.has(e.code) ? e.code : e.name || 'UnknownError';
  return isRefusedKind(awsErrorKind(code, e.$metadata?.httpStatusCode, e));
}

export function toBackendError(operation: string, err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted && isDeadline(signal.reason)) {
    return new BackendError('Step Functions', operation, 'timeout', 'CallDeadline', "no answer within the call's time limit (EXECUTIONS_MCP_CALL_DEADLINE_MS)");
  }
  if (isAbort(err) || err instanceof BackendError) return err;
  if (!(err instanceof Error)) return new BackendError('Step Functions', operation, 'internal', 'UnknownError', String(err));
  const e = err as Error & SdkErrorLike;
  const status = e.$metadata?.httpStatusCode;
  let code = e.code && NETWORK_CODES.has(e.code) ? e.code : e.name || 'UnknownError';
  let kind = awsErrorKind(code, status, e);
  let message = e.message ?? '';
  // With a reply, the SDK's message is the reply's words (in local mode the engine's, which echo the
  // user's input): shown fenced. A message of ours that replaces them unsets this.
  let said = status !== undefined ? message : undefined;
  const ours = (text: string): string => {
    said = undefined;
    return text;
  };
  // Requests beyond the server's connections wait in its ConnectionGate, not under this timeout:
  // it covers making a connection only.
  if (code === 'TimeoutError' && /did not establish a connection/.test(message)) {
    code = 'ConnectTimeout';
    kind = 'unavailable';
    message = ours('no connection to the Step Functions endpoint within 5 s: it is unreachable, or too busy to accept one');
  }
  const tls = tlsFailure(e);
  if (tls) {
    code = tls.code;
    // A refused certificate is a handshake's; other TLS failures also break requests already sent (outcome unknown).
    kind = CERTIFICATE_CODES.has(code) ? 'unreachable' : 'unavailable';
    message = ours(tls.message);
  }
  if (JS_ERROR_NAMES.has(code)) {
    // Not the backend's words: say what came back instead of naming a JavaScript error.
    code = status !== undefined && status >= 300 ? 'UnreadableErrorReply' : 'MalformedResponse';
    message = ours(
      code === 'MalformedResponse'
        ? 'the response body could not be parsed'
        : 'the endpoint answered with a body that is not a Step Functions error (a proxy or load balancer in between?)',
    );
  }
  // A member the error names beside its message says what to do (the key's state: enable it, or
  // cancel its deletion first; a refusal's reason: API_DOES_NOT_SUPPORT_LABELED_ARNS…).
  const member = ENUM_MEMBERS[code];
  const value: unknown = member === undefined ? undefined : Reflect.get(e, member);
  if (member !== undefined && typeof value === 'string' && /^[A-Z_]{1,64}$/.test(value)) {
    // The backend's words, then ours.
    said = said?.replace(/\.$/, '');
    message = `${message.replace(/\.$/, '')} (${member} ${value})`.trim();
  }
  if (kind === 'malformed_response') message = ours('the response body could not be parsed (not JSON, or a field of the wrong type)');
  // A proxy's 413 page says nothing readable; a modeled error keeps the backend's own words.
  if (status === 413 && code === 'UnreadableErrorReply') message = ours('the request was too large for the endpoint');
  if (kind === 'not_configured' && /region is missing/i.test(message)) message = ours('no AWS region is configured: set AWS_REGION (or a region in the AWS profile)');
  const foreign = foreignStatus(code, status, e);
  if (kind === 'unreachable' && !tls) {
    message = ours(
      !foreign
        ? `could not connect to the Step Functions endpoint (${code})`
        : status === 407
          ? 'a proxy between the server and Step Functions asked for credentials (HTTP 407)'
          : `the endpoint answered HTTP ${status}, which Step Functions never does: what answers at that address is not the Step Functions API`,
    );
  }

  // Step Functions names every error it answers with (__type): a 4xx refusal without a name came
  // from a proxy or gateway on the way, or from an endpoint that is not the Step Functions API. A
  // nameless 401 or 403 (a WAF's HTML page, API Gateway's {"message":"Forbidden"}) is no IAM denial.
  const refusedUnnamed = kind === 'invalid_argument' || (kind === 'access_denied' && status === 403) || (kind === 'unauthenticated' && status === 401);
  const unnamed = refusedUnnamed && status !== undefined && status !== 413 && UNNAMED_CODES.has(code);
  const dropped = kind === 'unavailable' && DROPPED_CODES.has(code);
  // Dropped with a status: the reply had begun, and its body was cut off.
  if (dropped) message = ours(`the connection to the Step Functions endpoint was dropped ${status === undefined ? 'before it answered' : 'while it was answering'} (${code})`);
  if (message === 'UnknownError' || message === code) message = ours('');
  if (unnamed && (!message || code === 'UnreadableErrorReply')) {
    message = ours(`the endpoint answered HTTP ${status} without a Step Functions error code, which Step Functions always sends`);
  }
  return new BackendError('Step Functions', operation, kind, code, message, {
    // One attempt, never sent: changed nothing (after several, AttemptWatch tells for a write).
    ...(((neverSent(e) && (e.$metadata?.attempts ?? 1) <= 1) || kind === 'not_configured') && { notSent: true }),
    httpStatus: status,
    attempts: e.$metadata?.attempts,
    requestId: e.$metadata?.requestId,
    ...(said && { said }),
    ...(kind === 'not_configured' && /^Region not accepted/i.test(message) && { hint: PROFILE_REGION_HINT }),
    ...(tls && { hint: "check the scheme and port of the server's endpoint configuration (AWS_ENDPOINT_URL_SFN) and any proxy or TLS inspection on the way" }),
    ...(foreign && { hint: "check the server's endpoint configuration (AWS_ENDPOINT_URL_SFN) and any proxy on the way; calling again will not help" }),
    ...(unnamed && {
      hint:
        "a proxy or gateway between the server and Step Functions refused the request, or the endpoint is not the Step Functions API: check the server's endpoint configuration (AWS_ENDPOINT_URL_SFN) and any proxy on the way" +
        (kind === 'invalid_argument' ? ', then the arguments' : ` (${NOT_FROM_A_TOOL})`),
    }),
  });
}
