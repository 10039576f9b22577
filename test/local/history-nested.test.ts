import { StartExecutionCommand, StopExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { detailsOf, fullHistory, historyProblems, iterationEvents, iterationOf, smArn, stateNames, useLocalMachines } from './helpers.js';
import { until } from '../helpers/wait.js';

/**
 * Map and Parallel inside each other, run concurrently: every iteration and branch keeps all its
 * events, chained within itself, and every event resolves to its state's name.
 */

const L = 'arn:aws:lambda:us-east-1:123456789012:function:';
const task = (fn: string) => ({ Type: 'Task', Resource: L + fn, End: true });
const innerParallel = {
  Type: 'Parallel',
  End: true,
  Branches: [
    { StartAt: 'T1', States: { T1: task('echo') } },
    { StartAt: 'P2', States: { P2: { Type: 'Pass', Result: { p: 2 }, End: true } } },
  ],
};

const machines: Record<string, unknown> = {
  'map-par': { StartAt: 'M', States: { M: { Type: 'Map', End: true, Iterator: { StartAt: 'Inner', States: { Inner: innerParallel } } } } },
  nested: {
    StartAt: 'Outer',
    States: {
      Outer: {
        Type: 'Parallel',
        End: true,
        Branches: [
          { StartAt: 'M', States: { M: { Type: 'Map', ItemsPath: '$.items', End: true, Iterator: { StartAt: 'Inner', States: { Inner: innerParallel } } } } },
          { StartAt: 'B2', States: { B2: { Type: 'Pass', End: true } } },
        ],
      },
    },
  },
  'nested-map': {
    StartAt: 'Outer',
    States: {
      Outer: {
        Type: 'Map',
        ItemsPath: '$.rows',
        End: true,
        Parameters: { 'row.$': '$$.Map.Item.Value', 'ri.$': '$$.Map.Item.Index' },
        Iterator: {
          StartAt: 'Inner',
          States: {
            Inner: {
              Type: 'Map',
              ItemsPath: '$.row',
              Parameters: { 'v.$': '$$.Map.Item.Value', 'ci.$': '$$.Map.Item.Index' },
              End: true,
              Iterator: { StartAt: 'Cell', States: { Cell: { Type: 'Pass', End: true } } },
            },
          },
        },
      },
    },
  },
  'par-par': {
    StartAt: 'Outer',
    States: {
      Outer: {
        Type: 'Parallel',
        End: true,
        Branches: [
          { StartAt: 'In', States: { In: { Type: 'Parallel', End: true, Branches: [{ StartAt: 'T1', States: { T1: task('echo') } }] } } },
          { StartAt: 'B2', States: { B2: { Type: 'Pass', End: true } } },
        ],
      },
    },
  },
  'stop-nested': {
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        MaxConcurrency: 2,
        End: true,
        Iterator: {
          StartAt: 'P',
          States: {
            P: {
              Type: 'Parallel',
              End: true,
              Branches: [
                { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } },
                { StartAt: 'T', States: { T: task('sig') } },
              ],
            },
          },
        },
      },
    },
  },
  'retry-par': {
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'T', States: { T: task('always-fail') } }],
        Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 1, MaxAttempts: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'After' }],
        End: true,
      },
      After: { Type: 'Pass', End: true },
    },
  },
  // One branch fails while the others still run a Task and a Wait.
  'par-sibling-fails': {
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        End: true,
        Branches: [
          { StartAt: 'Slow', States: { Slow: task('sig') } },
          { StartAt: 'Ko', States: { Ko: task('late-fail') } },
          { StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 60_000, End: true } } },
        ],
      },
    },
  },
  // As the ship-order example without an orderId: the Pass branch fails before the quick handlers of
  // the other branches settle (one with a result, one with an error of its own).
  'par-fast-siblings': {
    StartAt: 'P',
    States: {
      P: {
        Type: 'Parallel',
        End: true,
        Branches: [
          { StartAt: 'Ok', States: { Ok: task('echo') } },
          { StartAt: 'Ko', States: { Ko: task('always-fail') } },
          { StartAt: 'Bad', States: { Bad: { Type: 'Pass', Parameters: { 'id.$': '$.missing' }, End: true } } },
        ],
      },
    },
  },
  // The same in a Map: the item that fails does so before the other items' quick handlers settle.
  'map-fast-siblings': {
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        End: true,
        Iterator: {
          StartAt: 'Which',
          States: {
            Which: { Type: 'Choice', Choices: [{ Variable: '$.bad', IsPresent: true, Next: 'Bad' }], Default: 'Work' },
            Bad: { Type: 'Pass', Parameters: { 'id.$': '$.missing' }, End: true },
            Work: { Type: 'Task', Resource: L + 'echo', Next: 'Then' },
            Then: { Type: 'Task', Resource: L + 'count', End: true },
          },
        },
      },
    },
  },
  'retry-map': {
    StartAt: 'M',
    States: {
      M: {
        Type: 'Map',
        ItemsPath: '$.items',
        Iterator: { StartAt: 'T', States: { T: task('always-fail') } },
        Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 1, MaxAttempts: 1 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: 'After' }],
        End: true,
      },
      After: { Type: 'Pass', End: true },
    },
  },
};

