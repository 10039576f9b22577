import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSfnEnv, type SfnEnv } from './env.js';
import { entered, exited, failed, iter, eventsOf, type Spec } from './history-specs.js';

/**
 * failuresOnly leaves out the aborts of a failed Map item's siblings, and keeps the aborts of a
 * stop, whatever the paging: an abort and the MapIterationAborted that links to it often sit on
 * two pages, or in two calls.
 */

/** A Map "Send": `done` items succeed one after another, then four run at once; item 0 of those fails (or the run is stopped). */
function mapRun(done: number, end: 'fail' | 'stop'): Spec[] {
  const specs: Spec[] = [['ExecutionStarted', 0], ['MapStateEntered', 1, entered('Send')], ['MapStateStarted', 2]];
  const add = (spec: Spec) => specs.push(spec);
  const at = () => specs.length;
  let closed = 3;
  for (let i = 0; i < done; i += 1) {
    add(['MapIterationStarted', closed, iter('Started', i, 'Send')]);
    add(['TaskStateEntered', at(), entered('Work')]);
    add(['TaskScheduled', at()]);
    add(['TaskStarted', at()]);
    add(['TaskSucceeded', at()]);
    add(['TaskStateExited', at(), exited('Work')]);
    add(['MapIterationSucceeded', at(), iter('Succeeded', i, 'Send')]);
    closed = at();
  }
  const running: number[] = [];
  for (let i = done; i < done + 4; i += 1) {
    add(['MapIterationStarted', closed, iter('Started', i, 'Send')]);
    add(['TaskStateEntered', at(), entered('Work')]);
    add(['TaskScheduled', at()]);
    add(['TaskStarted', at()]);
    running.push(at());
  }
  const abort = (k: number) => {
    add(['TaskStateAborted', running[k] as number]);
    add(['MapIterationAborted', at(), iter('Aborted', done + k, 'Send')]);
  };
  if (end === 'fail') {
    add(['TaskFailed', running[0] as number, failed('Bounced')]);
    const failure = at();
    add(['MapIterationFailed', failure, iter('Failed', done, 'Send')]);
    for (const k of [1, 2, 3]) abort(k);
    add(['MapStateFailed', failure]);
    add(['ExecutionFailed', at(), { executionFailedEventDetails: { error: 'Bounced' } }]);
  } else {
    for (const k of [0, 1, 2, 3]) abort(k);
    add(['MapStateAborted', at()]);
    add(['ExecutionAborted', at()]);
  }
  return specs;
}

/** Starts `count` items of Map `map` after event `after`, each left running a task: the TaskStarted ids. */
function startItems(specs: Spec[], after: number, map: string, count: number): number[] {
  const running: number[] = [];
  for (let i = 0; i < count; i += 1) {
    specs.push(['MapIterationStarted', after, iter('Started', i, map)]);
    specs.push(['TaskStateEntered', specs.length, entered('Work')]);
    specs.push(['TaskScheduled', specs.length]);
    specs.push(['TaskStarted', specs.length]);
    running.push(specs.length);
  }
  return running;
}

/** Item 0 fails and the other items are aborted, as one stretch: the id of the TaskFailed. */
function failFirstItem(specs: Spec[], map: string, running: number[]): number {
  specs.push(['TaskFailed', running[0] as number, failed('Bounced')]);
  const failure = specs.length;
  specs.push(['MapIterationFailed', failure, iter('Failed', 0, map)]);
  running.slice(1).forEach((task, k) => {
    specs.push(['TaskStateAborted', task]);
    specs.push(['MapIterationAborted', specs.length, iter('Aborted', k + 1, map)]);
  });
  return failure;
}

/** The run is stopped while `running` tasks of Map `map` run. */
function stop(specs: Spec[], map: string, running: number[]): void {
  running.forEach((task, k) => {
    specs.push(['TaskStateAborted', task]);
    specs.push(['MapIterationAborted', specs.length, iter('Aborted', k, map)]);
  });
  specs.push(['MapStateAborted', specs.length]);
  specs.push(['ExecutionAborted', specs.length]);
}

/** Map "A" fails and its Catch moves on to Map "B", which the stop finds running. */
function caughtThenStopped(): Spec[] {
  const specs: Spec[] = [['ExecutionStarted', 0], ['MapStateEntered', 1, entered('A')], ['MapStateStarted', 2]];
  const failure = failFirstItem(specs, 'A', startItems(specs, 3, 'A', 3));
  specs.push(['MapStateFailed', failure]);
  specs.push(['MapStateExited', specs.length, exited('A')]);
  specs.push(['MapStateEntered', specs.length, entered('B')]);
  specs.push(['MapStateStarted', specs.length]);
  stop(specs, 'B', startItems(specs, specs.length, 'B', 3));
  return specs;
}

