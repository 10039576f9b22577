import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeEvent } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';
import { entered, exited, failed, eventsOf, type Spec, PARALLEL_CAUGHT } from './history-specs.js';

/**
 * Failures Step Functions handled are marked: "retried" (a Retry scheduled the task again) or
 * "caught" (a Catch let the state exit), so the failure that ended the execution stands out.
 */

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

const HISTORY: FakeEvent[] = eventsOf(SPECS);

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

// A Map item fails and the Map fails the execution; its sibling iteration is aborted.
const MAP_FAILED: Spec[] = [
  ['ExecutionStarted', 0],
  ['MapStateEntered', 1, entered('Each')],
  ['MapStateStarted', 2],
  ['MapIterationStarted', 3, { mapIterationStartedEventDetails: { name: 'Each', index: 0 } }],
  ['TaskStateEntered', 4, entered('Send')],
  ['TaskScheduled', 5],
  ['TaskStarted', 6],
  ['MapIterationStarted', 3, { mapIterationStartedEventDetails: { name: 'Each', index: 1 } }],
  ['TaskStateEntered', 8, entered('Send')],
  ['TaskScheduled', 9],
  ['TaskStarted', 10],
  ['TaskFailed', 11, failed('Bounced')], // 12
  ['MapIterationFailed', 12, { mapIterationFailedEventDetails: { name: 'Each', index: 1 } }], // 13
  ['TaskStateAborted', 7], // 14: the sibling's state, aborted
  ['MapIterationAborted', 14, { mapIterationAbortedEventDetails: { name: 'Each', index: 0 } }],
  ['MapStateFailed', 12], // 16
  ['ExecutionFailed', 16, { executionFailedEventDetails: { error: 'Bounced', cause: 'Bounced happened' } }],
];

// A failed run, redriven, then succeeding.
const REDRIVEN: Spec[] = [
  ['ExecutionStarted', 0],
  ['TaskStateEntered', 1, entered('Charge')],
  ['TaskScheduled', 2],
  ['TaskStarted', 3],
  ['TaskFailed', 4, failed('Down')], // 5
  ['ExecutionFailed', 5, { executionFailedEventDetails: { error: 'Down', cause: 'Down happened' } }], // 6
  ['ExecutionRedriven', 6, { executionRedrivenEventDetails: { redriveCount: 1 } }],
  ['TaskStateEntered', 7, entered('Charge')],
  ['TaskScheduled', 8],
  ['TaskStarted', 9],
  ['TaskSucceeded', 10],
  ['TaskStateExited', 11, exited('Charge')],
  ['ExecutionSucceeded', 12],
];

/** `width` Map items failing at once, each retried after all have failed: the retries come `width` events after their failures. */
function wideRetries(width: number): Spec[] {
  const specs: Spec[] = [['ExecutionStarted', 0], ['MapStateEntered', 1, entered('Each')], ['MapStateStarted', 2]];
  const push = (spec: Spec) => specs.push(spec);
  const started: number[] = [];
  for (let i = 0; i < width; i += 1) {
    push(['TaskScheduled', 3]);
    started.push(specs.length);
  }
  const failures: number[] = [];
  for (const at of started) {
    push(['TaskFailed', at, failed('Throttled')]);
    failures.push(specs.length);
  }
  const retries: number[] = [];
  for (const at of failures) {
    push(['TaskScheduled', at]);
    retries.push(specs.length);
  }
  for (const at of retries) push(['TaskSucceeded', at]);
  push(['MapStateSucceeded', specs.length]);
  push(['ExecutionSucceeded', specs.length]);
  return specs;
}

