import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionArn } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';
import { entered, exited, failed, iter, eventsOf, type Spec, PARALLEL_CAUGHT } from './history-specs.js';


// Map item fails; the Map's Catch handles it (links as in the project's own MAP_FAILED fixture).
const MAP_PREFIX: Spec[] = [
  ['ExecutionStarted', 0],
  ['MapStateEntered', 1, entered('Each')],
  ['MapStateStarted', 2],
  ['MapIterationStarted', 3, iter('Started', 0)],
  ['TaskStateEntered', 4, entered('Send')],
  ['TaskScheduled', 5],
  ['TaskStarted', 6],
  ['MapIterationStarted', 3, iter('Started', 1)],
  ['TaskStateEntered', 8, entered('Send')],
  ['TaskScheduled', 9],
  ['TaskStarted', 10],
  ['TaskFailed', 11, failed('Bounced')], // 12
  ['MapIterationFailed', 12, iter('Failed', 1)], // 13
  ['TaskStateAborted', 7], // 14
  ['MapIterationAborted', 14, iter('Aborted', 0)], // 15
  ['MapStateFailed', 12], // 16
];
const MAP_CAUGHT: Spec[] = [
  ...MAP_PREFIX,
  ['MapStateExited', 16, exited('Each')], // 17: caught
  ['PassStateEntered', 17, entered('Compensate')],
  ['PassStateExited', 18, exited('Compensate')],
  ['ExecutionSucceeded', 19],
];
// The Map state's Retry runs it again and it succeeds. As AWS records it, no MapStateFailed comes
// before a retry: the new MapStateStarted points where the MapStateFailed would have (#12).
const MAP_RETRIED: Spec[] = [
  ...MAP_PREFIX.slice(0, 15),
  ['MapStateStarted', 12], // 16
  ['MapIterationStarted', 16, iter('Started', 0)],
  ['TaskStateEntered', 17, entered('Send')],
  ['TaskScheduled', 18],
  ['TaskStarted', 19],
  ['TaskSucceeded', 20],
  ['TaskStateExited', 21, exited('Send')],
  ['MapIterationSucceeded', 22, iter('Succeeded', 0)],
  ['MapStateSucceeded', 23],
  ['MapStateExited', 23, exited('Each')],
  ['ExecutionSucceeded', 25],
];
// Running: a Parallel branch's task failed, the Parallel failed and waits for its Retry (#8).
const PARALLEL_PENDING: Spec[] = PARALLEL_CAUGHT.slice(0, 8);
// The execution timed out while the only Map item was still running its task.
const MAP_TIMED_OUT: Spec[] = [
  ['ExecutionStarted', 0],
  ['MapStateEntered', 1, entered('Each')],
  ['MapStateStarted', 2],
  ['MapIterationStarted', 3, iter('Started', 0)],
  ['TaskStateEntered', 4, entered('SlowCall')],
  ['TaskScheduled', 5],
  ['TaskStarted', 6],
  ['TaskStateAborted', 7], // 8: the state that was running
  ['MapIterationAborted', 8, iter('Aborted', 0)],
  ['MapStateAborted', 9],
  ['ExecutionTimedOut', 10, { executionTimedOutEventDetails: { error: 'States.Timeout' } }],
];

