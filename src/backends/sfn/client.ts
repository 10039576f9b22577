import type {
  DescribeExecutionInput,
  DescribeExecutionOutput,
  DescribeStateMachineInput,
  DescribeStateMachineOutput,
  GetExecutionHistoryInput,
  GetExecutionHistoryOutput,
  ListExecutionsInput,
  ListExecutionsOutput,
  ListStateMachinesInput,
  ListStateMachinesOutput,
  RedriveExecutionInput,
  RedriveExecutionOutput,
  SFNClient,
  SFNClientConfig,
  StartExecutionInput,
  StartExecutionOutput,
  StopExecutionInput,
  StopExecutionOutput,
} from '@aws-sdk/client-sfn';
import type { MiddlewareStack } from '@smithy/types';
import type { Config } from '../../config.js';
import type { UnrunnableCheck } from '../../local/engine.js';
import { log, redactDeep } from '../../log.js';
import { BackendError, isDeadline } from '../../server/errors.js';
import { ConnectionGate, NotSent } from '../connection-gate.js';
import { AwsCredentials } from './credentials.js';
import { attemptRefused, toBackendError } from './errors.js';

/** The Step Functions operations the tools use, behind one narrow module. */
export interface SfnBackend {
  /** Region of the client (for console links); undefined when only the SDK knows it. */
  readonly region: string | undefined;
  /** True when talking to the embedded local engine (no console, no IAM). */
  readonly local: boolean;
  /** The embedded engine only: its definitions StartExecution refuses, and why, as far as checked before `signal` aborts. */
  unrunnableDefinitions?(signal: AbortSignal): Promise<UnrunnableCheck>;
  listStateMachines(input: ListStateMachinesInput, signal: AbortSignal): Promise<ListStateMachinesOutput>;
  describeStateMachine(input: DescribeStateMachineInput, signal: AbortSignal): Promise<DescribeStateMachineOutput>;
  listExecutions(input: ListExecutionsInput, signal: AbortSignal): Promise<ListExecutionsOutput>;
  describeExecution(input: DescribeExecutionInput, signal: AbortSignal): Promise<DescribeExecutionOutput>;
  getExecutionHistory(input: GetExecutionHistoryInput, signal: AbortSignal): Promise<GetExecutionHistoryOutput>;
  /**
   * Sent again only when the service refused it (throttling): a start that may have reached the
   * service is not resent, since an EXPRESS start is not idempotent. `resend` allows the usual
   * retries: for a STANDARD machine, where the same name and input start one execution at most.
   */
  startExecution(input: StartExecutionInput, signal: AbortSignal, options?: { resend?: boolean }): Promise<StartExecutionOutput>;
  stopExecution(input: StopExecutionInput, signal: AbortSignal): Promise<StopExecutionOutput>;
  redriveExecution(input: RedriveExecutionInput, signal: AbortSignal): Promise<RedriveExecutionOutput>;
  close(): void;
}

export interface SfnBackendOptions {
  /** SDK attempts per call (standard retry mode); tests lower it. */
  maxAttempts?: number;
  /** Socket-free handler, e.g. the embedded engine. */
  requestHandler?: SFNClientConfig['requestHandler'];
  /** Marks the backend as the embedded engine. */
  local?: boolean;
  /** Per-request timeout in ms. */
  requestTimeoutMs?: number;
  /**
   * Where requests wait for a free connection; its size is the number of connections kept to the
   * endpoint (MAX_CONNECTIONS). Tests pass a small one, or share one between backends, to watch its queue.
   */
  connections?: ConnectionGate;
  /** The embedded engine's definitions that cannot run (see SfnBackend). */
  unrunnableDefinitions?: (signal: AbortSignal) => Promise<UnrunnableCheck>;
}

/**
 * The SDK's own warnings, as JSON log lines like everything else on stderr. No info() and error():
 * for those the SDK builds a redacted copy of every request and reply (tool errors are logged anyway).
 */
const SDK_LOGGER = {
  debug: () => undefined,
  warn: (...content: unknown[]) => log.warn('aws sdk', { message: content.map(String).join(' ') }),
} as Partial<SdkLogger> as SdkLogger;
type SdkLogger = NonNullable<SFNClientConfig['logger']>;

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Connections kept to the endpoint. The SDK's default of 50 let 50 calls waiting on a slow
 * operation hold up every other call of every client, until they failed as "could not connect".
 * Not unbounded: each is a file descriptor. Requests beyond it wait in a ConnectionGate.
 */
