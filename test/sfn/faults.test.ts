import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionArn, startFakeSfn, type FakeExecution, type FakeSfn } from '../fakes/sfn.js';
import { toBackendError } from '../../src/backends/sfn/errors.js';
import { describeError } from '../../src/server/errors.js';
import { UntrustedFence } from '../../src/server/render.js';
import { PREAMBLE, withFenceId } from '../helpers/fence.js';
import { until } from '../helpers/wait.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * Backend faults through the real SFNClient: each becomes an isError result naming the backend,
 * the operation, what went wrong and the next step. No stack traces, no raw bodies.
 */

let fake: FakeSfn;
let env: SfnEnv;
let orders: string;
let express: string;
let runs: FakeExecution[];

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  express = fake.addStateMachine('Clicks', 'EXPRESS');
  runs = fake.addExecutions(orders, 40);
  env = await startSfnEnv({ fake, argv: ['--allow-writes'] });
});

afterAll(async () => {
  await env.close();
  await fake.close();
});

function expectClean(text: string): void {
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toMatch(/node_modules|\.ts:\d+|__type/);
}

describe('modeled errors become actionable isError results', () => {
  it('invalid ARN (rejected by the backend)', async () => {
    const r = await env.call('describe_execution', { executionArn: 'arn:aws:states:us-east-1:123:execution:Orders:x' });
    expect(r.isError).toBe(true);
    expect(withFenceId(r.text)).toBe(
      "Step Functions DescribeExecution failed: InvalidArn (HTTP 400): <untrusted-data-ID>Invalid Arn: 'Resource type not valid in this context: arn:aws:states:us-east-1:123:execution:Orders:x'</untrusted-data-ID>. " +
        `Next: call list_executions to find valid execution ARNs.\n${PREAMBLE}`,
    );
    expectClean(r.text);
  });

  it('unknown execution', async () => {
    const arn = executionArn('Orders', 'nope');
    const r = await env.call('describe_execution', { executionArn: arn });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('Step Functions DescribeExecution failed: ExecutionDoesNotExist');
    expect(r.text).toContain(arn);
    expect(r.text).toContain('Next: call list_executions with the stateMachineArn');
    const h = await env.call('get_execution_history', { executionArn: arn });
    expect(h.text).toMatch(/GetExecutionHistory failed: ExecutionDoesNotExist.*Next: call list_executions/);
  });

  it('an ARN from another region or partition: the advice is the server\'s region, not another ARN', async () => {
    const elsewhere = 'arn:aws:states:eu-west-1:123456789012:execution:Orders:nope';
    const r = await env.call('describe_execution', { executionArn: elsewhere });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(
      /DescribeExecution failed: ExecutionDoesNotExist.*Next: executionArn is in region eu-west-1, but this server calls Step Functions in us-east-1: use an ARN from us-east-1, or start the server with AWS_REGION=eu-west-1/,
    );
    const china = await env.call('list_executions', { stateMachineArn: 'arn:aws-cn:states:cn-north-1:123456789012:stateMachine:Orders' });
    expect(china.text).toMatch(/ListExecutions failed: StateMachineDoesNotExist.*Next: stateMachineArn is in region cn-north-1, but this server calls Step Functions in us-east-1/);
    // The same region keeps the tool's own advice.
    const here = await env.call('get_execution_history', { executionArn: executionArn('Orders', 'nope') });
    expect(here.text).toMatch(/Next: call list_executions/);
  });

  it('unknown state machine', async () => {
    const r = await env.call('list_executions', { stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Ghost' });
    expect(r.text).toMatch(/ListExecutions failed: StateMachineDoesNotExist.*Next: call list_state_machines/);
  });

  it('EXPRESS state machine: explains the limitation', async () => {
    const r = await env.call('list_executions', { stateMachineArn: express });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/ListExecutions failed: StateMachineTypeNotSupported .*EXPRESS state machine.*CloudWatch Logs.*list_state_machines/);
  });

  it('not redrivable: says why and what to call', async () => {
    const ok = runs.find((e) => e.status === 'SUCCEEDED') as FakeExecution;
    const r = await env.call('redrive_execution', { executionArn: ok.executionArn });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/RedriveExecution failed: ExecutionNotRedrivable .*SUCCEEDED.*Next: only STANDARD executions that FAILED.*describe_execution/);
  });

  it('expired backend nextToken: start over without startingToken', async () => {
    const first = await env.call('list_executions', { stateMachineArn: orders, maxItems: 5, pageSize: 5 });
    const token = first.structured?.nextToken as string;
    fake.inject({ kind: 'expiredToken' }, { op: 'ListExecutions' });
    const r = await env.call('list_executions', { stateMachineArn: orders, maxItems: 5, pageSize: 5, startingToken: token });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/ListExecutions failed: InvalidToken \(HTTP 400\).*expired.*Next: the backend no longer accepts the continuation token \(it expired.*call again without startingToken/);
  });

  it('a backend that rejects its own token mid-call is a backend fault, not an expired continuation', async () => {
    fake.inject({ kind: 'slow', ms: 0 }, { op: 'ListExecutions' });
    fake.inject({ kind: 'expiredToken' }, { op: 'ListExecutions' });
    const r = await env.call('list_executions', { stateMachineArn: orders, maxItems: 10, pageSize: 5 });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/ListExecutions failed: InvalidToken \(HTTP 400\): the backend rejected a page token it had issued earlier in this call.*Next: call again once; .*fewer items per call \(maxItems\)/);
    expect(r.text).not.toMatch(/without startingToken|temporarily failing/);
  });

  it('a page-token error to a first page, sent with no token, blames the backend, not a token', async () => {
    fake.inject({ kind: 'expiredToken' }, { op: 'ListExecutions' });
    const r = await env.call('list_executions', { stateMachineArn: orders, maxItems: 5 });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/ListExecutions failed: InvalidToken \(HTTP 400\): the backend answered with a page-token error to a request that carried no page token/);
    expect(r.text).not.toMatch(/without startingToken|issued earlier/);
  });

  it('a continued call whose second page token is rejected blames the backend, not the caller\'s token', async () => {
    const first = await env.call('list_executions', { stateMachineArn: orders, maxItems: 5, pageSize: 5 });
    const token = first.structured?.nextToken as string;
    // The caller's token works for the first page; the token the backend issues with it is rejected.
    fake.inject({ kind: 'slow', ms: 0 }, { op: 'ListExecutions' });
    fake.inject({ kind: 'expiredToken' }, { op: 'ListExecutions' });
    const r = await env.call('list_executions', { stateMachineArn: orders, maxItems: 10, pageSize: 5, startingToken: token });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/the backend rejected a page token it had issued earlier in this call/);
    expect(r.text).not.toMatch(/without startingToken/);
  });

  it('access denied: names the permission problem', async () => {
    fake.inject({ kind: 'accessDenied' });
    const r = await env.call('list_state_machines');
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/^Step Functions ListStateMachines failed: AccessDeniedException \(HTTP 400\): .*states:ListStateMachines.*Next: the server's credentials lack permission/);
  });

  it('a backend message is shown on one line, invisible characters as U+FFFD', async () => {
    fake.inject({ kind: 'raw', status: 400, body: JSON.stringify({ __type: 'ExecutionDoesNotExist', message: 'gone\u202e\n    at Foo.bar (/srv/x.js:1:1)' }) }, { op: 'DescribeExecution' });
    const r = await env.call('describe_execution', { executionArn: executionArn('Orders', 'missing') });
    expect(r.isError).toBe(true);
    expect(withFenceId(r.text)).toContain('ExecutionDoesNotExist (HTTP 400): <untrusted-data-ID>gone\ufffd at Foo.bar (/srv/x.js:1:1)</untrusted-data-ID>. Next:');
  });

  it('rejected credentials: says it is a server configuration problem', async () => {
    fake.inject({ kind: 'unrecognizedClient' });
    const r = await env.call('list_state_machines');
    expect(r.text).toMatch(/UnrecognizedClientException.*Next: the server's credentials were rejected; fix the server's configuration/);
  });
});

