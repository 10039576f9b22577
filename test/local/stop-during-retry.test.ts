import { StartExecutionCommand, StopExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyEvents } from '../helpers/history-walk.js';
import { until } from '../helpers/wait.js';
import { startSfnEnv, type SfnEnv } from '../sfn/env.js';
import { fullHistory, smArn, useLocalMachines } from './helpers.js';

/**
 * A failure waiting for its retry when the execution is stopped, as the engine records it (the
 * state's *StateAborted follows the failure, ExecutionAborted follows that): the history tool says
 * the run was stopped next, instead of leaving the failure unmarked as the one that ended the run.
 */

const FLAKY = 'arn:aws:lambda:us-east-1:123456789012:function:flaky';
const SLOW = 'arn:aws:lambda:us-east-1:123456789012:function:slow';
const handlers = `
export default {
  '${FLAKY}': async () => { const e = new Error('gateway down'); e.name = 'Gateway'; throw e; },
  '${SLOW}': async (input, ctx) => { await new Promise((r) => { const t = setTimeout(r, 60000); ctx.signal?.addEventListener('abort', () => { clearTimeout(t); r(); }); }); return 1; },
};`;
const retry = [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 3000, MaxAttempts: 3 }];
const charge = { StartAt: 'Charge', States: { Charge: { Type: 'Task', Resource: FLAKY, Retry: retry, End: true } } };
const { client } = useLocalMachines(
  {
    task: charge,
    parallel: { StartAt: 'P', States: { P: { Type: 'Parallel', End: true, Branches: [charge, { StartAt: 'Slow', States: { Slow: { Type: 'Task', Resource: SLOW, End: true } } }] } } },
    'parallel-retried': { StartAt: 'P', States: { P: { Type: 'Parallel', End: true, Retry: retry, Branches: [{ StartAt: 'Charge', States: { Charge: { Type: 'Task', Resource: FLAKY, End: true } } }] } } },
  },
  handlers,
);

const histories: Record<string, HistoryEvent[]> = {};
let env: SfnEnv;
const arns: Record<string, string> = {};

beforeAll(async () => {
  for (const machine of ['task', 'parallel', 'parallel-retried']) {
    const { executionArn = '' } = await client().send(new StartExecutionCommand({ stateMachineArn: smArn(machine), input: '{}' }));
    await until(async () => (await fullHistory(client(), executionArn)).some((e) => e.type === 'LambdaFunctionFailed'), `${machine} failed once`);
    await client().send(new StopExecutionCommand({ executionArn }));
    await until(async () => (await fullHistory(client(), executionArn)).some((e) => e.type === 'ExecutionAborted'), `${machine} stopped`);
    histories[machine] = await fullHistory(client(), executionArn);
  }
  // The same events through the tool, on the wire fake.
  env = await startSfnEnv();
  const m = env.fake.addStateMachine('Stopped');
  for (const [machine, events] of Object.entries(histories)) {
    arns[machine] = env.fake.addExecution({ stateMachineArn: m, name: machine, status: 'ABORTED' }).executionArn;
    env.fake.setHistory(arns[machine] as string, events.map((e) => ({ ...e, timestamp: (e.timestamp?.getTime() ?? 0) / 1000 })) as never);
  }
}, 30_000);
afterAll(async () => env.close());

describe('a stop while a failure waits for its retry', () => {
  it('the engine aborts the waiting state right after the failure, and writes no *StateFailed for a Parallel that would be retried', () => {
    for (const events of Object.values(histories)) {
      const failure = events.find((e) => e.type === 'LambdaFunctionFailed');
      expect(events.find((e) => e.previousEventId === failure?.id && /StateAborted$/.test(e.type ?? ''))).toBeDefined();
    }
    expect(histories['parallel-retried']?.map((e) => e.type)).not.toContain('ParallelStateFailed');
  });

  for (const reverseOrder of [false, true]) {
    for (const paging of [{}, { maxItems: 1, pageSize: 1 }, { maxItems: 2, pageSize: 3 }]) {
      it(`${reverseOrder ? 'newest' : 'oldest'} first ${JSON.stringify(paging)}: the failure says the run was stopped next`, async () => {
        for (const machine of Object.keys(histories)) {
          const lines: string[] = [];
          let token: string | undefined;
          do {
            const r = await env.call('get_execution_history', { executionArn: arns[machine], failuresOnly: true, reverseOrder, ...paging, ...(token ? { startingToken: token } : {}) });
            lines.push(...r.text.split('\n').filter((l) => l.startsWith('#')));
            token = r.structured?.nextToken as string | undefined;
          } while (token);
          const failure = lines.find((l) => / LambdaFunctionFailed /.test(l)) ?? '';
          expect(failure, `${machine}\n${lines.join('\n')}`).toContain('(then the run was stopped)');
        }
      });
    }
  }
});

