import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_EPOCH_S, type FakeEvent } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * Failures Step Functions handled are marked: "retried" (a Retry scheduled the task again) or
 * "caught" (a Catch let the state exit), so the failure that ended the execution stands out.
 */

type Spec = [type: string, prev: number, details?: Record<string, unknown>];
const entered = (name: string) => ({ stateEnteredEventDetails: { name } });
const exited = (name: string) => ({ stateExitedEventDetails: { name } });
const failed = (error: string) => ({ taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error, cause: `${error} happened` } });

const SPECS: Spec[] = [
  ['ExecutionStarted', 0],
  ['TaskStateEntered', 1, entered('Charge')],
  ['TaskScheduled', 2],
  ['TaskStarted', 3],
  ['TaskFailed', 4, failed('Transient')], // 5: retried
  ['TaskScheduled', 5],
  ['TaskStarted', 6],
  ['TaskFailed', 7, failed('CardDeclined')], // 8: caught
  ['TaskStateExited', 8, exited('Charge')],
  ['TaskStateEntered', 9, entered('Ship')],
  ['TaskScheduled', 10],
  ['TaskStarted', 11],
  ['TaskFailed', 12, failed('CarrierDown')], // 13: ended the execution
  ['ExecutionFailed', 13, { executionFailedEventDetails: { error: 'CarrierDown', cause: 'CarrierDown happened' } }],
];

const HISTORY: FakeEvent[] = SPECS.map(([type, prev, details], i) => ({ id: i + 1, type, timestamp: BASE_EPOCH_S + i, ...(prev ? { previousEventId: prev } : {}), ...details }));

// The retry of failure #5 comes five events later (a sibling branch ran in between).
const FAR_SPECS: Spec[] = [
  ['ExecutionStarted', 0],
  ['TaskStateEntered', 1, entered('Charge')],
  ['TaskScheduled', 2],
  ['TaskStarted', 3],
  ['TaskFailed', 4, failed('Transient')], // 5: retried by #10
  ['PassStateEntered', 1, entered('Audit')],
  ['PassStateExited', 6, exited('Audit')],
  ['PassStateEntered', 7, entered('Audit2')],
  ['PassStateExited', 8, exited('Audit2')],
  ['TaskScheduled', 5],
  ['TaskStarted', 10],
  ['TaskSucceeded', 11],
  ['TaskStateExited', 12, exited('Charge')],
  ['ExecutionSucceeded', 13],
];

const eventsOf = (specs: Spec[]): FakeEvent[] => specs.map(([type, prev, details], i) => ({ id: i + 1, type, timestamp: BASE_EPOCH_S + i, ...(prev ? { previousEventId: prev } : {}), ...details }));

let env: SfnEnv;
let arn: string;
let farArn: string;
let waitingArn: string;

beforeAll(async () => {
  env = await startSfnEnv();
  const machine = env.fake.addStateMachine('Outcomes');
  arn = env.fake.addExecution({ stateMachineArn: machine, name: 'run', status: 'FAILED' }).executionArn;
  env.fake.setHistory(arn, HISTORY);
  farArn = env.fake.addExecution({ stateMachineArn: machine, name: 'far', status: 'SUCCEEDED' }).executionArn;
  env.fake.setHistory(farArn, eventsOf(FAR_SPECS));
  // Still running: the last event is a failure whose retry has not been scheduled yet.
  waitingArn = env.fake.addExecution({ stateMachineArn: machine, name: 'waiting', status: 'RUNNING' }).executionArn;
  env.fake.setHistory(waitingArn, eventsOf(SPECS.slice(0, 5)));
});

afterAll(async () => {
  await env.close();
});

/** Every failure event over all continuations: [id, outcome], and the text of each answer. */
async function failures(args: Record<string, unknown>, executionArn = arn): Promise<{ outcomes: Array<[number, string | undefined]>; texts: string[] }> {
  const outcomes: Array<[number, string | undefined]> = [];
  const texts: string[] = [];
  let token: string | undefined;
  do {
    const r = await env.call('get_execution_history', { executionArn, failuresOnly: true, ...args, ...(token ? { startingToken: token } : {}) });
    expect(r.isError).toBeUndefined();
    for (const e of r.structured?.events as Array<{ id: number; outcome?: string }>) outcomes.push([e.id, e.outcome]);
    texts.push(r.text);
    token = r.structured?.nextToken as string | undefined;
  } while (token);
  return { outcomes, texts };
}