// A task failed and waited for its retry; the run was stopped (or timed out) first. A Map item's
// failure waiting for the Map's retry, the same.
const STOPPED_BEFORE_RETRY: Spec[] = [
  ['ExecutionStarted', 0],
  ['TaskStateEntered', 1, entered('Save')],
  ['TaskScheduled', 2],
  ['TaskStarted', 3],
  ['TaskFailed', 4, failed('DbTransient')], // 5
  ['ExecutionAborted', 5, { executionAbortedEventDetails: { error: 'stop' } }],
];
const TIMED_OUT_BEFORE_MAP_RETRY: Spec[] = [
  ...MAP_PREFIX.slice(0, 15),
  ['ExecutionTimedOut', 12, { executionTimedOutEventDetails: { error: 'States.Timeout' } }], // 16
];
// Item 0's task failed and waits for its retry when the run times out (or is stopped), the end linked
// to the Map, not to the item: nothing follows the failure.
const WAITING_IN_MAP = (end: Spec): Spec[] => [...MAP_PREFIX.slice(0, 11), ['TaskFailed', 7, failed('Flaky')], end];
const TIMED_OUT_IN_MAP_RETRY = WAITING_IN_MAP(['ExecutionTimedOut', 3, { executionTimedOutEventDetails: { error: 'States.Timeout' } }]);
const STOPPED_IN_MAP_RETRY = WAITING_IN_MAP(['ExecutionAborted', 3, { executionAbortedEventDetails: { error: 'stop' } }]);
// The same timed-out run, redriven (#14), and the redriven run stopped (#15): the newest run's stop is not the failure's.
const TIMED_OUT_IN_MAP_THEN_REDRIVEN_AND_STOPPED: Spec[] = [
  ...TIMED_OUT_IN_MAP_RETRY,
  ['ExecutionRedriven', 13, { executionRedrivenEventDetails: { redriveCount: 1 } }],
  ['ExecutionAborted', 14, { executionAbortedEventDetails: { error: 'stop' } }],
];
// Item 0's task failed and waits for its retry; item 1 fails for good, and item 0's state is aborted.
const SIBLING_ABORTED_BEFORE_RETRY: Spec[] = [
  ...MAP_PREFIX.slice(0, 11),
  ['TaskFailed', 7, failed('Flaky')], // 12: item 0, waiting for its retry
  ['TaskFailed', 11, failed('Bounced')], // 13: item 1
  ['MapIterationFailed', 13, iter('Failed', 1)], // 14
  ['TaskStateAborted', 12], // 15: item 0's state
  ['MapIterationAborted', 15, iter('Aborted', 0)],
  ['MapStateFailed', 13], // 17
  ['ExecutionFailed', 17],
];

let env: SfnEnv;
const arns: Record<string, string> = {};

beforeAll(async () => {
  env = await startSfnEnv();
  const machine = env.fake.addStateMachine('Review');
  const add = (name: string, status: ExecutionStatus, specs: Spec[]) => {
    arns[name] = env.fake.addExecution({ stateMachineArn: machine, name, status }).executionArn;
    env.fake.setHistory(arns[name] as string, eventsOf(specs));
  };
  add('mapCaught', 'SUCCEEDED', MAP_CAUGHT);
  add('mapRetried', 'SUCCEEDED', MAP_RETRIED);
  add('parallelPending', 'RUNNING', PARALLEL_PENDING);
  add('mapTimedOut', 'TIMED_OUT', MAP_TIMED_OUT);
  add('stoppedBeforeRetry', 'ABORTED', STOPPED_BEFORE_RETRY);
  add('timedOutBeforeMapRetry', 'TIMED_OUT', TIMED_OUT_BEFORE_MAP_RETRY);
  add('siblingAbortedBeforeRetry', 'FAILED', SIBLING_ABORTED_BEFORE_RETRY);
  add('timedOutInMapRetry', 'TIMED_OUT', TIMED_OUT_IN_MAP_RETRY);
  add('stoppedInMapRetry', 'ABORTED', STOPPED_IN_MAP_RETRY);
  add('redrivenThenStopped', 'ABORTED', TIMED_OUT_IN_MAP_THEN_REDRIVEN_AND_STOPPED);
});
afterAll(async () => env.close());

const MARK = /^#(\d+) .*?\((retried|caught|redriven|then the run was stopped|then the run timed out|then its state was aborted|what followed not read yet|still running: what follows is not known yet|outcome not carried[^)]*)\)/;

