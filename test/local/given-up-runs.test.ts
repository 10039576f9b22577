import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { until } from '../helpers/wait.js';
import { fullHistory, historyProblems, smArn, useLocalMachines, waitForStatus } from './helpers.js';

/**
 * Step Functions starts no task attempt once its execution ended or its Map gave up: the library
 * would still retry, and still start Map iterations queued behind MaxConcurrency. Task handlers have
 * side effects (a charge, a shipment), so these calls must never happen.
 */

const FLAKY = 'arn:aws:lambda:us-east-1:123456789012:function:flaky';
const ITEM = 'arn:aws:lambda:us-east-1:123456789012:function:item';

// Each call records whether its execution had already ended (stopped, or failed) when it was made.
const handlers = `
const calls = (globalThis.__givenUpCalls ??= []);
export default {
  '${FLAKY}': async (input, ctx) => {
    calls.push({ execution: ctx.executionName, what: 'flaky', afterEnd: ctx.signal.aborted });
    const e = new Error('gateway down');
    e.name = 'Gateway';
    throw e;
  },
  '${ITEM}': async (item, ctx) => {
    calls.push({ execution: ctx.executionName, what: item, afterEnd: ctx.signal.aborted });
    if (item === 'bad') { const e = new Error('bad item'); e.name = 'BadItem'; throw e; }
    if (typeof item === 'number') await new Promise((r) => setTimeout(r, 150));
    return item;
  },
};
`;

const mapOver = (extra: Record<string, unknown> = {}) => ({
  Type: 'Map',
  MaxConcurrency: 1,
  ItemProcessor: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: ITEM, End: true } } },
  ...extra,
});

const { client } = useLocalMachines(
  {
    // 3000 s at the tests' time scale of 0.001: a 3 s wait between attempts.
    retrying: { StartAt: 'Charge', States: { Charge: { Type: 'Task', Resource: FLAKY, Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 3000, MaxAttempts: 3 }], End: true } } },
    'map-fails': { StartAt: 'Each', States: { Each: { ...mapOver(), End: true } } },
    'map-caught': {
      StartAt: 'Each',
      States: { Each: { ...mapOver({ ItemsPath: '$.items', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'After' }] }), Next: 'After' }, After: { Type: 'Pass', End: true } },
    },
    'map-slow': { StartAt: 'Each', States: { Each: { ...mapOver(), End: true } } },
  },
  handlers,
);

interface Call {
  execution: string;
  what: unknown;
  afterEnd: boolean;
}
const callsOf = (execution: string): Call[] => ((globalThis as { __givenUpCalls?: Call[] }).__givenUpCalls ?? []).filter((c) => c.execution === execution);

/**
 * What an execution's end still sets going in the library (a retry woken by the stop, the Map
 * iterations queued behind MaxConcurrency) runs on promises: once the event loop has turned, any
 * handler call it would make has been made.
 */
const settle = async () => {
  for (let i = 0; i < 3; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

async function start(machine: string, name: string, input: unknown): Promise<string> {
  const out = await client().send(new StartExecutionCommand({ stateMachineArn: smArn(machine), name, input: JSON.stringify(input) }));
  return out.executionArn ?? '';
}

describe('no task attempt after the execution or its Map gave up', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a stop during a Retry interval schedules no further attempt', async () => {
    // A fake clock: the 3 s interval is under way until the test moves the clock past it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const arn = await start('retrying', 'stopped-while-waiting', {});
    await until(async () => (await fullHistory(client(), arn)).some((e) => e.type === 'LambdaFunctionFailed'), 'the first attempt to fail');
    await client().send(new StopExecutionCommand({ executionArn: arn }));
    // Past every interval the Retry had left (3 s, 6 s), then what they set going.
    await vi.advanceTimersByTimeAsync(20_000);
    await settle();
    expect(callsOf('stopped-while-waiting')).toEqual([{ execution: 'stopped-while-waiting', what: 'flaky', afterEnd: false }]);
    const events = await fullHistory(client(), arn);
    expect(events.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('ExecutionAborted');
  });

  it('a failed iteration fails the Map: the iterations queued behind MaxConcurrency never run', async () => {
    const arn = await start('map-fails', 'uncaught', ['a', 'bad', 'c', 'd']);
    expect((await waitForStatus(client(), arn)).status).toBe('FAILED');
    await settle();
    expect(callsOf('uncaught').map((c) => c.what)).toEqual(['a', 'bad']);
    const events = await fullHistory(client(), arn);
    expect(events.filter((e) => e.type === 'MapIterationStarted')).toHaveLength(2);
    expect(historyProblems(events)).toEqual([]);
  });

  it('a caught Map failure moves on without running the queued iterations', async () => {
    const arn = await start('map-caught', 'caught', { items: ['a', 'bad', 'c', 'd'] });
    expect((await waitForStatus(client(), arn)).status).toBe('SUCCEEDED');
    await settle();
    expect(callsOf('caught').map((c) => c.what)).toEqual(['a', 'bad']);
    const events = await fullHistory(client(), arn);
    expect(events.filter((e) => e.type === 'MapIterationStarted')).toHaveLength(2);
    expect(events.map((e) => e.type)).toContain('PassStateEntered');
    expect(historyProblems(events)).toEqual([]);
  });

  it('a stop while an iteration runs starts none of the queued ones', async () => {
    // A fake clock: the first iteration's 150 ms handler is still running when the stop comes.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const arn = await start('map-slow', 'stopped-map', [1, 2, 3, 4]);
    await until(() => callsOf('stopped-map').length === 1, 'the first iteration to call its handler');
    await client().send(new StopExecutionCommand({ executionArn: arn }));
    // The running handler ends; the library would start the next iteration then.
    await vi.advanceTimersByTimeAsync(1000);
    await settle();
    expect(callsOf('stopped-map')).toEqual([{ execution: 'stopped-map', what: 1, afterEnd: false }]);
    expect((await fullHistory(client(), arn)).at(-1)?.type).toBe('ExecutionAborted');
  });
});
