import { Agent, RetryAgent, request, type Dispatcher, type RetryHandler } from 'undici';
import type * as z from 'zod';
import { redactDeep } from '../../log.js';
import { deadlineOf, pause, untilAborted } from '../../server/deadline.js';
import { BackendError, isDeadline } from '../../server/errors.js';
import { VERSION } from '../../version.js';
import { httpError, malformed, replyCode, retryAfterSeconds, transportError, type ErrorContext, type ReplyHints } from './errors.js';

/**
 * Connect unary calls with JSON bodies over undici. Retries are undici's RetryHandler (via
 * RetryAgent); this module only chooses what is safe to retry, bounds the whole call in time,
 * and turns every failure into a BackendError.
 */

export interface RpcOptions {
  baseUrl: string;
  apiKey: string;
  /** Retries after the first attempt (default 2). */
  maxRetries: number;
  /** Back-off before the first retry, doubled each time (default 500 ms). Tests lower it. */
  minRetryDelayMs: number;
  /** Cap on any back-off, including a server's Retry-After (default 8 s). */
  maxRetryDelayMs: number;
  /** Whole call, retries included (default 30 s). */
  timeoutMs: number;
}

/**
 * `idempotent`: reads and stop may be repeated after a dropped connection or a 5xx.
 * `once`: StartAgent may have started an agent before a connection dropped, so it is retried
 * only when the server certainly did nothing (429, or the connection was refused).
 */
export type RetryPolicy = 'idempotent' | 'once';

const RETRY_STATUS: Record<RetryPolicy, number[]> = { idempotent: [429, 502, 503, 504], once: [429] };
/**
 * Connect codes an idempotent call is retried on whatever HTTP status carries them (servers map
 * codes to statuses differently: deadline_exceeded is 504 or 408, unavailable may come as a 500).
 * unavailable and deadline_exceeded are transient by the Connect spec, and resource_exhausted is
 * what a 429 says. A deadline_exceeded call may have been carried out, so never a StartAgent; a
 * read or a stop repeated changes nothing more. internal, unknown and aborted are not transient.
 */
const RETRY_CODES = new Set(['unavailable', 'deadline_exceeded', 'resource_exhausted']);
const RETRY_ERRORS: Record<RetryPolicy, string[]> = {
  idempotent: ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET', 'ENETUNREACH', 'EHOSTUNREACH'],
  once: ['ECONNREFUSED'],
};

const MAX_REPLY_BYTES = 16 * 1024 * 1024;
/** Requests to Ona in flight at once, per process. */
const MAX_CONCURRENT_REQUESTS = 16;

export interface Rpc {
  call<S extends z.ZodType>(method: string, body: unknown, schema: S, policy: RetryPolicy, signal: AbortSignal): Promise<z.output<S>>;
  close(): Promise<void>;
}

/**
 * undici's default retry rule with one change: a Retry-After longer than any back-off this client
 * waits is not waited out in part and then retried into the same refusal. The reply goes back at
 * once, and its wait is passed on to the caller (see httpError).
 */
function retryRule(policy: RetryPolicy, options: RpcOptions, until: number, ctx: ErrorContext): RetryHandler.RetryCallback {
  return (err, _state, done) => {
    const { statusCode, code, headers } = err as Error & { statusCode?: number; code?: string; headers?: Record<string, string | string[] | undefined> };
    if (code && code !== 'UND_ERR_REQ_RETRY' && !RETRY_ERRORS[policy].includes(code)) return done(err);
    if (statusCode !== undefined && !RETRY_STATUS[policy].includes(statusCode)) return done(err);
    const wait = backOff(ctx.attempts, retryAfterSeconds(headers?.['retry-after']), options, until);
    if (wait === undefined) return done(err);
    setTimeout(() => done(null), wait);
  };
}

/**
 * The wait before another attempt, or undefined when there is none. `attempts` counts the whole
 * call's (not one undici request's: a call retried by its reply's Connect code sends a new request).
 */
function backOff(attempts: number, asked: number | undefined, options: RpcOptions, until: number): number | undefined {
  if (attempts > options.maxRetries) return undefined;
  if (asked !== undefined && asked * 1000 > options.maxRetryDelayMs) return undefined;
  const wait = asked !== undefined && asked > 0 ? asked * 1000 : Math.min(options.minRetryDelayMs * 2 ** (attempts - 1), options.maxRetryDelayMs);
  // A wait the call has no time left for (nor for the attempt after it) is not begun: the reply
  // goes back now, with the wait Ona asked for, instead of a timeout that hides what Ona said.
  return Date.now() + wait + RETRY_ATTEMPT_MS > until ? undefined : wait;
}

/** A reply undici handed on (it retries by status only) whose Connect code is transient: a 408 deadline_exceeded, a 500 unavailable. */
function retriedByCode(policy: RetryPolicy, status: number, body: string): boolean {
  return policy === 'idempotent' && status >= 300 && !RETRY_STATUS.idempotent.includes(status) && RETRY_CODES.has(replyCode(status, body));
}

/** Time a retry needs after its back-off: one more request and its answer. */
const RETRY_ATTEMPT_MS = 500;

