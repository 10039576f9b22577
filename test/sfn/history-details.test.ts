import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_EPOCH_S, type ExecutionStatus, type FakeEvent } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * History details beyond error/cause/resource, in the shapes Step Functions writes: EvaluationFailed
 * (JSONata states) names its state in its own details; StateExited carries the variables a state
 * assigned; inputDetails/outputDetails say when Step Functions cut a payload itself.
 */

let env: SfnEnv;
let evaluationArn: string;
let variablesArn: string;
let mapFailedArn: string;

const at = (i: number) => BASE_EPOCH_S + i;

// A JSONata Task state that failed four times, then succeeded, and whose Output expression threw:
// AWS writes no StateExited; the failure names the state in its details, far from its StateEntered.
const EVALUATION_FAILED: FakeEvent[] = (() => {
  const out: FakeEvent[] = [
    { id: 1, type: 'ExecutionStarted', timestamp: at(0), executionStartedEventDetails: { input: '{}' } },
    { id: 2, type: 'TaskStateEntered', previousEventId: 1, timestamp: at(1), stateEnteredEventDetails: { name: 'Shape Order', input: '{}' } },
  ];
  const add = (type: string, details?: Record<string, unknown>) => {
    const id = out.length + 1;
    out.push({ id, type, previousEventId: id - 1, timestamp: at(id), ...details });
  };
  const task = { resourceType: 'lambda', resource: 'invoke' };
  for (let attempt = 0; attempt < 4; attempt += 1) {
    add('TaskScheduled', { taskScheduledEventDetails: { ...task, region: 'us-east-1', parameters: '{}' } });
    add('TaskStarted', { taskStartedEventDetails: task });
    add('TaskFailed', { taskFailedEventDetails: { ...task, error: 'Lambda.TooManyRequestsException', cause: 'Rate exceeded' } });
  }
  add('TaskScheduled', { taskScheduledEventDetails: { ...task, region: 'us-east-1', parameters: '{}' } });
  add('TaskStarted', { taskStartedEventDetails: task });
  add('TaskSucceeded', { taskSucceededEventDetails: { ...task, output: '{}' } });
  const cause = "The JSONata expression '$x.y' returned an error";
  add('EvaluationFailed', { evaluationFailedEventDetails: { error: 'States.QueryEvaluationError', cause, location: 'Output', state: 'Shape Order' } });
  add('ExecutionFailed', { executionFailedEventDetails: { error: 'States.QueryEvaluationError', cause } });
  return out;
})();