describe('failure outcomes in get_execution_history', () => {
  it('newest first marks the retried and the caught failure, and not the one that failed the execution', async () => {
    const { outcomes, texts } = await failures({ reverseOrder: true });
    expect(outcomes).toEqual([[14, undefined], [13, undefined], [8, 'caught'], [5, 'retried']]);
    expect(texts[0]).toMatch(/#8 ←7 TaskFailed \[Charge\] \S+ \(caught\)/);
    expect(texts[0]).toMatch(/#5 ←4 TaskFailed \[Charge\] \S+ \(retried\)/);
    expect(texts[0]).not.toMatch(/#13 .*\((retried|caught)\)/);
  });

  // Newest first, the event after a failure may have been read by an earlier call: the token carries it.
  for (const [pageSize, maxItems] of [[1, 1], [2, 1], [3, 2], [1000, 1]] as const) {
    it(`newest first keeps the marks across continuations (pageSize ${pageSize}, maxItems ${maxItems})`, async () => {
      const { outcomes } = await failures({ reverseOrder: true, pageSize, maxItems });
      expect(outcomes).toEqual([[14, undefined], [13, undefined], [8, 'caught'], [5, 'retried']]);
    });
  }

  // Oldest first, the event after a failure comes later: the call reads one page ahead for it.
  for (const [pageSize, maxItems] of [[1000, 1], [1, 10], [4, 10], [1, 1], [4, 1]] as const) {
    it(`oldest first marks them, reading ahead for the following event (pageSize ${pageSize}, maxItems ${maxItems})`, async () => {
      const { outcomes } = await failures({ pageSize, maxItems });
      expect(outcomes).toEqual([[5, 'retried'], [8, 'caught'], [13, undefined], [14, undefined]]);
    });
  }

  // The call stops inside a page; the next re-reads that page without the newer one that held the retry.
  for (const [pageSize, maxItems] of [[4, 9], [3, 7], [5, 8]] as const) {
    it(`newest first keeps a mark whose retry was on an earlier page when a call stops mid-page (pageSize ${pageSize}, maxItems ${maxItems})`, async () => {
      const { outcomes } = await failures({ failuresOnly: false, reverseOrder: true, pageSize, maxItems }, farArn);
      expect(outcomes.filter(([, outcome]) => outcome)).toEqual([[5, 'retried']]);
    });
  }

  it('oldest first, a failure with nothing read after it says so rather than look like the one that ended the run', async () => {
    const r = await env.call('get_execution_history', { executionArn: waitingArn, failuresOnly: true });
    expect(r.structured?.events).toEqual([expect.not.objectContaining({ outcome: expect.anything() })]);
    expect(r.text).toMatch(/#5 ←4 TaskFailed \[Charge\] \S+ \(what followed not read yet\)/);
    const done = await env.call('get_execution_history', { executionArn: arn, failuresOnly: true });
    expect(done.text).not.toContain('not read yet');
  });

  it('marks failures in the full history too, and never other events', async () => {
    const { outcomes } = await failures({ failuresOnly: false });
    expect(outcomes.filter(([, outcome]) => outcome)).toEqual([[5, 'retried'], [8, 'caught']]);
  });

  // One event per call and per page: the event after each failure was read by the call before.
  for (const pageSize of [1, 2]) {
    it(`newest first, one event per call, the mark travels in the token (pageSize ${pageSize})`, async () => {
      const { outcomes } = await failures({ failuresOnly: false, reverseOrder: true, pageSize, maxItems: 1 });
      expect(outcomes).toHaveLength(HISTORY.length);
      expect(outcomes.filter(([, outcome]) => outcome)).toEqual([[8, 'caught'], [5, 'retried']]);
    });
  }
});
