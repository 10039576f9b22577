import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback fake of Ona's gitpod.v1.AgentService (Connect unary, JSON): pages newest first,
 * takes the page token from the body's pagination.token or the ?token= query, checks the bearer
 * token, implements the list filters, get, start and stop, and injects faults on demand.
 */

export type RawExecution = Record<string, unknown> & {
  id: string;
  metadata: Record<string, unknown> & { createdAt: string };
  spec: Record<string, unknown>;
  status: Record<string, unknown>;
};

export type Fault =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'reset' }
  /** The call takes effect, then the connection drops before the answer: the caller cannot tell. */
  | { kind: 'lostAnswer' }
  /** A 200 whose body stops after its first bytes: the connection drops while the server answers. */
  | { kind: 'cutBody' }
  | { kind: 'malformed' }
  | { kind: 'wrongShape' }
  /** A 200 of 17 MiB: more than any reply the client accepts. */
  | { kind: 'huge' }
  | { kind: 'slow'; ms: number }
  /** Another actor changes the execution the request names (it ends, or another caller stops it) just before the request is handled. */
  | { kind: 'changeFirst'; change: (execution: RawExecution) => void };

export interface RecordedRequest {
  method: string;
  body: Record<string, unknown>;
  query: URLSearchParams;
  authorization: string | undefined;
  /** A Range header: a client resuming a cut-off reply (never right for a Connect call). */
  range?: string | undefined;
}

export interface OnaFake {
  baseUrl: string;
  apiKey: string;
  /** Newest first, as the service lists them. */
  executions: RawExecution[];
  requests: RecordedRequest[];
  /** Requests whose client went away before the reply was written. */
  abandoned: number;
  /** The most requests it has had in hand at once. */
  peakInFlight: number;
  /** Queue a fault for the next `times` requests (of `method`, when given). */
  failNext(fault: Fault, times?: number, method?: string): void;
  /** Called with each request as it arrives, before it is answered (e.g. to add executions between two pages). */
  onRequest?: (method: string) => void;
  close(): Promise<void>;
}

const FILTER_PATHS: Record<string, (e: RawExecution) => unknown> = {
  agentIds: (e) => e.spec.agentId,
  creatorIds: (e) => (e.metadata.creator as { id?: string } | undefined)?.id,
  environmentIds: (e) => (e.spec.codeContext as { environmentId?: string } | undefined)?.environmentId,
  projectIds: (e) => (e.spec.codeContext as { projectId?: string } | undefined)?.projectId,
  roles: (e) => e.metadata.role,
  statusPhases: (e) => e.status.phase,
  // Where the tools read the session from (spec, then status, then the newer metadata field).
  sessionIds: (e) => e.spec.session || e.status.session || e.metadata.sessionId,
  agentExecutionIds: (e) => e.id,
};

