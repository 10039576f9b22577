import { afterAll, beforeAll, expect, it } from 'vitest';
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