const MAX_CONNECTIONS = 256;

export async function createSfnBackend(config: Config, options: SfnBackendOptions = {}): Promise<SfnBackend> {
  const sdk = await import('@aws-sdk/client-sfn');
  const local = options.local ?? false;
  // One gate for both clients below, so together they never need more sockets than it has slots and
  // a request never waits in an agent's queue, where the 5 s connection timeout already runs. None
  // for a handler of our own (the embedded engine): it has no sockets.
  const gate = options.requestHandler ? undefined : (options.connections ?? new ConnectionGate(MAX_CONNECTIONS));
  const maxConnections = gate?.size ?? MAX_CONNECTIONS;
  const clientConfig: SFNClientConfig = {
    maxAttempts: options.maxAttempts ?? 3,
    retryMode: 'standard',
    // throwOnRequestTimeout: without it the SDK only logs a warning and keeps waiting.
    requestHandler: options.requestHandler ?? {
      // Past the call's time limit: a request that hangs ends the call by its deadline, which keeps
      // what was collected (with a nextToken), not by an error that drops it. At least 30 s.
      requestTimeout: options.requestTimeoutMs ?? Math.max(30_000, config.limits.callDeadlineMs + 5_000),
      connectionTimeout: 5_000,
      throwOnRequestTimeout: true,
      httpAgent: { maxSockets: maxConnections },
      httpsAgent: { maxSockets: maxConnections },
      logger: SDK_LOGGER,
    },
    logger: SDK_LOGGER,
  };
  let credentials: AwsCredentials | undefined;
  const region = local ? (config.aws.region ?? 'us-east-1') : config.aws.region;
  if (region) clientConfig.region = region;
  if (local) {
    // Static credentials so the default chain never probes the network.
    clientConfig.credentials = LOCAL_CREDENTIALS;
    clientConfig.endpoint = 'http://127.0.0.1';
  } else {
    if (config.aws.profile) clientConfig.profile = config.aws.profile;
    if (config.aws.endpoints.sfn) clientConfig.endpoint = config.aws.endpoints.sfn;
    credentials = new AwsCredentials((await import('@aws-sdk/credential-provider-node')).defaultProvider, config.aws.profile);
    clientConfig.credentialDefaultProvider = credentials.providerFor;
  }
  const client: SFNClient = withKmsThrottlingRetried(new sdk.SFNClient(clientConfig));
  let startClient: SFNClient | undefined;
  const refusalsRetried = async (): Promise<SFNClient> => {
    const strategy = retryRefusalsOnly(await client.config.retryStrategy());
    startClient ??= withKmsThrottlingRetried(new sdk.SFNClient({ ...clientConfig, ...(strategy ? { retryStrategy: strategy } : { maxAttempts: 1 }) }));
    return startClient;
  };

  const call = async <T>(operation: string, signal: AbortSignal, run: () => Promise<T>, input?: object, attempts?: AttemptWatch): Promise<T> => {
    // Before a connection is taken: a chain that hangs must not hold one.
    await credentials?.resolve(client.config.credentials, operation, signal);
    try {
      // A reply that echoes one of the server's secrets is redacted as it arrives, before any view
      // cuts a value (a cut could keep part of a secret that a later redaction no longer matches).
      return redactDeep(await (gate ? gate.run(signal, run) : run()));
    } catch (err) {
      if (err instanceof NotSent && isDeadline(signal.reason)) throw notSent(operation, maxConnections);
      let error = toBackendError(operation, err, signal);
      // Keys replaced in a file, or a session renewed, are then used by the next call.
      if (error instanceof BackendError && error.kind === 'unauthenticated') credentials?.markStale();
      if (error instanceof BackendError && attempts?.everyRefused()) {
        error = new BackendError(error.backend, error.operation, error.kind, error.code, error.message, { ...error.details, everyAttemptRefused: true });
      }
      if (input && error instanceof BackendError && (error.kind === 'not_found' || error.kind === 'invalid_argument')) {
        const hint = regionMismatch(input, await clientRegion(client));
        if (hint) throw new BackendError(error.backend, error.operation, error.kind, error.code, error.message, { ...error.details, hint });
      }
      throw error;
    }
  };

  return {
    region,
    local,
    ...(options.unrunnableDefinitions ? { unrunnableDefinitions: options.unrunnableDefinitions } : {}),
    listStateMachines: (input, signal) =>
      call('ListStateMachines', signal, async () => requireList('ListStateMachines', await client.send(new sdk.ListStateMachinesCommand(input), { abortSignal: signal }), 'stateMachines')),
    describeStateMachine: (input, signal) =>
      call('DescribeStateMachine', signal, () => client.send(new sdk.DescribeStateMachineCommand(input), { abortSignal: signal }), input),
    listExecutions: (input, signal) =>
      call('ListExecutions', signal, async () => requireList('ListExecutions', await client.send(new sdk.ListExecutionsCommand(input), { abortSignal: signal }), 'executions'), input),
    describeExecution: (input, signal) =>
      call('DescribeExecution', signal, async () => requireMembers('DescribeExecution', await client.send(new sdk.DescribeExecutionCommand(input), { abortSignal: signal }), ['status', 'startDate']), input),
    getExecutionHistory: (input, signal) =>
      call('GetExecutionHistory', signal, async () => {
        const out = requireList('GetExecutionHistory', await client.send(new sdk.GetExecutionHistoryCommand(input), { abortSignal: signal }), 'events');
        // Events are paged and resumed by id: one without an id or type cannot be placed.
        if (out.events.some((e) => typeof e.id !== 'number' || typeof e.type !== 'string')) throw malformed('GetExecutionHistory', 'the reply has an event without a numeric id or a type');
        return out;
      }, input),
    startExecution: (input, signal, options) => {
      const attempts = new AttemptWatch();
      const command = attempts.watch(new sdk.StartExecutionCommand(input));
      return call('StartExecution', signal, async () => {
        const sender = options?.resend ? client : await refusalsRetried();
        const out = requireMembers('StartExecution', await sender.send(command, { abortSignal: signal }), ['executionArn']);
        if (typeof out.executionArn !== 'string' || out.executionArn === '') throw malformed('StartExecution', 'the reply\'s executionArn is not a non-empty text');
        return out;
      }, input, attempts);
    },
    stopExecution: (input, signal) => {
      const attempts = new AttemptWatch();
      const command = attempts.watch(new sdk.StopExecutionCommand(input));
      return call('StopExecution', signal, () => client.send(command, { abortSignal: signal }), input, attempts);
    },
    redriveExecution: (input, signal) => {
      const attempts = new AttemptWatch();
      const command = attempts.watch(new sdk.RedriveExecutionCommand(input));
      return call('RedriveExecution', signal, () => client.send(command, { abortSignal: signal }), input, attempts);
    },
    close: () => {
      client.destroy();
      startClient?.destroy();
    },
  };
}