export async function startOnaFake(opts: { apiKey: string; executions?: RawExecution[] }): Promise<OnaFake> {
  const faults: Array<{ fault: Fault; method?: string | undefined }> = [];
  let started = 0;
  let inFlight = 0;
  const fake: OnaFake = {
    baseUrl: '',
    apiKey: opts.apiKey,
    executions: opts.executions ?? [],
    requests: [],
    abandoned: 0,
    peakInFlight: 0,
    failNext(fault, times = 1, method) {
      for (let i = 0; i < times; i += 1) faults.push({ fault, method });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  /** Replies of calls that take effect but whose answer is lost (the lostAnswer fault). */
  const lost = new WeakSet<ServerResponse>();
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    if (lost.has(res)) return void res.socket?.destroy();
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
  const connectError = (res: ServerResponse, status: number, code: string, message: string) => send(res, status, { code, message });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = url.pathname.replace(/^.*\/gitpod\.v1\.AgentService\//, '');
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return connectError(res, 400, 'invalid_argument', 'request body is not JSON');
    }
    fake.requests.push({ method, body, query: url.searchParams, authorization: req.headers.authorization, range: req.headers.range });
    fake.onRequest?.(method);
    inFlight += 1;
    fake.peakInFlight = Math.max(fake.peakInFlight, inFlight);
    res.on('close', () => {
      inFlight -= 1;
      if (!res.writableFinished) fake.abandoned += 1;
    });

    const at = faults.findIndex((f) => f.method === undefined || f.method === method);
    if (at >= 0) {
      const [{ fault }] = faults.splice(at, 1) as [{ fault: Fault }];
      if (fault.kind === 'status') return send(res, fault.status, fault.body ?? '', fault.headers);
      if (fault.kind === 'reset') return void req.socket.destroy();
      if (fault.kind === 'cutBody') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '600' });
        res.write('{"agentExecutions": [{"id": "cut');
        return void setTimeout(() => req.socket.destroy(), 20);
      }
      if (fault.kind === 'malformed') return send(res, 200, '{"agentExecutions": [{"id": "trunc');
      if (fault.kind === 'wrongShape') return send(res, 200, { agentExecutions: 'not a list', pagination: 7 });
      if (fault.kind === 'huge') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"agentExecutions": [{"id": "');
        const mib = 'x'.repeat(1024 * 1024);
        for (let i = 0; i < 17 && !res.destroyed; i += 1) res.write(mib);
        return void res.end('"}]}');
      }
      if (fault.kind === 'lostAnswer') {
        lost.add(res);
      } else if (fault.kind === 'changeFirst') {
        const named = fake.executions.find((e) => e.id === body.agentExecutionId);
        if (named) fault.change(named);
      } else {
        // The reply comes after fault.ms, or never once the client has gone away.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, fault.ms);
          res.on('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (res.destroyed) return;
      }
    }

    if (req.method !== 'POST') return connectError(res, 405, 'unimplemented', 'POST only');
    // A Connect server takes unary JSON only as application/json (a proto body otherwise).
    if (!/^application\/json(;|$)/.test(req.headers['content-type'] ?? '')) return connectError(res, 415, 'unimplemented', 'content-type must be application/json');
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return connectError(res, 401, 'unauthenticated', 'invalid or missing personal access token');
    }
    switch (method) {
      case 'ListAgentExecutions':
        return list(res, body, url.searchParams);
      case 'GetAgentExecution': {
        const found = fake.executions.find((e) => e.id === body.agentExecutionId);
        if (!found) return connectError(res, 404, 'not_found', `agent execution ${String(body.agentExecutionId)} not found`);
        send(res, 200, { agentExecution: found });
        // A stop takes effect asynchronously: the first look after it still sees the execution running.
        if (found.spec.desiredPhase === 'PHASE_STOPPED') found.status.phase = 'PHASE_STOPPED';
        return;
      }
      case 'StartAgent': {
        started += 1;
        const id = `started-${String(started).padStart(4, '0')}`;
        const codeContext = (body.codeContext as Record<string, unknown> | undefined) ?? {};
        const execution: RawExecution = {
          id,
          metadata: {
            name: body.name ?? '',
            createdAt: new Date().toISOString(),
            annotations: body.annotations ?? {},
            creator: { id: 'user-me', principal: 'PRINCIPAL_USER' },
          },
          spec: { agentId: body.agentId ?? 'default-agent', codeContext },
          status: { phase: 'PHASE_PENDING', mode: body.mode ?? 'AGENT_MODE_EXECUTION' },
        };
        fake.executions.unshift(execution);
        return send(res, 200, { agentExecutionId: id });
      }
      case 'StopAgentExecution': {
        const found = fake.executions.find((e) => e.id === body.agentExecutionId);
        if (!found) return connectError(res, 404, 'not_found', `agent execution ${String(body.agentExecutionId)} not found`);
        // As a Connect service refuses an operation the resource's state no longer allows.
        if (found.spec.desiredPhase === 'PHASE_STOPPED' || found.status.phase === 'PHASE_STOPPED') {
          return connectError(res, 400, 'failed_precondition', `agent execution ${found.id} is already stopping or stopped`);
        }
        found.spec.desiredPhase = 'PHASE_STOPPED';
        return send(res, 200, {});
      }
      default:
        return connectError(res, 404, 'unimplemented', `method ${method} not implemented`);
    }
  }

  function list(res: ServerResponse, body: Record<string, unknown>, query: URLSearchParams): void {
    const filter = (body.filter as Record<string, unknown> | undefined) ?? {};
    const pagination = (body.pagination as { pageSize?: number; token?: string } | undefined) ?? {};
    const pageSize = Number(query.get('pageSize') ?? pagination.pageSize ?? 25) || 25;
    if (pageSize < 0 || pageSize > 100) return connectError(res, 400, 'invalid_argument', 'pagination.page_size must be at most 100');
    const token = pagination.token || query.get('token') || '';
    let offset = 0;
    if (token) {
      const match = /^pg1:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
      if (!match) return connectError(res, 400, 'invalid_argument', 'invalid pagination token');
      offset = Number(match[1]);
    }
    const matching = fake.executions.filter((e) => {
      for (const [field, get] of Object.entries(FILTER_PATHS)) {
        const wanted = filter[field] as unknown[] | undefined;
        if (wanted && wanted.length > 0 && !wanted.includes(get(e))) return false;
      }
      const annotations = filter.annotations as Record<string, string> | undefined;
      const have = (e.metadata.annotations as Record<string, string> | undefined) ?? {};
      return !annotations || Object.entries(annotations).every(([k, v]) => have[k] === v);
    });
    const page = matching.slice(offset, offset + pageSize);
    const next = offset + pageSize < matching.length ? Buffer.from(`pg1:${offset + pageSize}`).toString('base64url') : '';
    send(res, 200, { agentExecutions: page, pagination: next ? { nextToken: next } : {} });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => connectError(res, 500, 'internal', 'fake failed'));
  });
  // As in the SFN fake: clients drop an idle socket only 1 s before the hinted 5 s, which a loaded
  // machine can outlast, and a socket reused as the server closed it is reset. close() ends them.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  return fake;
}

