import { describe, expect, it } from 'vitest';
import { useLocalTools } from './helpers.js';

/**
 * States.ArrayGetItem at an index the array does not have (negative, past its end, not an integer)
 * fails the state with States.Runtime, as in Step Functions; the library gave null.
 */

const ECHO = 'arn:aws:lambda:us-east-1:123456789012:function:echo';
const pass = (parameters: Record<string, unknown>) => ({ StartAt: 'P', States: { P: { Type: 'Pass', Parameters: parameters, End: true } } });

const BAD: Array<[index: string, shown: string]> = [
  ['-1', '-1'],
  ['3', '3'],
  ['1.5', '1.5'],
  ['$.i', '3'],
];

const { call, run } = useLocalTools(
  {
    ...Object.fromEntries(BAD.map(([index], n) => [`bad-${n}`, pass({ 'v.$': `States.ArrayGetItem($.a, ${index})` })])),
    good: pass({ 'first.$': 'States.ArrayGetItem($.a, 0)', 'last.$': 'States.ArrayGetItem($.a, $.last)', 'nothing.$': 'States.ArrayGetItem($.holes, 0)' }),
    'in-task': {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: ECHO,
          Parameters: { 'v.$': 'States.ArrayGetItem($.a, 7)' },
          Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, IntervalSeconds: 1 }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
          End: true,
        },
        Caught: { Type: 'Pass', End: true },
      },
    },
  },
  `export default { '${ECHO}': async (input) => input };`,
);

const INPUT = { a: ['x', 'y', 'z'], i: 3, last: 2, holes: [null] };
const text = (field: unknown) => String((field as { untrustedData?: string } | undefined)?.untrustedData);

describe('States.ArrayGetItem', () => {
  it.each(BAD.map(([index, shown], n) => [index, shown, n] as const))('at index %s of 3 items: States.Runtime', async (_index, shown, n) => {
    const { described } = await run(`bad-${n}`, INPUT);
    expect(described.structured).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(text(described.structured?.cause)).toBe(
      `An error occurred while executing the state 'P' (entered at the event id #2). Intrinsic function States.ArrayGetItem was given index ${shown} for an array of 3 items: the index must be a non-negative integer less than 3`,
    );
  });

  it('in a Task with Retry and Catch on States.ALL: neither retried nor caught', async () => {
    const { executionArn, described } = await run('in-task', INPUT);
    expect(described.structured).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    const history = await call('get_execution_history', { executionArn, includeExecutionData: false });
    expect((history.structured?.events as Array<{ type: string }>).map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed']);
  });

  it('at an index the array has: its item, null included', async () => {
    const { described } = await run('good', INPUT);
    expect(described.structured).toMatchObject({ status: 'SUCCEEDED' });
    expect(JSON.parse(text(described.structured?.output))).toEqual({ first: 'x', last: 'z', nothing: null });
  });
});