type RetryStrategy = Awaited<ReturnType<SFNClient['config']['retryStrategy']>>;

/**
 * KmsThrottlingException is throttling (KMS refused Step Functions' request with the state
 * machine's key, so the call did nothing), but its code is not in the SDK's list of throttling
 * codes, so the standard retry mode gave up at once. Marked retryable as throttling, it is retried
 * with the same backoff and counts as refused, so a write retries it too.
 */
function withKmsThrottlingRetried(client: SFNClient): SFNClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        if (err instanceof Error && err.name === 'KmsThrottlingException') Object.assign(err, { $retryable: { throttling: true } });
        throw err;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'executionsMcpKmsThrottling' },
  );
  return client;
}

/**
 * How each attempt the SDK makes for one write ended (it sits inside the retry loop): when the
 * service refused every one (throttling, or a 4xx error of its own), none was carried out however
 * many were made, and the write changed nothing. The final error alone cannot tell: a throttled
 * last attempt may follow a 5xx or a dropped connection that did take effect.
 */
class AttemptWatch {
  private refused = 0;
  private other = 0;

  watch<C extends { middlewareStack: MiddlewareStack<I, O> }, I extends object, O extends object>(command: C & { middlewareStack: MiddlewareStack<I, O> }): C {
    command.middlewareStack.add(
      (next) => async (args) => {
        try {
          const out = await next(args);
          this.other += 1;
          return out;
        } catch (err) {
          if (attemptRefused(err)) this.refused += 1;
          else this.other += 1;
          throw err;
        }
      },
      { step: 'deserialize', priority: 'high', name: 'executionsMcpAttemptWatch' },
    );
    return command;
  }

