import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { fullHistory, historyProblems, smArn, useLocalMachines, waitForStatus } from './helpers.js';

/**
 * Step Functions starts no task attempt once its execution ended or its Map gave up: the library
 * would still retry, and still start Map iterations queued behind MaxConcurrency. Task handlers have
 * side effects (a charge, a shipment), so these calls must never happen.
 */

const FLAKY = 'arn:aws:lambda:us-east-1:123456789012:function:flaky';
const ITEM = 'arn:aws:lambda:us-east-1:123456789012:function:item';

const handlers = `
const calls = (globalThis.__givenUpCalls ??= []);
export default {
  '${FLAKY}': async (input, ctx) => {
    calls.push({ execution: ctx.executionName, what: 'flaky', at: Date.now() });
    const e = new Error('gateway down');
    e.name = 'Gateway';
    throw e;
  },
  '${ITEM}': async (item, ctx) => {
    calls.push({ execution: ctx.executionName, what: item, at: Date.now() });
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

const callsOf = (execution: string) => ((globalThis as { __givenUpCalls?: Array<{ execution: string; what: unknown; at: number }> }).__givenUpCalls ?? []).filter((c) => c.execution === execution);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(machine: string, name: string, input: unknown): Promise<string> {
  const out = await client().send(new StartExecutionCommand({ stateMachineArn: smArn(machine), name, input: JSON.stringify(input) }));
  return out.executionArn ?? '';
}

describe('no task attempt after the execution or its Map gave up', () => {
  it('a stop during a Retry interval schedules no further attempt', async () => {
    const arn = await start('retrying', 'stopped-while-waiting', {});
    await sleep(300);
    await client().send(new StopExecutionCommand({ executionArn: arn }));
    await sleep(300);
    expect(callsOf('stopped-while-waiting').map((c) => c.what)).toEqual(['flaky']);
    const events = await fullHistory(client(), arn);
    expect(events.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(1);
    expect(events.at(-1)?.type).toBe('ExecutionAborted');
  });

  it('a failed iteration fails the Map: the iterations queued behind MaxConcurrency never run', async () => {
    const arn = await start('map-fails', 'uncaught', ['a', 'bad', 'c', 'd']);
    expect((await waitForStatus(client(), arn)).status).toBe('FAILED');
    await sleep(200);
    expect(callsOf('uncaught').map((c) => c.what)).toEqual(['a', 'bad']);
    const events = await fullHistory(client(), arn);
    expect(events.filter((e) => e.type === 'MapIterationStarted')).toHaveLength(2);
    expect(historyProblems(events)).toEqual([]);
  });

  it('a caught Map failure moves on without running the queued iterations', async () => {
    const arn = await start('map-caught', 'caught', { items: ['a', 'bad', 'c', 'd'] });
    expect((await waitForStatus(client(), arn)).status).toBe('SUCCEEDED');
    await sleep(200);
    expect(callsOf('caught').map((c) => c.what)).toEqual(['a', 'bad']);
    const events = await fullHistory(client(), arn);
    expect(events.filter((e) => e.type === 'MapIterationStarted')).toHaveLength(2);
    expect(events.map((e) => e.type)).toContain('PassStateEntered');
    expect(historyProblems(events)).toEqual([]);
  });

  it('a stop while an iteration runs starts none of the queued ones', async () => {
    const arn = await start('map-slow', 'stopped-map', [1, 2, 3, 4]);
    await sleep(220);
    const stoppedAt = Date.now();
    await client().send(new StopExecutionCommand({ executionArn: arn }));
    await sleep(500);
    const calls = callsOf('stopped-map');
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.filter((c) => c.at > stoppedAt)).toEqual([]);
    expect((await fullHistory(client(), arn)).at(-1)?.type).toBe('ExecutionAborted');
  });
});