// A Map "Reindex" whose 40 items each run "Index"; the last one fails, and so does the Map.
const MAP_FAILED: FakeEvent[] = (() => {
  const out: FakeEvent[] = [
    { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
    { id: 2, type: 'MapStateEntered', previousEventId: 1, timestamp: at(1), stateEnteredEventDetails: { name: 'Reindex' } },
    { id: 3, type: 'MapStateStarted', previousEventId: 2, timestamp: at(2), mapStateStartedEventDetails: { length: 40 } },
  ];
  const add = (type: string, previousEventId: number, details?: Record<string, unknown>) => {
    const id = out.length + 1;
    out.push({ id, type, previousEventId, timestamp: at(id), ...details });
    return id;
  };
  let last = 3;
  for (let index = 0; index < 40; index += 1) {
    const started = add('MapIterationStarted', last === 3 ? 3 : last, { mapIterationStartedEventDetails: { name: 'Reindex', index } });
    const entered = add('TaskStateEntered', started, { stateEnteredEventDetails: { name: 'Index' } });
    if (index < 39) {
      const exited = add('TaskStateExited', entered, { stateExitedEventDetails: { name: 'Index' } });
      last = add('MapIterationSucceeded', exited, { mapIterationSucceededEventDetails: { name: 'Reindex', index } });
    } else {
      const failed = add('TaskFailed', entered, { taskFailedEventDetails: { error: 'Boom', cause: 'row 39' } });
      add('MapIterationFailed', failed, { mapIterationFailedEventDetails: { name: 'Reindex', index } });
      const mapFailed = add('MapStateFailed', failed);
      add('ExecutionFailed', mapFailed, { executionFailedEventDetails: { error: 'Boom', cause: 'row 39' } });
    }
  }
  return out;
})();

const VARIABLES: FakeEvent[] = [
  { id: 1, type: 'ExecutionStarted', timestamp: at(0), executionStartedEventDetails: { input: '{"orderId":"o-1"}' } },
  { id: 2, type: 'PassStateEntered', previousEventId: 1, timestamp: at(1), stateEnteredEventDetails: { name: 'Init', input: '{"orderId":"o-1"}' } },
  {
    id: 3,
    type: 'PassStateExited',
    previousEventId: 2,
    timestamp: at(2),
    stateExitedEventDetails: {
      name: 'Init',
      output: '{"orderId":"o-1"}',
      outputDetails: { truncated: false },
      assignedVariables: { attempts: '0', customer: '{"name":"Ann","tier":"gold"}' },
      assignedVariablesDetails: { truncated: false },
    },
  },
  { id: 4, type: 'TaskStateEntered', previousEventId: 3, timestamp: at(3), stateEnteredEventDetails: { name: 'Fetch', input: '{"orderId":"o-1"}', inputDetails: { truncated: false } } },
  {
    id: 5,
    type: 'TaskStateExited',
    previousEventId: 4,
    timestamp: at(4),
    stateExitedEventDetails: { name: 'Fetch', output: '{"rows":[1,2,3', outputDetails: { truncated: true }, assignedVariablesDetails: { truncated: true } },
  },
  { id: 6, type: 'ExecutionSucceeded', previousEventId: 5, timestamp: at(5), executionSucceededEventDetails: { output: '{}' } },
];

// An activity that sent no heartbeat within its 2 s: the TimedOut event says so without a cause; the limits are on ActivityScheduled.
const TIMED_OUT: FakeEvent[] = [
  { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
  { id: 2, type: 'TaskStateEntered', previousEventId: 1, timestamp: at(1), stateEnteredEventDetails: { name: 'Review' } },
  { id: 3, type: 'ActivityScheduled', previousEventId: 2, timestamp: at(2), activityScheduledEventDetails: { resource: 'arn:aws:states:us-east-1:123456789012:activity:review', timeoutInSeconds: 300, heartbeatInSeconds: 2 } },
  { id: 4, type: 'ActivityStarted', previousEventId: 3, timestamp: at(3), activityStartedEventDetails: { workerName: 'w1' } },
  { id: 5, type: 'ActivityTimedOut', previousEventId: 4, timestamp: at(5), activityTimedOutEventDetails: { error: 'States.Timeout' } },
  { id: 6, type: 'ExecutionFailed', previousEventId: 5, timestamp: at(6), executionFailedEventDetails: { error: 'States.Timeout' } },
];
let timedOutArn: string;

// Who ran what: the execution (its role, the version and alias it was started through) and a task
// run in another region with a role of another account, retried in the execution's own region.
const machineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:Details';
const lambda = { resourceType: 'lambda', resource: 'invoke', parameters: '{}' };
const WHO_RAN: FakeEvent[] = [
  {
    id: 1,
    type: 'ExecutionStarted',
    timestamp: at(0),
    executionStartedEventDetails: { input: '{}', roleArn: 'arn:aws:iam::123456789012:role/orders-sfn', stateMachineVersionArn: `${machineArn}:3`, stateMachineAliasArn: `${machineArn}:prod` },
  },
  { id: 2, type: 'TaskStateEntered', previousEventId: 1, timestamp: at(1), stateEnteredEventDetails: { name: 'Charge' } },
  { id: 3, type: 'TaskScheduled', previousEventId: 2, timestamp: at(2), taskScheduledEventDetails: { ...lambda, region: 'eu-west-1', taskCredentials: { roleArn: 'arn:aws:iam::210987654321:role/charge' } } },
  { id: 4, type: 'TaskFailed', previousEventId: 3, timestamp: at(3), taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'AccessDenied' } },
  { id: 5, type: 'TaskScheduled', previousEventId: 4, timestamp: at(4), taskScheduledEventDetails: { ...lambda, region: 'us-east-1' } },
  { id: 6, type: 'TaskSucceeded', previousEventId: 5, timestamp: at(5), taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: '{}' } },
  { id: 7, type: 'TaskStateExited', previousEventId: 6, timestamp: at(6), stateExitedEventDetails: { name: 'Charge' } },
  { id: 8, type: 'ExecutionSucceeded', previousEventId: 7, timestamp: at(7), executionSucceededEventDetails: { output: '{}' } },
];
let whoRanArn: string;

