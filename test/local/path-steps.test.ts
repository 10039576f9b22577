import { describe, expect, it } from 'vitest';
import { useLocalTools } from './helpers.js';

/**
 * Paths find what Step Functions' JSONPath (Jayway) finds, not what jsonpath-plus, which the
 * library evaluates them with, finds: a key starting with "@" is a key, and arrays and strings
 * have no "length" (nor strings characters) to find. And a path jsonpath-plus
 * cannot evaluate fails the state with States.Runtime (neither retried nor caught), not with the
 * host's exception.
 */

/** Paths to what JavaScript has and JSON does not: an array's and a string's length, a string's characters. */
const JS_ONLY = ['$.items.length', '$.name.length', '$.name[0]', '$$.StateMachine.Name.length', '$$.Execution.Name.length'];

const ECHO = 'arn:aws:lambda:us-east-1:123456789012:function:echo';
const pass = (extra: Record<string, unknown>) => ({ StartAt: 'P', States: { P: { Type: 'Pass', End: true, ...extra } } });
const handledTask = (parameters: Record<string, unknown>) => ({
  StartAt: 'T',
  States: {
    T: {
      Type: 'Task',
      Resource: ECHO,
      Parameters: parameters,
      Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, IntervalSeconds: 1 }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
      End: true,
    },
    Caught: { Type: 'Pass', End: true },
  },
});

const { call, run } = useLocalTools(
  {
    'at-template': pass({ Parameters: { 'dotted.$': '$.@timestamp', 'bracketed.$': "$['@timestamp']", 'nested.$': '$.log.@level' } }),
    'at-input-path': pass({ InputPath: '$.@timestamp' }),
    'at-choice': {
      StartAt: 'C',
      States: {
        C: { Type: 'Choice', Choices: [{ Variable: '$.@timestamp', StringEquals: '2024-01-01T00:00:00Z', Next: 'Matched' }], Default: 'Missed' },
        Matched: { Type: 'Pass', Result: 'matched', End: true },
        Missed: { Type: 'Pass', Result: 'missed', End: true },
      },
    },
    'at-task': handledTask({ 'v.$': '$.@timestamp' }),
    'filter-task': handledTask({ 'v.$': '$.orders[?(@.shipping.express == 1)]' }),
    ...Object.fromEntries(JS_ONLY.map((path, i) => [`js-only-${i}`, pass({ Parameters: { 'v.$': path } })])),
    'length-input-path': pass({ InputPath: '$.items.length' }),
    'length-choice': {
      StartAt: 'C',
      States: {
        C: { Type: 'Choice', Choices: [{ Variable: '$.items.length', NumericGreaterThan: 2, Next: 'Many' }], Default: 'Few' },
        Many: { Type: 'Pass', Result: 'many', End: true },
        Few: { Type: 'Pass', Result: 'few', End: true },
      },
    },
    'real-length': pass({ Parameters: { 'box.$': '$.box.length', 'first.$': '$.items[0]', 'all.$': '$.items[*]', 'lengths.$': '$.boxes[*].length' } }),
  },
  `export default { '${ECHO}': async (input) => input };`,
);

const INPUT = { '@timestamp': '2024-01-01T00:00:00Z', log: { '@level': 'info' } };
const text = (field: unknown) => String((field as { untrustedData?: string } | undefined)?.untrustedData);

interface Seen {
  type: string;
  error?: string;
  cause?: { untrustedData?: string };
}

async function eventTypes(executionArn: string): Promise<Seen[]> {
  const r = await call('get_execution_history', { executionArn, includeExecutionData: false });
  expect(r.isError, r.text).toBeUndefined();
  return r.structured?.events as Seen[];
}

describe('a key starting with "@"', () => {
  it('is read in a template, dotted or bracketed, at any depth', async () => {
    const { described } = await run('at-template', INPUT);
    expect(described.structured).toMatchObject({ status: 'SUCCEEDED' });
    expect(JSON.parse(text(described.structured?.output))).toEqual({ dotted: '2024-01-01T00:00:00Z', bracketed: '2024-01-01T00:00:00Z', nested: 'info' });
  });

  it('is read by InputPath and by a Choice Variable', async () => {
    expect(JSON.parse(text((await run('at-input-path', INPUT)).described.structured?.output))).toBe('2024-01-01T00:00:00Z');
    expect(JSON.parse(text((await run('at-choice', INPUT)).described.structured?.output))).toBe('matched');
  });

  it('in a Task with Retry and Catch on States.ALL: the task gets the value, nothing fails', async () => {
    const { executionArn, described } = await run('at-task', INPUT);
    expect(described.structured).toMatchObject({ status: 'SUCCEEDED' });
    expect(JSON.parse(text(described.structured?.output))).toEqual({ v: '2024-01-01T00:00:00Z' });
    expect((await eventTypes(executionArn)).map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });
});

describe('a path jsonpath-plus cannot evaluate', () => {
  it('fails the state with States.Runtime: not retried, not caught, the execution fails', async () => {
    // jsonpath-plus runs the filter as JavaScript, which throws reading a field of a missing one.
    const { executionArn, described } = await run('filter-task', { orders: [{ shipping: { express: 1 } }, { id: 2 }] });
    expect(described.structured).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    const cause = text(described.structured?.cause);
    expect(cause).toMatch(/^An error occurred while executing the state 'T' \(entered at the event id #2\)\. /);
    expect(cause).toContain("Path expression '$.orders[?(@.shipping.express == 1)]' could not be evaluated: ");
    const events = await eventTypes(executionArn);
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed']);
    expect(events[2]).toMatchObject({ error: 'States.Runtime', cause: { untrustedData: cause } });
  });
});

describe('"length" of an array or a string, a character of a string', () => {
  const input = { items: [1, 2, 3], name: 'zoe' };

  it.each(JS_ONLY.map((path, i) => [path, i]))('%s finds nothing: the state fails with States.Runtime', async (path, i) => {
    const { described } = await run(`js-only-${i}`, input);
    expect(described.structured).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(text(described.structured?.cause)).toContain(path.startsWith('$$') ? `Path expression '${path}' does not point to a value` : `The JSONPath '${path}' specified for the field 'v.$' could not be found in the input`);
  });

  it('InputPath and a Choice comparison find nothing either', async () => {
    const read = await run('length-input-path', input);
    expect(read.described.structured).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(text(read.described.structured?.cause)).toContain("Path expression '$.items.length' does not point to a value");
    const chosen = await run('length-choice', input);
    expect(chosen.described.structured).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(text(chosen.described.structured?.cause)).toContain("Path expression '$.items.length' does not point to a value");
  });

  it('an object\'s own "length" key is found, and array items still are', async () => {
    const { described } = await run('real-length', { box: { length: 7 }, items: [1, 2, 3], boxes: [{ length: 1 }, [1, 2], { length: 3 }] });
    expect(described.structured).toMatchObject({ status: 'SUCCEEDED' });
    expect(JSON.parse(text(described.structured?.output))).toEqual({ box: 7, first: 1, all: [1, 2, 3], lengths: [1, 3] });
  });
});