describe('a stop while an inner Map waits for its retry, beside an item still running', () => {
  // Outer runs two items: item 0's Inner Map waits for its Retry after its only item failed; item 1
  // runs Slow. The stop's aborts follow Inner's MapIterationFailed with nothing between them.
  const nested = {
    StartAt: 'Outer',
    States: {
      Outer: {
        Type: 'Map',
        ItemsPath: '$.items',
        MaxConcurrency: 2,
        End: true,
        ItemProcessor: {
          StartAt: 'Which',
          States: {
            Which: { Type: 'Choice', Choices: [{ Variable: '$.kind', StringEquals: 'inner', Next: 'Inner' }], Default: 'Slow' },
            Slow: { Type: 'Task', Resource: SLOW, End: true },
            Inner: { Type: 'Map', ItemsPath: '$.items', End: true, Retry: retry, ItemProcessor: { StartAt: 'Charge', States: { Charge: { Type: 'Task', Resource: FLAKY, End: true } } } },
          },
        },
      },
    },
  };
  const local = useLocalMachines({ nested }, handlers);
  let events: HistoryEvent[] = [];
  let arn = '';

  beforeAll(async () => {
    const input = JSON.stringify({ items: [{ kind: 'inner', items: [1] }, { kind: 'slow' }] });
    const { executionArn = '' } = await local.client().send(new StartExecutionCommand({ stateMachineArn: smArn('nested'), input }));
    const ready = (h: HistoryEvent[]) => h.some((e) => e.type === 'MapIterationFailed') && h.filter((e) => e.type === 'LambdaFunctionStarted').length === 2;
    await until(async () => ready(await fullHistory(local.client(), executionArn)), 'inner item failed, slow running');
    await local.client().send(new StopExecutionCommand({ executionArn }));
    await until(async () => (await fullHistory(local.client(), executionArn)).some((e) => e.type === 'ExecutionAborted'), 'stopped');
    events = await fullHistory(local.client(), executionArn);
    const m = env.fake.addStateMachine('StoppedNested');
    arn = env.fake.addExecution({ stateMachineArn: m, name: 'nested', status: 'ABORTED' }).executionArn;
    env.fake.setHistory(arn, events.map((e) => ({ ...e, timestamp: (e.timestamp?.getTime() ?? 0) / 1000 })) as never);
  }, 30_000);

  const pagings = [{}, { pageSize: 5 }, { maxItems: 1, pageSize: 1 }, { maxItems: 2, pageSize: 3 }];
  for (const [reverseOrder, paging] of [false, true].flatMap((order) => pagings.map((p) => [order, p] as const))) {
    it(`${reverseOrder ? 'newest' : 'oldest'} first ${JSON.stringify(paging)}: failuresOnly keeps the abort of the task the stop found running`, async () => {
      const started = events.filter((e) => e.type === 'LambdaFunctionStarted').map((e) => e.id);
      const slowAbort = events.find((e) => e.type === 'TaskStateAborted' && started.includes(e.previousEventId));
      expect(slowAbort).toBeDefined();
      const seen = await historyEvents(env.call, { executionArn: arn, failuresOnly: true, reverseOrder, ...paging });
      expect(seen.map((e) => e.id)).toContain(slowAbort?.id);
      expect(seen.map((e) => e.type)).toContain('MapIterationFailed');
    });
  }
});