beforeAll(async () => {
  env = await startSfnEnv();
  const machine = env.fake.addStateMachine('Details');
  const add = (name: string, status: ExecutionStatus, history: FakeEvent[]): string => {
    const { executionArn } = env.fake.addExecution({ stateMachineArn: machine, name, status });
    env.fake.setHistory(executionArn, history);
    return executionArn;
  };
  evaluationArn = add('evaluation', 'FAILED', EVALUATION_FAILED);
  variablesArn = add('variables', 'SUCCEEDED', VARIABLES);
  mapFailedArn = add('map', 'FAILED', MAP_FAILED);
  timedOutArn = add('timed-out', 'FAILED', TIMED_OUT);
  whoRanArn = add('who-ran', 'SUCCEEDED', WHO_RAN);
});

afterAll(async () => {
  await env.close();
});

type Event = { id: number; type: string; stateName?: string; workerName?: string; region?: string; taskRoleArn?: string; roleArn?: string; stateMachineVersionArn?: string; stateMachineAliasArn?: string; location?: string; error?: string; cause?: { untrustedData: string }; assignedVariables?: { untrustedData: string }; outputDetails?: unknown; assignedVariablesDetails?: unknown; output?: { untrustedData: string } };

const events = (r: { structured?: Record<string, unknown> }) => r.structured?.events as Event[];

