import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHistory } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * pagesFetched says what a get_execution_history call cost (architecture §4): the requests the tool
 * sends beside the paging engine count too, the read-ahead after the walk (names newest first,
 * outcomes oldest first) and failuresOnly's look-ahead oldest first (review finding: they were left out).
 */

let env: SfnEnv;
let arn: string;
beforeAll(async () => {
  env = await startSfnEnv();
  const machine = env.fake.addStateMachine('Orders');
  arn = env.fake.addExecutions(machine, 1)[0]?.executionArn ?? '';
  // 30 Task states, the first retried once, the last failing the run.
  env.fake.setHistory(arn, buildHistory({ tasks: 30, failAt: 30, retryFirst: true }));
});
afterAll(async () => env.close());

it.each([
  { failuresOnly: true, reverseOrder: true, maxItems: 1, pageSize: 1 },
  { reverseOrder: true, maxItems: 2, pageSize: 2 },
  { failuresOnly: true, maxItems: 1, pageSize: 2 },
  { maxItems: 3, pageSize: 3 },
])('pagesFetched counts every backend request of the call (%j)', async (args) => {
  const before = env.fake.requestsFor('GetExecutionHistory').length;
  const r = await env.call('get_execution_history', { executionArn: arn, ...args });
  expect(r.isError, r.text).toBeUndefined();
  const sent = env.fake.requestsFor('GetExecutionHistory').length - before;
  expect(r.structured?.pagesFetched).toBe(sent);
});

describe('an answer whose events the read-ahead all leaves out', () => {
  // Newest first in pages of 3, Step30's TaskFailed and TaskStarted are kept while their state is
  // not known (its TaskStateEntered is on the next page) and fill maxItems=2; the read-ahead then
  // names them Step30, so they are left out. Such an answer held no event and said maxItems.
  const args = { executionArn: '', stateName: 'Step29', reverseOrder: true, maxItems: 2, pageSize: 3 };

  it('goes on from its own token and returns the events of the state asked for', async () => {
    const before = env.fake.requestsFor('GetExecutionHistory').length;
    const r = await env.call('get_execution_history', { ...args, executionArn: arn });
    expect(r.isError, r.text).toBeUndefined();
    const events = r.structured?.events as Array<{ stateName?: string }>;
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.stateName === 'Step29')).toBe(true);
    // What both walks cost.
    expect(r.structured?.pagesFetched).toBe(env.fake.requestsFor('GetExecutionHistory').length - before);
  });

  it('counts the requests of a follow-up walk that failed', async () => {
    // Where the first follow-up walk starts in a clean call: its first engine page after a read-ahead.
    const base = env.fake.requestsFor('GetExecutionHistory').length;
    await env.call('get_execution_history', { ...args, executionArn: arn });
    const sent = env.fake.requestsFor('GetExecutionHistory').slice(base);
    const readAhead = sent.findIndex((r) => r.body.maxResults === 1000);
    const followUp = sent.findIndex((r, i) => i > readAhead && r.body.maxResults === 3);
    expect(readAhead).toBeGreaterThanOrEqual(0);
    expect(followUp).toBeGreaterThan(readAhead);
    // The same call, with that request failing.
    let n = 0;
    const hook = (): void => {
      n += 1;
      if (n === followUp + 1) env.fake.inject({ kind: 'internal' }, { op: 'GetExecutionHistory' });
      else env.fake.onceBefore('GetExecutionHistory', hook);
    };
    env.fake.onceBefore('GetExecutionHistory', hook);
    const before = env.fake.requestsFor('GetExecutionHistory').length;
    const r = await env.call('get_execution_history', { ...args, executionArn: arn });
    expect(r.isError, r.text).toBeUndefined();
    expect(r.structured?.pagesFetched).toBe(env.fake.requestsFor('GetExecutionHistory').length - before);
  });

  it('loses and repeats nothing when followed to the end', async () => {
    const whole = await env.call('get_execution_history', { executionArn: arn, stateName: 'Step29', reverseOrder: true });
    const expected = (whole.structured?.events as Array<{ id: number }>).map((e) => e.id);
    expect(expected.length).toBeGreaterThan(2);
    const ids: number[] = [];
    let token: string | undefined;
    let calls = 0;
    do {
      const r = await env.call('get_execution_history', { ...args, executionArn: arn, ...(token && { startingToken: token }) });
      expect(r.isError, r.text).toBeUndefined();
      ids.push(...(r.structured?.events as Array<{ id: number }>).map((e) => e.id));
      token = r.structured?.nextToken as string | undefined;
      calls += 1;
    } while (token && calls < 60);
    expect(ids).toEqual(expected);
  });
});
