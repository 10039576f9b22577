import { describe, expect, it } from 'vitest';
import { detailsOf, historyProblems, useLocalMachines } from './helpers.js';

/** Data in local histories: captured when each event happens, errors that name their state, the $$ context. */

const L = 'arn:aws:lambda:us-east-1:123456789012:function:';

function stringItems(send: Record<string, unknown>) {
  const processor = { StartAt: 'Send', States: { Send: send, ...(send.Catch ? { Skip: { Type: 'Pass', End: true } } : {}) } };
  return { StartAt: 'Notify', States: { Notify: { Type: 'Map', ItemsPath: '$.to', ResultPath: '$.sent', End: true, ItemProcessor: processor } } };
}

const machines: Record<string, unknown> = {
  mutate: {
    StartAt: 'T',
    States: {
      T: { Type: 'Task', Resource: L + 'mutate', ResultPath: '$.r', Next: 'T2' },
      T2: { Type: 'Task', Resource: L + 'mutate', End: true },
    },
  },
  'merge-mut': {
    StartAt: 'M',
    States: {
      M: { Type: 'Pass', Parameters: { 'merged.$': 'States.JsonMerge($.a, $.b, false)' }, ResultPath: '$.r', Next: 'N' },
      N: { Type: 'Pass', End: true },
    },
  },
  'bad-input-path': { StartAt: 'Start', States: { Start: { Type: 'Pass', Next: 'P' }, P: { Type: 'Pass', InputPath: '$.does.not.exist', End: true } } },
  'bad-parameters': {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: 1,
        End: true,
        ItemProcessor: { StartAt: 'Pick', States: { Pick: { Type: 'Task', Resource: L + 'echo', Parameters: { 'v.$': '$.missing' }, End: true } } },
      },
    },
  },
  'bad-output-path': { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'a.$': '$.x' }, OutputPath: '$.x', End: true } } },
  'bad-nested-parameters': {
    StartAt: 'P',
    States: { P: { Type: 'Pass', InputPath: '$.order', Parameters: { ship: { 'to.$': '$.address', fixed: 1 } }, End: true } },
  },
  'no-json': { StartAt: 'T', States: { T: { Type: 'Task', Resource: L + 'no-json', End: true } } },
  'throws-object': { StartAt: 'T', States: { T: { Type: 'Task', Resource: L + 'throws', End: true } } },
  // Every item, and both branches, fail alike: the first failure is the one that fails the state.
  'bad-items': {
    StartAt: 'Each',
    States: { Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: { StartAt: 'Pick', States: { Pick: { Type: 'Pass', Parameters: { 'x.$': '$.a' }, End: true } } }, End: true } },
  },
  'bad-branches': {
    StartAt: 'Both',
    States: {
      Both: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'B1', States: { B1: { Type: 'Pass', Parameters: { 'x.$': '$.a' }, End: true } } },
          { StartAt: 'B2', States: { B2: { Type: 'Pass', Parameters: { 'x.$': '$.a' }, End: true } } },
        ],
        End: true,
      },
    },
  },
  'bad-result-selector': {
    StartAt: 'Get',
    States: { Get: { Type: 'Task', Resource: L + 'echo', Parameters: { 'Key.$': '$.id' }, ResultSelector: { 'name.$': '$.Item.name' }, End: true } },
  },
  'bad-result-path': { StartAt: 'T', States: { T: { Type: 'Task', Resource: L + 'echo', ResultPath: '$.r', End: true } } },
  // Plain strings as Map items, as a recipient list often is: neither the Task's ResultPath nor its Catch's can apply.
  'string-items': stringItems({ Type: 'Task', Resource: L + 'echo', ResultPath: '$.sent', End: true }),
  'string-items-caught': stringItems({ Type: 'Task', Resource: L + 'throws', ResultPath: '$.sent', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Skip' }], End: true }),
  'context-state': {
    StartAt: 'C',
    States: {
      C: { Type: 'Pass', Parameters: { 'name.$': '$$.State.Name', 'entered.$': '$$.State.EnteredTime', 'retries.$': '$$.State.RetryCount' }, Next: 'Flaky' },
      Flaky: {
        Type: 'Task',
        Resource: L + 'flaky',
        Parameters: { 'name.$': '$$.State.Name', 'retries.$': '$$.State.RetryCount' },
        Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 1, MaxAttempts: 3 }],
        Next: 'Each',
      },
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemSelector: { 'map.$': '$$.State.Name', 'item.$': '$$.Map.Item.Value' },
        End: true,
        ItemProcessor: { StartAt: 'Item', States: { Item: { Type: 'Pass', Parameters: { 'in.$': '$', 'state.$': '$$.State.Name' }, End: true } } },
      },
    },
  },
};

