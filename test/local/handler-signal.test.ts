import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.js';
import { smArn, useLocalMachines, waitForStatus } from './helpers.js';

/**
 * A handler's `signal` tells it to give up work still in progress. A handler that has returned must
 * never see it fire: one that rolls back on abort would undo a charge that succeeded.
 */

const FN = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

// Every call keeps its signal; `slow` runs until aborted, `fails` throws. In an execution, `fails-once`
// fails its first call only; the first call of `stubborn` ignores its abort and fails once the second
// has been made, which returns after letting that failure be processed.
const handlers = `
const seen = (globalThis.__handlerSignals ??= []);
const calls = new Map();
const releases = new Map();
const callNumber = (ctx, what) => { const key = what + ctx.executionName; calls.set(key, (calls.get(key) ?? 0) + 1); return calls.get(key); };
const failWith = (name) => { const e = new Error(name); e.name = name; throw e; };
const keep = (ctx, what) => { seen.push({ execution: ctx.executionName, what, signal: ctx.signal }); };
export default {
  '${FN('ok')}': async (input, ctx) => { keep(ctx, 'ok'); return input; },
  '${FN('fails')}': async (input, ctx) => { keep(ctx, 'fails'); const e = new Error('no'); e.name = 'Broken'; throw e; },
  '${FN('fails-once')}': async (input, ctx) => { keep(ctx, 'fails-once'); if (callNumber(ctx, 'fails-once') === 1) failWith('FirstTry'); return input; },
  '${FN('stubborn')}': async (input, ctx) => {
    keep(ctx, 'stubborn');
    if (callNumber(ctx, 'stubborn') === 1) {
      await new Promise((resolve) => releases.set(ctx.executionName, resolve));
      failWith('TooLate');
    }
    releases.get(ctx.executionName)();
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
    return input;
  },
  '${FN('slow')}': (input, ctx) => new Promise((resolve) => {
    keep(ctx, 'slow');
    const t = setTimeout(() => resolve('late'), 60000);
    ctx.signal.addEventListener('abort', () => { clearTimeout(t); resolve('aborted'); });
  }),
};
`;

const task = (fn: string, next?: string) => ({ Type: 'Task', Resource: FN(fn), ...(next ? { Next: next } : { End: true }) });

const { client, run } = useLocalMachines(
  {
    succeeds: { StartAt: 'A', States: { A: task('ok', 'B'), B: task('ok') } },
    fails: { StartAt: 'A', States: { A: task('ok', 'B'), B: task('fails') } },
    stoppable: { StartAt: 'A', States: { A: task('ok', 'B'), B: task('slow') } },
    'times-out': { StartAt: 'A', TimeoutSeconds: 1, States: { A: task('ok', 'B'), B: task('slow') } },
    'branch-fails': {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Quick', States: { Quick: task('fails') } },
            { StartAt: 'Slow', States: { Slow: task('slow') } },
          ],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'After' }],
          Next: 'After',
        },
        After: task('ok'),
      },
    },
    'retried-parallel': {
      StartAt: 'Both',
      States: {
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'Stubborn', States: { Stubborn: task('stubborn') } },
            { StartAt: 'Once', States: { Once: task('fails-once') } },
          ],
          Retry: [{ ErrorEquals: ['FirstTry'], IntervalSeconds: 1, MaxAttempts: 1 }],
          End: true,
        },
      },
    },
  },
  handlers,
);

interface Seen {
  execution: string;
  what: string;
  signal: AbortSignal;
}
const seenIn = (arn: string): Seen[] => ((globalThis as { __handlerSignals?: Seen[] }).__handlerSignals ?? []).filter((s) => arn.endsWith(`:${s.execution}`));

describe('task handler signal', () => {
  it('does not fire for handlers that returned, when the execution succeeds or fails', async () => {
    const ok = await run('succeeds');
    const failed = await run('fails');
    expect([ok.description.status, failed.description.status]).toEqual(['SUCCEEDED', 'FAILED']);
    const calls = [...seenIn(ok.arn), ...seenIn(failed.arn)];
    expect(calls.map((c) => c.what)).toEqual(['ok', 'ok', 'ok', 'fails']);
    expect(calls.filter((c) => c.signal.aborted)).toEqual([]);
  });

  it('fires for the handler running when the execution is stopped, saying so', async () => {
    const { executionArn = '' } = await client().send(new StartExecutionCommand({ stateMachineArn: smArn('stoppable'), input: '{}' }));
    await until(() => seenIn(executionArn).some((c) => c.what === 'slow'), 'the slow task to start');
    await client().send(new StopExecutionCommand({ executionArn, error: 'Op.Stop' }));
    await waitForStatus(client(), executionArn);
    const [first, slow] = seenIn(executionArn);
    expect(first?.signal.aborted).toBe(false);
    expect(slow?.signal.aborted).toBe(true);
    expect(slow?.signal.reason).toMatchObject({ name: 'AbortError', message: 'the execution was stopped' });
  });

  it('fires for the handler running when the execution times out, saying so', async () => {
    const { arn, description } = await run('times-out');
    expect(description.status).toBe('TIMED_OUT');
    const slow = seenIn(arn).find((c) => c.what === 'slow');
    expect(slow?.signal.reason).toMatchObject({ name: 'AbortError', message: 'the execution timed out' });
  });

  it('fires for a Parallel branch given up when its sibling fails, though the execution goes on', async () => {
    const caught = await run('branch-fails');
    expect(caught.description.status).toBe('SUCCEEDED');
    const slow = seenIn(caught.arn).find((c) => c.what === 'slow');
    expect(slow?.signal.aborted).toBe(true);
    expect(slow?.signal.reason).toMatchObject({ name: 'AbortError', message: 'its Map iteration or Parallel branch was given up (another one failed)' });
    const after = seenIn(caught.arn).filter((c) => c.what === 'ok');
    expect(after.length).toBe(1);
    expect(after[0]?.signal.aborted).toBe(false);
  });

  it('does not fire for a retried Parallel\'s branches when a branch of the failed attempt fails late', async () => {
    const { arn, description } = await run('retried-parallel');
    expect(description.status).toBe('SUCCEEDED');
    const stubborn = seenIn(arn).filter((c) => c.what === 'stubborn');
    expect(stubborn.map((c) => c.signal.aborted)).toEqual([true, false]);
  });
});
