import { afterEach, beforeEach, expect, it } from 'vitest';
import { BASE_EPOCH_S } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from '../sfn/env.js';

/**
 * Executions that share one start date (started in the same millisecond), then new ones arriving
 * between two calls: the continuation re-reads a page the arrivals pushed its place off. Recency
 * cannot tell the tied executions already returned from the rest, so the token remembers their keys
 * (QA: the walk started the tied run over, returning up to all of it twice).
 */

let env: SfnEnv;
let machine: string;
beforeEach(async () => {
  env = await startSfnEnv();
  machine = env.fake.addStateMachine('Orders');
});
afterEach(async () => env.close());

it.each([
  { tied: 13, maxItems: 3, pageSize: 17, arrivals: 27, after: 4, positions: false },
  { tied: 60, maxItems: 25, pageSize: 40, arrivals: 80, after: 1, positions: false },
  { tied: 13, maxItems: 3, pageSize: 17, arrivals: 27, after: 4, positions: true },
])('returns each tied execution once when new ones arrive mid-walk (%j)', async ({ tied, maxItems, pageSize, arrivals, after, positions }) => {
  env.fake.positionTokens(positions);
  for (let i = 0; i < tied; i += 1) env.fake.addExecution({ stateMachineArn: machine, name: `tied-${String(i).padStart(3, '0')}`, startDate: BASE_EPOCH_S });
  const names: string[] = [];
  let token: string | undefined;
  for (let call = 0; call < 60; call += 1) {
    const r = await env.call('list_executions', { stateMachineArn: machine, maxItems, pageSize, ...(token ? { startingToken: token } : {}) });
    expect(r.isError, r.text).toBeUndefined();
    names.push(...(r.structured?.executions as Array<{ name: string }>).map((e) => e.name));
    token = r.structured?.nextToken as string | undefined;
    if (call + 1 === after) for (let k = 0; k < arrivals; k += 1) env.fake.addExecution({ stateMachineArn: machine, name: `new-${k}`, startDate: BASE_EPOCH_S + 60 + k });
    if (!token) break;
  }
  const tiedSeen = names.filter((n) => n.startsWith('tied-'));
  expect(tiedSeen).toEqual(Array.from({ length: tied }, (_, i) => `tied-${String(i).padStart(3, '0')}`));
  // Arrivals after the walk began may be returned or not, but once at most.
  expect(new Set(names).size).toBe(names.length);
});
