import { describe, expect, it } from 'vitest';
import { detailsOf, shape, useLocalMachines } from './helpers.js';

/**
 * History shapes per state type, against the event types, order and previousEventId chains that
 * real Step Functions records (sequential cases follow recorded AWS histories exactly).
 */

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:work';
const ACTIVITY = 'arn:aws:states:us-east-1:123456789012:activity:approve';
const pass = (next?: string) => (next ? { Type: 'Pass', Next: next } : { Type: 'Pass', End: true });

const machines: Record<string, unknown> = {
  'pass-choice': {
    StartAt: 'Start',
    States: {
      Start: pass('Route'),
      Route: { Type: 'Choice', Choices: [{ Variable: '$.go', BooleanEquals: true, Next: 'Done' }], Default: 'Done' },
      Done: { Type: 'Succeed' },
    },
  },
  fail: { StartAt: 'Start', States: { Start: pass('Boom'), Boom: { Type: 'Fail', Error: 'Broken', Cause: 'it broke' } } },
  'fail-bare': { StartAt: 'Boom', States: { Boom: { Type: 'Fail' } } },
  wait: { StartAt: 'Pause', States: { Pause: { Type: 'Wait', Seconds: 5, End: true } } },
  'task-service': {
    StartAt: 'Put',
    States: { Put: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: 't', 'Id.$': '$.id' }, TimeoutSeconds: 30, End: true } },
  },
  'task-lambda': { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: LAMBDA, ResultPath: '$.result', End: true } } },
  'task-activity': { StartAt: 'Approve', States: { Approve: { Type: 'Task', Resource: ACTIVITY, End: true } } },
  retry: {
    StartAt: 'Flaky',
    States: {
      Flaky: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        Parameters: { QueueUrl: 'q', 'MessageBody.$': '$' },
        Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 1, MaxAttempts: 3 }],
        End: true,
      },
    },
  },
  catch: {
    StartAt: 'Risky',
    States: {
      Risky: {
        Type: 'Task',
        Resource: 'arn:aws:states:::sns:publish',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Recover' }],
        Next: 'Recover',
      },
      Recover: pass(),
    },
  },
  'missing-handler': { StartAt: 'Nowhere', States: { Nowhere: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:nope', End: true } } },
  map: {
    StartAt: 'Start',
    States: {
      Start: pass('Items'),
      Items: { Type: 'Map', ItemsPath: '$.items', MaxConcurrency: 1, ItemProcessor: { StartAt: 'Handle', States: { Handle: pass() } }, Next: 'Final' },
      Final: pass(),
    },
  },
  'map-empty': { StartAt: 'Items', States: { Items: { Type: 'Map', ItemProcessor: { StartAt: 'Noop', States: { Noop: pass() } }, End: true } } },
  // Items from the execution input, after a state that replaced the data.
  'map-context-items': {
    StartAt: 'Forget',
    States: {
      Forget: { Type: 'Pass', Result: { other: true }, Next: 'Items' },
      Items: { Type: 'Map', ItemsPath: '$$.Execution.Input.items', ItemProcessor: { StartAt: 'Noop', States: { Noop: pass() } }, End: true },
    },
  },
  'map-fail': {
    StartAt: 'Items',
    States: { Items: { Type: 'Map', ItemsPath: '$.items', MaxConcurrency: 1, ItemProcessor: { StartAt: 'Bad', States: { Bad: { Type: 'Fail', Error: 'ItemError', Cause: 'bad item' } } }, End: true } },
  },
  'map-catch': {
    StartAt: 'Items',
    States: {
      Items: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemProcessor: { StartAt: 'Bad2', States: { Bad2: { Type: 'Fail', Error: 'ItemError', Cause: 'bad item' } } },
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
        End: true,
      },
      Caught: pass(),
    },
  },
  // As in the AWS-recorded histories of LocalStack's test_map_state_retry and test_parallel_state_retry.
  'map-retry': {
    StartAt: 'Items',
    States: {
      Items: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: 1,
        ItemProcessor: { StartAt: 'HandleItem', States: { HandleItem: { Type: 'Fail', Error: 'HandleItemFailError', Cause: 'bad item' } } },
        Retry: [{ ErrorEquals: ['HandleItemFailError'], IntervalSeconds: 1, MaxAttempts: 2 }],
        End: true,
      },
    },
  },
  'parallel-retry': {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'Branch1', States: { Branch1: { Type: 'Fail', Error: 'FailError', Cause: 'branch failed' } } }],
        Retry: [{ ErrorEquals: ['FailError'], IntervalSeconds: 1, MaxAttempts: 2 }],
        End: true,
      },
    },
  },
  parallel: {
    StartAt: 'Both',
    States: {
      Both: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Left', States: { Left: pass() } },
          { StartAt: 'Right', States: { Right: pass() } },
        ],
        End: true,
      },
    },
  },
  'parallel-fail': {
    StartAt: 'Both2',
    States: {
      Both2: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Ok', States: { Ok: pass() } },
          { StartAt: 'Ko', States: { Ko: { Type: 'Fail', Error: 'BranchError', Cause: 'branch failed' } } },
        ],
        End: true,
      },
    },
  },
  timeout: { StartAt: 'Long', TimeoutSeconds: 10, States: { Long: { Type: 'Wait', Seconds: 1000, End: true } } },
};

