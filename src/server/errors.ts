import { log, redact } from '../log.js';
import { flatten, type UntrustedFence } from './render.js';

/** Backends the server talks to, as named in error texts. */
export type BackendName = 'Step Functions' | 'Bedrock Flows' | 'DevOps Agent' | 'Ona';

/** An error whose message is already written for the model: what went wrong and what to do next. */
export class ToolError extends Error {
  override name = 'ToolError';
  constructor(
    message: string,
    /** Set by a write tool when the backend refused its write outright: it changed nothing. */
    readonly changedNothing = false,
  ) {
    super(message);
  }
}

export type ErrorKind =
  | 'invalid_argument'
  | 'not_found'
  | 'conflict'
  | 'access_denied'
  | 'unauthenticated'
  | 'throttled'
  | 'unavailable'
  | 'timeout'
  | 'cancelled'
  | 'malformed_response'
  | 'unreachable'
  | 'expired_token'
  | 'limit_exceeded'
  | 'not_supported'
  | 'not_configured'
  | 'internal';

/**
 * A backend failure, already classified by the backend module. `code` is the backend's own
 * error code (e.g. ExecutionDoesNotExist, not_found); `message` says what went wrong, in our words,
 * the backend's (`details.said`) or both; never a raw body.
 */
export class BackendError extends Error {
  override name = 'BackendError';
  constructor(
    readonly backend: BackendName,
    readonly operation: string,
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    /**
     * `hint` replaces the per-tool and generic advice when the raiser knows the next step better;
     * `retryAfterSeconds` is the wait the backend asked for (Retry-After), for a tool that words its own advice;
     * `everyAttemptRefused`: the backend answered every attempt the client made with a refusal (throttling
     * or a 4xx error of its own), so none of them was carried out, however many were made;
     * `notSent`: the request never left the server (it waited for a connection until the call ended);
     * `said`: the part of `message` that is the backend's (or a user's, echoed) own words, shown fenced:
     * it can hold anything, even text shaped like our advice. Unset when the message is all ours.
     */
    readonly details: {
      httpStatus?: number;
      attempts?: number;
      requestId?: string;
      hint?: string;
      retryAfterSeconds?: number;
      everyAttemptRefused?: boolean;
      notSent?: boolean;
      said?: string;
    } = {},
  ) {
    super(message);
  }
}

/**
 * A list walk a backend fault cut short after it had read pages: the fault, what was read before
 * it (item text lines, fenced where untrusted, after the list's header line if it has one) and a
 * token that goes on from the page that failed.
 */
export class PartialListError extends Error {
  override name = 'PartialListError';
  constructor(
    readonly fault: BackendError,
    readonly read: { header?: string; lines: string[]; pagesFetched: number; nextToken: string },
  ) {
    super(fault.message);
  }
}

/** The same backend error with the next step its raiser knows better. */
export function withHint(err: BackendError, hint: string): BackendError {
  return new BackendError(err.backend, err.operation, err.kind, err.code, err.message, { ...err.details, hint });
}

/** Failures after which a write may still have been carried out: the backend got the request, or may have. */
const OUTCOME_UNKNOWN = new Set<ErrorKind>(['timeout', 'unavailable', 'malformed_response', 'throttled', 'internal']);

export function outcomeUnknown(err: unknown): err is BackendError {
  if (!(err instanceof BackendError) || err.details.everyAttemptRefused === true || err.details.notSent === true) return false;
  // After a retry, even a refusal may follow an attempt that was carried out (its answer lost).
  return OUTCOME_UNKNOWN.has(err.kind) || (err.details.attempts ?? 1) > 1;
}

/** Failures that show the backend refused a request and changed nothing: it answered so. */
const REFUSED_OUTRIGHT = new Set<ErrorKind>(['invalid_argument', 'not_found', 'conflict', 'access_denied', 'unauthenticated', 'limit_exceeded', 'not_supported']);

/**
 * Changed nothing: a refusal on the first attempt, or every attempt refused (a refusal after a retry
 * may otherwise follow an attempt that was carried out).
 */
export function refusedOutright(err: unknown): boolean {
  if (err instanceof ToolError) return err.changedNothing;
  if (!(err instanceof BackendError)) return false;
  return err.details.everyAttemptRefused === true || err.details.notSent === true || (isRefusal(err) && (err.details.attempts ?? 1) <= 1);
}

/** The backend refused the request (bad argument, unknown resource, no permission, …): that attempt did nothing. */
export function isRefusal(err: unknown): err is BackendError {
  return err instanceof BackendError && REFUSED_OUTRIGHT.has(err.kind);
}

/** An attempt that ended with this kind of error was not carried out: the backend refused it. */
export function isRefusedKind(kind: ErrorKind): boolean {
  return kind === 'throttled' || REFUSED_OUTRIGHT.has(kind);
}

/**
 * A write throttled at every attempt changed nothing: the advice says so (and the write is not
 * counted against the limit, see refusedOutright). Other errors pass through unchanged.
 */
