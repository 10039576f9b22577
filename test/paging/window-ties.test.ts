import { afterEach, beforeEach, expect, it } from 'vitest';
import { BASE_EPOCH_S } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from '../sfn/env.js';

/**
 * An item older than a newest-first window is passed over while the list's order is not known yet
 * (see window-order.test.ts), but only a few in a row: a listing whose older items share a start
 * date (a burst within one clock tick, coarse timestamps) builds no order evidence, and was read to
 * its end; with maxItems=1 every passed-over item cost a request of its own (review finding).
 */
let env: SfnEnv;
let machine: string;
beforeEach(async () => {
  env = await startSfnEnv();
  machine = env.fake.addStateMachine('Orders');
});
afterEach(async () => env.close());

it('startedAfter past every execution, 400 older runs in 4 same-second bursts: stops within a few requests', async () => {
  for (let burst = 0; burst < 4; burst += 1) {
    env.fake.addExecutions(machine, 100, { prefix: `b${burst}`, statuses: ['SUCCEEDED'], spacingS: 0, newestStart: BASE_EPOCH_S - 3600 - burst * 60 });
  }
  const startedAfter = new Date(BASE_EPOCH_S * 1000 - 600_000).toISOString();
  const r = await env.call('list_executions', { stateMachineArn: machine, startedAfter, maxItems: 5 });
  expect(r.isError, r.text).toBeUndefined();
  const sent = env.fake.requestsFor('ListExecutions').length;
  expect(r.structured?.executions).toEqual([]);
  expect(r.structured?.stopReason).toBe('timeWindow');
  expect(sent).toBeLessThanOrEqual(10);
});

it('distinct start dates, nothing in the window, maxItems=1: at most two requests', async () => {
  env.fake.addExecutions(machine, 200, { statuses: ['SUCCEEDED'], newestStart: BASE_EPOCH_S - 3600 });
  const startedAfter = new Date(BASE_EPOCH_S * 1000 - 600_000).toISOString();
  const r = await env.call('list_executions', { stateMachineArn: machine, startedAfter, maxItems: 1 });
  const sent = env.fake.requestsFor('ListExecutions').length;
  expect(r.structured?.stopReason).toBe('timeWindow');
  expect(sent).toBeLessThanOrEqual(2);
});
