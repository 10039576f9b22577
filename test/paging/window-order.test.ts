import { afterEach, beforeEach, expect, it } from 'vitest';
import { BASE_EPOCH_S } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from '../sfn/env.js';

/**
 * Where a time window's walk stops must not depend on maxItems or pageSize, also on a listing that is
 * not strictly newest first. With one-item pages the engine had seen no order yet when it met the
 * first item older than startedAfter: it stopped there (stopReason "timeWindow", no token), and the
 * executions inside the window after that item were never returned (review finding).
 */

let env: SfnEnv;
let machine: string;
beforeEach(async () => {
  env = await startSfnEnv();
  machine = env.fake.addStateMachine('Orders');
});
afterEach(async () => env.close());

async function walk(args: Record<string, unknown>): Promise<{ names: string[]; stopReason: unknown }> {
  const names: string[] = [];
  let token: string | undefined;
  let stopReason: unknown;
  for (let i = 0; i < 50; i += 1) {
    const r = await env.call('list_executions', { stateMachineArn: machine, ...args, ...(token ? { startingToken: token } : {}) });
    expect(r.isError, r.text).toBeUndefined();
    names.push(...(r.structured?.executions as Array<{ name: string }>).map((e) => e.name));
    stopReason = r.structured?.stopReason;
    token = r.structured?.nextToken as string | undefined;
    if (!token) break;
  }
  return { names, stopReason };
}

const HOUR = 3600;
const startedAfter = new Date((BASE_EPOCH_S - 2.5 * HOUR) * 1000).toISOString();

it('a backend that lists oldest first (an emulator): maxItems=1 returns nothing, maxItems=50 returns the three in the window', async () => {
  env.fake.addExecutions(machine, 6, { statuses: ['SUCCEEDED'], spacingS: HOUR });
  env.fake.listOldestFirst(true);
  const big = await walk({ startedAfter, maxItems: 50 });
  expect(big.names.sort()).toEqual(['run-000004', 'run-000005', 'run-000006']);
  // Same listing, same window, only the cut differs.
  for (const knobs of [{ maxItems: 1 }, { maxItems: 50, pageSize: 1 }]) {
    const small = await walk({ startedAfter, ...knobs });
    expect(small.names.sort(), JSON.stringify(knobs)).toEqual(big.names.sort());
  }
});

it('a newest-first listing with one clock-skewed start date: pages of one lose the executions after it', async () => {
  const runs = env.fake.addExecutions(machine, 6, { statuses: ['SUCCEEDED'], spacingS: HOUR / 2 });
  // Listed third (it started third newest) but its recorded start is skewed past the window's start.
  (runs[2] as { startDate: number }).startDate = BASE_EPOCH_S - 3 * HOUR;
  const big = await walk({ startedAfter, maxItems: 50 });
  expect(big.names).toEqual(['run-000006', 'run-000005', 'run-000003', 'run-000002', 'run-000001']);
  const small = await walk({ startedAfter, maxItems: 1 });
  expect(small.names).toEqual(big.names);
});

/**
 * An item older than a newest-first window is passed over while the list's order is not known yet
 * (above), but only a few in a row: a listing whose older items share a start
 * date (a burst within one clock tick, coarse timestamps) builds no order evidence, and was read to
 * its end; with maxItems=1 every passed-over item cost a request of its own (review finding).
 */
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