/** All events over every continuation: id → outcome, and id → text mark ('' when none). */
async function walk(executionArn: string, args: Record<string, unknown>) {
  const outcome = new Map<number, string | undefined>();
  const mark = new Map<number, string>();
  const order: number[] = [];
  let token: string | undefined;
  do {
    const r = await env.call('get_execution_history', { executionArn, ...args, ...(token ? { startingToken: token } : {}) });
    expect(r.isError, r.text).toBeUndefined();
    for (const e of r.structured?.events as Array<{ id: number; outcome?: string }>) {
      order.push(e.id);
      outcome.set(e.id, e.outcome);
    }
    for (const line of r.text.split('\n')) {
      const m = /^#(\d+) /.exec(line);
      if (m) mark.set(Number(m[1]), MARK.exec(line)?.[2] ?? '');
    }
    token = r.structured?.nextToken as string | undefined;
  } while (token);
  return { outcome, mark, order };
}

describe('outcomes of a Map failure the Map handled', () => {
  for (const reverseOrder of [true, false]) {
    it(`${reverseOrder ? 'newest' : 'oldest'} first: a Map iteration failure the Map's Catch handled is marked caught like its TaskFailed and MapStateFailed`, async () => {
      const { outcome, mark } = await walk(arns.mapCaught as string, { failuresOnly: true, reverseOrder });
      expect(outcome.get(12)).toBe('caught');
      expect(outcome.get(16)).toBe('caught');
      expect({ id: 13, outcome: outcome.get(13), mark: mark.get(13) }).toEqual({ id: 13, outcome: 'caught', mark: 'caught' });
    });
    it(`${reverseOrder ? 'newest' : 'oldest'} first: a Map iteration failure the Map's Retry handled is marked retried`, async () => {
      const { outcome, mark } = await walk(arns.mapRetried as string, { failuresOnly: true, reverseOrder });
      expect(outcome.get(12)).toBe('retried');
      expect({ id: 13, outcome: outcome.get(13), mark: mark.get(13) }).toEqual({ id: 13, outcome: 'retried', mark: 'retried' });
    });
  }
});

describe('a running execution across continuations', () => {
  it('newest first, one call: both failures say still running', async () => {
    const { mark } = await walk(arns.parallelPending as string, { failuresOnly: true, reverseOrder: true });
    expect(mark.get(8)).toMatch(/still running/);
    expect(mark.get(7)).toMatch(/still running/);
  });
  for (const [pageSize, maxItems] of [[1000, 1], [1, 1], [1, 5]] as const) {
    it(`newest first, pageSize ${pageSize} maxItems ${maxItems}: the branch failure keeps "still running" across a continuation`, async () => {
      const { mark } = await walk(arns.parallelPending as string, { failuresOnly: true, reverseOrder: true, pageSize, maxItems });
      expect(mark.get(8)).toMatch(/still running/);
      // Once #8 was read by an earlier call, the token says #7 led to a failure whose fate is not known yet.
      expect({ id: 7, mark: mark.get(7) }).toEqual({ id: 7, mark: 'still running: what follows is not known yet' });
    });
  }
});

describe('failuresOnly and a timed-out Map', () => {
  it('keeps the abort of the state that was running when the execution timed out', async () => {
    const { order } = await walk(arns.mapTimedOut as string, { failuresOnly: true });
    // No item failed: the aborted state shows where the run was when it timed out.
    expect(order).toEqual([8, 10, 11]);
  });
});

