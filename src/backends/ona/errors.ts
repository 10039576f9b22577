import { redact } from '../../log.js';
import { BackendError, type ErrorKind } from '../../server/errors.js';
import { cutAt } from '../../server/render.js';
import { brokenTls, CERTIFICATE_CODES, neverConnected } from '../network-errors.js';
import { ConnectErrorSchema } from './schemas.js';

/**
 * Connect error → BackendError. The body's `code` decides (servers differ in their code → HTTP
 * status mapping); the HTTP status is only a fallback when the body is not Connect JSON.
 */

interface CodeInfo {
  kind: ErrorKind;
  /** What the code means for this server, in words a model can act on. */
  explain: string;
}

const CONNECT_CODES: Record<string, CodeInfo> = {
  invalid_argument: { kind: 'invalid_argument', explain: 'Ona rejected the request arguments' },
  failed_precondition: { kind: 'conflict', explain: 'the agent execution is not in a state that allows this' },
  out_of_range: { kind: 'invalid_argument', explain: 'a value is out of the accepted range' },
  unauthenticated: {
    kind: 'unauthenticated',
    explain: 'the Ona API key was rejected (expired, revoked or for another host); set a valid personal access token in ONA_API_KEY',
  },
  permission_denied: { kind: 'access_denied', explain: "the Ona API key's user may not do this in this organization or project" },
  not_found: { kind: 'not_found', explain: 'no such agent execution (or agent, project, environment) visible to this API key' },
  already_exists: { kind: 'conflict', explain: 'Ona says it already exists' },
  // The advice is the tool's (Next): a write may be called again only once its outcome is known.
  aborted: { kind: 'conflict', explain: 'Ona aborted the request because of a concurrent change' },
  resource_exhausted: { kind: 'throttled', explain: 'Ona rate limit or quota reached' },
  canceled: { kind: 'cancelled', explain: 'Ona cancelled the request' },
  deadline_exceeded: { kind: 'timeout', explain: 'Ona did not finish the request in time' },
  unavailable: { kind: 'unavailable', explain: 'Ona is temporarily unavailable' },
  unimplemented: { kind: 'not_supported', explain: 'this Ona endpoint does not implement the method (check ONA_BASE_URL)' },
  internal: { kind: 'unavailable', explain: 'Ona had an internal error' },
  unknown: { kind: 'unavailable', explain: 'Ona failed with an unknown error' },
  data_loss: { kind: 'internal', explain: 'Ona reported data loss' },
};

/**
 * Where a code means something else for one operation: StartAgent has no agent execution yet to be
 * in a state, and a read creates nothing and changes no state.
 */
const OPERATION_EXPLAIN: Record<string, Record<string, string>> = {
  StartAgent: {
    failed_precondition: 'the environment, project or session cannot take a new agent in its current state',
    already_exists: 'Ona says what this start would create already exists',
  },
  ListAgentExecutions: {
    failed_precondition: 'Ona refused the listing in the current state of what it lists',
    already_exists: 'Ona answered already_exists to a listing, which creates nothing',
  },
  GetAgentExecution: {
    failed_precondition: 'Ona refused to read the agent execution in its current state',
    already_exists: 'Ona answered already_exists to a read, which creates nothing',
  },
};

const READS = new Set(['ListAgentExecutions', 'GetAgentExecution']);

/** A refusal of a read because of a state (failed_precondition, aborted, ...): the read changed nothing, so it may be called again. */
const READ_CONFLICT_HINT = 'a read changes nothing, so calling again is safe: call again in a little while';

/**
 * 4xx statuses whose meaning holds whoever sent them, so a reply without Connect JSON is classified
 * by them: the key (401), a wait (408, 429), a request too large (413). A plain 404 has its own answer.
 */
const STATUS_MEANS_ENOUGH = new Set([401, 404, 408, 413, 429]);