const handlers = `
const L = '${L}';
export default {
  [L + 'echo']: async (input) => input,
  [L + 'always-fail']: async () => { const e = new Error('always fails'); e.name = 'Boom'; throw e; },
  [L + 'late-fail']: async () => { await new Promise((r) => setTimeout(r, 100)); const e = new Error('failed late'); e.name = 'Late'; throw e; },
  [L + 'count']: async (input) => { globalThis.__afterFailure = (globalThis.__afterFailure ?? 0) + 1; return input; },
  [L + 'sig']: (input, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('stopped'))),
};`;

const { client, run } = useLocalMachines(machines, handlers);

const count = (events: HistoryEvent[], type: string) => events.filter((e) => e.type === type).length;

/** One Map→Parallel(Task, Pass) iteration, as `type:state` sorted. */
const PARALLEL_ITERATION = [
  'LambdaFunctionScheduled:T1',
  'LambdaFunctionStarted:T1',
  'LambdaFunctionSucceeded:T1',
  'ParallelStateEntered:Inner',
  'ParallelStateExited:Inner',
  'ParallelStateStarted:Inner',
  'ParallelStateSucceeded:Inner',
  'PassStateEntered:P2',
  'PassStateExited:P2',
  'TaskStateEntered:T1',
  'TaskStateExited:T1',
];