const handlers = `
const attempts = new Map();
export default {
  'arn:aws:states:::dynamodb:putItem': async () => ({ ok: true }),
  '${LAMBDA}': async (input) => ({ doubled: input.n * 2 }),
  '${ACTIVITY}': async () => ({ approved: true }),
  'arn:aws:states:::sqs:sendMessage': async (params, ctx) => {
    const n = (attempts.get(ctx.executionArn) ?? 0) + 1;
    attempts.set(ctx.executionArn, n);
    if (n < 3) { const e = new Error('try again ' + n); e.name = 'Transient'; throw e; }
    return { MessageId: 'm-' + n };
  },
  'arn:aws:states:::sns:publish': async () => { const e = new Error('topic gone'); e.name = 'TopicMissing'; throw e; },
};`;

const { run } = useLocalMachines(machines, handlers);

describe('history shapes per state type', () => {
  it('Pass, Choice and Succeed: entered/exited pairs chained by previousEventId; first state points at 0', async () => {
    const { events, description } = await run('pass-choice', { go: true });
    expect(description.status).toBe('SUCCEEDED');
    expect(shape(events)).toEqual([
      [1, 'ExecutionStarted', 0],
      [2, 'PassStateEntered', 0],
      [3, 'PassStateExited', 2],
      [4, 'ChoiceStateEntered', 3],
      [5, 'ChoiceStateExited', 4],
      [6, 'SucceedStateEntered', 5],
      [7, 'SucceedStateExited', 6],
      [8, 'ExecutionSucceeded', 7],
    ]);
    expect(detailsOf(events[0])).toMatchObject({ input: '{"go":true}', inputDetails: { truncated: false } });
    expect(detailsOf(events[0]).roleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
    expect(detailsOf(events[1])).toEqual({ name: 'Start', input: '{"go":true}', inputDetails: { truncated: false } });
    expect(detailsOf(events[7])).toEqual({ output: '{"go":true}', outputDetails: { truncated: false } });
    expect(typeof events[0]?.timestamp?.getTime()).toBe('number');
  });

  it('Fail: FailStateEntered then ExecutionFailed with the state error and cause; no FailStateExited', async () => {
    const { events, description } = await run('fail');
    expect(description).toMatchObject({ status: 'FAILED', error: 'Broken', cause: 'it broke' });
    expect(shape(events)).toEqual([
      [1, 'ExecutionStarted', 0],
      [2, 'PassStateEntered', 0],
      [3, 'PassStateExited', 2],
      [4, 'FailStateEntered', 3],
      [5, 'ExecutionFailed', 4],
    ]);
    expect(detailsOf(events[4])).toEqual({ error: 'Broken', cause: 'it broke' });
  });

  it('Fail without Error/Cause: ExecutionFailed carries neither (the library would invent them)', async () => {
    const { events, description } = await run('fail-bare');
    expect(description.status).toBe('FAILED');
    expect(description.error).toBeUndefined();
    expect(detailsOf(events.at(-1))).toEqual({});
  });

  it('Wait: WaitStateEntered, WaitStateExited', async () => {
    const { events } = await run('wait');
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'WaitStateExited', 'ExecutionSucceeded']);
  });

  it('Task (service integration): TaskScheduled with resourceType, resource, region, effective parameters, timeout; TaskSucceeded with the raw result', async () => {
    const { events } = await run('task-service', { id: 'k1', ignored: true });
    expect(shape(events)).toEqual([
      [1, 'ExecutionStarted', 0],
      [2, 'TaskStateEntered', 0],
      [3, 'TaskScheduled', 2],
      [4, 'TaskStarted', 3],
      [5, 'TaskSucceeded', 4],
      [6, 'TaskStateExited', 5],
      [7, 'ExecutionSucceeded', 6],
    ]);
    expect(detailsOf(events[2])).toEqual({
      resourceType: 'dynamodb',
      resource: 'putItem',
      region: 'us-east-1',
      parameters: '{"TableName":"t","Id":"k1"}',
      timeoutInSeconds: 30,
    });
    expect(detailsOf(events[3])).toEqual({ resourceType: 'dynamodb', resource: 'putItem' });
    expect(detailsOf(events[4])).toEqual({ resourceType: 'dynamodb', resource: 'putItem', output: '{"ok":true}', outputDetails: { truncated: false } });
  });

  it('Task (Lambda ARN): LambdaFunctionScheduled/Started/Succeeded; raw result vs state output after ResultPath', async () => {
    const { events } = await run('task-lambda', { n: 21 });
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited', 'ExecutionSucceeded',
    ]);
    expect(detailsOf(events[2])).toEqual({ resource: LAMBDA, input: '{"n":21}', inputDetails: { truncated: false } });
    expect(detailsOf(events[4]).output).toBe('{"doubled":42}');
    expect(detailsOf(events[5]).output).toBe('{"n":21,"result":{"doubled":42}}');
  });

  it('Task (activity): ActivityScheduled/Started/Succeeded', async () => {
    const { events } = await run('task-activity');
    expect(events.map((e) => e.type).slice(2, 5)).toEqual(['ActivityScheduled', 'ActivityStarted', 'ActivitySucceeded']);
    expect(detailsOf(events[2]).resource).toBe(ACTIVITY);
  });

  it('Retry: each failed attempt is TaskFailed and the retry schedules the task again, in one state', async () => {
    const { events, description } = await run('retry', { hello: 'world' });
    expect(description.status).toBe('SUCCEEDED');
    expect(shape(events)).toEqual([
      [1, 'ExecutionStarted', 0],
      [2, 'TaskStateEntered', 0],
      [3, 'TaskScheduled', 2],
      [4, 'TaskStarted', 3],
      [5, 'TaskFailed', 4],
      [6, 'TaskScheduled', 5],
      [7, 'TaskStarted', 6],
      [8, 'TaskFailed', 7],
      [9, 'TaskScheduled', 8],
      [10, 'TaskStarted', 9],
      [11, 'TaskSucceeded', 10],
      [12, 'TaskStateExited', 11],
      [13, 'ExecutionSucceeded', 12],
    ]);
    expect(detailsOf(events[4])).toEqual({ resourceType: 'sqs', resource: 'sendMessage', error: 'Transient', cause: 'try again 1' });
    expect(detailsOf(events[5]).parameters).toBe('{"QueueUrl":"q","MessageBody":{"hello":"world"}}');
  });

  it('Catch: TaskFailed, then TaskStateExited with the error output, then the handler state', async () => {
    const { events, description } = await run('catch', { a: 1 });
    expect(description.status).toBe('SUCCEEDED');
    expect(shape(events)).toEqual([
      [1, 'ExecutionStarted', 0],
      [2, 'TaskStateEntered', 0],
      [3, 'TaskScheduled', 2],
      [4, 'TaskStarted', 3],
      [5, 'TaskFailed', 4],
      [6, 'TaskStateExited', 5],
      [7, 'PassStateEntered', 6],
      [8, 'PassStateExited', 7],
      [9, 'ExecutionSucceeded', 8],
    ]);
    expect(JSON.parse(String(detailsOf(events[5]).output))).toEqual({ a: 1, error: { Error: 'TopicMissing', Cause: 'topic gone' } });
  });

  it('a Task without a local handler fails with a clear error and never reaches the network', async () => {
    const { events, description } = await run('missing-handler');
    expect(description.status).toBe('FAILED');
    expect(description.error).toBe('LocalEngine.HandlerNotFound');
    const failed = events.find((e) => e.type === 'LambdaFunctionFailed');
    expect(detailsOf(failed).error).toBe('LocalEngine.HandlerNotFound');
    expect(String(detailsOf(failed).cause)).toContain('No local handler for Task resource');
    expect(String(detailsOf(failed).cause)).toContain('function:nope');
    expect(events.at(-1)?.type).toBe('ExecutionFailed');
  });

  it('Map (sequential): iterations chain like AWS records them; MapStateSucceeded and MapStateExited point at the last iteration event', async () => {
    const { events } = await run('map', { items: [1, 'two', { three: 3 }] });
    expect(shape(events)).toEqual([
      [1, 'ExecutionStarted', 0],
      [2, 'PassStateEntered', 0],
      [3, 'PassStateExited', 2],
      [4, 'MapStateEntered', 3],
      [5, 'MapStateStarted', 4],
      [6, 'MapIterationStarted', 5],
      [7, 'PassStateEntered', 6],
      [8, 'PassStateExited', 7],
      [9, 'MapIterationSucceeded', 8],
      [10, 'MapIterationStarted', 8],
      [11, 'PassStateEntered', 10],
      [12, 'PassStateExited', 11],
      [13, 'MapIterationSucceeded', 12],
      [14, 'MapIterationStarted', 12],
      [15, 'PassStateEntered', 14],
      [16, 'PassStateExited', 15],
      [17, 'MapIterationSucceeded', 16],
      [18, 'MapStateSucceeded', 17],
      [19, 'MapStateExited', 17],
      [20, 'PassStateEntered', 19],
      [21, 'PassStateExited', 20],
      [22, 'ExecutionSucceeded', 21],
    ]);
    expect(detailsOf(events[4])).toEqual({ length: 3 });
    expect(detailsOf(events[9])).toEqual({ name: 'Items', index: 1 });
    expect(detailsOf(events[10])).toMatchObject({ name: 'Handle', input: '"two"' });
  });

  it('Map over no items: MapStateStarted{length 0}, MapStateSucceeded, MapStateExited', async () => {
    const { events } = await run('map-empty', []);
    expect(shape(events)).toEqual([
      [1, 'ExecutionStarted', 0],
      [2, 'MapStateEntered', 0],
      [3, 'MapStateStarted', 2],
      [4, 'MapStateSucceeded', 3],
      [5, 'MapStateExited', 3],
      [6, 'ExecutionSucceeded', 5],
    ]);
    expect(detailsOf(events[2])).toEqual({ length: 0 });
  });

  it('Map over items of the execution input ($$.Execution.Input): MapStateStarted has their number', async () => {
    const { events, description } = await run('map-context-items', { items: ['a', 'b', 'c'] });
    expect(description.output).toBe('["a","b","c"]');
    expect(detailsOf(events.find((e) => e.type === 'MapStateStarted'))).toEqual({ length: 3 });
  });

  it('Map failure: MapIterationFailed, MapStateFailed pointing at the failed state, ExecutionFailed', async () => {
    const { events, description } = await run('map-fail', { items: [1] });
    expect(description).toMatchObject({ status: 'FAILED', error: 'ItemError', cause: 'bad item' });
    expect(shape(events)).toEqual([
      [1, 'ExecutionStarted', 0],
      [2, 'MapStateEntered', 0],
      [3, 'MapStateStarted', 2],
      [4, 'MapIterationStarted', 3],
      [5, 'FailStateEntered', 4],
      [6, 'MapIterationFailed', 5],
      [7, 'MapStateFailed', 5],
      [8, 'ExecutionFailed', 7],
    ]);
  });

  it('Map caught: MapStateFailed, then MapStateExited with the error output, then the catcher', async () => {
    const { events, description } = await run('map-catch', { items: [1] });
    expect(description.status).toBe('SUCCEEDED');
    expect(shape(events)).toEqual([
      [1, 'ExecutionStarted', 0],
      [2, 'MapStateEntered', 0],
      [3, 'MapStateStarted', 2],
      [4, 'MapIterationStarted', 3],
      [5, 'FailStateEntered', 4],
      [6, 'MapIterationFailed', 5],
      [7, 'MapStateFailed', 5],
      [8, 'MapStateExited', 7],
      [9, 'PassStateEntered', 8],
      [10, 'PassStateExited', 9],
      [11, 'ExecutionSucceeded', 10],
    ]);
    expect(JSON.parse(String(detailsOf(events[7]).output))).toEqual({ Error: 'ItemError', Cause: 'bad item' });
  });

  it('Map retried as a whole: no MapStateFailed until the last attempt; each new MapStateStarted points at the failed attempt\'s last event', async () => {
    const { events } = await run('map-retry', { items: [1] });
    expect(shape(events)).toEqual([
      [1, 'ExecutionStarted', 0],
      [2, 'MapStateEntered', 0],
      [3, 'MapStateStarted', 2],
      [4, 'MapIterationStarted', 3],
      [5, 'FailStateEntered', 4],
      [6, 'MapIterationFailed', 5],
      [7, 'MapStateStarted', 5],
      [8, 'MapIterationStarted', 7],
      [9, 'FailStateEntered', 8],
      [10, 'MapIterationFailed', 9],
      [11, 'MapStateStarted', 9],
      [12, 'MapIterationStarted', 11],
      [13, 'FailStateEntered', 12],
      [14, 'MapIterationFailed', 13],
      [15, 'MapStateFailed', 13],
      [16, 'ExecutionFailed', 15],
    ]);
  });

  it('Parallel retried as a whole: each new ParallelStateStarted points at the failed branch\'s last event', async () => {
    const { events } = await run('parallel-retry');
    expect(shape(events)).toEqual([
      [1, 'ExecutionStarted', 0],
      [2, 'ParallelStateEntered', 0],
      [3, 'ParallelStateStarted', 2],
      [4, 'FailStateEntered', 3],
      [5, 'ParallelStateStarted', 4],
      [6, 'FailStateEntered', 5],
      [7, 'ParallelStateStarted', 6],
      [8, 'FailStateEntered', 7],
      [9, 'ParallelStateFailed', 8],
      [10, 'ExecutionFailed', 9],
    ]);
  });

  it('Parallel: ParallelStateEntered, ParallelStateStarted, branch states pointing at it, ParallelStateSucceeded, ParallelStateExited', async () => {
    const { events } = await run('parallel', { x: 1 });
    const types = events.map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['ExecutionStarted', 'ParallelStateEntered', 'ParallelStateStarted']);
    expect(types.slice(-3)).toEqual(['ParallelStateSucceeded', 'ParallelStateExited', 'ExecutionSucceeded']);
    const entered = events.filter((e) => e.type === 'PassStateEntered');
    expect(entered.map((e) => detailsOf(e).name).sort()).toEqual(['Left', 'Right']);
    for (const e of entered) expect(e.previousEventId).toBe(3);
    expect(detailsOf(events.at(-2)).output).toBe('[{"x":1},{"x":1}]');
  });

  it('Parallel with a failing branch: ParallelStateFailed then ExecutionFailed with the branch error', async () => {
    const { events, description } = await run('parallel-fail');
    expect(description).toMatchObject({ status: 'FAILED', error: 'BranchError', cause: 'branch failed' });
    const types = events.map((e) => e.type);
    expect(types).toContain('FailStateEntered');
    expect(types.slice(-2)).toEqual(['ParallelStateFailed', 'ExecutionFailed']);
    expect(types).not.toContain('ParallelStateSucceeded');
    expect(types).not.toContain('ParallelStateExited');
    const failEntered = events.find((e) => e.type === 'FailStateEntered');
    expect(events.at(-2)?.previousEventId).toBe(failEntered?.id);
  });

  it('TimeoutSeconds (scaled with the time scale): ExecutionTimedOut with States.Timeout, status TIMED_OUT with no error or cause (as AWS records it)', async () => {
    const { events, description } = await run('timeout');
    expect(description.status).toBe('TIMED_OUT');
    expect(description.error).toBeUndefined();
    expect(description.cause).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionTimedOut']);
    expect(events.at(-1)?.executionTimedOutEventDetails).toEqual({ error: 'States.Timeout' });
  });

  it('ids are 1..n and every previousEventId points at an earlier event', async () => {
    const { events } = await run('map', { items: Array.from({ length: 25 }, (_, i) => i) });
    events.forEach((e, i) => {
      expect(e.id).toBe(i + 1);
      expect(e.previousEventId).toBeLessThan(e.id ?? 0);
    });
  });
});
