import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidExecutionInput,
  InvalidName,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  ValidationException,
  paginateListExecutions,
  type ExecutionListItem,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { until } from '../helpers/wait.js';
import { detailsOf, fixtureDir, fullHistory, smArn, startTestEngine, waitForStatus, type TestEngine } from './helpers.js';

/** The engine's SFN JSON 1.0 API through the real SFNClient over HTTP on 127.0.0.1 (--local-port 0). */

const machines = {
  Hello: { Comment: 'says hello', StartAt: 'Hi', States: { Hi: { Type: 'Pass', Result: { hello: 'world' }, End: true } } },
  Sleepy: { StartAt: 'Nap', States: { Nap: { Type: 'Wait', Seconds: 3600, Next: 'After' }, After: { Type: 'Pass', End: true } } },
  Timed: { StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 100, End: true } } },
  TimedPath: { StartAt: 'PausePath', States: { PausePath: { Type: 'Wait', SecondsPath: '$.wait', End: true } } },
  Backoff: {
    StartAt: 'Flaky',
    States: { Flaky: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: 2 }], End: true } },
  },
  Fanout: {
    StartAt: 'Each',
    States: { Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'double', 'Payload.$': '$' }, End: true } } }, End: true } },
  },
  Jsonata: { QueryLanguage: 'JSONata', StartAt: 'J', States: { J: { Type: 'Pass', Output: '{% $states.input %}', End: true } } },
  Broken: { StartAt: 'Missing', States: { First: { Type: 'Pass', End: true } } },
};

const handlers = `export default {
  double: async ({ n }) => n * 2,
  'arn:aws:states:::sqs:sendMessage': async () => { throw new Error('always fails'); },
};`;

let t: TestEngine;
let fixture: ReturnType<typeof fixtureDir>;
let clock = Date.now();

beforeAll(async () => {
  fixture = fixtureDir(machines, handlers);
  t = await startTestEngine(fixture.dir, ['--allow-writes', '--local-time-scale', '0.001'], { now: () => clock });
});
afterAll(async () => {
  await t.close();
  fixture.remove();
});

const start = (name: string, input: unknown = {}, execName?: string) =>
  t.http.send(new StartExecutionCommand({ stateMachineArn: smArn(name), input: JSON.stringify(input), name: execName }));

