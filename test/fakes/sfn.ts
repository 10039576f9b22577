import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Loopback fake of the Step Functions JSON 1.0 protocol (backend-apis.md §2.1, §2.7): `POST /`,
 * operation in `x-amz-target: AWSStepFunctions.<Op>`, dates as epoch seconds, modeled errors as
 * `400 {"__type","message"}`. A seedable store, opaque keyset paging tokens, fault injection and a
 * request log. The real SFNClient talks to it; nothing here knows about the code under test.
 */

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const BASE_EPOCH_S = Date.parse('2026-11-20T10:00:00Z') / 1000;

export type MachineType = 'STANDARD' | 'EXPRESS';
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface FakeStateMachine {
  stateMachineArn: string;
  name: string;
  type: MachineType;
  creationDate: number;
  definition: string;
  roleArn: string;
}

export interface FakeExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  mapRunArn?: string;
  /** Items a Map Run's child processed (ListExecutions of the map run shows it). */
  itemCount?: number;
  stateMachineVersionArn?: string;
  stateMachineAliasArn?: string;
  redriveCount?: number;
  redriveDate?: number;
  redriveStatus?: 'REDRIVABLE' | 'NOT_REDRIVABLE' | 'REDRIVABLE_BY_MAP_RUN';
  redriveStatusReason?: string;
  traceHeader?: string;
}

/** A HistoryEvent as on the wire: id, previousEventId, type, timestamp (epoch s) and one details member. */
export type FakeEvent = { id: number; previousEventId?: number; type: string; timestamp: number } & Record<string, unknown>;

export type Fault =
  | { kind: 'throttle'; status?: 400 | 429 }
  | { kind: 'internal'; status?: 500 | 503 }
  | { kind: 'malformed' }
  /** Any reply at all: a proxy's HTML page, a 200 of the wrong shape. */
  | { kind: 'raw'; status: number; body: string; contentType?: string }
  | { kind: 'drop' }
  /** The operation takes effect, then the connection drops before the answer: the outcome is unknown to the caller. */
  | { kind: 'lostAnswer' }
  /** A 200 whose body is cut off: the connection drops mid-reply. */
  | { kind: 'cutBody' }
  | { kind: 'slow'; ms: number }
  | { kind: 'expiredToken' }
  | { kind: 'accessDenied' }
  | { kind: 'unrecognizedClient' }
  | { kind: 'error'; type: string; message: string; status?: number; /** More members of the error's body (e.g. kmsKeyState). */ fields?: Record<string, unknown> };

export interface RecordedRequest {
  op: string;
  body: Record<string, unknown>;
  /** The SigV4 credential scope's access key and region: "AKID/us-east-1" (what the client signed with). */
  signedAs?: string;
  fault?: Fault['kind'];
  /** The access key id the request was signed with (from its Authorization header). */
  accessKeyId?: string;
  /** The client closed the connection before the answer was sent. */
  aborted?: boolean;
  /** An answer was written (absent while a slow response is pending or after a drop). */
  answered?: boolean;
}

class SfnError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    /** More members of the error's body (a ValidationException's reason). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Step Functions' answer to an EXPRESS execution's ARN where it takes STANDARD ones only. */
const EXPRESS_ARN_REFUSED = "Invalid Arn: 'Resource type not valid in this context: express'";

interface QueuedFault {
  fault: Fault;
  op: string | undefined;
  remaining: number;
}

export const machineArn = (name: string): string => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
export const executionArn = (machine: string, name: string): string => `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machine}:${name}`;
export const mapRunArnOf = (machine: string, mapState: string, id: string): string =>
  `arn:aws:states:${REGION}:${ACCOUNT}:mapRun:${machine}/${mapState}:${id}`;

const ARN_RE = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:(stateMachine|execution|express|mapRun):.+$/;