/** Used when the body is not Connect JSON (proxies, load balancers). */
function codeForStatus(status: number): string {
  if (status === 400) return 'invalid_argument';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'permission_denied';
  if (status === 404) return 'not_found';
  if (status === 408) return 'deadline_exceeded';
  if (status === 409) return 'aborted';
  if (status === 412) return 'failed_precondition';
  if (status === 429) return 'resource_exhausted';
  if (status === 499) return 'canceled';
  if (status === 501) return 'unimplemented';
  if (status === 502 || status === 503) return 'unavailable';
  if (status === 504) return 'deadline_exceeded';
  if (status >= 500) return 'internal';
  return 'unknown';
}

/** The Connect code a reply stands for: the body's, when it is one this server knows; else the HTTP status's. */
function knownCode(status: number, connect: { code: string } | undefined): string {
  return connect && CONNECT_CODES[connect.code] ? connect.code : codeForStatus(status);
}

/** As knownCode, from the raw reply body: what the retry rule goes by. */
export function replyCode(status: number, body: string): string {
  return knownCode(status, parseConnect(body));
}

export interface ErrorContext {
  operation: string;
  attempts: number;
  /** Removed from any text that came from the server, in case it echoes it. */
  secret: string;
}

export function scrub(text: string, secret: string): string {
  return secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
}

/** Headers of a non-2xx reply that change what the error says. */
export interface ReplyHints {
  location?: string | undefined;
  /** Seconds the server asked the client to wait (Retry-After), on the last reply. */
  retryAfterSeconds?: number | undefined;
}

/** A non-2xx reply → BackendError. `body` is the raw text; only its `message` is ever shown. */
export function httpError(status: number, body: string, ctx: ErrorContext, reply: ReplyHints = {}): BackendError {
  const { location } = reply;
  // Redirects are not followed (the API key must not travel to another host): the endpoint moved.
  if (status >= 300 && status < 400) {
    const to = location ? originOf(location) : undefined;
    const where = to ? ` to ${redact(scrub(to, ctx.secret))}` : '';
    return new BackendError('Ona', ctx.operation, 'unreachable', 'redirect', `the Ona endpoint redirects${where} (HTTP ${status}); set ONA_BASE_URL to where the API now is`, {
      httpStatus: status,
      attempts: ctx.attempts,
      hint: "the server's ONA_BASE_URL is out of date: fix it in the server's configuration and restart it (not fixable from a tool call)",
    });
  }
  const connect = parseConnect(body);
  // A 404 with no Ona error in it comes from a web server or proxy: the path, not an id, is wrong.
  if (status === 404 && !connect) {
    return new BackendError('Ona', ctx.operation, 'unreachable', 'not_found', 'the endpoint answered HTTP 404 with no Ona error in the body: ONA_BASE_URL probably points at the wrong path', {
      httpStatus: status,
      attempts: ctx.attempts,
      hint: "check ONA_BASE_URL in the server's configuration (the Ona API is at https://app.gitpod.io/api) and restart it; not fixable from a tool call",
    });
  }
  // Any other refusal with no Ona error in it (a WAF's HTML 403, a gateway's JSON 400 without `code`):
  // the status would stand for a code Ona did not send. Timeouts, 429s and 5xx keep their status's meaning.
  if (!connect && status >= 400 && status < 500 && !STATUS_MEANS_ENOUGH.has(status)) {
    const kind = status === 403 ? 'access_denied' : 'invalid_argument';
    const text = `the endpoint answered HTTP ${status} with no Ona error in the body: a proxy, firewall or gateway between the server and Ona refused the request, or ONA_BASE_URL is not the Ona API`;
    return new BackendError('Ona', ctx.operation, kind, 'unrecognized_reply', text, {
      httpStatus: status,
      attempts: ctx.attempts,
      hint: "check ONA_BASE_URL in the server's configuration and any proxy or firewall on the way; not fixable from a tool call",
    });
  }
  const known = knownCode(status, connect);
  const info = CONNECT_CODES[known] ?? { kind: 'internal' as const, explain: `unexpected HTTP status ${status}` };
  // A code newer than this server is classified by the HTTP status, but shown as Ona sent it.
  const code = connect && !CONNECT_CODES[connect.code] && /^[a-z][a-z0-9_]{0,39}$/.test(connect.code) ? connect.code : known;
  // Redacted before the cut, which could keep a secret's first characters.
  const serverMessage = connect?.message ? cutMessage(redact(scrub(connect.message, ctx.secret))) : '';
  const explain = OPERATION_EXPLAIN[ctx.operation]?.[known] ?? info.explain;
  const message = serverMessage ? `${explain} (Ona said: ${serverMessage})` : explain;
  // Ona's words (they can echo anything a caller sent) are shown fenced; the explanation is ours.
  const details: BackendError['details'] = { httpStatus: status, attempts: ctx.attempts, ...(serverMessage && { said: serverMessage }) };
  // A page token Ona no longer takes (it expired): the filters are not what is wrong. Only a listing sends one.
  if (known === 'invalid_argument' && ctx.operation === 'ListAgentExecutions' && PAGE_TOKEN.test(serverMessage)) {
    return new BackendError('Ona', ctx.operation, 'expired_token', code, message, { ...details, hint: 'Ona no longer accepts the page token the continuation carries (it expired); call again without startingToken to start over' });
  }
  // One hint for every tool that reads (stop_agent_execution reads first): none of the write's advice fits.
  if (info.kind === 'conflict' && READS.has(ctx.operation)) details.hint = READ_CONFLICT_HINT;
  // Retries wait at most a few seconds; a longer wait the server asked for is passed on as it is.
  const wait = reply.retryAfterSeconds;
  // A 429 or a 502/503/504: retries gave up on, or never waited out, the wait asked for.
  if ((info.kind === 'throttled' || info.kind === 'unavailable' || info.kind === 'timeout') && wait !== undefined && wait >= 1) {
    details.retryAfterSeconds = wait;
    // Only a listing can be narrowed (fewer items, a shorter time window).
    const narrow = ctx.operation === 'ListAgentExecutions' ? ', or narrow the request' : '';
    details.hint = `Ona asked to wait ${waitText(wait)} before calling again (Retry-After); call again after that${narrow}`;
  }
  return new BackendError('Ona', ctx.operation, info.kind, code, message, details);
}

