import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildHistory } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from '../sfn/env.js';

/**
 * A continuation that starts on a backend page boundary fetches its first page with the pageSize it
 * is given. It used the size of the call that made the token (only automatic page sizes were
 * re-sized there), so a caller who lowered pageSize to get past a page the backend could not serve
 * in time kept asking for the old size (review finding).
 */

let env: SfnEnv;
let machine: string;
let arn: string;
beforeAll(async () => {
  env = await startSfnEnv();
  machine = env.fake.addStateMachine('Orders');
  env.fake.addExecutions(machine, 30, { statuses: ['SUCCEEDED'] });
  arn = env.fake.executionsOf(machine)[0]?.executionArn ?? '';
  env.fake.setHistory(arn, buildHistory({ tasks: 10 }));
});
afterAll(async () => env.close());

it.each([
  ['list_executions', 'ListExecutions', () => ({ stateMachineArn: machine })],
  ['get_execution_history', 'GetExecutionHistory', () => ({ executionArn: arn })],
  ['get_execution_history', 'GetExecutionHistory', () => ({ executionArn: arn, eventTypes: ['ExecutionStarted', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'TaskStateExited', 'ExecutionSucceeded'] })],
] as const)('%s: the continuation uses the pageSize it is given (%s)', async (tool, op, args) => {
  // The first call stops exactly at the end of a 10-item backend page: its token sits on a page boundary.
  const first = await env.call(tool, { ...args(), pageSize: 10, maxItems: 10 });
  expect(first.structured?.nextToken).toBeDefined();
  const before = env.fake.requestsFor(op).length;
  const next = await env.call(tool, { ...args(), pageSize: 2, maxItems: 2, startingToken: first.structured?.nextToken });
  expect(next.isError, next.text).toBeUndefined();
  const sizes = env.fake.requestsFor(op).slice(before).map((r) => r.body.maxResults);
  expect(sizes).toEqual(sizes.map(() => 2));
});