export class FakeSfn {
  readonly machines = new Map<string, FakeStateMachine>();
  /** Per state machine ARN (or map run ARN), newest first. */
  private readonly executionsByParent = new Map<string, FakeExecution[]>();
  private readonly executionsByArn = new Map<string, FakeExecution>();
  private readonly histories = new Map<string, FakeEvent[]>();
  private readonly mapRuns = new Set<string>();
  /** Versions and aliases published (ARNs), beside those the seeded executions name. */
  private readonly qualified = new Set<string>();
  /** RedriveExecution's idempotency: the first answer per clientToken, as Step Functions keeps it. */
  private readonly redrivesByToken = new Map<string, { executionArn: string; redriveDate: number }>();
  private readonly faults: QueuedFault[] = [];
  private pageCap: number | undefined;
  private emptyPages = 0;
  private handBack = false;
  private reverseIgnored = false;
  private byPosition = false;
  private tokenPadding = 0;
  private oldestFirst = false;
  private readonly beforeOps = new Map<string, () => unknown>();
  readonly requests: RecordedRequest[] = [];
  private server: Server | undefined;
  private clock = BASE_EPOCH_S + 86_400;
  url = '';
  /** Added to every answer, as a real endpoint's network and service time would be (bench only). */
  latencyMs = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    // Node clients drop a kept-alive socket 1 s before the hinted timeout, a margin a loaded machine's
    // stalled event loop can outlast: at 5 s a reused socket was sometimes reset as the server closed it
    // (ECONNRESET in a test with no retries). close() ends the connections still open.
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ---- seeding ---------------------------------------------------------------------------

  addStateMachine(name: string, type: MachineType = 'STANDARD', creationDate = BASE_EPOCH_S - 86_400 * 30): string {
    const arn = machineArn(name);
    this.machines.set(arn, {
      stateMachineArn: arn,
      name,
      type,
      creationDate,
      definition: JSON.stringify({ StartAt: 'Work', States: { Work: { Type: 'Pass', End: true } } }),
      roleArn: `arn:aws:iam::${ACCOUNT}:role/${name}-role`,
    });
    if (!this.executionsByParent.has(arn)) this.executionsByParent.set(arn, []);
    return arn;
  }

  /** Publishes a version (…:stateMachine:Orders:3) or alias (…:Orders:PROD) of a machine: it exists with no runs yet. */
  addQualifier(stateMachineArn: string, qualifier: string | number): string {
    const arn = `${stateMachineArn}:${qualifier}`;
    this.qualified.add(arn);
    return arn;
  }

  addMapRun(machine: string, mapState: string, id: string): string {
    const arn = mapRunArnOf(machine, mapState, id);
    this.mapRuns.add(arn);
    if (!this.executionsByParent.has(arn)) this.executionsByParent.set(arn, []);
    return arn;
  }

  /** Adds an execution; it is placed by startDate (newest first) in its machine's (or map run's) list. */
  addExecution(e: Partial<FakeExecution> & { stateMachineArn: string; name: string }): FakeExecution {
    const machineName = e.stateMachineArn.split(':')[6] ?? 'Machine';
    const full: FakeExecution = {
      executionArn: e.executionArn ?? executionArn(machineName, e.name),
      status: 'SUCCEEDED',
      startDate: BASE_EPOCH_S,
      ...e,
    };
    const parent = full.mapRunArn ?? full.stateMachineArn;
    const list = this.executionsByParent.get(parent) ?? [];
    const at = list.findIndex((x) => x.startDate < full.startDate);
    if (at < 0) list.push(full);
    else list.splice(at, 0, full);
    this.executionsByParent.set(parent, list);
    this.executionsByArn.set(full.executionArn, full);
    if (!this.histories.has(full.executionArn)) {
      this.histories.set(full.executionArn, [
        { id: 1, type: 'ExecutionStarted', timestamp: full.startDate, executionStartedEventDetails: { input: full.input ?? '{}', inputDetails: { truncated: false }, roleArn: `arn:aws:iam::${ACCOUNT}:role/r` } },
      ]);
    }
    return full;
  }

  /**
   * Adds `count` executions, newest first, one minute apart going back from `newestStart`.
   * Status cycles through `statuses`.
   */
  addExecutions(
    stateMachineArn: string,
    count: number,
    opts: { prefix?: string; newestStart?: number; spacingS?: number; statuses?: ExecutionStatus[]; mapRunArn?: string } = {},
  ): FakeExecution[] {
    const statuses = opts.statuses ?? ['SUCCEEDED', 'FAILED', 'RUNNING', 'SUCCEEDED', 'TIMED_OUT', 'ABORTED'];
    const newest = opts.newestStart ?? BASE_EPOCH_S;
    const spacing = opts.spacingS ?? 60;
    const out: FakeExecution[] = [];
    for (let i = 0; i < count; i += 1) {
      const status = statuses[i % statuses.length] ?? 'SUCCEEDED';
      const startDate = newest - i * spacing;
      const e: Partial<FakeExecution> & { stateMachineArn: string; name: string } = {
        stateMachineArn,
        name: `${opts.prefix ?? 'run'}-${String(count - i).padStart(6, '0')}`,
        status,
        startDate,
        input: JSON.stringify({ orderId: count - i }),
      };
      if (status !== 'RUNNING') e.stopDate = startDate + 12.5;
      if (status === 'SUCCEEDED') e.output = JSON.stringify({ ok: true });
      if (status === 'FAILED') {
        e.error = 'States.TaskFailed';
        e.cause = 'Lambda returned an error';
        e.redriveStatus = 'REDRIVABLE';
      }
      if (opts.mapRunArn) e.mapRunArn = opts.mapRunArn;
      out.push(this.addExecution(e));
    }
    return out;
  }