const handlers = `
const L = '${L}';
const attempts = new Map();
export default {
  [L + 'echo']: async (input) => input,
  [L + 'no-json']: async (input) => (input.kind === 'symbol' ? Symbol('s') : () => 1),
  // What a handler throws, as the input says: an error-like plain object, or a very long name.
  [L + 'throws']: async (input) => {
    if (input.kind === 'object') throw { name: 'QuotaExceeded', message: 'quota of 5 reached' };
    if (input.kind === 'bare') throw { code: 42 };
    const e = new Error(input.kind === 'quotes' ? '"'.repeat(40000) : 'x'.repeat(40000)); e.name = 'N'.repeat(400); throw e;
  },
  [L + 'mutate']: async (input) => { input.secret = 'MUTATED'; delete input.keep; return { ok: 1 }; },
  [L + 'flaky']: async (input, ctx) => {
    const n = (attempts.get(ctx.executionArn) ?? 0) + 1;
    attempts.set(ctx.executionArn, n);
    if (n < 3) { const e = new Error('again'); e.name = 'Transient'; throw e; }
    return { ...input, items: [10, 20] };
  },
};`;

const { run } = useLocalMachines(machines, handlers);

const byType = (events: Awaited<ReturnType<typeof run>>['events'], type: string) => events.filter((e) => e.type === type).map((e) => detailsOf(e));

describe('errors thrown by handlers', () => {
  it('a plain object thrown keeps its name and message; one without them is shown as JSON', async () => {
    const named = await run('throws-object', { kind: 'object' });
    expect(named.description).toMatchObject({ status: 'FAILED', error: 'QuotaExceeded' });
    expect(JSON.parse(named.description.cause ?? '')).toEqual({ errorMessage: 'quota of 5 reached', errorType: 'QuotaExceeded' });
    const bare = await run('throws-object', { kind: 'bare' });
    expect(JSON.parse(bare.description.cause ?? '')).toEqual({ errorMessage: '{"code":42}', errorType: 'Error' });
  });

  it('names and causes are cut to Step Functions limits (256 and 32,768 characters), the Lambda cause still JSON', async () => {
    const { description, events } = await run('throws-object', { kind: 'long' });
    expect(description.error).toBe('N'.repeat(256));
    expect((description.cause ?? '').length).toBeLessThanOrEqual(32_768);
    expect(JSON.parse(description.cause ?? '')).toMatchObject({ errorType: 'N'.repeat(256) });
    expect(historyProblems(events)).toEqual([]);
    // Escaping doubles every quote: the document is cut to fit all the same.
    const quoted = await run('throws-object', { kind: 'quotes' });
    expect((quoted.description.cause ?? '').length).toBeLessThanOrEqual(32_768);
    expect(JSON.parse(quoted.description.cause ?? '')).toMatchObject({ errorType: 'N'.repeat(256) });
  });
});

describe('event data is what it was when the event happened', () => {
  it('a handler that changes its argument changes neither the execution data nor the history', async () => {
    const { events, description } = await run('mutate', { keep: 1 });
    expect(description.status).toBe('SUCCEEDED');
    expect(historyProblems(events)).toEqual([]);
    expect(byType(events, 'TaskStateEntered').map((d) => d.input)).toEqual(['{"keep":1}', '{"keep":1,"r":{"ok":1}}']);
    expect(byType(events, 'LambdaFunctionScheduled').map((d) => d.input)).toEqual(['{"keep":1}', '{"keep":1,"r":{"ok":1}}']);
    expect(byType(events, 'TaskStateExited').map((d) => d.output)).toEqual(['{"keep":1,"r":{"ok":1}}', '{"ok":1}']);
    expect(description.output).toBe('{"ok":1}');
  });

  it('an intrinsic that changes its argument (States.JsonMerge) does not rewrite the StateEntered input', async () => {
    const { events, description } = await run('merge-mut', { a: { x: 1 }, b: { y: 2 } });
    expect(description.status).toBe('SUCCEEDED');
    expect(byType(events, 'PassStateEntered')[0]?.input).toBe('{"a":{"x":1},"b":{"y":2}}');
    expect(JSON.parse(String(byType(events, 'PassStateExited')[0]?.output))).toMatchObject({ r: { merged: { x: 1, y: 2 } } });
  });
});

describe('a handler result with no JSON form', () => {
  it.each(['symbol', 'function'])('a %s fails the task with LocalEngine.InvalidOutput, saying why', async (kind) => {
    const { description } = await run('no-json', { kind });
    expect(description).toMatchObject({ status: 'FAILED', error: 'LocalEngine.InvalidOutput' });
    expect(description.cause).toContain(`a ${kind} has no JSON form`);
  });
});