const PHASE_CYCLE = ['PHASE_RUNNING', 'PHASE_STOPPED', 'PHASE_WAITING_FOR_INPUT', 'PHASE_STOPPED', 'PHASE_PENDING', 'PHASE_STOPPED'];

function uuid(n: number, salt: string): string {
  const hex = (n * 2654435761 + salt.length * 97).toString(16).padStart(12, '0').slice(-12);
  return `${salt.padEnd(8, '0').slice(0, 8)}-4e2d-4b9d-9fb3-${hex}`;
}

/** A realistic execution, shaped like the documented example response (every section filled). */
export function makeExecution(i: number, now = Date.parse('2026-08-01T12:00:00Z')): RawExecution {
  const phase = PHASE_CYCLE[i % PHASE_CYCLE.length] as string;
  // Stopped items cycle through failed (i%6=1), stop requested (i%6=3) and clean finish (i%6=5).
  const failed = i % 6 === 1;
  const created = new Date(now - i * 600_000).toISOString();
  const updated = new Date(now - i * 600_000 + 240_000).toISOString();
  const id = uuid(i, 'ae');
  return {
    id,
    metadata: {
      annotations: { team: i % 2 === 0 ? 'payments' : 'search', ticket: `OPS-${1000 + i}` },
      createdAt: created,
      creator: { id: uuid(i % 3, 'usr'), principal: 'PRINCIPAL_USER' },
      description: `Fix flaky test suite run ${i}`,
      name: `fix-flaky-tests-${i}`,
      role: i % 5 === 0 ? 'AGENT_EXECUTION_ROLE_WORKFLOW' : 'AGENT_EXECUTION_ROLE_DEFAULT',
      sessionId: uuid(i, 'ses'),
      updatedAt: updated,
      workflowActionId: i % 5 === 0 ? uuid(i, 'wfa') : '',
    },
    spec: {
      agentId: uuid(i % 2, 'agt'),
      codeContext: {
        contextUrl: { environmentClassId: uuid(1, 'ecl'), url: 'https://github.com/acme/payments-service' },
        environmentId: uuid(i, 'env'),
        projectId: uuid(i % 3, 'prj'),
      },
      desiredPhase: i % 6 === 3 ? 'PHASE_STOPPED' : 'PHASE_UNSPECIFIED',
      limits: { maxInputTokens: '2000000', maxIterations: '200', maxOutputTokens: '200000' },
      loopConditions: [],
      session: uuid(i, 'ses'),
      specVersion: String(3 + (i % 4)),
    },
    status: {
      cachedCreationTokensUsed: String(1200 * (i + 1)),
      cachedInputTokensUsed: String(45_000 * (i + 1)),
      contextWindowLength: '200000',
      conversationUrl: `https://app.gitpod.io/ai/${id}`,
      currentActivity: phase === 'PHASE_RUNNING' ? 'Running the test suite with npm test -- --runInBand' : '',
      currentOperation: { llm: { complete: true }, retries: '0', session: uuid(i, 'ses'), toolUse: { complete: false, toolName: 'bash' } },
      failureMessage: failed ? `environment failed to start: image build exited with code 1 (step ${i})\nsee build log` : '',
      failureReason: failed ? 'AGENT_EXECUTION_FAILURE_REASON_ENVIRONMENT' : 'AGENT_EXECUTION_FAILURE_REASON_UNSPECIFIED',
      inputTokensUsed: String(150_000 + 1000 * i),
      iterations: String(10 + i),
      judgement: phase === 'PHASE_STOPPED' ? 'The change fixes the race in the retry test; all tests pass.' : '',
      mcpIntegrationStatuses: [{ id: 'linear', name: 'Linear', phase: 'MCP_INTEGRATION_PHASE_READY', failureMessage: '', warningMessage: '' }],
      mode: 'AGENT_MODE_EXECUTION',
      outputs: phase === 'PHASE_STOPPED' ? { pr: { stringValue: `https://github.com/acme/payments-service/pull/${100 + i}` } } : {},
      outputTokensUsed: String(8000 + 100 * i),
      phase,
      session: uuid(i, 'ses'),
      statusVersion: String(20 + i),
      supportedModel: 'SUPPORTED_MODEL_SONNET_4',
      transcriptUrl: `https://app.gitpod.io/ai/${id}/transcript`,
      usedEnvironments: [{ createdByAgent: true, environmentId: uuid(i, 'env') }],
      warningMessage: '',
    },
  };
}

export function makeExecutions(count: number, now?: number): RawExecution[] {
  return Array.from({ length: count }, (_, i) => makeExecution(i, now));
}