  /** Puts an execution at the head of its newest-first list, as if it had just started. */
  startNewExecution(stateMachineArn: string, name: string): FakeExecution {
    const list = this.executionsByParent.get(stateMachineArn) ?? [];
    const newest = list[0]?.startDate ?? BASE_EPOCH_S;
    return this.addExecution({ stateMachineArn, name, status: 'RUNNING', startDate: newest + 1 });
  }

  setHistory(arn: string, events: FakeEvent[]): void {
    this.histories.set(arn, events);
  }

  /** Adds an event at the end of an execution's history, as a running execution's next step would. */
  appendEvent(arn: string, type: string, details: Record<string, unknown> = {}): void {
    const events = this.histories.get(arn) ?? [];
    const last = events[events.length - 1];
    events.push({ id: (last?.id ?? 0) + 1, previousEventId: last?.id, type, timestamp: this.clock, ...details });
    this.histories.set(arn, events);
  }

  execution(arn: string): FakeExecution | undefined {
    return this.executionsByArn.get(arn);
  }

  /** Every execution of a machine (or map run), newest first, as the backend holds them. */
  executionsOf(parent: string): FakeExecution[] {
    return [...(this.executionsByParent.get(parent) ?? [])];
  }

  history(arn: string): FakeEvent[] {
    return this.histories.get(arn) ?? [];
  }

  // ---- faults and the request log -------------------------------------------------------