const PAGE_TOKEN = /pag(e|ination)[\s._-]*token/i;

/** Ona's own message, at most 300 characters; a cut one ends in "…" so it is not taken as whole. */
function cutMessage(text: string): string {
  return text.length <= 300 ? text : `${cutAt(text, 300)}…`;
}

/** A wait in seconds as a person says it: "45 s", "2 min", "3 days". */
export function waitText(seconds: number): string {
  if (seconds < 120) return `${Math.ceil(seconds)} s`;
  if (seconds < 2 * 3600) return `${Math.ceil(seconds / 60)} min`;
  if (seconds < 2 * 86_400) return `${Math.ceil(seconds / 3600)} h`;
  // A quota that resets next month, or a value no server means: not 1.6e21 minutes.
  return seconds < 366 * 86_400 ? `${Math.ceil(seconds / 86_400)} days` : 'more than a year';
}

/** Retry-After as seconds from now: delay-seconds or an HTTP date. */
export function retryAfterSeconds(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

/** Scheme and host of a Location header: enough to fix ONA_BASE_URL, none of its path or query. */
function originOf(location: string): string | undefined {
  try {
    const url = new URL(location);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

function parseConnect(body: string): { code: string; message?: string | undefined } | undefined {
  try {
    const parsed = ConnectErrorSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function malformed(ctx: ErrorContext, what: string, status?: number): BackendError {
  return new BackendError('Ona', ctx.operation, 'malformed_response', 'malformed_response', `the reply was not the expected JSON (${what})`, {
    httpStatus: status,
    attempts: ctx.attempts,
  });
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN']);
const DROPPED = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/**
 * A transport failure (no HTTP reply) → BackendError. Never includes request headers.
 * `retriedUnsentOnly`: the call was retried only after attempts that never left (see RetryPolicy
 * 'once'), so a last attempt that never left means none did.
 */
export function transportError(err: unknown, ctx: ErrorContext, timeoutMs: number, retriedUnsentOnly = false): BackendError {
  const { code, syscall, message } = errorFacts(err);
  const details = { attempts: ctx.attempts };
  if (TIMEOUTS.has(code) || (err instanceof Error && err.name === 'TimeoutError')) {
    return new BackendError('Ona', ctx.operation, 'timeout', 'deadline_exceeded', `no reply from Ona within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}`, details);
  }
  // Never sent: it changed nothing. After retries of attempts that may have gone out, that is unknown.
  const notSent = neverConnected(code, syscall) && (ctx.attempts <= 1 || retriedUnsentOnly);
  if (CERTIFICATE_CODES.has(code)) {
    const text = `Ona's TLS certificate was not accepted (${code}), so nothing was sent: a private CA needs NODE_EXTRA_CA_CERTS, or ONA_BASE_URL is not the endpoint meant`;
    return new BackendError('Ona', ctx.operation, 'unreachable', code, text, { ...details, ...(notSent && { notSent }) });
  }
  if (brokenTls(code, message)) {
    const text = 'the TLS connection to Ona failed: what answers at ONA_BASE_URL does not speak https (an http:// address given as https://?), or something on the way broke the connection';
    return new BackendError('Ona', ctx.operation, 'unavailable', 'tls_failed', text, { ...details, hint: 'check the scheme and port of ONA_BASE_URL and any proxy or TLS inspection on the way' });
  }
  if (UNREACHABLE.has(code)) {
    // The same codes on a connection already used (syscall read or write): the request may have gone out.
    if (syscall !== undefined && syscall !== 'connect' && syscall !== 'getaddrinfo') {
      return new BackendError('Ona', ctx.operation, 'unavailable', 'connection_dropped', `the connection to Ona failed while in use (${code})`, details);
    }
    return new BackendError('Ona', ctx.operation, 'unreachable', code, `could not connect to the Ona endpoint (${code}); check ONA_BASE_URL`, { ...details, ...(notSent && { notSent }) });
  }
  if (code === 'ANSWER_DROPPED') {
    return new BackendError('Ona', ctx.operation, 'unavailable', 'connection_dropped', 'the connection to Ona dropped while it was answering', details);
  }
  // The HTTP library's own codes (UND_ERR_*) mean nothing to a model: the error says what happened.
  if (DROPPED.has(code)) {
    return new BackendError('Ona', ctx.operation, 'unavailable', 'connection_dropped', 'the connection to Ona was dropped before a reply arrived', details);
  }
  // Unknown: whether the request went out is too, so a write's outcome is unknown.
  const shown = /^E[A-Z_]+$/.test(code) ? code : 'network_error';
  return new BackendError('Ona', ctx.operation, 'unavailable', shown, 'the request to Ona failed before a reply arrived', details);
}

/** The Node error's code, failing call and message: its own, or its cause's (undici wraps some). */
function errorFacts(err: unknown): { code: string; syscall: string | undefined; message: string } {
  for (const e of [err, err && typeof err === 'object' ? (err as { cause?: unknown }).cause : undefined]) {
    if (!e || typeof e !== 'object') continue;
    const { code, syscall, message } = e as { code?: unknown; syscall?: unknown; message?: unknown };
    if (typeof code !== 'string') continue;
    return { code, syscall: typeof syscall === 'string' ? syscall : undefined, message: typeof message === 'string' ? message : '' };
  }
  return { code: '', syscall: undefined, message: err instanceof Error ? err.message : '' };
}