export function throttledEveryAttempt(err: unknown, nothingDone: string): unknown {
  if (!(err instanceof BackendError) || err.kind !== 'throttled' || err.details.everyAttemptRefused !== true) return err;
  return withHint(err, `${err.backend} refused every attempt (throttling), so ${nothingDone}; wait a few seconds and call again`);
}

/**
 * "Code: message" of a backend error (`between` goes between them), on one line. The backend's own
 * words in it (the code, `details.said`) go through the answer's fence: bare when identifier-like,
 * fenced otherwise, so they cannot pass for our advice. The message's closing stop would double the caller's.
 */
export function errorSummary(err: BackendError, fence: UntrustedFence, between = ''): string {
  const message = shownMessage(err, fence);
  return `${fence.quote(cut(err.code, 100))}${between}${message ? `: ${message}` : ''}`;
}

/** The message with the backend's words in it (`details.said`) through the fence, ours around them bare. */
function shownMessage(err: BackendError, fence: UntrustedFence): string {
  const { message } = err;
  const said = err.details.said;
  if (!said) return cut(message.replace(/\.+$/, ''), 400);
  const at = message.indexOf(said);
  // Backend words that are not where the message has them: the whole message is fenced, ours too.
  if (at < 0) return fence.quote(cut(message.replace(/\.+$/, ''), 400));
  const after = message.slice(at + said.length).replace(/\.+$/, '');
  const words = cut(after ? said : said.replace(/\.+$/, ''), 400);
  // Our words are flattened too, keeping the spaces next to the fence (flatten trims).
  const ours = (text: string): string => flatten(`.${text}.`).slice(1, -1);
  return `${ours(message.slice(0, at))}${words && fence.quote(words)}${ours(after)}`;
}

/**
 * Per-tool advice, keyed by backend error code, by error kind (e.g. { not_found: 'call list_executions ...' }),
 * or by "Operation:kind" for advice that holds for one of the tool's operations only.
 */
export type ErrorHints = Partial<Record<ErrorKind | string, string>>;

const GENERIC_HINTS: Record<ErrorKind, string> = {
  invalid_argument: 'check the arguments against the tool description and call again',
  not_found: 'check the identifier; list tools show the valid ones',
  // Tools whose conflicts have a known next step give their own; this names no tool that may not exist.
  conflict: 'the resource is in a state that does not allow this now; read its current state before calling again',
  access_denied: "the server's credentials lack permission for this operation; see the README's permission table",
  unauthenticated: "the server's credentials were rejected; fix the server's configuration (this is not fixable from a tool call)",
  throttled: 'the backend is throttling requests (a rate limit or quota); wait a few seconds and call again',
  unavailable: 'the backend is temporarily failing; call again in a little while',
  timeout: 'the backend did not answer in time; call again',
  // A client's cancel ends a call as an abort (see describeError): this is the backend's own cancel.
  cancelled: 'the backend cancelled the request on its side (the client did not cancel this call); call again',
  malformed_response: "the backend's reply is not one its API gives; a passing fault goes away when called again, a lasting one means the server's endpoint is not that backend's API (check the server's endpoint configuration)",
  unreachable: "the server could not reach the backend endpoint; check the server's endpoint and network configuration",
  expired_token: 'the backend no longer accepts the continuation token (it expired, or the backend that issued it has restarted since); call again without startingToken to start over',
  limit_exceeded: 'a service limit was reached; wait for running work to finish or raise the limit',
  not_supported: 'this operation is not supported here',
  not_configured: "this backend is not configured on the server; see the README's configuration table",
  internal: 'call again; if it persists, report it',
};

function cut(text: string, max: number): string {
  // Redacted before the cut, which could keep a secret's first characters.
  const clean = flatten(redact(text));
  return clean.length <= max ? clean : `${clean.slice(0, max)}…`;
}

const NOT_FROM_A_TOOL = 'this is not fixable from a tool call';

// AWS's answers to a request it could not authenticate: the server's credentials, clock or path to AWS.
const UNSIGNED = `the request reached the endpoint without a signature: a proxy on the way removed it, or the endpoint (AWS_ENDPOINT_URL_SFN) is not the Step Functions API; check the server's credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), its endpoint and any proxy (${NOT_FROM_A_TOOL})`;
const INCOMPLETE_SIGNATURE = `AWS found the request's signature incomplete: a proxy between the server and AWS changed its Authorization header, or the server's credentials are incomplete; check any proxy (HTTPS_PROXY) and the server's credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, or the AWS profile) (${NOT_FROM_A_TOOL})`;
const WRONG_SIGNATURE = `AWS computed another signature: the secret access key is not the one of the access key ID (mistyped, or rotated since), the server machine's clock is off by more than 5 minutes ("Signature expired"), or a proxy changed the request; fix AWS_SECRET_ACCESS_KEY or the AWS profile's aws_secret_access_key, and check the system clock (${NOT_FROM_A_TOOL})`;