export function createRpc(options: RpcOptions): Rpc {
  // Created on first use of the backend, never at import time.
  const agent = new Agent({
    // At most this many requests at once; the rest queue (within their time limits). Each reply may
    // be up to 16 MiB: without a bound, a burst of calls could hold gigabytes at once.
    connections: MAX_CONCURRENT_REQUESTS,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: { timeout: Math.min(10_000, options.timeoutMs) },
  });
  const headers = {
    authorization: `Bearer ${options.apiKey}`,
    'content-type': 'application/json',
    accept: 'application/json',
    'connect-protocol-version': '1',
    'user-agent': `executions-mcp/${VERSION}`,
  };

  return {
    async call(method, body, schema, policy, signal) {
      const ctx: ErrorContext = { operation: method, attempts: 0, secret: options.apiKey };
      const until = Math.min(Date.now() + options.timeoutMs, deadlineOf(signal) ?? Infinity);
      // Counts what the retry handler dispatches, so errors can say "after 3 attempts"; and keeps
      // it from resuming a reply cut mid-body with a Range request (see answeredThenDropped).
      const counting: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
        ctx.attempts += 1;
        return dispatch(opts, answeredThenDropped(handler));
      };
      const dispatcher = new RetryAgent(agent.compose(counting), {
        methods: ['POST'],
        statusCodes: RETRY_STATUS[policy],
        errorCodes: RETRY_ERRORS[policy],
        maxRetries: options.maxRetries,
        retry: retryRule(policy, options, until, ctx),
        // Hand the last reply (with its Connect error body) to us instead of a bodiless error.
        throwOnError: false,
      });
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const combined = AbortSignal.any([signal, timeout]);
      let status = 0;
      const reply: ReplyHints = {};
      let text = '';
      for (let answered = false; !answered; ) {
        try {
          const res = await untilAborted(
            request(`${options.baseUrl}/gitpod.v1.AgentService/${method}`, {
              method: 'POST',
              headers,
              body: JSON.stringify(body ?? {}),
              signal: combined,
              dispatcher,
            }),
            combined,
          );
          status = res.statusCode;
          reply.location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
          reply.retryAfterSeconds = retryAfterSeconds(res.headers['retry-after']);
          text = await untilAborted(readLimited(res.body, ctx), combined);
          const wait = retriedByCode(policy, status, text) ? backOff(ctx.attempts, reply.retryAfterSeconds, options, until) : undefined;
          if (wait !== undefined) {
            await pause(wait, combined);
            continue;
          }
          answered = true;
        } catch (err) {
          // The call's own time limit (not the client) ended it: a timeout of this operation.
          if (signal.aborted && isDeadline(signal.reason)) {
            throw new BackendError('Ona', method, 'timeout', 'call_deadline', "no answer within the call's time limit (EXECUTIONS_MCP_CALL_DEADLINE_MS)", { attempts: ctx.attempts });
          }
          if (signal.aborted) throw abortError();
          if (err instanceof BackendError) throw err;
          // A reply cut off mid-body: a call that may be repeated is sent again whole.
          if (err instanceof AnswerDropped && policy === 'idempotent' && ctx.attempts <= options.maxRetries && !timeout.aborted) {
            // An abort during the pause ends the next attempt at once, and is reported as such.
            await pause(options.minRetryDelayMs, combined);
            continue;
          }
          throw transportError(timeout.aborted ? timeout.reason : err, ctx, options.timeoutMs, policy === 'once');
        }
      }
      if (status < 200 || status >= 300) throw httpError(status, text, ctx, reply);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw malformed(ctx, 'body is not JSON', status);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw malformed(ctx, `unexpected ${issue?.path.join('.') || 'body'}`, status);
      }
      // Redacted as it arrives, before any view cuts a value (see the SFN client).
      return redactDeep(parsed.data);
    },
    close: () => agent.close(),
  };
}

/** A connection that dropped after the reply had begun: the request reached the server. */
class AnswerDropped extends Error {
  // Not one of RETRY_ERRORS: the retry handler hands it on instead of resuming with a Range request.
  readonly code = 'ANSWER_DROPPED';
  constructor(override readonly cause: Error) {
    super(`the connection dropped while Ona was answering (${(cause as { code?: unknown }).code ?? cause.name})`);
  }
}

/**
 * undici's retry handler resumes a reply cut off mid-body with a Range request, as for a download;
 * a Connect call's reply cannot be resumed. Such a drop is handed on as AnswerDropped instead, and
 * call() decides whether to send the request again.
 */
function answeredThenDropped(handler: Dispatcher.DispatchHandler): Dispatcher.DispatchHandler {
  let answering = false;
  return {
    onRequestStart: (controller, context: unknown) => handler.onRequestStart?.(controller, context),
    onRequestUpgrade: (controller, statusCode, headers, socket) => handler.onRequestUpgrade?.(controller, statusCode, headers, socket),
    onResponseStart: (controller, statusCode, headers, statusMessage) => {
      answering = true;
      handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
    },
    onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
    onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
    onResponseError: (controller, error) => {
      const dropped = answering && RETRY_ERRORS.idempotent.includes(String((error as { code?: unknown }).code));
      handler.onResponseError?.(controller, dropped ? new AnswerDropped(error) : error);
    },
  };
}

async function readLimited(body: AsyncIterable<Buffer | string> & { destroy(err?: Error): unknown }, ctx: ErrorContext): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > MAX_REPLY_BYTES) {
      body.destroy();
      throw malformed(ctx, `reply larger than ${MAX_REPLY_BYTES / 1024 / 1024} MiB`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function abortError(): Error {
  const err = new Error('The operation was aborted');
  err.name = 'AbortError';
  return err;
}