  everyRefused(): boolean {
    return this.refused > 0 && this.other === 0;
  }
}

/**
 * The SDK's retries, for what the service refused outright only (throttling): a dropped connection
 * or a 5xx may have reached it, and a write that is not idempotent must not be sent twice.
 */
function retryRefusalsOnly(inner: RetryStrategy): RetryStrategy | undefined {
  // A strategy of the older interface cannot tell refusals: then no retries at all.
  if (!('acquireInitialRetryToken' in inner)) return undefined;
  return {
    acquireInitialRetryToken: (scope) => inner.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: (token, info) =>
      info.errorType === 'THROTTLING' ? inner.refreshRetryTokenForRetry(token, info) : Promise.reject(info.error ?? new Error('not retried')),
    recordSuccess: (token) => inner.recordSuccess(token),
  };
}

/** The region the client calls: configured, or as the SDK resolved it (from a profile, say). */
async function clientRegion(client: SFNClient): Promise<string | undefined> {
  try {
    return await client.config.region();
  } catch {
    return undefined;
  }
}

const ARN_REGION = /^arn:([\w-]+):states:([a-z0-9-]+):/;

/**
 * Advice when a request's ARN names another region than the client calls: Step Functions there
 * answers "does not exist" or "invalid", and the real fix is the server's region, not another ARN.
 */
function regionMismatch(input: object, region: string | undefined): string | undefined {
  if (!region) return undefined;
  const fields = input as Partial<Record<'executionArn' | 'stateMachineArn' | 'mapRunArn', unknown>>;
  for (const field of ['executionArn', 'stateMachineArn', 'mapRunArn'] as const) {
    const arn = fields[field];
    const match = typeof arn === 'string' ? ARN_REGION.exec(arn) : null;
    if (!match || match[2] === region) continue;
    return `${field} is in region ${match[2]}, but this server calls Step Functions in ${region}: use an ARN from ${region}, or start the server with AWS_REGION=${match[2]} (and credentials for that account)`;
  }
  return undefined;
}

/** A 200 whose body lacks what the API always returns is no answer: say so rather than show blanks. */
function requireMembers<T extends object>(operation: string, out: T, members: Array<keyof T & string>): T {
  const missing = members.filter((m) => out[m] === undefined || out[m] === null);
  if (missing.length > 0) throw malformed(operation, `the reply lacks ${missing.join(', ')}`);
  return out;
}

/**
 * The list member of a list reply, which the API always sends (an empty page has an empty list):
 * missing or not a list of objects, the page cannot be trusted, and an empty answer would say
 * "no more" when the backend never said so.
 */
function requireList<T extends object, K extends keyof T & string>(operation: string, out: T, member: K): T & { [P in K]-?: Array<NonNullable<T[K]> extends Array<infer E> ? E : never> } {
  const list: unknown = out[member];
  if (!Array.isArray(list)) throw malformed(operation, `the reply's ${member} is ${list === undefined ? 'missing' : 'not a list'}`);
  if (list.some((item) => typeof item !== 'object' || item === null || Array.isArray(item))) throw malformed(operation, `the reply's ${member} holds something other than objects`);
  return out as T & { [P in K]-?: Array<NonNullable<T[K]> extends Array<infer E> ? E : never> };
}

/** The call's time ran out while the request waited for a connection: it was never sent, so it changed nothing. */
function notSent(operation: string, connections: number): BackendError {
  return new BackendError(
    'Step Functions',
    operation,
    'timeout',
    'NoFreeConnection',
    `not sent: all ${connections} of this server's connections to the Step Functions endpoint stayed busy with other calls for the call's time limit (EXECUTIONS_MCP_CALL_DEADLINE_MS), so nothing was changed`,
    { notSent: true, hint: 'the backend is slow to answer the calls in flight; call again in a little while' },
  );
}

function malformed(operation: string, detail: string): BackendError {
  return new BackendError('Step Functions', operation, 'malformed_response', 'MalformedResponse', detail);
}