  /** Queues a fault for the next `times` requests (of operation `op`, when given). */
  inject(fault: Fault, opts: { op?: string; times?: number } = {}): void {
    this.faults.push({ fault, op: opts.op, remaining: opts.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /**
   * At most `items` items per page whatever maxResults asks (undefined: as asked). Step Functions may
   * return fewer results than maxResults with a nextToken.
   */
  capPages(items: number | undefined): void {
    this.pageCap = items;
  }

  /**
   * Answer `count` empty pages (with a fresh nextToken each) before every page a token leads to,
   * as a backend scanning a filter or a sharded store may.
   */
  emptyPagesBefore(count: number): void {
    this.emptyPages = count;
  }

  /**
   * Page tokens that are positions ("from item N") rather than keys ("after item X"): items added at
   * the head of a list (new executions, or new events of a running execution read newest first)
   * then shift what a later token points at.
   */
  positionTokens(on: boolean): void {
    this.byPosition = on;
  }

  /**
   * ListExecutions oldest first, against its documented order, as a hand-written backend or an
   * emulator may list them.
   */
  listOldestFirst(on: boolean): void {
    this.oldestFirst = on;
  }

  /** GetExecutionHistory oldest first whatever reverseOrder says, as LocalStack 3.0 did. */
  ignoreReverseOrder(on: boolean): void {
    this.reverseIgnored = on;
  }

  /**
   * Page tokens this many characters longer, of random base64 (nothing compresses it), as an
   * endpoint other than AWS may hand out (AWS's are at most 3,096 characters), empty pages' too. 0: as usual.
   */
  padTokens(chars: number): void {
    this.tokenPadding = chars;
  }

  private padded(token: string): string {
    return this.tokenPadding > 0 ? `${token}${PADDING}${randomBytes(this.tokenPadding).toString('base64').slice(0, this.tokenPadding)}` : token;
  }

  /** A broken backend: every page asked for with a token hands that same token back. */
  handBackTokens(on: boolean): void {
    this.handBack = on;
  }

  /** Every execution the fake holds, EXPRESS ones included (which no list shows). */
  get executions(): FakeExecution[] {
    return [...this.executionsByArn.values()];
  }

  /**
   * Runs `change` once, just before the next `op` is served: the world moving between two requests
   * of one call. The answer waits for a `change` that returns a promise.
   */
  onceBefore(op: string, change: () => unknown): void {
    this.beforeOps.set(op, change);
  }

  requestsFor(op: string): RecordedRequest[] {
    return this.requests.filter((r) => r.op === op);
  }

  /** Resolves when `predicate` holds, checking on every request event (bounded by the test timeout). */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise((r) => setTimeout(r, 5));
  }

  private takeFault(op: string): Fault | undefined {
    const at = this.faults.findIndex((f) => f.op === undefined || f.op === op);
    if (at < 0) return undefined;
    const queued = this.faults[at] as QueuedFault;
    queued.remaining -= 1;
    if (queued.remaining <= 0) this.faults.splice(at, 1);
    return queued.fault;
  }

  // ---- HTTP -----------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.replace(/^AWSStepFunctions\./, '');
    let body: Record<string, unknown> = {};
    const scope = /Credential=([^/]+)\/\d+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
    const record: RecordedRequest = { op, body, ...(scope && { signedAs: `${scope[1]}/${scope[2]}`, accessKeyId: scope[1] }) };
    this.requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      record.body = body;
    } catch {
      this.send(res, record, 400, { __type: 'SerializationException', message: 'body is not JSON' });
      return;
    }
    if (req.method !== 'POST' || !target.startsWith('AWSStepFunctions.')) {
      this.send(res, record, 400, { __type: 'UnknownOperationException', message: `unknown operation ${target}` });
      return;
    }
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    const change = this.beforeOps.get(op);
    this.beforeOps.delete(op);
    await change?.();
    const fault = this.takeFault(op);
    if (fault) {
      record.fault = fault.kind;
      switch (fault.kind) {
        case 'throttle':
          this.send(res, record, fault.status ?? 400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
          return;
        case 'internal':
          this.send(res, record, fault.status ?? 500, { __type: fault.status === 503 ? 'ServiceUnavailable' : 'InternalFailure', message: 'We encountered an internal error. Please try again.' });
          return;
        case 'raw':
          res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'application/x-amz-json-1.0' });
          res.end(fault.body);
          record.answered = true;
          return;
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
          res.end('{"executions": [{"executionArn": "arn:aws:states:us-east-1:1');
          record.answered = true;
          return;
        case 'drop':
          req.socket.destroy();
          return;
        case 'cutBody':
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': '400', 'x-amzn-requestid': randomUUID() });
          res.write('{"executionArn": "arn:aws:states:us-east-1:1', () => req.socket.destroy());
          return;
        case 'lostAnswer':
          try {
            this.dispatch(op, body);
          } finally {
            req.socket.destroy();
          }
          return;
        case 'slow': {
          const done = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), fault.ms);
            res.once('close', () => {
              clearTimeout(timer);
              resolve(false);
            });
          });
          if (!done) return;
          break;
        }
        case 'expiredToken':
          this.send(res, record, 400, { __type: 'InvalidToken', message: 'The nextToken has expired.' });
          return;
        case 'accessDenied':
          this.send(res, record, 400, {
            __type: 'AccessDeniedException',
            message: `User: arn:aws:iam::${ACCOUNT}:user/dev is not authorized to perform: states:${op} because no identity-based policy allows the states:${op} action`,
          });
          return;
        case 'unrecognizedClient':
          this.send(res, record, 400, { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
          return;
        case 'error':
          this.send(res, record, fault.status ?? 400, { __type: fault.type, message: fault.message, ...fault.fields });
          return;
      }
    }
    try {
      const out = this.dispatch(op, body);
      this.send(res, record, 200, out);
    } catch (err) {
      if (err instanceof SfnError) this.send(res, record, err.status, { __type: err.type, message: err.message, ...err.fields });
      else this.send(res, record, 500, { __type: 'InternalFailure', message: 'fake bug' });
    }
  }

  private send(res: ServerResponse, record: RecordedRequest, status: number, body: unknown): void {
    if (res.destroyed) return;
    record.answered = true;
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(body));
  }

  // ---- operations -----------------------------------------------------------------------

  private dispatch(op: string, body: Record<string, unknown>): unknown {
    switch (op) {
      case 'ListStateMachines':
        return this.listStateMachines(body);
      case 'DescribeStateMachine':
        return this.describeStateMachine(body);
      case 'ListExecutions':
        return this.listExecutions(body);
      case 'DescribeExecution':
        return this.describeExecution(body);
      case 'GetExecutionHistory':
        return this.getExecutionHistory(body);
      case 'StartExecution':
        return this.startExecution(body);
      case 'StopExecution':
        return this.stopExecution(body);
      case 'RedriveExecution':
        return this.redriveExecution(body);
      default:
        throw new SfnError('UnknownOperationException', `The operation ${op} is not supported by this fake.`);
    }
  }

  private listStateMachines(body: Record<string, unknown>): unknown {
    const all = [...this.machines.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const { page, nextToken } = this.paginate(all, body, 'sm', (m) => m.stateMachineArn);
    return {
      stateMachines: page.map((m) => ({ stateMachineArn: m.stateMachineArn, name: m.name, type: m.type, creationDate: m.creationDate })),
      nextToken,
    };
  }

  private describeStateMachine(body: Record<string, unknown>): unknown {
    const arn = this.arnArg(body, 'stateMachineArn');
    const m = this.machines.get(arn);
    if (!m) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return { ...m, status: 'ACTIVE' };
  }

  private listExecutions(body: Record<string, unknown>): unknown {
    const hasMachine = typeof body.stateMachineArn === 'string';
    const hasMapRun = typeof body.mapRunArn === 'string';
    if (hasMachine === hasMapRun) {
      throw new SfnError('ValidationException', 'Exactly one of stateMachineArn or mapRunArn must be provided');
    }
    let list: FakeExecution[];
    if (hasMachine) {
      const arn = this.machineArg(body);
      // A version or alias ARN (…:stateMachine:Orders:3, …:Orders:PROD) lists the runs started through it:
      // none (an empty list) for one published with no runs yet; only one never published does not exist.
      // The fake knows those published with addQualifier and those its seeded executions name.
      const base = arn.split(':').slice(0, 7).join(':');
      const m = this.machines.get(base);
      list = (this.executionsByParent.get(base) ?? []).filter((e) => base === arn || e.stateMachineVersionArn === arn || e.stateMachineAliasArn === arn);
      if (!m || (base !== arn && list.length === 0 && !this.qualified.has(arn))) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
      if (m.type === 'EXPRESS') throw new SfnError('StateMachineTypeNotSupported', 'This operation is not supported by this type of state machine');
    } else {
      const arn = this.arnArg(body, 'mapRunArn');
      if (!this.mapRuns.has(arn)) throw new SfnError('ResourceNotFound', `Resource not found: '${arn}'`);
      list = this.executionsByParent.get(arn) ?? [];
    }
    const status = body.statusFilter;
    if (status !== undefined) {
      if (!['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'].includes(String(status))) {
        throw new SfnError('ValidationException', `1 validation error detected: Value '${String(status)}' at 'statusFilter' failed to satisfy constraint`);
      }
      list = list.filter((e) => e.status === status);
    }
    if (body.redriveFilter === 'REDRIVEN') list = list.filter((e) => (e.redriveCount ?? 0) > 0);
    if (body.redriveFilter === 'NOT_REDRIVEN') list = list.filter((e) => !e.redriveCount);
    if (this.oldestFirst) list = [...list].reverse();
    const { page, nextToken } = this.paginate(list, body, 'ex', (e) => e.executionArn);
    return {
      executions: page.map((e) => ({
        executionArn: e.executionArn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: e.startDate,
        stopDate: e.stopDate,
        mapRunArn: e.mapRunArn,
        itemCount: e.itemCount,
        stateMachineVersionArn: e.stateMachineVersionArn,
        stateMachineAliasArn: e.stateMachineAliasArn,
        redriveCount: e.redriveCount,
        redriveDate: e.redriveDate,
      })),
      nextToken,
    };
  }

  private describeExecution(body: Record<string, unknown>): unknown {
    const e = this.executionArg(body);
    const metadataOnly = body.includedData === 'METADATA_ONLY';
    return {
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: e.startDate,
      stopDate: e.stopDate,
      input: metadataOnly ? undefined : (e.input ?? '{}'),
      inputDetails: { included: !metadataOnly },
      output: metadataOnly ? undefined : e.output,
      outputDetails: e.output === undefined ? undefined : { included: !metadataOnly },
      error: e.error,
      cause: e.cause,
      mapRunArn: e.mapRunArn,
      stateMachineVersionArn: e.stateMachineVersionArn,
      stateMachineAliasArn: e.stateMachineAliasArn,
      redriveCount: e.redriveCount ?? 0,
      redriveDate: e.redriveDate,
      redriveStatus: e.redriveStatus ?? (e.status === 'RUNNING' || e.status === 'SUCCEEDED' ? 'NOT_REDRIVABLE' : undefined),
      redriveStatusReason: e.redriveStatusReason ?? (e.status === 'SUCCEEDED' ? 'Execution is SUCCEEDED and cannot be redriven' : undefined),
      traceHeader: e.traceHeader,
    };
  }

  private getExecutionHistory(body: Record<string, unknown>): unknown {
    const e = this.executionArg(body, { standardOnly: true });
    const all = this.histories.get(e.executionArn) ?? [];
    const reverse = body.reverseOrder === true && !this.reverseIgnored;
    const ordered = reverse ? [...all].reverse() : all;
    const { page, nextToken } = this.paginate(ordered, body, reverse ? 'hr' : 'hf', (ev) => String(ev.id));
    const includeData = body.includeExecutionData !== false;
    return { events: includeData ? page : page.map(stripData), nextToken };
  }

  private startExecution(body: Record<string, unknown>): unknown {
    const arn = this.machineArg(body);
    const m = this.machines.get(arn);
    if (!m) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    const input = typeof body.input === 'string' ? body.input : '{}';
    try {
      JSON.parse(input);
    } catch {
      throw new SfnError('InvalidExecutionInput', 'Invalid State Machine Execution Input');
    }
    const name = typeof body.name === 'string' ? body.name : randomUUID();
    if (name.length > 80 || /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/.test(name)) throw new SfnError('InvalidName', `Invalid Name: '${name}'`);
    const arnOfNew = m.type === 'EXPRESS' ? executionArn(m.name, name).replace(':execution:', ':express:') : executionArn(m.name, name);
    const existing = this.executionsByArn.get(arnOfNew);
    if (existing && m.type === 'STANDARD') {
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn: existing.executionArn, startDate: existing.startDate };
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${arnOfNew}'`);
    }
    // A new execution starts now, as in Step Functions (the seeded ones started in the past).
    this.clock = Math.max(this.clock + 1, Math.floor(Date.now() / 1000));
    const e = this.addExecution({ executionArn: arnOfNew, stateMachineArn: arn, name, status: 'RUNNING', startDate: this.clock, input });
    if (typeof body.traceHeader === 'string') e.traceHeader = body.traceHeader;
    return { executionArn: e.executionArn, startDate: e.startDate };
  }

  private stopExecution(body: Record<string, unknown>): unknown {
    const e = this.executionArg(body, { standardOnly: true });
    if (e.status === 'RUNNING' || e.status === 'PENDING_REDRIVE') {
      this.clock += 1;
      e.status = 'ABORTED';
      e.stopDate = this.clock;
      if (typeof body.error === 'string') e.error = body.error;
      if (typeof body.cause === 'string') e.cause = body.cause;
      this.appendEvent(e.executionArn, 'ExecutionAborted', { executionAbortedEventDetails: { error: e.error, cause: e.cause } });
    }
    return { stopDate: e.stopDate ?? this.clock };
  }

  private redriveExecution(body: Record<string, unknown>): unknown {
    const e = this.executionArg(body, { standardOnly: true });
    const token = typeof body.clientToken === 'string' ? body.clientToken : undefined;
    const earlier = token === undefined ? undefined : this.redrivesByToken.get(token);
    if (earlier?.executionArn === e.executionArn) return { redriveDate: earlier.redriveDate };
    const machine = this.machines.get(e.stateMachineArn);
    const ended = e.status === 'FAILED' || e.status === 'TIMED_OUT' || e.status === 'ABORTED';
    if (!ended || machine?.type === 'EXPRESS' || e.redriveStatus === 'NOT_REDRIVABLE') {
      const reason = e.redriveStatusReason ?? `Execution is ${e.status} and cannot be redriven`;
      throw new SfnError('ExecutionNotRedrivable', `Execution ${e.executionArn} is not redrivable: ${reason}`);
    }
    // A Map Run's child is redriven with its parent only.
    if (e.redriveStatus === 'REDRIVABLE_BY_MAP_RUN') throw new SfnError('ExecutionNotRedrivable', `Execution is REDRIVABLE_BY_MAP_RUN. Redrive the parent execution instead: '${e.executionArn}'`);
    this.clock += 1;
    e.status = 'RUNNING';
    delete e.stopDate;
    e.redriveCount = (e.redriveCount ?? 0) + 1;
    e.redriveDate = this.clock;
    if (token !== undefined) this.redrivesByToken.set(token, { executionArn: e.executionArn, redriveDate: e.redriveDate });
    this.appendEvent(e.executionArn, 'ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: e.redriveCount } });
    return { redriveDate: e.redriveDate };
  }

  // ---- helpers --------------------------------------------------------------------------

  private arnArg(body: Record<string, unknown>, field: string): string {
    const value = body[field];
    if (typeof value !== 'string' || value.length === 0) {
      throw new SfnError('ValidationException', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
    }
    if (!ARN_RE.test(value)) throw new SfnError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${value.slice(0, 60)}'`);
    return value;
  }

  /** A state machine ARN; a Distributed Map's labelled one (Orders/MapLabel, as its children name it) is refused, as Step Functions does. */
  private machineArg(body: Record<string, unknown>): string {
    const arn = this.arnArg(body, 'stateMachineArn');
    if ((arn.split(':')[6] ?? '').includes('/')) {
      throw new SfnError('ValidationException', 'Invalid Arn: qualified state machine ARN refers to a Distributed Map state', 400, { reason: 'API_DOES_NOT_SUPPORT_LABELED_ARNS' });
    }
    return arn;
  }

  /** `standardOnly`: the operation takes no EXPRESS execution at all (GetExecutionHistory, StopExecution, RedriveExecution). */
  private executionArg(body: Record<string, unknown>, opts: { standardOnly?: boolean } = {}): FakeExecution {
    const arn = this.arnArg(body, 'executionArn');
    const e = this.executionsByArn.get(arn);
    if (!e) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    // Step Functions keeps nothing of an EXPRESS execution but those a Map Run dispatched, and only describes those.
    if (arn.includes(':express:') && e.mapRunArn === undefined) throw new SfnError('StateMachineTypeNotSupported', 'This operation is not supported by this type of state machine');
    if (opts.standardOnly && arn.includes(':express:')) throw new SfnError('InvalidArn', EXPRESS_ARN_REFUSED);
    return e;
  }

  /**
   * Keyset paging: the token names the last key returned and a hash of the query, so items added at
   * the head of a newest-first list do not shift later pages. maxResults 0 (or absent) means 100.
   */
  private paginate<T>(all: T[], body: Record<string, unknown>, kind: string, keyOf: (item: T) => string): { page: T[]; nextToken?: string } {
    const maxResults = body.maxResults === undefined ? 0 : Number(body.maxResults);
    if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > 1000) {
      throw new SfnError('ValidationException', `1 validation error detected: Value '${String(body.maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`);
    }
    const size = Math.min(maxResults === 0 ? 100 : maxResults, this.pageCap ?? Number.MAX_SAFE_INTEGER);
    const query = queryHash(kind, body);
    let start = 0;
    if (body.nextToken !== undefined) {
      const after = decodeToken(typeof body.nextToken === 'string' ? body.nextToken.split(PADDING)[0] : body.nextToken, query);
      const position = after?.key.startsWith(POSITION) ? Number(after.key.slice(POSITION.length)) : undefined;
      const at = after === undefined ? -1 : position !== undefined ? position - 1 : all.findIndex((item) => keyOf(item) === after.key);
      if (after === undefined || at < 0) throw new SfnError('InvalidToken', `Invalid Token: '${String(body.nextToken).slice(0, 40)}'`);
      start = at + 1;
      if (after.empties < this.emptyPages) return { page: [], nextToken: this.padded(encodeToken(after.key, query, after.empties + 1)) };
    }
    const page = all.slice(start, start + size);
    const last = page[page.length - 1];
    const token = start + size < all.length && last !== undefined ? encodeToken(this.byPosition ? `${POSITION}${start + size}` : keyOf(last), query) : undefined;
    const nextToken = token === undefined ? undefined : this.padded(token);
    if (this.handBack && typeof body.nextToken === 'string') return { page, nextToken: body.nextToken };
    return nextToken ? { page, nextToken } : { page };
  }
}