describe('history details', () => {
  it('a scheduled task shows the time limits it ran under, which a cause-less *TimedOut event reached', async () => {
    const r = await env.call('get_execution_history', { executionArn: timedOutArn });
    expect(r.isError).toBeUndefined();
    expect(events(r).find((e) => e.type === 'ActivityScheduled')).toMatchObject({ id: 3, stateName: 'Review', timeoutInSeconds: 300, heartbeatInSeconds: 2 });
    expect(r.text).toMatch(/#3 ←2 ActivityScheduled \[Review\] \S+ timeoutInSeconds=300 heartbeatInSeconds=2 /);
  });

  it('the worker that took an activity task is shown: the one a heartbeat timeout waited on', async () => {
    const r = await env.call('get_execution_history', { executionArn: timedOutArn });
    expect(events(r).find((e) => e.type === 'ActivityStarted')).toMatchObject({ id: 4, stateName: 'Review', workerName: 'w1' });
    expect(r.text).toMatch(/^#4 ←3 ActivityStarted \[Review\] \S+ workerName=w1$/m);
  });

  it('the execution shows its role, version and alias; a task the role it ran with, and its region when not the execution\'s', async () => {
    const r = await env.call('get_execution_history', { executionArn: whoRanArn });
    const byId = new Map(events(r).map((e) => [e.id, e]));
    expect(byId.get(1)).toMatchObject({ roleArn: 'arn:aws:iam::123456789012:role/orders-sfn', stateMachineVersionArn: `${machineArn}:3`, stateMachineAliasArn: `${machineArn}:prod` });
    expect(byId.get(3)).toMatchObject({ region: 'eu-west-1', taskRoleArn: 'arn:aws:iam::210987654321:role/charge' });
    expect(byId.get(5)).toMatchObject({ region: 'us-east-1' });
    // Compactly: the version and alias of the execution's own machine by their suffix, the region only when not the execution's.
    expect(r.text).toMatch(/^#1 ExecutionStarted \S+ version=3 alias=prod roleArn=arn:aws:iam::123456789012:role\/orders-sfn input: /m);
    expect(r.text).toMatch(/^#3 ←2 TaskScheduled \[Charge\] \S+ region=eu-west-1 taskRoleArn=arn:aws:iam::210987654321:role\/charge resource=lambda:invoke /m);
    expect(r.text).toMatch(/^#5 ←4 TaskScheduled \[Charge\] \S+ resource=lambda:invoke /m);
  });

  it('an EvaluationFailed event is named after the state its details name, however far back its StateEntered lies', async () => {
    // Pages of one event, however many are asked for: the reads ahead reach 5 events, not event 2.
    env.fake.capPages(1);
    try {
      for (const [reverseOrder, maxItems] of [[false, 100], [true, 2]] as const) {
        const r = await env.call('get_execution_history', { executionArn: evaluationArn, failuresOnly: true, reverseOrder, maxItems, pageSize: 1 });
        expect(r.isError).toBeUndefined();
        const failure = events(r).find((e) => e.type === 'EvaluationFailed');
        expect(failure).toMatchObject({ id: 18, stateName: 'Shape Order', location: 'Output', error: 'States.QueryEvaluationError' });
        expect(r.text).toMatch(/#18 ←17 EvaluationFailed \[Shape Order\] .* error=States\.QueryEvaluationError location=Output /);
      }
      const byState = await env.call('get_execution_history', { executionArn: evaluationArn, stateName: 'Shape Order', eventTypes: ['EvaluationFailed'], reverseOrder: true, maxItems: 1, pageSize: 1 });
      expect(events(byState).map((e) => [e.id, e.stateName])).toEqual([[18, 'Shape Order']]);
    } finally {
      env.fake.capPages(undefined);
    }
  });

  it('newest first, a MapStateFailed is named after the Map, by the MapIterationFailed that shares its previous event', async () => {
    env.fake.capPages(2);
    try {
      const r = await env.call('get_execution_history', { executionArn: mapFailedArn, failuresOnly: true, reverseOrder: true, maxItems: 3 });
      const shown = events(r).map((e) => [e.type, e.stateName]);
      expect(shown).toEqual([
        ['ExecutionFailed', undefined],
        ['MapStateFailed', 'Reindex'],
        ['MapIterationFailed', 'Reindex'],
      ]);
      expect(r.text).toMatch(/ MapStateFailed \[Reindex\] /);
    } finally {
      env.fake.capPages(undefined);
    }
  });

  it('a run\'s end says the state it ended in: a Choice no rule matched has no failure event of its own', async () => {
    const machine = env.fake.addStateMachine('NoMatch');
    const run = env.fake.addExecution({ stateMachineArn: machine, name: 'no-match', status: 'FAILED' });
    env.fake.setHistory(run.executionArn, [
      { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
      { id: 2, type: 'PassStateEntered', previousEventId: 1, timestamp: at(1), stateEnteredEventDetails: { name: 'Prepare' } },
      { id: 3, type: 'PassStateExited', previousEventId: 2, timestamp: at(2), stateExitedEventDetails: { name: 'Prepare' } },
      { id: 4, type: 'ChoiceStateEntered', previousEventId: 3, timestamp: at(3), stateEnteredEventDetails: { name: 'RouteByChannel', input: '{"channel":"fax"}' } },
      { id: 5, type: 'ExecutionFailed', previousEventId: 4, timestamp: at(4), executionFailedEventDetails: { error: 'States.NoChoiceMatched', cause: 'No Matches!' } },
    ]);
    // Page by page, newest first: the event it follows is on a later page, which the call reads ahead for.
    for (const [reverseOrder, pageSize] of [[true, 1], [false, 1000]] as const) {
      const r = await env.call('get_execution_history', { executionArn: run.executionArn, failuresOnly: true, reverseOrder, pageSize });
      expect(r.text).toMatch(/^#5 ←4 ExecutionFailed after \[RouteByChannel\] \S+ error=States\.NoChoiceMatched/m);
      expect(events(r)[0]?.stateName).toBeUndefined();
    }
  });

  it('maxPayloadChars reads a long cause whole, up to an eighth of the budget; the answer says how when one was cut', async () => {
    const machine = env.fake.addStateMachine('LongCause');
    const cause = JSON.stringify({ errorMessage: 'gateway down', stackTrace: Array.from({ length: 120 }, (_, i) => `at frame${i} (index.js:${i})`) });
    expect(cause.length).toBeGreaterThan(3000);
    const run = env.fake.addExecution({ stateMachineArn: machine, name: 'long-cause', status: 'FAILED', error: 'Gateway', cause });
    env.fake.setHistory(run.executionArn, [
      { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
      { id: 2, type: 'ExecutionFailed', previousEventId: 1, timestamp: at(1), executionFailedEventDetails: { error: 'Gateway', cause } },
    ]);
    const cut = await env.call('describe_execution', { executionArn: run.executionArn });
    expect(cut.structured?.cause).toMatchObject({ truncated: true, fullSize: cause.length });
    expect(cut.text).toContain('Payloads longer than 2000 characters were cut: call again with maxPayloadChars up to 7500 to see more.');
    const whole = await env.call('describe_execution', { executionArn: run.executionArn, maxPayloadChars: 7500 });
    expect(whole.structured?.cause).toEqual({ untrustedData: cause });
    expect(whole.text).not.toContain('maxPayloadChars');
    const history = await env.call('get_execution_history', { executionArn: run.executionArn, failuresOnly: true, maxPayloadChars: 100_000 });
    expect(events(history)[0]).toMatchObject({ type: 'ExecutionFailed', cause: { untrustedData: cause } });
    expect(history.text).toContain('maxPayloadChars 100000 is more than this server allows (an eighth of its response budget): 7500 was used.');
    // A continuation may change it, like maxItems.
    const first = await env.call('get_execution_history', { executionArn: run.executionArn, maxItems: 1 });
    const next = await env.call('get_execution_history', { executionArn: run.executionArn, maxItems: 1, maxPayloadChars: 7500, startingToken: first.structured?.nextToken });
    expect(next.isError).toBeUndefined();
    expect(events(next)[0]?.cause).toEqual({ untrustedData: cause });
  });

  it('a payload repeated word for word in one answer is shown once in the text and pointed back to', async () => {
    const machine = env.fake.addStateMachine('Repeats');
    const cause = `{"errorMessage":"gateway down","trace":"${'x'.repeat(300)}"}`;
    const run = env.fake.addExecution({ stateMachineArn: machine, name: 'repeats', status: 'FAILED' });
    const failed = (id: number) => ({ id, type: 'LambdaFunctionFailed', previousEventId: id - 1, timestamp: at(id), lambdaFunctionFailedEventDetails: { error: 'Gateway', cause } });
    env.fake.setHistory(run.executionArn, [
      { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
      { id: 2, type: 'TaskStateEntered', previousEventId: 1, timestamp: at(1), stateEnteredEventDetails: { name: 'Charge' } },
      failed(3),
      failed(4),
      { id: 5, type: 'ExecutionFailed', previousEventId: 4, timestamp: at(5), executionFailedEventDetails: { error: 'Gateway', cause } },
    ]);
    const r = await env.call('get_execution_history', { executionArn: run.executionArn, failuresOnly: true });
    expect(events(r).every((e) => e.cause?.untrustedData === cause)).toBe(true);
    const lines = r.text.split('\n').filter((l) => l.startsWith('#'));
    expect(lines[0]).toContain(cause);
    expect(lines[1]).toMatch(/ cause: same as #3 cause$/);
    expect(lines[2]).toMatch(/ cause: same as #3 cause$/);
    expect(r.text.split(cause).length - 1).toBe(1);
    // Cut payloads are never pointed back to: two causes alike up to the cut may differ after it.
    const long = (end: string) => `${'s'.repeat(2500)}${end}`;
    const cutRun = env.fake.addExecution({ stateMachineArn: machine, name: 'cut-repeats', status: 'FAILED' });
    env.fake.setHistory(cutRun.executionArn, [
      { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
      { id: 2, type: 'LambdaFunctionFailed', previousEventId: 1, timestamp: at(1), lambdaFunctionFailedEventDetails: { error: 'E', cause: long('request-1') } },
      { id: 3, type: 'LambdaFunctionFailed', previousEventId: 2, timestamp: at(2), lambdaFunctionFailedEventDetails: { error: 'E', cause: long('request-2') } },
    ]);
    const cutText = (await env.call('get_execution_history', { executionArn: cutRun.executionArn })).text;
    expect(cutText).not.toContain('same as');
    expect(cutText.split('(2509 chars, first 2000 shown)').length - 1).toBe(2);
  });

  it('newest first with maxItems 1, a run that ended after many retries says the state it ended in (the event it follows is read, its state is not)', async () => {
    const machine = env.fake.addStateMachine('Retries');
    const run = env.fake.addExecution({ stateMachineArn: machine, name: 'retries', status: 'FAILED' });
    const history: FakeEvent[] = [
      { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
      { id: 2, type: 'TaskStateEntered', previousEventId: 1, timestamp: at(1), stateEnteredEventDetails: { name: 'Poll' } },
    ];
    for (let attempt = 0; attempt < 30; attempt += 1) {
      for (const type of ['TaskScheduled', 'TaskStarted', 'TaskFailed']) {
        const id = history.length + 1;
        history.push({ id, type, previousEventId: id - 1, timestamp: at(id), ...(type === 'TaskFailed' ? { taskFailedEventDetails: { error: 'Busy' } } : {}) });
      }
    }
    history.push({ id: history.length + 1, type: 'ExecutionFailed', previousEventId: history.length, timestamp: at(history.length + 1), executionFailedEventDetails: { error: 'Busy' } });
    env.fake.setHistory(run.executionArn, history);
    const r = await env.call('get_execution_history', { executionArn: run.executionArn, reverseOrder: true, maxItems: 1, pageSize: 2 });
    expect(r.text).toMatch(/^#93 ←92 ExecutionFailed after \[Poll\] /m);
  });

  it('eventTypes that match nothing point at the failures the history does have', async () => {
    const r = await env.call('get_execution_history', { executionArn: evaluationArn, eventTypes: ['LambdaFunctionFailed'] });
    expect(events(r)).toEqual([]);
    expect(r.text).toContain("No event of the types asked for. This history's failures are TaskFailed (4), EvaluationFailed (1), ExecutionFailed (1); failuresOnly=true shows every kind of failure.");
    const none = await env.call('get_execution_history', { executionArn: variablesArn, eventTypes: ['TaskFailed'] });
    expect(none.text).not.toContain('No event of the types');
  });

  it('shows the variables a state assigned, as one JSON object, with the execution data only', async () => {
    const r = await env.call('get_execution_history', { executionArn: variablesArn });
    const exited = events(r).find((e) => e.id === 3);
    expect(JSON.parse(exited?.assignedVariables?.untrustedData ?? '')).toEqual({ attempts: 0, customer: { name: 'Ann', tier: 'gold' } });
    expect(r.text).toMatch(/#3 ←2 PassStateExited \[Init\] .*assignedVariables: <untrusted-data-\w+>\{"attempts":0,"customer":\{"name":"Ann","tier":"gold"\}\}</);
    const withoutData = await env.call('get_execution_history', { executionArn: variablesArn, includeExecutionData: false });
    expect(events(withoutData).some((e) => e.assignedVariables !== undefined || e.outputDetails !== undefined)).toBe(false);
    expect(withoutData.text).not.toContain('assignedVariables');
  });

  it('says when Step Functions cut a payload in the history itself, and only then', async () => {
    const r = await env.call('get_execution_history', { executionArn: variablesArn });
    const cut = events(r).find((e) => e.id === 5);
    expect(cut).toMatchObject({ output: { untrustedData: '{"rows":[1,2,3' }, outputDetails: { truncated: true }, assignedVariablesDetails: { truncated: true } });
    expect(events(r).find((e) => e.id === 3)?.outputDetails).toBeUndefined();
    const line = r.text.split('\n').find((l) => l.startsWith('#5 '));
    expect(line).toMatch(/output \(cut by Step Functions\): <untrusted-data-\w+>\{"rows":\[1,2,3</);
    expect(line).toContain('assignedVariables: cut by Step Functions, not shown');
    expect(r.text.split('\n').find((l) => l.startsWith('#3 '))).not.toContain('cut by Step Functions');
  });
});