describe('state machines', () => {
  it('lists every *.asl.json as a STANDARD state machine, with paging', async () => {
    const all = await t.http.send(new ListStateMachinesCommand({}));
    expect(all.stateMachines?.map((m) => m.name)).toEqual(['Backoff', 'Broken', 'Fanout', 'Hello', 'Jsonata', 'Sleepy', 'Timed', 'TimedPath']);
    expect(all.stateMachines?.[0]).toMatchObject({ stateMachineArn: smArn('Backoff'), type: 'STANDARD' });
    expect(all.stateMachines?.[0]?.creationDate).toBeInstanceOf(Date);
    const first = await t.http.send(new ListStateMachinesCommand({ maxResults: 3 }));
    expect(first.stateMachines).toHaveLength(3);
    const second = await t.http.send(new ListStateMachinesCommand({ maxResults: 3, nextToken: first.nextToken }));
    expect(second.stateMachines?.map((m) => m.name)).toEqual(['Hello', 'Jsonata', 'Sleepy']);
  });

  it('describes a state machine with its definition; unknown and malformed ARNs fail like AWS', async () => {
    const d = await t.http.send(new DescribeStateMachineCommand({ stateMachineArn: smArn('Hello') }));
    expect(JSON.parse(d.definition ?? '')).toEqual(machines.Hello);
    expect(d).toMatchObject({ name: 'Hello', status: 'ACTIVE', type: 'STANDARD' });
    await expect(t.http.send(new DescribeStateMachineCommand({ stateMachineArn: smArn('Nope') }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(t.http.send(new DescribeStateMachineCommand({ stateMachineArn: 'not-an-arn' }))).rejects.toBeInstanceOf(InvalidArn);
    await expect(t.http.send(new DescribeStateMachineCommand({ stateMachineArn: `${smArn('Hello')}:` }))).rejects.toBeInstanceOf(InvalidArn);
    await expect(t.http.send(new DescribeStateMachineCommand({ stateMachineArn: smArn('Hello').replace('arn:aws:', 'arn:awsXYZ:') }))).rejects.toBeInstanceOf(InvalidArn);
    // Another partition's ARN is well formed, but nothing of the engine's lives there.
    await expect(t.http.send(new DescribeStateMachineCommand({ stateMachineArn: smArn('Hello').replace('arn:aws:', 'arn:aws-cn:') }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(t.http.send(new DescribeStateMachineCommand({ stateMachineArn: smArn('x'.repeat(300)) }))).rejects.toBeInstanceOf(ValidationException);
    // The definition's Comment is no description: DescribeStateMachine has one only for a version.
    expect(d.description).toBeUndefined();
  });

  it('refuses JSONata definitions (the library would silently ignore them) and invalid definitions', async () => {
    const jsonata = start('Jsonata');
    await expect(jsonata).rejects.toMatchObject({ name: 'UnsupportedOperation', $metadata: { httpStatusCode: 400 } });
    await expect(jsonata).rejects.toThrow(/JSONata.*not supported by the embedded engine.*\(Jsonata\.asl\.json\)/);
    await expect(start('Broken')).rejects.toMatchObject({ name: 'InvalidDefinition' });
    await expect(start('Broken')).rejects.toThrow(/Invalid State Machine Definition.*\(Broken\.asl\.json\)/);
  });
});

describe('executions', () => {
  it('starts, describes and lists an execution with epoch-second dates', async () => {
    const s = await start('Hello', { a: 1 }, 'first-run');
    expect(s.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:Hello:first-run');
    const d = await waitForStatus(t.http, s.executionArn ?? '');
    expect(d).toMatchObject({ status: 'SUCCEEDED', name: 'first-run', input: '{"a":1}', output: '{"hello":"world"}', stateMachineArn: smArn('Hello') });
    expect(d.startDate?.getTime()).toBe(s.startDate?.getTime());
    expect((d.stopDate?.getTime() ?? 0) >= (d.startDate?.getTime() ?? 0)).toBe(true);
  });

  it('generates UUID names, validates names and input', async () => {
    const s = await start('Hello');
    expect(s.executionArn).toMatch(/:execution:Hello:[0-9a-f-]{36}$/);
    await expect(start('Hello', {}, 'bad name')).rejects.toBeInstanceOf(InvalidName);
    await expect(start('Hello', {}, 'x'.repeat(81))).rejects.toBeInstanceOf(ValidationException);
    await expect(t.http.send(new StartExecutionCommand({ stateMachineArn: smArn('Hello'), input: '{nope' }))).rejects.toBeInstanceOf(InvalidExecutionInput);
    await expect(start('Missing')).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    // Under 262,144 UTF-16 units, over 256 KiB of UTF-8: refused as the quota says, not started.
    const snowmen = JSON.stringify({ s: '☃'.repeat(87_387) });
    expect(snowmen.length).toBeLessThan(262_144);
    await expect(t.http.send(new StartExecutionCommand({ stateMachineArn: smArn('Hello'), input: snowmen, name: 'too-big' }))).rejects.toBeInstanceOf(InvalidExecutionInput);
  });

  it('refuses an input nested deeper than 1,000 levels, which would overflow the engine; runs one of 1,000 (999 arrays in an object)', async () => {
    const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const deep = t.http.send(new StartExecutionCommand({ stateMachineArn: smArn('Hello'), input: nested(5000), name: 'too-deep' }));
    await expect(deep).rejects.toBeInstanceOf(InvalidExecutionInput);
    await expect(deep).rejects.toThrow(/nested 5000 levels deep; the embedded engine runs inputs up to 1000 levels/);
    // Brackets inside strings are text, not nesting.
    const ok = await t.http.send(new StartExecutionCommand({ stateMachineArn: smArn('Hello'), input: JSON.stringify({ a: nested(2000), b: JSON.parse(nested(999)) as unknown }) }));
    expect((await waitForStatus(t.http, ok.executionArn ?? '')).status).toBe('SUCCEEDED');
  });

  it('checks member constraints before it looks anything up, and takes a null member as one not sent', async () => {
    const missing = smArn('Nope');
    const missingRun = `${missing.replace('stateMachine', 'execution')}:run`;
    await expect(t.http.send(new StartExecutionCommand({ stateMachineArn: missing, name: 'x'.repeat(81) }))).rejects.toBeInstanceOf(ValidationException);
    await expect(t.http.send(new StopExecutionCommand({ executionArn: missingRun, error: 'e'.repeat(257) }))).rejects.toBeInstanceOf(ValidationException);
    await expect(t.http.send(new GetExecutionHistoryCommand({ executionArn: missingRun, maxResults: 1001 }))).rejects.toBeInstanceOf(ValidationException);
    await expect(t.http.send(new ListExecutionsCommand({ stateMachineArn: missing, maxResults: 1001 }))).rejects.toBeInstanceOf(ValidationException);
    const bogus = { includedData: 'BOGUS' } as unknown as { includedData: 'ALL_DATA' };
    await expect(t.http.send(new DescribeStateMachineCommand({ stateMachineArn: smArn('Hello'), ...bogus }))).rejects.toBeInstanceOf(ValidationException);
    const post = (target: string, body: unknown) =>
      fetch(`${t.engine.url}/`, { method: 'POST', headers: { 'x-amz-target': `AWSStepFunctions.${target}`, 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify(body) });
    const started = await post('StartExecution', { stateMachineArn: smArn('Hello'), name: null, input: null, traceHeader: null });
    expect(started.status).toBe(200);
    const listed = await post('ListStateMachines', { nextToken: null, maxResults: null });
    expect(((await listed.json()) as { stateMachines: unknown[] }).stateMachines.length).toBeGreaterThan(0);
  });

  it('is idempotent for a running execution with the same name and input; otherwise ExecutionAlreadyExists', async () => {
    const a = await start('Sleepy', { n: 1 }, 'idem');
    const b = await start('Sleepy', { n: 1 }, 'idem');
    expect(b.executionArn).toBe(a.executionArn);
    expect(b.startDate?.getTime()).toBe(a.startDate?.getTime());
    await expect(start('Sleepy', { n: 2 }, 'idem')).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await t.http.send(new StopExecutionCommand({ executionArn: a.executionArn }));
    await expect(start('Sleepy', { n: 1 }, 'idem')).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    const done = await start('Hello', {}, 'closed');
    await waitForStatus(t.http, done.executionArn ?? '');
    await expect(start('Hello', {}, 'closed')).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('stops a running execution: ABORTED with error and cause, WaitStateAborted then ExecutionAborted', async () => {
    const s = await start('Sleepy', {}, 'to-stop');
    // Stopped once it waits, whatever the machine's speed.
    await until(async () => (await fullHistory(t.http, s.executionArn ?? '')).some((e) => e.type === 'WaitStateEntered'), 'the Wait state entered');
    const stop = await t.http.send(new StopExecutionCommand({ executionArn: s.executionArn, error: 'Operator.Stop', cause: 'no longer needed' }));
    expect(stop.stopDate).toBeInstanceOf(Date);
    const d = await t.http.send(new DescribeExecutionCommand({ executionArn: s.executionArn }));
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Operator.Stop', cause: 'no longer needed' });
    expect(d.stopDate?.getTime()).toBe(stop.stopDate?.getTime());
    const events = await fullHistory(t.http, s.executionArn ?? '');
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'WaitStateAborted', 'ExecutionAborted']);
    expect(detailsOf(events[3])).toEqual({ error: 'Operator.Stop', cause: 'no longer needed' });
    expect(events[3]?.previousEventId).toBe(3);
    // Later library events do not reach a stopped execution's history.
    await new Promise((r) => setTimeout(r, 50));
    expect(await fullHistory(t.http, s.executionArn ?? '')).toHaveLength(4);
    await expect(t.http.send(new StopExecutionCommand({ executionArn: `${smArn('Sleepy').replace('stateMachine', 'execution')}:nope` }))).rejects.toBeInstanceOf(
      ExecutionDoesNotExist,
    );
  });

  it('answers RedriveExecution with an AWS error that says it is not supported locally', async () => {
    const s = await start('Hello');
    await waitForStatus(t.http, s.executionArn ?? '');
    const redrive = t.http.send(new RedriveExecutionCommand({ executionArn: s.executionArn }));
    await expect(redrive).rejects.toMatchObject({ name: 'UnsupportedOperation' });
    await expect(redrive).rejects.toThrow(/not supported by the embedded Step Functions engine/);
  });

  it('answers unknown operations and bad bodies with the AWS error shape', async () => {
    const post = (target: string, body: string) =>
      fetch(`${t.engine.url}/`, { method: 'POST', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' }, body });
    const unsupported = await post('AWSStepFunctions.CreateStateMachine', '{}');
    expect(unsupported.status).toBe(400);
    expect(await unsupported.json()).toMatchObject({ __type: 'UnsupportedOperation', message: expect.stringContaining('not supported by the embedded') });
    // A name the API does not have at all (a misspelling) is not an unsupported operation.
    for (const target of ['AWSStepFunctions.ListExecution', 'AWSStepFunctions.liststatemachines', 'Foo.Bar']) {
      const unknown = await post(target, '{}');
      expect([target, unknown.status, ((await unknown.json()) as { __type: string }).__type]).toEqual([target, 400, 'UnknownOperationException']);
    }
    const bad = await post('AWSStepFunctions.ListStateMachines', '{oops');
    expect(await bad.json()).toMatchObject({ __type: 'SerializationException' });
    expect(bad.headers.get('x-amzn-requestid')).toBeTruthy();
  });
});

describe('paging', () => {
  const N = 2500;
  let names: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < N; i += 1) {
      const name = `bulk-${String(i).padStart(5, '0')}`;
      await start('Hello', { i }, name);
      names.push(name);
    }
    names = names.reverse();
    const last = smArn('Hello').replace('stateMachine', 'execution') + `:${names[0]}`;
    await waitForStatus(t.http, last);
  }, 60_000);

  it('lists thousands of executions newest first across pages of 1000 and of 7, nothing lost or repeated', async () => {
    const collect = async (pageSize: number) => {
      const out: ExecutionListItem[] = [];
      for await (const page of paginateListExecutions({ client: t.http, pageSize }, { stateMachineArn: smArn('Hello') })) out.push(...(page.executions ?? []));
      return out.map((e) => e.name).filter((n) => n?.startsWith('bulk-'));
    };
    expect(await collect(1000)).toEqual(names);
    const small = await t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Hello'), maxResults: 7 }));
    expect(small.executions).toHaveLength(7);
    expect(small.nextToken).toBeTruthy();
  });

  it('maxResults 0 means 100; above 1000 is a ValidationException; statusFilter filters', async () => {
    const d = await t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Hello'), maxResults: 0 }));
    expect(d.executions).toHaveLength(100);
    await expect(t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Hello'), maxResults: 1001 }))).rejects.toBeInstanceOf(ValidationException);
    const aborted = await t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Sleepy'), statusFilter: 'ABORTED' }));
    expect(aborted.executions?.length).toBeGreaterThan(0);
    expect(aborted.executions?.every((e) => e.status === 'ABORTED')).toBe(true);
    const running = await t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Hello'), statusFilter: 'RUNNING' }));
    expect(running.executions).toEqual([]);
  });

  it('rejects tampered tokens, tokens reused with other arguments, and tokens older than 24 h (InvalidToken)', async () => {
    const page = await t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Hello'), maxResults: 5 }));
    const token = page.nextToken ?? '';
    const tampered = `${token.slice(0, -2)}xx`;
    await expect(t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Hello'), nextToken: tampered }))).rejects.toBeInstanceOf(InvalidToken);
    // As a token of another engine process reads (a restart, another replica): signed with another key.
    await expect(t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Hello'), nextToken: tampered }))).rejects.toThrow(/not issued by this engine/);
    await expect(t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Hello'), statusFilter: 'FAILED', nextToken: token }))).rejects.toBeInstanceOf(
      InvalidToken,
    );
    const ok = await t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Hello'), maxResults: 5, nextToken: token }));
    expect(ok.executions?.map((e) => e.name)).toEqual(names.slice(5, 10));
    clock += 24 * 60 * 60 * 1000 + 1000;
    try {
      await expect(t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Hello'), maxResults: 5, nextToken: token }))).rejects.toThrow(/expired/);
    } finally {
      clock = Date.now();
    }
  });

  it('pages through a history of several thousand events (Map over 1500 items), both orders, ids chained', async () => {
    const items = Array.from({ length: 1500 }, (_, i) => ({ n: i }));
    const s = await start('Fanout', { items });
    const d = await waitForStatus(t.http, s.executionArn ?? '', undefined, 30_000);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output ?? '[]')).toEqual(items.map(({ n }) => ({ ExecutedVersion: '$LATEST', Payload: n * 2, StatusCode: 200 })));
    const forward = await fullHistory(t.http, s.executionArn ?? '', { maxResults: 333 });
    // Per item: MapIterationStarted, TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited, MapIterationSucceeded.
    expect(forward.length).toBe(6 + 1500 * 7);
    forward.forEach((e, i) => expect(e.id).toBe(i + 1));
    expect(forward.filter((e) => e.type === 'MapIterationSucceeded').map((e) => detailsOf(e).index).sort((a, b) => Number(a) - Number(b))).toEqual(items.map(({ n }) => n));
    const reverse = await fullHistory(t.http, s.executionArn ?? '', { reverseOrder: true });
    expect(reverse.map((e) => e.id)).toEqual(forward.map((e) => e.id).reverse());
    const lean = await t.http.send(new GetExecutionHistoryCommand({ executionArn: s.executionArn, includeExecutionData: false, maxResults: 20 }));
    for (const e of lean.events ?? []) {
      expect(detailsOf(e).input).toBeUndefined();
      expect(detailsOf(e).output).toBeUndefined();
    }
    expect(detailsOf(lean.events?.[1])).toMatchObject({ name: 'Each' });
  }, 60_000);
});

describe('time scale (--local-time-scale 0.001)', () => {
  // A fake clock that moves only when a test advances it: the engine's waits and the history's
  // timestamps run on it, so a scaled duration shows exactly, whatever the machine's speed.
  afterEach(() => {
    vi.useRealTimers();
  });
  const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const startInProcess = async (name: string, input: unknown = {}) =>
    (await t.inProcess.send(new StartExecutionCommand({ stateMachineArn: smArn(name), input: JSON.stringify(input) }))).executionArn ?? '';
  const statusOf = async (arn: string) => (await t.inProcess.send(new DescribeExecutionCommand({ executionArn: arn }))).status;
  const untilStatus = (arn: string, status: string) => until(async () => (await statusOf(arn)) === status, `${arn} to be ${status}`);
  const untilEvent = (arn: string, type: string) =>
    until(async () => (await fullHistory(t.inProcess, arn)).some((e) => e.type === type), `a ${type} event in ${arn}`);
  const timeOf = (events: Awaited<ReturnType<typeof fullHistory>>, type: string) => events.find((e) => e.type === type)?.timestamp?.getTime();

  it('scales Wait Seconds: a 100 s Wait lasts 100 ms', async () => {
    fakeClock();
    const arn = await startInProcess('Timed');
    await untilEvent(arn, 'WaitStateEntered');
    await vi.advanceTimersByTimeAsync(99);
    expect(await statusOf(arn)).toBe('RUNNING');
    await vi.advanceTimersByTimeAsync(1);
    await untilStatus(arn, 'SUCCEEDED');
    const events = await fullHistory(t.inProcess, arn);
    expect((timeOf(events, 'WaitStateExited') ?? 0) - (timeOf(events, 'WaitStateEntered') ?? 0)).toBe(100);
  });

  it('scales SecondsPath waits, which the history still shows as a Wait', async () => {
    fakeClock();
    const arn = await startInProcess('TimedPath', { wait: 200 });
    await untilEvent(arn, 'WaitStateEntered');
    await vi.advanceTimersByTimeAsync(199);
    expect(await statusOf(arn)).toBe('RUNNING');
    await vi.advanceTimersByTimeAsync(1);
    await untilStatus(arn, 'SUCCEEDED');
    const events = await fullHistory(t.inProcess, arn);
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'WaitStateExited', 'ExecutionSucceeded']);
    expect((timeOf(events, 'WaitStateExited') ?? 0) - (timeOf(events, 'WaitStateEntered') ?? 0)).toBe(200);
  });

  it('scales Retry intervals and keeps the back-off (10 s, then 20 s → 10 ms, 20 ms)', async () => {
    fakeClock();
    const arn = await startInProcess('Backoff');
    await untilEvent(arn, 'TaskFailed');
    await vi.advanceTimersByTimeAsync(30);
    await untilStatus(arn, 'FAILED');
    const events = await fullHistory(t.inProcess, arn);
    const failed = events.filter((e) => e.type === 'TaskFailed').map((e) => e.timestamp?.getTime() ?? 0);
    const scheduled = events.filter((e) => e.type === 'TaskScheduled').map((e) => e.timestamp?.getTime() ?? 0);
    expect(failed).toHaveLength(3);
    expect(scheduled).toHaveLength(3);
    expect([(scheduled[1] ?? 0) - (failed[0] ?? 0), (scheduled[2] ?? 0) - (failed[1] ?? 0)]).toEqual([10, 20]);
  });
});