/** Between a token and its padding (see padTokens): no base64 character. */
const PADDING = '~';

/** Marks a position token's "key": the index of the page's first item. */
const POSITION = '#pos:';

function queryHash(kind: string, body: Record<string, unknown>): string {
  const sorted = Object.keys(body)
    .filter((k) => k !== 'nextToken' && k !== 'maxResults')
    .sort()
    .map((k) => [k, body[k]]);
  return createHash('sha256').update(kind).update(JSON.stringify(sorted)).digest('hex').slice(0, 12);
}

/** `empties`: empty pages already answered for this position (see emptyPagesBefore). */
function encodeToken(afterKey: string, query: string, empties = 0): string {
  // Real tokens are long opaque strings; make these look and behave alike.
  return `AAAAK${Buffer.from(JSON.stringify({ a: afterKey, q: query, ...(empties > 0 ? { e: empties } : {}) })).toString('base64')}`;
}

function decodeToken(token: unknown, query: string): { key: string; empties: number } | undefined {
  if (typeof token !== 'string' || !token.startsWith('AAAAK')) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token.slice(5), 'base64').toString('utf8')) as { a?: unknown; q?: unknown; e?: unknown };
    if (parsed.q !== query || typeof parsed.a !== 'string') return undefined;
    return { key: parsed.a, empties: typeof parsed.e === 'number' ? parsed.e : 0 };
  } catch {
    return undefined;
  }
}