describe('nested Map and Parallel histories', () => {
  it('Map over a Parallel: 32 events, each iteration complete and chained within itself', async () => {
    const { events, description } = await run('map-par', [1, 2]);
    expect(description.status).toBe('SUCCEEDED');
    expect(historyProblems(events)).toEqual([]);
    expect(events).toHaveLength(32);
    const names = stateNames(events);
    for (const i of [0, 1]) {
      expect(iterationEvents(events, 'M', i, names)).toEqual(PARALLEL_ITERATION);
      const succeeded = events.find((e) => e.type === 'MapIterationSucceeded' && detailsOf(e).index === i);
      expect(succeeded && iterationOf(events, events.find((e) => e.id === succeeded.previousEventId) ?? succeeded, 'M')).toBe(i);
    }
    for (const e of events.filter((x) => x.type === 'LambdaFunctionSucceeded')) {
      expect(detailsOf(e).output).toBe(String(iterationOf(events, e, 'M') === 0 ? 1 : 2));
    }
    expect(events.slice(-3).map((e) => e.type)).toEqual(['MapStateSucceeded', 'MapStateExited', 'ExecutionSucceeded']);
  });

  it('Parallel → Map → Parallel: every iteration and the other branch keep their events; Outer ends named Outer', async () => {
    const { events, description } = await run('nested', { items: [1, 2, 3] });
    expect(description.status).toBe('SUCCEEDED');
    expect(historyProblems(events)).toEqual([]);
    const names = stateNames(events);
    for (const i of [0, 1, 2]) expect(iterationEvents(events, 'M', i, names)).toEqual(PARALLEL_ITERATION);
    expect(count(events, 'MapIterationSucceeded')).toBe(3);
    const end = events.filter((e) => e.type === 'ParallelStateSucceeded').at(-1);
    expect(end && names(end)).toBe('Outer');
    expect(events.filter((e) => e.type === 'PassStateExited').map((e) => detailsOf(e).name).sort()).toEqual(['B2', 'P2', 'P2', 'P2']);
  });

  it('Map in Map: each inner iteration runs in its own outer iteration, with its own item', async () => {
    const rows = [[1, 2], [3], [4, 5, 6]];
    const { events, description } = await run('nested-map', { rows });
    expect(description.status).toBe('SUCCEEDED');
    expect(historyProblems(events)).toEqual([]);
    const cells = events.filter((e) => e.type === 'PassStateEntered');
    expect(cells).toHaveLength(6);
    for (const cell of cells) {
      const i = iterationOf(events, cell, 'Outer') ?? -1;
      const j = iterationOf(events, cell, 'Inner') ?? -1;
      expect(JSON.parse(String(detailsOf(cell).input))).toEqual({ v: rows[i]?.[j], ci: j });
    }
    expect(count(events, 'PassStateExited')).toBe(6);
    expect(count(events, 'MapIterationSucceeded')).toBe(9);
    expect(count(events, 'MapStateExited')).toBe(4);
  });

  it('Parallel in Parallel: the outer ParallelStateSucceeded is named after the outer state', async () => {
    const { events, description } = await run('par-par', { a: 1 });
    expect(description.status).toBe('SUCCEEDED');
    expect(historyProblems(events)).toEqual([]);
    const names = stateNames(events);
    expect(events.filter((e) => e.type?.startsWith('ParallelState')).map((e) => `${e.type}:${names(e)}`)).toEqual(
      expect.arrayContaining(['ParallelStateStarted:Outer', 'ParallelStateStarted:In', 'ParallelStateSucceeded:In', 'ParallelStateSucceeded:Outer']),
    );
    expect(events.slice(-3).map((e) => `${e.type}:${names(e) ?? ''}`)).toEqual(['ParallelStateSucceeded:Outer', 'ParallelStateExited:Outer', 'ExecutionSucceeded:']);
    expect(count(events, 'TaskStateExited')).toBe(1);
  });

  it('a failing Parallel branch aborts the states still running in the other branches, before ParallelStateFailed', async () => {
    const { events, description } = await run('par-sibling-fails');
    expect(description).toMatchObject({ status: 'FAILED', error: 'Late' });
    expect(historyProblems(events)).toEqual([]);
    const names = stateNames(events);
    const failed = events.find((e) => e.type === 'LambdaFunctionFailed');
    expect(events.slice(-4).map((e) => `${e.type}:${names(e) ?? ''}`)).toEqual(['TaskStateAborted:Slow', 'WaitStateAborted:Hold', 'ParallelStateFailed:P', 'ExecutionFailed:']);
    // Each abort follows its own branch's last event; the Parallel's failure follows the failed branch.
    const last = (state: string) => events.filter((e) => names(e) === state && !e.type?.endsWith('Aborted')).at(-1)?.id;
    expect(events.slice(-4, -2).map((e) => e.previousEventId)).toEqual([last('Slow'), last('Hold')]);
    expect(events.at(-2)?.previousEventId).toBe(failed?.id);
  });

  it('a branch failing before its siblings\' quick handlers settle: they are aborted, and what they return or throw later is not recorded', async () => {
    const { events, description } = await run('par-fast-siblings');
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(historyProblems(events)).toEqual([]);
    const names = stateNames(events);
    expect(events.filter((e) => /^LambdaFunction(Succeeded|Failed)$|Exited$/.test(e.type ?? ''))).toEqual([]);
    expect(events.slice(-4).map((e) => `${e.type}:${names(e) ?? ''}`)).toEqual(['TaskStateAborted:Ok', 'TaskStateAborted:Ko', 'ParallelStateFailed:P', 'ExecutionFailed:']);
    const started = (state: string) => events.find((e) => e.type === 'LambdaFunctionStarted' && names(e) === state)?.id;
    expect(events.slice(-4, -2).map((e) => e.previousEventId)).toEqual([started('Ok'), started('Ko')]);
    expect(events.at(-2)?.previousEventId).toBe(events.find((e) => e.type === 'PassStateEntered')?.id);
  });

  it('a Map item failing before its siblings\' quick handlers settle: they are aborted, record no result and run no further state', async () => {
    const { events, description } = await run('map-fast-siblings', [{}, { bad: true }, {}]);
    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(historyProblems(events)).toEqual([]);
    const names = stateNames(events);
    expect(events.filter((e) => e.type === 'LambdaFunctionSucceeded' || (e.type === 'TaskStateExited'))).toEqual([]);
    expect(events.filter((e) => e.type?.startsWith('MapIteration') && e.type !== 'MapIterationStarted').map((e) => `${e.type}:${detailsOf(e).index}`)).toEqual([
      'MapIterationFailed:1',
      'MapIterationAborted:0',
      'MapIterationAborted:2',
    ]);
    expect(events.filter((e) => e.type === 'TaskStateAborted').map(names)).toEqual(['Work', 'Work']);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['MapStateFailed', 'ExecutionFailed']);
    expect((globalThis as { __afterFailure?: number }).__afterFailure).toBeUndefined();
  });

  it('StopExecution inside Map → Parallel: every running state, branch and iteration is aborted, each in its own iteration', async () => {
    const { executionArn } = await client().send(new StartExecutionCommand({ stateMachineArn: smArn('stop-nested'), input: '[1,2,3]' }));
    const arn = executionArn ?? '';
    await until(async () => count(await fullHistory(client(), arn), 'LambdaFunctionStarted') >= 2, 'two Lambda tasks started');
    await client().send(new StopExecutionCommand({ executionArn: arn }));
    const events = await fullHistory(client(), arn);
    expect(historyProblems(events)).toEqual([]);
    const names = stateNames(events);
    for (const i of [0, 1]) {
      expect(iterationEvents(events, 'M', i, names)).toEqual([
        'LambdaFunctionScheduled:T',
        'LambdaFunctionStarted:T',
        'ParallelStateAborted:P',
        'ParallelStateEntered:P',
        'ParallelStateStarted:P',
        'TaskStateAborted:T',
        'TaskStateEntered:T',
        'WaitStateAborted:W',
        'WaitStateEntered:W',
      ]);
    }
    expect(events.filter((e) => e.type === 'MapIterationAborted').map((e) => detailsOf(e).index)).toEqual([0, 1]);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['MapStateAborted', 'ExecutionAborted']);
  });
});

describe('retried Map and Parallel states', () => {
  it('Parallel: every attempt starts again and every event is named after its state', async () => {
    const { events, description } = await run('retry-par', { x: 1 });
    expect(description.status).toBe('SUCCEEDED');
    expect(historyProblems(events)).toEqual([]);
    const names = stateNames(events);
    expect(events.filter((e) => e.type === 'ParallelStateStarted').map(names)).toEqual(['P', 'P', 'P']);
    expect(count(events, 'LambdaFunctionFailed')).toBe(3);
    expect(events.filter((e) => e.type === 'ParallelStateFailed').map(names)).toEqual(['P']);
  });

  it('Map: every attempt starts again and every event is named after its state', async () => {
    const { events, description } = await run('retry-map', { items: [1, 2] });
    expect(description.status).toBe('SUCCEEDED');
    expect(historyProblems(events)).toEqual([]);
    const names = stateNames(events);
    expect(events.filter((e) => e.type === 'MapStateStarted').map(names)).toEqual(['M', 'M']);
    expect(events.filter((e) => e.type === 'MapStateFailed').map(names)).toEqual(['M']);
  });
});