/** Map "Send" is retried as a whole after an item fails (AWS's shape), and the stop finds the retry running. */
function retriedThenStopped(): Spec[] {
  const specs: Spec[] = [['ExecutionStarted', 0], ['MapStateEntered', 1, entered('Send')], ['MapStateStarted', 2]];
  failFirstItem(specs, 'Send', startItems(specs, 3, 'Send', 3));
  specs.push(['MapStateStarted', specs.length]);
  stop(specs, 'Send', startItems(specs, specs.length, 'Send', 3));
  return specs;
}

/** One item of `count` running at once fails: a stretch of about 2 × count abort events, longer than a page. */
function wideFailure(count: number): Spec[] {
  const specs: Spec[] = [['ExecutionStarted', 0], ['MapStateEntered', 1, entered('Send')], ['MapStateStarted', 2]];
  const failure = failFirstItem(specs, 'Send', startItems(specs, 3, 'Send', count));
  specs.push(['MapStateFailed', failure]);
  specs.push(['ExecutionFailed', specs.length]);
  return specs;
}

/**
 * Map "Fan" runs three items at once, each a Parallel "Both" with branches A and B. Item 0's A fails:
 * its B is aborted, then items 1 and 2 with both their branches. A ParallelStateAborted links to one
 * branch's abort only.
 */
function parallelInMap(): Spec[] {
  const specs: Spec[] = [['ExecutionStarted', 0], ['MapStateEntered', 1, entered('Fan')], ['MapStateStarted', 2]];
  const branches: Array<[number, number]> = [];
  for (let i = 0; i < 3; i += 1) {
    specs.push(['MapIterationStarted', 3, iter('Started', i, 'Fan')]);
    specs.push(['ParallelStateEntered', specs.length, entered('Both')]);
    specs.push(['ParallelStateStarted', specs.length]);
    const started = specs.length;
    const running: number[] = [];
    for (const branch of ['A', 'B']) {
      specs.push(['TaskStateEntered', started, entered(branch)]);
      specs.push(['TaskScheduled', specs.length]);
      specs.push(['TaskStarted', specs.length]);
      running.push(specs.length);
    }
    branches.push([running[0] as number, running[1] as number]);
  }
  const [a0, b0] = branches[0] as [number, number];
  specs.push(['TaskFailed', a0, failed('Bounced')]);
  const failure = specs.length;
  specs.push(['TaskStateAborted', b0]);
  specs.push(['ParallelStateFailed', failure]);
  specs.push(['MapIterationFailed', specs.length, iter('Failed', 0, 'Fan')]);
  for (const [k, [a, b]] of branches.slice(1).entries()) {
    specs.push(['TaskStateAborted', a]);
    specs.push(['TaskStateAborted', b]);
    specs.push(['ParallelStateAborted', specs.length]);
    specs.push(['MapIterationAborted', specs.length, iter('Aborted', k + 1, 'Fan')]);
  }
  specs.push(['MapStateFailed', failure]);
  specs.push(['ExecutionFailed', specs.length]);
  return specs;
}

const RUNS: Array<[string, ExecutionStatus, Spec[]]> = [
  ['wide-1650', 'FAILED', wideFailure(1650)],
  ['parallel-in-map', 'FAILED', parallelInMap()],
  ['failed-3', 'FAILED', mapRun(3, 'fail')],
  ['failed-4', 'FAILED', mapRun(4, 'fail')],
  ['stopped-3', 'ABORTED', mapRun(3, 'stop')],
  ['caught-then-stopped', 'ABORTED', caughtThenStopped()],
  ['retried-then-stopped', 'ABORTED', retriedThenStopped()],
];
// Pages of 5, 6, 7, 10 and 13 events put each abort and its MapIterationAborted on two pages in turn.
const PAGING = [{}, ...[[5, 100], [6, 100], [7, 100], [10, 2], [13, 3], [1, 1], [2, 1], [3, 2]].map(([pageSize, maxItems]) => ({ pageSize, maxItems }))];

let env: SfnEnv;
const arns: Record<string, string> = {};
beforeAll(async () => {
  env = await startSfnEnv();
  const machine = env.fake.addStateMachine('SiblingAborts');
  for (const [name, status, specs] of RUNS) {
    arns[name] = env.fake.addExecution({ stateMachineArn: machine, name, status }).executionArn;
    env.fake.setHistory(arns[name] as string, eventsOf(specs));
  }
});
afterAll(async () => env.close());