function stripData(event: FakeEvent): FakeEvent {
  const out: FakeEvent = { ...event };
  for (const [key, value] of Object.entries(event)) {
    if (!key.endsWith('EventDetails') || !value || typeof value !== 'object') continue;
    out[key] = Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([k]) => k !== 'input' && k !== 'output' && k !== 'parameters' && k !== 'assignedVariables'));
  }
  return out;
}

export async function startFakeSfn(): Promise<FakeSfn> {
  return new FakeSfn().start();
}

// ---- realistic histories ---------------------------------------------------------------------

export interface HistoryOptions {
  /** Number of Task states run one after another. */
  tasks: number;
  /** Index of the task that fails (its TaskFailed, then ExecutionFailed end the history). */
  failAt?: number;
  /** Characters of each task's input/output payload. */
  payloadChars?: number;
  /** Start time (epoch s). */
  start?: number;
  /** Whether the first task is retried once after a failure before it goes on. */
  retryFirst?: boolean;
}

/**
 * A history as Step Functions writes it: ExecutionStarted, then per task
 * TaskStateEntered → TaskScheduled → TaskStarted → TaskSucceeded → TaskStateExited
 * (linked by previousEventId), ending in ExecutionSucceeded or TaskFailed + ExecutionFailed.
 */
export function buildHistory(opts: HistoryOptions): FakeEvent[] {
  const events: FakeEvent[] = [];
  let t = opts.start ?? BASE_EPOCH_S;
  const pad = (n: number) => 'x'.repeat(Math.max(0, n));
  const data = (i: number) => JSON.stringify({ step: i, blob: pad((opts.payloadChars ?? 40) - 30) });
  const push = (type: string, details: Record<string, unknown> | undefined, previous: number | undefined): number => {
    t += 0.25;
    const id = events.length + 1;
    const e: FakeEvent = { id, type, timestamp: Math.round(t * 1000) / 1000 };
    if (previous !== undefined) e.previousEventId = previous;
    if (details) Object.assign(e, details);
    events.push(e);
    return id;
  };
  let prev = push('ExecutionStarted', { executionStartedEventDetails: { input: data(0), inputDetails: { truncated: false }, roleArn: `arn:aws:iam::${ACCOUNT}:role/r` } }, 0);
  for (let i = 1; i <= opts.tasks; i += 1) {
    const name = `Step${i}`;
    const entered = push('TaskStateEntered', { stateEnteredEventDetails: { name, input: data(i), inputDetails: { truncated: false } } }, prev);
    let scheduled = push('TaskScheduled', { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: REGION, parameters: JSON.stringify({ FunctionName: `fn-${i}`, Payload: data(i) }) } }, entered);
    let started = push('TaskStarted', { taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } }, scheduled);
    if (opts.retryFirst && i === 1) {
      const failed = push('TaskFailed', { taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'Lambda.ServiceException', cause: 'transient' } }, started);
      scheduled = push('TaskScheduled', { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: REGION, parameters: '{}' } }, failed);
      started = push('TaskStarted', { taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } }, scheduled);
    }
    if (opts.failAt === i) {
      const cause = JSON.stringify({ errorMessage: `order ${i} rejected`, errorType: 'OrderError', stackTrace: ['at handler (index.js:10)'], detail: pad(3000) });
      const failed = push('TaskFailed', { taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'OrderError', cause } }, started);
      push('ExecutionFailed', { executionFailedEventDetails: { error: 'OrderError', cause } }, failed);
      return events;
    }
    const succeeded = push('TaskSucceeded', { taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: data(i), outputDetails: { truncated: false } } }, started);
    prev = push('TaskStateExited', { stateExitedEventDetails: { name, output: data(i), outputDetails: { truncated: false } } }, succeeded);
  }
  push('ExecutionSucceeded', { executionSucceededEventDetails: { output: data(opts.tasks + 1), outputDetails: { truncated: false } } }, prev);
  return events;
}