describe('States.Runtime failures name the state, like AWS', () => {
  it('a bad InputPath: the cause names the state and the id of its StateEntered event', async () => {
    const { events, description } = await run('bad-input-path', { a: 1 });
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    const entered = events.find((e) => e.type === 'PassStateEntered' && detailsOf(e).name === 'P');
    expect(entered?.id).toBe(4);
    expect(description.cause).toMatch(/^An error occurred while executing the state 'P' \(entered at the event id #4\)\. \S/);
    expect(description.cause).toContain('$.does.not.exist');
    expect(detailsOf(events.at(-1)).cause).toBe(description.cause);
  });

  it('a Parameters path not found inside a Map iteration: the cause names the inner state', async () => {
    const { events, description } = await run('bad-parameters', { items: [{ v: 1 }] });
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    const entered = events.find((e) => e.type === 'TaskStateEntered');
    expect(description.cause).toMatch(new RegExp(`^An error occurred while executing the state 'Pick' \\(entered at the event id #${entered?.id}\\)\\. \\S`));
    // As Step Functions words it: the field and the input it looked in, which tell the fix.
    expect(description.cause).toMatch(/\. The JSONPath '\$\.missing' specified for the field 'v\.\$' could not be found in the input '\{"v":1\}'$/);
    expect(events.map((e) => e.type)).not.toContain('LambdaFunctionScheduled');
  });

  it('a ResultSelector path not found: the cause names the field and shows the task result it looked in', async () => {
    const { description } = await run('bad-result-selector', { id: 'k-1' });
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(description.cause).toBe(
      `An error occurred while executing the state 'Get' (entered at the event id #2). The JSONPath '$.Item.name' specified for the field 'name.$' could not be found in the input '{"Key":"k-1"}'`,
    );
  });

  it('an OutputPath reading the path a Parameters field read fine is not blamed on that field', async () => {
    const { description } = await run('bad-output-path', { x: 1 });
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(description.cause).toContain("'$.x'");
    expect(description.cause).not.toContain('specified for the field');
  });

  it('a nested Parameters field after an InputPath: the input shown is the one the template read', async () => {
    const { description } = await run('bad-nested-parameters', { order: { id: 7 }, other: true });
    expect(description.cause).toBe(
      `An error occurred while executing the state 'P' (entered at the event id #2). The JSONPath '$.address' specified for the field 'to.$' could not be found in the input '{"id":7}'`,
    );
  });

  it.each([
    ['bad-items', 'MapStateFailed', { items: [{ b: 1 }, { b: 2 }, { b: 3 }] }],
    ['bad-branches', 'ParallelStateFailed', { b: 1 }],
  ])('%s: several alike failures, the cause names the one the %s follows', async (machine, failedType, input) => {
    const { events, description } = await run(machine, input);
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    const failedState = events.find((e) => e.type === failedType);
    const entered = events.find((e) => e.id === failedState?.previousEventId);
    expect(entered?.type).toBe('PassStateEntered');
    expect(description.cause).toMatch(new RegExp(`^An error occurred while executing the state '${String(detailsOf(entered).name)}' \\(entered at the event id #${entered?.id}\\)\\. `));
  });

  it('a ResultPath that cannot apply: the Lambda function succeeded, the state failed', async () => {
    const { events, description } = await run('bad-result-path', 5);
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.ResultPathMatchFailure' });
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'ExecutionFailed']);
    expect(historyProblems(events)).toEqual([]);
    // As Step Functions words it, naming the path and the input it could not be applied to.
    expect(description.cause).toBe('Unable to apply ReferencePath $.r to input 5');
    expect(detailsOf(events.at(-1)).cause).toBe(description.cause);
  });

  it("inside a Map of strings, the cause names the ResultPath that failed: the Task's own, or its Catch's after the task failed", async () => {
    const own = await run('string-items', { to: ['a@example.com'] });
    expect(own.description).toMatchObject({ status: 'FAILED', error: 'States.ResultPathMatchFailure', cause: 'Unable to apply ReferencePath $.sent to input "a@example.com"' });
    const caught = await run('string-items-caught', { to: ['x'] });
    expect(caught.description).toMatchObject({ status: 'FAILED', error: 'States.ResultPathMatchFailure' });
    expect(caught.description.cause).toBe('Unable to apply ReferencePath $.error to input "x"');
    expect(historyProblems(caught.events)).toEqual([]);
  });
});

describe('$$.State in the context object', () => {
  it('gives Name, EnteredTime and RetryCount of the running state, per retry and per Map iteration', async () => {
    const { events, description } = await run('context-state', { go: 1 });
    expect(description.status).toBe('SUCCEEDED');
    const c = JSON.parse(String(byType(events, 'PassStateExited')[0]?.output)) as Record<string, unknown>;
    const enteredAt = events.find((e) => e.type === 'PassStateEntered')?.timestamp?.toISOString();
    expect(c).toEqual({ name: 'C', entered: enteredAt, retries: 0 });
    expect(byType(events, 'LambdaFunctionScheduled').map((d) => JSON.parse(String(d.input)))).toEqual([
      { name: 'Flaky', retries: 0 },
      { name: 'Flaky', retries: 1 },
      { name: 'Flaky', retries: 2 },
    ]);
    expect(JSON.parse(description.output ?? '')).toEqual([
      { in: { map: 'Each', item: 10 }, state: 'Item' },
      { in: { map: 'Each', item: 20 }, state: 'Item' },
    ]);
  });
});