/** Advice tied to a backend error code wherever it occurs; per-tool hints still win. */
const CODE_HINTS: Record<string, string> = {
  MissingAuthenticationToken: UNSIGNED,
  MissingAuthenticationTokenException: UNSIGNED,
  IncompleteSignature: INCOMPLETE_SIGNATURE,
  IncompleteSignatureException: INCOMPLETE_SIGNATURE,
  SignatureDoesNotMatch: WRONG_SIGNATURE,
  InvalidSignatureException: WRONG_SIGNATURE,
  InvalidClientTokenId: `the access key ID the server signs with is not known to AWS (mistyped, deleted, or of another partition: keys of aws-cn or GovCloud work only there); fix AWS_ACCESS_KEY_ID or the AWS profile's aws_access_key_id (${NOT_FROM_A_TOOL})`,
  RequestExpired: 'AWS received the request more than 5 minutes after its signing time: the server machine\'s clock is wrong, or the request was held up on the way; check the system clock (sync it with NTP, e.g. timedatectl), then call again',
  NotAuthorized: "the server's credentials are not allowed this operation (an IAM policy, a permissions boundary or an organization's SCP denies it); grant it (see the README's permission table)",
  OptInRequired: 'the AWS account is not subscribed to Step Functions here, or the region is an opt-in region not enabled for the account: enable the region (AWS console, Account, AWS Regions) or run the server with another AWS_REGION',
  // The reads of an execution word their own (a read without the data needs no decryption).
  KmsAccessDeniedException:
    "the state machine encrypts its data with a customer managed KMS key that the server's credentials may not use: grant them kms:Decrypt on that key, and kms:GenerateDataKey to start executions (in their IAM policy or the key policy)",
  KmsInvalidStateException:
    "the state machine's customer managed KMS key is disabled or pending deletion (its kmsKeyState says which; a key pending deletion needs the deletion cancelled first): Step Functions cannot encrypt or decrypt its data until the key is enabled again in KMS",
  KmsThrottlingException: "KMS throttled Step Functions' requests with the state machine's customer managed key (the KMS request quota of the account and region); wait a few seconds and call again",
  InvalidAction: 'the endpoint does not know this operation: it is not the Step Functions API, or an emulator that lacks it (check AWS_ENDPOINT_URL_SFN); run against AWS for it',
  UnsupportedOperation: 'the embedded local engine does not support this (see the README\'s "Not supported locally"); run against AWS for it',
  InvalidDefinition: 'the state machine definition is invalid: fix its definition (in local mode, the .asl.json file) and restart',
  StateMachineTypeNotSupported:
    "this is an EXPRESS execution or state machine: Step Functions keeps no history of EXPRESS executions and cannot stop them, and describes only those a Map Run started; their outcome is in the state machine's CloudWatch Logs, when it logs",
};

/**
 * Turns anything thrown by a tool into the text of an isError result. Never a stack, never a secret.
 * A backend's words in it go through `fence`, the answer's (its preamble is the caller's to add).
 */
export function describeError(err: unknown, toolName: string, fence: UntrustedFence, hints: ErrorHints = {}): string {
  if (err instanceof ToolError) return redact(err.message);
  if (err instanceof PartialListError) return `${describeError(err.fault, toolName, fence, hints)}\n${readBeforeFault(err, toolName)}`;
  if (err instanceof BackendError) {
    const hint = err.details.hint ?? hints[`${err.operation}:${err.kind}`] ?? hints[err.code] ?? CODE_HINTS[err.code] ?? hints[err.kind] ?? GENERIC_HINTS[err.kind];
    const status = err.details.httpStatus ? ` (HTTP ${err.details.httpStatus})` : '';
    const attempts = err.details.attempts && err.details.attempts > 1 ? ` after ${err.details.attempts} attempts` : '';
    return redact(`${err.backend} ${err.operation} failed${attempts}: ${errorSummary(err, fence, status)}. Next: ${hint}.`);
  }
  if (isAbort(err)) return `${toolName} was cancelled before it finished.`;
  log.error('bug: unexpected error in tool', {
    tool: toolName,
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return `${toolName} failed with an internal error in executions-mcp (logged on the server). Call again; if it persists, report it.`;
}

/** What a walk read before its fault, and the call that goes on from there; the item lines follow it (not part of this text). */
function readBeforeFault(err: PartialListError, toolName: string): string {
  const { lines, pagesFetched, nextToken } = err.read;
  const pages = `${pagesFetched} page(s)`;
  const resume = `call ${toolName} again with the same other arguments and startingToken="${nextToken}"`;
  return lines.length > 0
    ? `Read before the fault: ${lines.length} item(s) from ${pages}, listed below. To go on from the page that failed without reading these again, ${resume}.`
    : `Read before the fault: ${pages}, none with a matching item. To go on from the page that failed without scanning those again, ${resume}.`;
}

/** The abort reason of AbortSignal.timeout(): the call's time limit, not the client, ended it. */
export function isDeadline(reason: unknown): boolean {
  return reason instanceof Error && reason.name === 'TimeoutError';
}

export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'CanceledError');
}
