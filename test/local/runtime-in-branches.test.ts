import { describe, expect, it } from 'vitest';
import { useLocalTools } from './helpers.js';

/**
 * A Wait whose SecondsPath or TimestampPath reads a bad value fails with States.Runtime, which no
 * Retry or Catch handles (States.ALL included), also on the Map or Parallel around the Wait: the
 * execution fails, and the tools show which Wait failed and why.
 */

const catchAll = { Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, IntervalSeconds: 1 }], Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Swallowed' }] };
const pause = (field: 'SecondsPath' | 'TimestampPath', path: string) => ({ StartAt: 'Pause', States: { Pause: { Type: 'Wait', [field]: path, End: true } } });

const { call, run } = useLocalTools({
  'wait-in-branch': {
    StartAt: 'Fork',
    States: { Fork: { Type: 'Parallel', Branches: [pause('SecondsPath', '$.delay')], ...catchAll, End: true }, Swallowed: { Type: 'Succeed' } },
  },
  'wait-in-map': {
    StartAt: 'Each',
    States: { Each: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: pause('TimestampPath', '$.at'), ...catchAll, End: true }, Swallowed: { Type: 'Succeed' } },
  },
  'wait-at-top': pause('SecondsPath', '$.delay'),
});

interface Seen {
  type: string;
  stateName?: string;
  outcome?: string;
  error?: string;
  cause?: { untrustedData?: string };
}

async function history(executionArn: string, args: Record<string, unknown> = {}): Promise<Seen[]> {
  const r = await call('get_execution_history', { executionArn, includeExecutionData: false, ...args });
  expect(r.isError, r.text).toBeUndefined();
  return r.structured?.events as Seen[];
}

describe('States.Runtime from a Wait path inside a Parallel or a Map', () => {
  it('a Parallel branch: neither retried nor caught; the execution fails naming the Wait', async () => {
    const { executionArn, described } = await run('wait-in-branch', { delay: 'later' });
    expect(described.structured).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    const cause = String((described.structured?.cause as { untrustedData?: string } | undefined)?.untrustedData);
    expect(cause).toMatch(/^An error occurred while executing the state 'Pause' \(entered at the event id #\d+\)\. /);
    expect(cause).toContain(`Path expression '$.delay' evaluated to "later", but expected an integer`);

    const types = (await history(executionArn)).map((e) => e.type);
    expect(types.filter((t) => t === 'ParallelStateStarted')).toHaveLength(1);
    expect(types).not.toContain('SucceedStateEntered');
    const failures = await history(executionArn, { failuresOnly: true });
    expect(failures.map((e) => [e.type, e.stateName, e.outcome])).toEqual([
      ['ParallelStateFailed', 'Fork', undefined],
      ['ExecutionFailed', undefined, undefined],
    ]);
    expect(failures[1]).toMatchObject({ error: 'States.Runtime', cause: { untrustedData: cause } });
  });

  it('a Map item: neither retried nor caught; the execution fails naming the Wait', async () => {
    const { executionArn, described } = await run('wait-in-map', { items: [{ at: '2020-01-01T00:00:00Z' }, { at: 'tomorrow' }] });
    expect(described.structured).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    const cause = String((described.structured?.cause as { untrustedData?: string } | undefined)?.untrustedData);
    expect(cause).toMatch(/^An error occurred while executing the state 'Pause' \(entered at the event id #\d+\)\. /);
    expect(cause).toContain(`Path expression '$.at' evaluated to "tomorrow", but expected a timestamp`);

    const types = (await history(executionArn)).map((e) => e.type);
    expect(types.filter((t) => t === 'MapStateStarted')).toHaveLength(1);
    expect(types).not.toContain('SucceedStateEntered');
    const failures = await history(executionArn, { failuresOnly: true });
    expect(failures.map((e) => [e.type, e.stateName, e.outcome])).toEqual([
      ['MapIterationFailed', 'Each', undefined],
      ['MapStateFailed', 'Each', undefined],
      ['ExecutionFailed', undefined, undefined],
    ]);
  });

  it('good values still wait and succeed', async () => {
    expect((await run('wait-in-branch', { delay: 1 })).described.structured).toMatchObject({ status: 'SUCCEEDED' });
    expect((await run('wait-in-map', { items: [{ at: '2020-01-01T00:00:00Z' }] })).described.structured).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('at the top level it fails the execution the same way', async () => {
    const { described } = await run('wait-at-top', { delay: -1 });
    expect(described.structured).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect((described.structured?.cause as { untrustedData?: string } | undefined)?.untrustedData).toMatch(
      /^An error occurred while executing the state 'Pause' \(entered at the event id #2\)\. Path expression '\$\.delay' evaluated to -1, but expected an integer >= 0$/,
    );
  });
});