describe('transport faults with maxAttempts 1', () => {
  it.each([
    // Nothing to narrow in a describe: waiting is the whole advice.
    [{ kind: 'throttle', status: 400 } as const, /ThrottlingException \(HTTP 400\).*Next: the backend is throttling requests \(a rate limit or quota\); wait a few seconds and call again\.\nText inside <untrusted-data-\w+> tags [^\n]*$/],
    [{ kind: 'throttle', status: 429 } as const, /ThrottlingException \(HTTP 429\).*Next: the backend is throttling/],
    [{ kind: 'internal', status: 500 } as const, /InternalFailure \(HTTP 500\).*Next: the backend is temporarily failing/],
    [{ kind: 'internal', status: 503 } as const, /ServiceUnavailable \(HTTP 503\).*Next: the backend is temporarily failing/],
    [{ kind: 'malformed' } as const, /failed: .*the response body could not be parsed \(not JSON, or a field of the wrong type\)\. Next: the backend's reply is not one its API gives; a passing fault goes away when called again/],
    [{ kind: 'drop' } as const, /failed: ECONNRESET: the connection to the Step Functions endpoint was dropped before it answered \(ECONNRESET\)\. Next: the backend is temporarily failing; call again/],
    [{ kind: 'cutBody' } as const, /failed: \w+ \(HTTP 200\): the connection to the Step Functions endpoint was dropped while it was answering \(\w+\)\. Next: the backend is temporarily failing; call again/],
  ])('%o gives a clear isError', async (fault, expected) => {
    fake.inject(fault, { op: 'DescribeExecution' });
    const r = await env.call('describe_execution', { executionArn: (runs[0] as FakeExecution).executionArn });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/^Step Functions DescribeExecution failed/);
    expect(r.text).toMatch(expected);
    expectClean(r.text);
    // The server is still fine afterwards.
    const again = await env.call('describe_execution', { executionArn: (runs[0] as FakeExecution).executionArn });
    expect(again.isError).toBeUndefined();
  });

  it.each([
    [500, '<html><body>502 Bad Gateway</body></html>', /^Step Functions DescribeExecution failed: UnreadableErrorReply \(HTTP 500\): the endpoint answered with a body that is not a Step Functions error .*Next: the backend is temporarily failing/],
    // A 401 or 403 without a Step Functions error name (a WAF's page, API Gateway's JSON) is no IAM denial: the endpoint settings, not permissions.
    [403, '<html>Forbidden by proxy</html>', /^Step Functions DescribeExecution failed: UnreadableErrorReply \(HTTP 403\): the endpoint answered HTTP 403 without a Step Functions error code, which Step Functions always sends\. Next: a proxy or gateway between the server and Step Functions refused the request, or the endpoint is not the Step Functions API: check the server's endpoint configuration \(AWS_ENDPOINT_URL_SFN\) and any proxy on the way \(this is not fixable from a tool call\)\.$/],
    [403, '{"message":"Forbidden"}', /^Step Functions DescribeExecution failed: Unknown \(HTTP 403\): Forbidden\. Next: a proxy or gateway between the server and Step Functions refused the request, .*\(AWS_ENDPOINT_URL_SFN\) and any proxy on the way \(this is not fixable from a tool call\)\.$/],
    [401, '', /^Step Functions DescribeExecution failed: Unknown \(HTTP 401\): the endpoint answered HTTP 401 without a Step Functions error code, which Step Functions always sends\. Next: a proxy or gateway between/],
    // Named by AWS, a 403 keeps its own advice.
    [403, '{"__type":"AccessDeniedException","message":"not authorized"}', /^Step Functions DescribeExecution failed: AccessDeniedException \(HTTP 403\): .*Next: the server's credentials lack permission for this operation; see the README's permission table\.\n/],
    [403, '{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}', /failed: UnrecognizedClientException \(HTTP 403\): .*Next: the server's credentials were rejected/],
    [200, '{}', /^Step Functions DescribeExecution failed: MalformedResponse: the reply lacks status, startDate\. Next: the backend's reply is not one its API gives/],
    [200, 'null', /failed: MalformedResponse.*the reply lacks status, startDate/],
    [200, '[1,2,3]', /failed: MalformedResponse/],
    [413, '<html>413 Request Entity Too Large</html>', /failed: UnreadableErrorReply \(HTTP 413\): the request was too large for the endpoint\. Next: check the arguments/],
    [200, '{"status":"SUCCEEDED","startDate":"yesterday"}', /failed: .*could not be parsed \(not JSON, or a field of the wrong type\)/],
    // Statuses Step Functions never answers with: what answers at that address is something else.
    [404, '{"message":"Not Found"}', /failed: Unknown \(HTTP 404\): the endpoint answered HTTP 404, which Step Functions never does.*Next: check the server's endpoint configuration \(AWS_ENDPOINT_URL_SFN\)/],
    [404, '<html>404 Not Found</html>', /failed: UnreadableErrorReply \(HTTP 404\): the endpoint answered HTTP 404.*Next: check the server's endpoint configuration/],
    [301, '', /failed: Unknown \(HTTP 301\): the endpoint answered HTTP 301.*Next: check the server's endpoint configuration/],
    [407, '<html>Proxy Authentication Required</html>', /failed: UnreadableErrorReply \(HTTP 407\): a proxy between the server and Step Functions asked for credentials.*Next: check the server's endpoint configuration/],
    [408, '', /failed: Unknown \(HTTP 408\)\. Next: the backend did not answer in time; call again/],
    // Step Functions names every error: a 4xx refusal without a name came from something on the way.
    [400, '<html><body>Bad Request</body></html>', /failed: UnreadableErrorReply \(HTTP 400\): the endpoint answered HTTP 400 without a Step Functions error code, which Step Functions always sends\. Next: a proxy or gateway between the server and Step Functions refused the request, or the endpoint is not the Step Functions API: check the server's endpoint configuration \(AWS_ENDPOINT_URL_SFN\)/],
    [400, '', /failed: Unknown \(HTTP 400\): the endpoint answered HTTP 400 without a Step Functions error code.*Next: a proxy or gateway/],
    [400, '{"message":"bad request"}', /failed: Unknown \(HTTP 400\): <untrusted-data-(\w+)>bad request<\/untrusted-data-\1>\. Next: a proxy or gateway/],
  ] as const)('HTTP %i with body %s is classified by what came back, never as a JavaScript error', async (status, body, expected) => {
    fake.inject({ kind: 'raw', status, body, contentType: body.startsWith('<') ? 'text/html' : undefined }, { op: 'DescribeExecution' });
    const r = await env.call('describe_execution', { executionArn: (runs[0] as FakeExecution).executionArn });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(expected);
    expect(r.text).not.toMatch(/SyntaxError|TypeError/);
    expectClean(r.text);
  });

  // The list member is required by the API: without it (or not a list of objects) "no more" would be a lie.
  it.each([
    ['list_state_machines', 'ListStateMachines', {}, '{}', /the reply's stateMachines is missing/],
    ['list_state_machines', 'ListStateMachines', {}, '{"stateMachines":5}', /the reply's stateMachines is not a list/],
    ['list_executions', 'ListExecutions', { maxItems: 5 }, '', /the reply's executions is missing/],
    ['list_executions', 'ListExecutions', { maxItems: 5 }, '{"executions":null}', /the reply's executions is missing/],
    ['list_executions', 'ListExecutions', { maxItems: 5 }, '{"executions":"nope"}', /the reply's executions is not a list/],
    ['list_executions', 'ListExecutions', { maxItems: 5 }, '{"executions":[1,2]}', /the reply's executions holds something other than objects/],
    ['get_execution_history', 'GetExecutionHistory', {}, '{"events":"abc"}', /the reply's events is not a list/],
    ['get_execution_history', 'GetExecutionHistory', {}, '{"events":[{"type":"ExecutionStarted","timestamp":1}]}', /an event without a numeric id or a type/],
  ] as const)('%s: a 200 reply %s… is a MalformedResponse, not an empty list', async (tool, op, extra, body, expected) => {
    fake.inject({ kind: 'raw', status: 200, body }, { op });
    const target = tool === 'list_executions' ? { stateMachineArn: orders } : tool === 'get_execution_history' ? { executionArn: (runs[0] as FakeExecution).executionArn } : {};
    const r = await env.call(tool, { ...target, ...extra });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(new RegExp(`^Step Functions ${op} failed: MalformedResponse: `));
    expect(r.text).toMatch(expected);
    expect(r.text).not.toMatch(/internal error|TypeError/);
  });

  it('a list item with a member of the wrong type keeps its page: the member reads UNKNOWN', async () => {
    const good = executionArn('Orders', 'typed-right');
    const odd = executionArn('Orders', 'typed-wrong');
    fake.inject(
      {
        kind: 'raw',
        status: 200,
        body: JSON.stringify({
          executions: [
            { executionArn: odd, name: 7, status: 5, startDate: 1e20, itemCount: '5', redriveCount: '2', mapRunArn: 3, stateMachineAliasArn: {} },
            { executionArn: good, name: 'typed-right', status: 'SUCCEEDED', startDate: 1_763_600_000 },
          ],
        }),
      },
      { op: 'ListExecutions' },
    );
    const r = await env.call('list_executions', { stateMachineArn: orders, maxItems: 2 });
    expect(r.isError).toBeUndefined();
    const items = r.structured?.executions as Array<Record<string, unknown>>;
    expect(items[0]).toEqual({ executionArn: odd, name: 'typed-wrong', status: 'UNKNOWN', state: 'pending' });
    expect(items[1]).toMatchObject({ executionArn: good, status: 'SUCCEEDED', state: 'succeeded' });
    expect(r.text).toContain('typed-wrong  UNKNOWN  start unknown');
  });

  it('a described execution or a history event with members of the wrong type keeps the rest', async () => {
    const arn = executionArn('Orders', 'odd-members');
    fake.inject(
      {
        kind: 'raw',
        status: 200,
        body: JSON.stringify({ executionArn: arn, stateMachineArn: orders, status: 'FAILED', startDate: 1_763_600_000, redriveCount: '3', error: 42, redriveStatus: ['x'], traceHeader: 7 }),
      },
      { op: 'DescribeExecution' },
    );
    const described = await env.call('describe_execution', { executionArn: arn });
    expect(described.isError, described.text).toBeUndefined();
    expect(described.structured).toMatchObject({ executionArn: arn, status: 'FAILED', state: 'failed' });
    for (const field of ['redriveCount', 'error', 'redriveStatus', 'traceHeader']) expect(described.structured).not.toHaveProperty(field);

    const events = [
      { id: 1, type: 'ExecutionStarted', timestamp: 1_763_600_000, executionStartedEventDetails: { input: '{}' } },
      { id: 2, previousEventId: 1, type: 'MapStateEntered', timestamp: 1_763_600_001, stateEnteredEventDetails: { name: 5 } },
      { id: 3, previousEventId: '2', type: 'MapStateStarted', timestamp: 1_763_600_002, mapStateStartedEventDetails: { length: '4' } },
      { id: 4, previousEventId: 3, type: 'MapIterationFailed', timestamp: 1_763_600_003, mapIterationFailedEventDetails: { name: 'Each', index: '1' } },
      { id: 5, previousEventId: 4, type: 'TaskFailed', timestamp: 1_763_600_004, taskFailedEventDetails: { error: 9, cause: 'boom', resource: [1], resourceType: 'lambda' } },
    ];
    fake.inject({ kind: 'raw', status: 200, body: JSON.stringify({ events }) }, { op: 'GetExecutionHistory' });
    const history = await env.call('get_execution_history', { executionArn: arn });
    expect(history.isError, history.text).toBeUndefined();
    const views = history.structured?.events as Array<Record<string, unknown>>;
    expect(views.map((v) => v.id)).toEqual([1, 2, 3, 4, 5]);
    expect(views[1]).not.toHaveProperty('stateName');
    expect(views[2]).not.toHaveProperty('previousEventId');
    expect(views[2]).not.toHaveProperty('length');
    expect(views[3]).toMatchObject({ stateName: 'Each' });
    expect(views[3]).not.toHaveProperty('index');
    expect(views[4]).toMatchObject({ resourceType: 'lambda', cause: { untrustedData: 'boom' } });
    expect(views[4]).not.toHaveProperty('error');
    expect(views[4]).not.toHaveProperty('resource');
  });

  it('a fault on the first page of a multi-page walk fails the call, with nothing to go on from', async () => {
    fake.inject({ kind: 'internal', status: 500 }, { op: 'ListExecutions' });
    const r = await env.call('list_executions', { stateMachineArn: orders, pageSize: 10, maxItems: 30 });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/ListExecutions failed: InternalFailure/);
    expect(r.text).not.toContain('startingToken');
  });
});

describe('retries ride on the SDK (maxAttempts 3)', () => {
  let retrying: SfnEnv;
  beforeAll(async () => {
    retrying = await startSfnEnv({ fake, maxAttempts: 3 });
  });
  afterAll(async () => {
    await retrying.close();
  });

  it.each([
    { kind: 'throttle', status: 400 } as const,
    { kind: 'throttle', status: 429 } as const,
    { kind: 'internal', status: 500 } as const,
    { kind: 'internal', status: 503 } as const,
    { kind: 'drop' } as const,
  ])('one %o then success → success', async (fault) => {
    const before = fake.requestsFor('DescribeExecution').length;
    fake.inject(fault, { op: 'DescribeExecution' });
    const r = await retrying.call('describe_execution', { executionArn: (runs[0] as FakeExecution).executionArn });
    expect(r.isError).toBeUndefined();
    expect(r.structured?.status).toBe('SUCCEEDED');
    const made = fake.requestsFor('DescribeExecution').slice(before);
    expect(made).toHaveLength(2);
    expect(made[0]?.fault).toBe(fault.kind);
    expect(made[1]?.fault).toBeUndefined();
  });

  it('an unnamed start_execution is sent again under its one generated name, so it cannot start twice', async () => {
    const writer = await startSfnEnv({ fake, maxAttempts: 3, argv: ['--allow-writes'] });
    try {
      const before = fake.requestsFor('StartExecution').length;
      fake.inject({ kind: 'internal', status: 500 }, { op: 'StartExecution' });
      const r = await writer.call('start_execution', { stateMachineArn: orders, input: '{"a":1}' });
      expect(r.isError).toBeUndefined();
      const made = fake.requestsFor('StartExecution').slice(before);
      expect(made).toHaveLength(2);
      const names = made.map((q) => q.body.name);
      expect(names[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(names[1]).toBe(names[0]);
      expect(r.structured?.executionArn).toBe(executionArn('Orders', names[0] as string));
    } finally {
      await writer.close();
    }
  });

  it('a fault that outlasts the retries says how many attempts were made', async () => {
    fake.inject({ kind: 'internal', status: 500 }, { op: 'ListStateMachines', times: 3 });
    const r = await retrying.call('list_state_machines');
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/^Step Functions ListStateMachines failed after 3 attempts: InternalFailure \(HTTP 500\)/);
    expect(fake.requestsFor('ListStateMachines').filter((q) => q.fault === 'internal').length).toBeGreaterThanOrEqual(3);
  });

  it('modeled client errors are not retried', async () => {
    const before = fake.requestsFor('DescribeExecution').length;
    const r = await retrying.call('describe_execution', { executionArn: executionArn('Orders', 'nope') });
    expect(r.isError).toBe(true);
    expect(fake.requestsFor('DescribeExecution').length - before).toBe(1);
  });
});

describe('a backend that never answers', () => {
  let limited: SfnEnv;
  beforeAll(async () => {
    limited = await startSfnEnv({ fake, argv: ['--allow-writes'], env: { EXECUTIONS_MCP_CALL_DEADLINE_MS: '1000' } });
  });
  afterAll(async () => {
    await limited.close();
  });

  it.each([
    ['describe_execution', 'DescribeExecution'],
    ['stop_execution', 'DescribeExecution'],
    ['start_execution', 'StartExecution'],
  ] as const)('%s ends with a clear timeout error and tears the request down', async (tool, op) => {
    const before = fake.requestsFor(op).length;
    fake.inject({ kind: 'slow', ms: 60_000 }, { op });
    const args =
      tool === 'start_execution' ? { stateMachineArn: orders, input: '{}' } : { executionArn: (runs[1] as FakeExecution).executionArn };
    const r = await limited.call(tool, args);
    expect(r.isError).toBe(true);
    if (tool === 'start_execution') {
      // The request may have got through: the answer names the execution so a retry is safe.
      const name = fake.requestsFor(op)[before]?.body.name as string;
      expect(r.text).toContain(`Step Functions StartExecution failed: CallDeadline: no answer within the call's time limit (EXECUTIONS_MCP_CALL_DEADLINE_MS). The execution may have started anyway, as ${name}.`);
      expect(r.text).toContain(`describe_execution with executionArn="${executionArn('Orders', name)}"`);
      expect(r.text).toContain(`call start_execution again with name="${name}"`);
    } else {
      expect(r.text).toMatch(new RegExp(`^Step Functions ${op} failed: CallDeadline: no answer within the call's time limit \\(EXECUTIONS_MCP_CALL_DEADLINE_MS\\)\\. Next: the backend did not answer in time; call again\\.( Nothing was changed\\.)?$`));
    }
    expectClean(r.text);
    await fake.until(() => fake.requestsFor(op)[before]?.aborted === true);
    const after = await limited.call('list_state_machines');
    expect(after.isError).toBeUndefined();
  });
});

describe('a call time limit above 30 s', () => {
  // Slow by nature: the request must hang past the SDK's old fixed 30 s request timeout.
  it('a backend that stops answering mid-walk ends the call by its deadline, keeping the pages read, not by a request timeout that dropped them', { timeout: 60_000 }, async () => {
    const long = await startSfnEnv({ fake, env: { EXECUTIONS_MCP_CALL_DEADLINE_MS: '32000' } });
    try {
      const machine = fake.addStateMachine('LongDeadline');
      fake.addExecutions(machine, 30);
      // The first page answers at once; every later one hangs.
      fake.inject({ kind: 'slow', ms: 0 }, { op: 'ListExecutions' });
      fake.inject({ kind: 'slow', ms: 120_000 }, { op: 'ListExecutions', times: 1e6 });
      const r = await long.call('list_executions', { stateMachineArn: machine, pageSize: 10, maxItems: 30 });
      expect(r.isError, r.text).toBeUndefined();
      expect(r.structured?.stopReason).toBe('deadline');
      expect((r.structured?.executions as unknown[]).length).toBe(10);
      expect(r.structured?.nextToken).toEqual(expect.any(String));
    } finally {
      fake.clearFaults();
      await long.close();
    }
  });
});

describe('a write that gets no answer', () => {
  it.each([
    ['stop_execution', 'StopExecution', 'the stop may have reached Step Functions anyway: describe_execution shows whether the execution is ABORTED; calling stop_execution again is safe'],
  ] as const)('%s says the write may have happened and how to check, not just "call again"', async (tool, op, advice) => {
    const limited = await startSfnEnv({ fake, argv: ['--allow-writes'], env: { EXECUTIONS_MCP_CALL_DEADLINE_MS: '1000' } });
    try {
      const running = fake.addExecution({ stateMachineArn: orders, name: `silent-${op}`, status: tool === 'stop_execution' ? 'RUNNING' : 'FAILED', startDate: 1_763_600_000 });
      fake.inject({ kind: 'slow', ms: 60_000 }, { op });
      const r = await limited.call(tool, { executionArn: running.executionArn });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(new RegExp(`^Step Functions ${op} failed: CallDeadline: `));
      expect(r.text).toContain(`Next: ${advice}`);
    } finally {
      fake.clearFaults();
      await limited.close();
    }
  });
});

describe('a stop answered unreadably', () => {
  it.each([[{ kind: 'malformed' }], [{ kind: 'cutBody' }], [{ kind: 'internal', status: 500 }]] as const)(
    'after %o on every attempt the answer says the stop may have been applied, not only that the reply was bad',
    async (fault) => {
      const running = fake.addExecution({ stateMachineArn: orders, name: `garbled-stop-${fault.kind}`, status: 'RUNNING', startDate: 1_763_600_000 });
      fake.inject(fault, { op: 'StopExecution', times: 5 });
      try {
        const r = await env.call('stop_execution', { executionArn: running.executionArn });
        expect(r.isError).toBe(true);
        expect(r.text).toContain('Next: the stop may have reached Step Functions anyway: describe_execution shows whether the execution is ABORTED; calling stop_execution again is safe');
      } finally {
        fake.clearFaults();
      }
    },
  );
});

describe('a start whose answer is lost', () => {
  const named = (before: number): string => fake.requestsFor('StartExecution')[before]?.body.name as string;

  // Not only a timeout: a dropped connection, a 500 or an unreadable reply may follow a start too.
  it.each([[{ kind: 'drop' }], [{ kind: 'internal', status: 500 }], [{ kind: 'malformed' }], [{ kind: 'cutBody' }], [{ kind: 'lostAnswer' }]] as const)(
    'after %o a STANDARD start is sent again under the same name, and one execution exists',
    async (fault) => {
      const before = fake.requestsFor('StartExecution').length;
      fake.inject(fault, { op: 'StartExecution' });
      const r = await env.call('start_execution', { stateMachineArn: orders, input: '{}' });
      fake.clearFaults();
      expect(r.isError).toBeUndefined();
      const sent = fake.requestsFor('StartExecution').slice(before);
      expect(sent.map((q) => q.body.name)).toEqual([named(before), named(before)]);
      expect(r.structured?.executionArn).toBe(executionArn('Orders', named(before)));
      expect(fake.execution(executionArn('Orders', named(before)))?.status).toBe('RUNNING');
    },
  );

  it('a STANDARD start that took effect and ended before it was sent again is named, not started twice', async () => {
    const before = fake.requestsFor('StartExecution').length;
    fake.inject({ kind: 'lostAnswer' }, { op: 'StartExecution' });
    // The start took effect; its execution ends while the server looks up the machine's type.
    fake.onceBefore('DescribeStateMachine', () => {
      const started = fake.execution(executionArn('Orders', named(before)));
      if (started) started.status = 'SUCCEEDED';
    });
    const r = await env.call('start_execution', { stateMachineArn: orders, input: '{}' });
    expect(r.isError).toBe(true);
    const arn = executionArn('Orders', named(before));
    expect(r.text).toBe(
      `Step Functions StartExecution failed: ExecutionAlreadyExists: an execution named ${named(before)} already exists for this state machine: ` +
        `an earlier attempt of this call most likely started it, and it has since ended. Next: describe_execution with executionArn="${arn}" to see it.`,
    );
    expect(fake.requestsFor('StartExecution').slice(before)).toHaveLength(2);
  });

  it.each([
    [407, '<html>Proxy Authentication Required</html>'],
    [302, ''],
  ] as const)('a start sent again after a lost answer and answered %i by something else still says it may have started, and names it', async (status, body) => {
    const before = fake.requestsFor('StartExecution').length;
    fake.inject({ kind: 'lostAnswer' }, { op: 'StartExecution' });
    fake.inject({ kind: 'raw', status, body, contentType: body ? 'text/html' : undefined }, { op: 'StartExecution' });
    const r = await env.call('start_execution', { stateMachineArn: orders, input: '{}' });
    fake.clearFaults();
    expect(r.isError).toBe(true);
    expect(fake.execution(executionArn('Orders', named(before)))?.status).toBe('RUNNING');
    expect(r.text).toContain(`The execution may have started anyway, as ${named(before)}.`);
    expect(r.text).not.toContain('calling again will not help');
  });

  it('when the machine\'s type cannot be read, the start is not sent again and the answer names the execution', async () => {
    const before = fake.requestsFor('StartExecution').length;
    fake.inject({ kind: 'lostAnswer' }, { op: 'StartExecution' });
    fake.inject({ kind: 'accessDenied' }, { op: 'DescribeStateMachine' });
    const r = await env.call('start_execution', { stateMachineArn: orders, input: '{}' });
    fake.clearFaults();
    expect(r.isError).toBe(true);
    expect(fake.requestsFor('StartExecution').slice(before)).toHaveLength(1);
    expect(r.text).toContain(`The execution may have started anyway, as ${named(before)}. Next: describe_execution with executionArn="${executionArn('Orders', named(before))}"`);
    expect(r.text).toContain('if the machine is EXPRESS, whose starts are not idempotent, that may start a second one');
  });

  it('an EXPRESS start is never sent again after a lost answer, even with SDK retries on: one execution, and the answer says where to look', async () => {
    const writer = await startSfnEnv({ fake, maxAttempts: 3, argv: ['--allow-writes'] });
    try {
      const before = fake.requestsFor('StartExecution').length;
      const executions = fake.executions.length;
      fake.inject({ kind: 'lostAnswer' }, { op: 'StartExecution' });
      const r = await writer.call('start_execution', { stateMachineArn: express, input: '{}' });
      expect(r.isError).toBe(true);
      expect(fake.requestsFor('StartExecution').slice(before)).toHaveLength(1);
      expect(fake.executions.length).toBe(executions + 1);
      expect(r.text).toMatch(/may have started anyway, as \S+\. The machine is EXPRESS, whose starts are not idempotent, so it was not sent again: .*CloudWatch Logs/);
      expect(r.text).not.toContain('describe_execution with');
    } finally {
      fake.clearFaults();
      await writer.close();
    }
  });

  it('an EXPRESS start refused by throttling is retried: the service did not take it', async () => {
    const writer = await startSfnEnv({ fake, maxAttempts: 3, argv: ['--allow-writes'] });
    try {
      const before = fake.requestsFor('StartExecution').length;
      fake.inject({ kind: 'throttle', status: 400 }, { op: 'StartExecution' });
      const r = await writer.call('start_execution', { stateMachineArn: express, input: '{}' });
      expect(r.isError).toBeUndefined();
      expect(fake.requestsFor('StartExecution').slice(before).map((q) => q.fault)).toEqual(['throttle', undefined]);
    } finally {
      await writer.close();
    }
  });

  it('an EXPRESS start does not send the model to describe_execution, which does not cover it', async () => {
    const r = await env.call('start_execution', { stateMachineArn: express, input: '{}' });
    expect(r.isError).toBeUndefined();
    expect(r.text).toMatch(/^Started arn:aws:states:us-east-1:123456789012:express:Clicks:\S+ at \S+\. It is an EXPRESS execution: describe_execution and get_execution_history do not cover it/);
    expect(r.text).not.toContain('Next: describe_execution');
  });

  it('a reply whose executionArn is not a non-empty text is no answer: the name is handed back', async () => {
    for (const executionArnValue of ['', 42, { a: 1 }]) {
      const before = fake.requestsFor('StartExecution').length;
      fake.inject({ kind: 'raw', status: 200, body: JSON.stringify({ executionArn: executionArnValue, startDate: 1_763_600_000 }) }, { op: 'StartExecution', times: 2 });
      const r = await env.call('start_execution', { stateMachineArn: orders, input: '{}' });
      fake.clearFaults();
      expect(r.isError, JSON.stringify(executionArnValue)).toBe(true);
      expect(r.text).toContain(`MalformedResponse: the reply's executionArn is not a non-empty text. The execution may have started anyway, as ${named(before)}.`);
    }
  });
});

describe('an EXPRESS execution, of which Step Functions keeps nothing', () => {
  // stop_execution refuses it before any call (test/sfn/express-executions.test.ts).
  it.each([['describe_execution'], ['get_execution_history']])('%s says why it cannot look, and where the outcome is', async (tool) => {
    const started = await env.call('start_execution', { stateMachineArn: express, input: '{}' });
    const arn = (started.structured as { executionArn: string }).executionArn;
    const r = await env.call(tool, { executionArn: arn });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/failed: StateMachineTypeNotSupported\b.*Next: this is an EXPRESS execution or state machine: .*CloudWatch Logs/);
    expectClean(r.text);
  });
});

describe('a redrive that gets no answer', () => {
  // Dropped, cut off, a 500 or no answer at all: the redrive may have happened. Without a token of
  // the caller's, the tool chose one and must hand it back, or a retry could redrive twice.
  it.each([
    [{ kind: 'slow', ms: 60_000 }, 'CallDeadline'],
    [{ kind: 'drop' }, 'ECONNRESET'],
    [{ kind: 'internal', status: 500 }, 'InternalFailure'],
  ] as const)('after %o it hands back the clientToken it sent, for a safe retry', async (fault, code) => {
    const limited = await startSfnEnv({ fake, argv: ['--allow-writes'], env: { EXECUTIONS_MCP_CALL_DEADLINE_MS: '1000' } });
    try {
      const failed = fake.addExecution({ stateMachineArn: orders, name: `silent-redrive-${fault.kind}`, status: 'FAILED', startDate: 1_763_600_000 });
      const before = fake.requestsFor('RedriveExecution').length;
      fake.inject(fault, { op: 'RedriveExecution' });
      const r = await limited.call('redrive_execution', { executionArn: failed.executionArn });
      expect(r.isError).toBe(true);
      const sent = fake.requestsFor('RedriveExecution')[before]?.body.clientToken as string;
      expect(sent).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.text).toMatch(new RegExp(`^Step Functions RedriveExecution failed: (${code})\\b.*The redrive may have reached Step Functions anyway\\. `));
      expect(r.text).toContain(`call redrive_execution again with clientToken="${sent}" so that it cannot redrive twice`);
    } finally {
      fake.clearFaults();
      await limited.close();
    }
  });

  it('a redrive whose SDK retry is answered 407 by a proxy, after an attempt that took effect, still may have happened', async () => {
    const retrying = await startSfnEnv({ fake, maxAttempts: 3, argv: ['--allow-writes'] });
    try {
      const failed = fake.addExecution({ stateMachineArn: orders, name: 'proxy-redrive', status: 'FAILED', startDate: 1_763_600_000, stopDate: 1_763_600_060 });
      fake.inject({ kind: 'lostAnswer' }, { op: 'RedriveExecution' });
      fake.inject({ kind: 'raw', status: 407, body: '<html>Proxy Authentication Required</html>', contentType: 'text/html' }, { op: 'RedriveExecution' });
      const r = await retrying.call('redrive_execution', { executionArn: failed.executionArn });
      expect(failed.redriveCount).toBe(1);
      expect(r.text).toContain('The redrive may have reached Step Functions anyway.');
      expect(r.text).toMatch(/clientToken="[0-9a-f-]{36}"/);
    } finally {
      fake.clearFaults();
      await retrying.close();
    }
  });

  it('a retry with the handed-back clientToken does not redrive twice, though the redriven run has failed again', async () => {
    const failed = fake.addExecution({ stateMachineArn: orders, name: 'lost-redrive', status: 'FAILED', startDate: 1_763_600_000, stopDate: 1_763_600_060 });
    fake.inject({ kind: 'lostAnswer' }, { op: 'RedriveExecution' });
    const lost = await env.call('redrive_execution', { executionArn: failed.executionArn });
    expect(lost.isError).toBe(true);
    const token = /clientToken="([^"]+)"/.exec(lost.text)?.[1];
    expect(token).toMatch(/^[0-9a-f-]{36}$/);
    // The redrive took effect and its run failed again before the caller retried.
    expect(failed.redriveCount).toBe(1);
    failed.status = 'FAILED';

    const retried = await env.call('redrive_execution', { executionArn: failed.executionArn, clientToken: token });
    expect(retried.isError).toBeUndefined();
    expect(failed.redriveCount).toBe(1);
    const history = await env.call('get_execution_history', { executionArn: failed.executionArn, eventTypes: ['ExecutionRedriven'] });
    expect(history.structured?.events).toHaveLength(1);
    expect(history.text).toMatch(/ ExecutionRedriven .*redriveCount=1/);
  });

  it('a clientToken the caller gave is the one sent', async () => {
    const failed = fake.addExecution({ stateMachineArn: orders, name: 'token-given', status: 'FAILED', startDate: 1_763_600_000 });
    const before = fake.requestsFor('RedriveExecution').length;
    await env.call('redrive_execution', { executionArn: failed.executionArn, clientToken: 'my-token-1' });
    expect(fake.requestsFor('RedriveExecution')[before]?.body.clientToken).toBe('my-token-1');
  });
});

describe('a backend that never answers a list call', () => {
  it('names the backend and operation when not even the first page came back', async () => {
    const limited = await startSfnEnv({ fake, env: { EXECUTIONS_MCP_CALL_DEADLINE_MS: '1000' } });
    try {
      fake.inject({ kind: 'slow', ms: 60_000 }, { op: 'ListExecutions' });
      const r = await limited.call('list_executions', { stateMachineArn: orders });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/^Step Functions ListExecutions failed: no answer within the call's time limit \(EXECUTIONS_MCP_CALL_DEADLINE_MS\)\. Next: call again \(a smaller pageSize asks the backend for less at once\)\.$/);
    } finally {
      await limited.close();
    }
  });
});

describe('slow responses and client cancellation', () => {
  it('sixty calls waiting on a silent backend do not hold up a call to another operation (more than the SDK\'s default 50 connections)', async () => {
    const before = fake.requestsFor('DescribeExecution').length;
    fake.inject({ kind: 'slow', ms: 60_000 }, { op: 'DescribeExecution', times: 60 });
    const controllers = Array.from({ length: 60 }, () => new AbortController());
    const arn = (runs[2] as FakeExecution).executionArn;
    const calls = controllers.map((c) => env.call('describe_execution', { executionArn: arn }, { signal: c.signal }).catch(() => undefined));
    try {
      // Every one of them reached the backend: none waits for a free connection.
      await until(() => fake.requestsFor('DescribeExecution').length - before >= 60, 'sixty DescribeExecution requests in flight', 5000);
      const other = await env.call('list_state_machines');
      expect(other.isError).toBeUndefined();
    } finally {
      for (const c of controllers) c.abort();
      await Promise.all(calls);
      fake.clearFaults();
    }
  });

  it('a slow response is waited for', async () => {
    fake.inject({ kind: 'slow', ms: 150 }, { op: 'ListStateMachines' });
    const r = await env.call('list_state_machines');
    expect(r.isError).toBeUndefined();
  });

  it('cancelling the tool call aborts the backend request and stops further calls', async () => {
    const before = fake.requestsFor('ListExecutions').length;
    fake.inject({ kind: 'slow', ms: 20_000 }, { op: 'ListExecutions' });
    const controller = new AbortController();
    const pending = env.call('list_executions', { stateMachineArn: orders, pageSize: 5, maxItems: 40 }, { signal: controller.signal });
    await fake.until(() => fake.requestsFor('ListExecutions').length > before);
    controller.abort(new Error('user cancelled'));
    await expect(pending).rejects.toThrow();
    const slowCall = fake.requestsFor('ListExecutions')[before];
    // The SDK request was torn down (the AbortSignal reached the HTTP layer) ...
    await fake.until(() => slowCall?.aborted === true);
    expect(slowCall?.answered).toBeUndefined();
    // ... and the walk did not go on to other pages. A later call on the same server works.
    const after = await env.call('list_state_machines');
    expect(after.isError).toBeUndefined();
    expect(fake.requestsFor('ListExecutions').length - before).toBe(1);
  });

  it('cancelling between pages stops the walk at the page in flight', async () => {
    const before = fake.requestsFor('ListExecutions').length;
    // The first page answers at once, the second one hangs until cancelled.
    fake.inject({ kind: 'slow', ms: 0 }, { op: 'ListExecutions' });
    fake.inject({ kind: 'slow', ms: 20_000 }, { op: 'ListExecutions' });
    const controller = new AbortController();
    const pending = env.call('list_executions', { stateMachineArn: orders, pageSize: 5, maxItems: 40 }, { signal: controller.signal });
    await fake.until(() => fake.requestsFor('ListExecutions').length >= before + 2);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await fake.until(() => fake.requestsFor('ListExecutions')[before + 1]?.aborted === true);
    await env.call('list_state_machines');
    expect(fake.requestsFor('ListExecutions').length - before).toBe(2);
  });
});

describe('a connection that is never made', () => {
  it('says the endpoint is unreachable or too busy, not "narrow the request"', async () => {
    const sdkError = Object.assign(new Error('@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 5000 ms.'), {
      name: 'TimeoutError',
      $metadata: { attempts: 3 },
    });
    const text = describeError(toBackendError('ListStateMachines', sdkError), 'list_state_machines', new UntrustedFence());
    expect(text).toBe(
      "Step Functions ListStateMachines failed after 3 attempts: ConnectTimeout: no connection to the Step Functions endpoint within 5 s: it is unreachable, or too busy to accept one. Next: the backend is temporarily failing; call again in a little while.",
    );
  });
});