let env: SfnEnv;
let arn: string;
let farArn: string;
let waitingArn: string;
let parallelArn: string;
let mapArn: string;
let redrivenArn: string;
let wideArn: string;
let widerArn: string;
let farthestArn: string;

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
  const add = (name: string, status: ExecutionStatus, specs: Spec[]) => {
    const at = env.fake.addExecution({ stateMachineArn: machine, name, status }).executionArn;
    env.fake.setHistory(at, eventsOf(specs));
    return at;
  };
  parallelArn = add('parallel', 'SUCCEEDED', PARALLEL_CAUGHT);
  mapArn = add('map', 'FAILED', MAP_FAILED);
  redrivenArn = add('redriven', 'SUCCEEDED', REDRIVEN);
  wideArn = add('wide', 'SUCCEEDED', wideRetries(120));
  widerArn = add('wider', 'SUCCEEDED', wideRetries(260));
  farthestArn = add('farthest', 'SUCCEEDED', wideRetries(2500));
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

  it('oldest first, a running execution\'s failure with nothing after it says so rather than look like the one that ended the run', async () => {
    // Read to its end, the history of a running execution has nothing after the failure yet.
    const r = await env.call('get_execution_history', { executionArn: waitingArn, failuresOnly: true });
    expect(r.structured?.events).toEqual([expect.not.objectContaining({ outcome: expect.anything() })]);
    expect(r.text).toMatch(/#5 ←4 TaskFailed \[Charge\] \S+ \(still running: what follows is not known yet\)/);
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

  it('newest first, a failure whose retry was not scheduled yet in a running execution says so', async () => {
    const r = await env.call('get_execution_history', { executionArn: waitingArn, failuresOnly: true, reverseOrder: true });
    expect(r.structured?.events).toEqual([expect.not.objectContaining({ outcome: expect.anything() })]);
    expect(r.text).toMatch(/#5 ←4 TaskFailed .*\(still running: what follows is not known yet\)/);
    const ended = await env.call('get_execution_history', { executionArn: arn, failuresOnly: true, reverseOrder: true });
    expect(ended.text).not.toContain('not known');
  });

  for (const reverseOrder of [true, false]) {
    const order = reverseOrder ? 'newest first' : 'oldest first';
    it(`${order}, a branch's failure that failed its Parallel shares the Parallel's outcome (caught)`, async () => {
      const { outcomes, texts } = await failures({ reverseOrder, pageSize: 3, maxItems: 1 }, parallelArn);
      expect(new Map(outcomes)).toEqual(new Map([[7, 'caught'], [8, 'caught']]));
      expect(texts.join('\n')).not.toContain('not read yet');
    });

    it(`${order}, a Map item's failure that failed the execution stays unmarked, and the sibling's aborted state is left out`, async () => {
      const { outcomes, texts } = await failures({ reverseOrder }, mapArn);
      expect(outcomes.map(([id]) => id).sort((a, b) => a - b)).toEqual([12, 13, 16, 17]);
      expect(outcomes.every(([, outcome]) => outcome === undefined)).toBe(true);
      expect(texts.join('\n')).not.toMatch(/not read yet|not known/);
      // eventTypes still shows the aborts.
      const aborts = await env.call('get_execution_history', { executionArn: mapArn, eventTypes: ['TaskStateAborted', 'MapIterationAborted'] });
      expect((aborts.structured?.events as Array<{ id: number }>).map((e) => e.id)).toEqual([14, 15]);
    });

    it(`${order}, the failure that ended a run which was redriven is marked redriven, and the redrive is listed`, async () => {
      const { outcomes, texts } = await failures({ reverseOrder, pageSize: 2, maxItems: 1 }, redrivenArn);
      const expected: Array<[number, string | undefined]> = [[5, 'redriven'], [6, 'redriven'], [7, undefined]];
      expect(outcomes).toEqual(reverseOrder ? expected.reverse() : expected);
      expect(texts.join('\n')).toMatch(/#6 ←5 ExecutionFailed after \[Charge\] \S+ \(redriven\)/);
    });
  }

  // 120 retried failures lie between a page boundary and their retries: every one is carried.
  it('newest first, 120 failures waiting for their retries across continuations all keep their mark', async () => {
    const { outcomes, texts } = await failures({ reverseOrder: true, maxItems: 10, pageSize: 100 }, wideArn);
    expect(outcomes).toHaveLength(120);
    expect(outcomes.filter(([, outcome]) => outcome !== 'retried')).toEqual([]);
    expect(texts.join('\n')).not.toContain('not carried');
  });

  // Beyond what a token carries, a failure never reads as the one that ended the run: the text says its outcome is not known.
  it('newest first, failures beyond what the token carries are marked as not known, never as the end of the run', async () => {
    const { outcomes, texts } = await failures({ reverseOrder: true, maxItems: 10, pageSize: 100 }, widerArn);
    expect(outcomes).toHaveLength(260);
    const unmarked = outcomes.filter(([, outcome]) => outcome === undefined).map(([id]) => id);
    expect(unmarked.length).toBeGreaterThan(0);
    const text = texts.join('\n');
    for (const id of unmarked) expect(text).toMatch(new RegExp(`#${id} ←\\d+ TaskFailed .*\\(outcome not carried this far: read oldest first to see it\\)`));
    const oldest = await failures({ maxItems: 300 }, widerArn);
    expect(oldest.outcomes.filter(([, outcome]) => outcome !== 'retried')).toEqual([]);
  });

  // 2,500 items fail before any retry: a small call's first failures are retried 2,500 events later.
  it('oldest first, a small call reads several pages ahead for a retry far behind its failure', async () => {
    const r = await env.call('get_execution_history', { executionArn: farthestArn, failuresOnly: true, maxItems: 5, pageSize: 100 });
    const events = r.structured?.events as Array<{ id: number; outcome?: string }>;
    expect(events).toHaveLength(5);
    expect(events.map((e) => e.outcome)).toEqual(Array(5).fill('retried'));
    expect(r.text).not.toContain('not read yet');
  });
});