// Running: Parallel branch A failed, branch B's task was aborted, the Parallel's Catch moved on to a running task.
const PARALLEL_CAUGHT_RUNNING: Spec[] = [
  ['ExecutionStarted', 0],
  ['ParallelStateEntered', 1, entered('Fan')],
  ['ParallelStateStarted', 2],
  ['TaskStateEntered', 3, entered('A')],
  ['TaskStateEntered', 3, entered('B')],
  ['TaskScheduled', 4],
  ['TaskScheduled', 5],
  ['TaskStarted', 6],
  ['TaskStarted', 7],
  ['TaskFailed', 8, failed('A.Failed')], // 10
  ['TaskStateAborted', 9], // 11: branch B aborted; nothing can follow it
  ['ParallelStateFailed', 10], // 12
  ['ParallelStateExited', 12, exited('Fan')], // 13: caught
  ['TaskStateEntered', 13, entered('Next')],
  ['TaskScheduled', 14],
  ['TaskStarted', 15],
];
describe('an aborted sibling branch in a running execution', () => {
  it('is not "still running" / "not read yet"', async () => {
    const m = env.fake.addStateMachine('AbortedBranch');
    const arn = env.fake.addExecution({ stateMachineArn: m, name: 'pcr', status: 'RUNNING' }).executionArn;
    env.fake.setHistory(arn, eventsOf(PARALLEL_CAUGHT_RUNNING));
    const newest = await walk(arn, { reverseOrder: true });
    const oldest = await walk(arn, {});
    expect({ newest: newest.mark.get(11), oldest: oldest.mark.get(11) }).toEqual({ newest: '', oldest: '' });
  });

  it('is left out by failuresOnly: branch A\'s failure caused it', async () => {
    const arn = executionArn('AbortedBranch', 'pcr');
    for (const reverseOrder of [false, true]) {
      const failures = await walk(arn, { failuresOnly: true, reverseOrder });
      expect([...failures.mark.keys()].sort((a, b) => a - b)).toEqual([10, 12]);
    }
  });
});

describe('a failure the run was stopped or timed out after', () => {
  for (const reverseOrder of [true, false]) {
    for (const paging of [{}, { maxItems: 1, pageSize: 1 }, { maxItems: 2, pageSize: 3 }]) {
      it(`${reverseOrder ? 'newest' : 'oldest'} first ${JSON.stringify(paging)}: says the stop or the timeout came next, not that the failure ended the run`, async () => {
        const stopped = await walk(arns.stoppedBeforeRetry as string, { failuresOnly: true, reverseOrder, ...paging });
        expect([stopped.mark.get(5), stopped.mark.get(6)]).toEqual(['then the run was stopped', '']);
        const timedOut = await walk(arns.timedOutBeforeMapRetry as string, { failuresOnly: true, reverseOrder, ...paging });
        // The item's failure and its MapIterationFailed both led to the timeout; the run's end has no mark.
        expect([timedOut.mark.get(12), timedOut.mark.get(13), timedOut.mark.get(16)]).toEqual(['then the run timed out', 'then the run timed out', '']);
        // Aborted because a sibling item failed: not what ended the run, and not a stop either.
        const sibling = await walk(arns.siblingAbortedBeforeRetry as string, { failuresOnly: true, reverseOrder, ...paging });
        expect([sibling.mark.get(12), sibling.mark.get(13), sibling.mark.get(15)]).toEqual(['then its state was aborted', '', undefined]);
        // Inside a Map, with the end linked to no event of the item: nothing followed the failure.
        const inMap = await walk(arns.timedOutInMapRetry as string, { failuresOnly: true, reverseOrder, ...paging });
        expect([inMap.mark.get(12), inMap.mark.get(13)]).toEqual(['then the run timed out', '']);
        const stoppedInMap = await walk(arns.stoppedInMapRetry as string, { failuresOnly: true, reverseOrder, ...paging });
        expect([stoppedInMap.mark.get(12), stoppedInMap.mark.get(13)]).toEqual(['then the run was stopped', '']);
        // A later run's stop is not what followed a failure of the run before the redrive: timed out
        // when its own end was read with it, else no mark; never "stopped".
        const redriven = await walk(arns.redrivenThenStopped as string, { failuresOnly: true, reverseOrder, ...paging });
        if ('maxItems' in paging) expect(['then the run timed out', '']).toContain(redriven.mark.get(12));
        else expect(redriven.mark.get(12)).toBe('then the run timed out');
      });
    }
  }
});