async function failures(executionArn: string, args: Record<string, unknown>): Promise<string[]> {
  const types: string[] = [];
  let token: string | undefined;
  let calls = 0;
  do {
    const r = await env.call('get_execution_history', { executionArn, failuresOnly: true, ...args, ...(token ? { startingToken: token } : {}) });
    expect(r.isError, r.text).toBeUndefined();
    const events = r.structured?.events as Array<{ id: number; type: string }>;
    // The text lists what the structured answer lists.
    expect(r.text.split('\n').filter((l) => l.startsWith('#')).map((l) => Number(/^#(\d+)/.exec(l)?.[1]))).toEqual(events.map((e) => e.id));
    types.push(...events.map((e) => e.type));
    token = r.structured?.nextToken as string | undefined;
    expect((calls += 1)).toBeLessThan(100);
  } while (token);
  return types;
}

describe('failuresOnly and the aborts of a Map\'s iterations', () => {
  for (const reverseOrder of [false, true]) {
    const order = reverseOrder ? 'newest first' : 'oldest first';
    it(`${order}: a failed item's siblings' aborts are left out, however the history is paged`, async () => {
      const want = ['TaskFailed', 'MapIterationFailed', 'MapStateFailed', 'ExecutionFailed'];
      for (const name of ['failed-3', 'failed-4']) {
        for (const paging of PAGING) {
          const got = await failures(arns[name] as string, { reverseOrder, ...paging });
          expect(got, `${name} ${JSON.stringify(paging)}`).toEqual(reverseOrder ? [...want].reverse() : want);
        }
      }
    });

    it(`${order}: a stop keeps the aborts of the states that were running, however the history is paged`, async () => {
      const want = ['TaskStateAborted', 'TaskStateAborted', 'TaskStateAborted', 'TaskStateAborted', 'MapStateAborted', 'ExecutionAborted'];
      for (const paging of PAGING) {
        const got = await failures(arns['stopped-3'] as string, { reverseOrder, ...paging });
        expect(got, JSON.stringify(paging)).toEqual(reverseOrder ? [...want].reverse() : want);
      }
    });

    it(`${order}: the same with empty pages (with a nextToken) between the backend's pages`, async () => {
      const fail = ['TaskFailed', 'MapIterationFailed', 'MapStateFailed', 'ExecutionFailed'];
      const stop = ['TaskStateAborted', 'TaskStateAborted', 'TaskStateAborted', 'TaskStateAborted', 'MapStateAborted', 'ExecutionAborted'];
      env.fake.emptyPagesBefore(2);
      try {
        for (const [name, want] of [['failed-4', fail], ['stopped-3', stop]] as const) {
          for (const paging of [{ pageSize: 5, maxItems: 100 }, { pageSize: 7, maxItems: 100 }, { pageSize: 3, maxItems: 2 }]) {
            const got = await failures(arns[name] as string, { reverseOrder, ...paging });
            expect(got, `${name} ${JSON.stringify(paging)}`).toEqual(reverseOrder ? [...want].reverse() : want);
          }
        }
      } finally {
        env.fake.emptyPagesBefore(0);
      }
    });

    it(`${order}: 1,649 siblings' aborts, a stretch longer than a page, are left out in one call`, async () => {
      const r = await env.call('get_execution_history', { executionArn: arns['wide-1650'], failuresOnly: true, reverseOrder });
      const want = ['TaskFailed', 'MapIterationFailed', 'MapStateFailed', 'ExecutionFailed'];
      expect((r.structured?.events as Array<{ type: string }>).map((e) => e.type)).toEqual(reverseOrder ? [...want].reverse() : want);
      expect(r.structured?.nextToken).toBeUndefined();
    });

    it(`${order}: a Parallel's branches inside the failed item and its siblings, every one of their aborts left out`, async () => {
      const want = ['TaskFailed', 'ParallelStateFailed', 'MapIterationFailed', 'MapStateFailed', 'ExecutionFailed'];
      for (const paging of PAGING) {
        const got = await failures(arns['parallel-in-map'] as string, { reverseOrder, ...paging });
        expect(got, JSON.stringify(paging)).toEqual(reverseOrder ? [...want].reverse() : want);
      }
    });

    it(`${order}: an item failure earlier in the run leaves out its own siblings' aborts only, not a later stop's`, async () => {
      const failure = ['TaskFailed', 'MapIterationFailed'];
      const stopped = ['TaskStateAborted', 'TaskStateAborted', 'TaskStateAborted', 'MapStateAborted', 'ExecutionAborted'];
      const wants: Record<string, string[]> = {
        'caught-then-stopped': [...failure, 'MapStateFailed', ...stopped],
        'retried-then-stopped': [...failure, ...stopped],
      };
      for (const [name, want] of Object.entries(wants)) {
        for (const paging of PAGING) {
          const got = await failures(arns[name] as string, { reverseOrder, ...paging });
          expect(got, `${name} ${JSON.stringify(paging)}`).toEqual(reverseOrder ? [...want].reverse() : want);
        }
      }
    });
  }
});
