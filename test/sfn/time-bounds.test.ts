import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_EPOCH_S } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * list_executions' startedAfter/startedBefore as a model sends them: a date alone for "runs on day
 * D", or an age with an upper-case unit. A window that cannot hold anything is refused, and a date
 * alone that found nothing says how it was read.
 */

let env: SfnEnv;
let orders: string;

// BASE_EPOCH_S is 2026-11-20T10:00:00Z; five runs a minute apart back from it.
const DAY = new Date(BASE_EPOCH_S * 1000).toISOString().slice(0, 10);

beforeAll(async () => {
  env = await startSfnEnv();
  orders = env.fake.addStateMachine('Orders');
  env.fake.addExecutions(orders, 5);
});

afterAll(async () => {
  await env.close();
});

const names = (r: { structured?: Record<string, unknown> }) => ((r.structured?.executions ?? []) as Array<{ name: string }>).map((e) => e.name);

describe('list_executions: equal and date-only bounds', () => {
  it('refuses the same date as both bounds, says it was read as midnight UTC, and what to send for the whole day', async () => {
    const before = env.fake.requestsFor('ListExecutions').length;
    const r = await env.call('list_executions', { stateMachineArn: orders, startedAfter: DAY, startedBefore: DAY });
    expect(r.isError).toBe(true);
    expect(r.text).toContain(`startedAfter and startedBefore are the same instant (${DAY}T00:00:00.000Z): only what started at exactly that millisecond would match.`);
    expect(r.text).toContain(`A date alone is read as midnight UTC at its start: startedAfter=${DAY} as ${DAY}T00:00:00Z, startedBefore=${DAY} as ${DAY}T00:00:00Z.`);
    expect(r.text).toContain(`For the whole day ${DAY} send startedAfter=${DAY} and startedBefore=2026-11-21, or ISO times (startedAfter=${DAY}T00:00:00Z, startedBefore=${DAY}T23:59:59.999Z).`);
    expect(env.fake.requestsFor('ListExecutions').length).toBe(before);
    // Following the hint finds the day's runs.
    const day = await env.call('list_executions', { stateMachineArn: orders, startedAfter: DAY, startedBefore: '2026-11-21' });
    expect(names(day)).toHaveLength(5);
  });

  it('answers equal ISO times (both bounds are inclusive: the executions started at that instant), without the date-only note', async () => {
    const at = '2026-11-20T09:58:00Z';
    const r = await env.call('list_executions', { stateMachineArn: orders, startedAfter: at, startedBefore: at });
    expect(r.isError, r.text).toBeUndefined();
    expect(r.text).not.toContain('midnight');
  });

  it('an inverted window given as dates says how the dates were read', async () => {
    const r = await env.call('list_executions', { stateMachineArn: orders, startedAfter: '2026-11-21', startedBefore: DAY });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/startedAfter \(2026-11-21T00:00:00.000Z\) is later than startedBefore .*A date alone is read as midnight UTC at its start/);
  });

  it('a date-only bound that found nothing says, in one line, that it was read as midnight UTC', async () => {
    const r = await env.call('list_executions', { stateMachineArn: orders, startedBefore: DAY });
    expect(r.isError).toBeFalsy();
    expect(names(r)).toEqual([]);
    const notes = r.text.split('\n').filter((line) => line.includes('midnight'));
    expect(notes).toEqual([`Note: A date alone is read as midnight UTC at its start: startedBefore=${DAY} as ${DAY}T00:00:00Z.`]);
  });

  it('no such note when the date-only bound found runs, or when the bound that found nothing was an ISO time', async () => {
    const found = await env.call('list_executions', { stateMachineArn: orders, startedAfter: DAY });
    expect(names(found)).toHaveLength(5);
    expect(found.text).not.toContain('midnight');
    const none = await env.call('list_executions', { stateMachineArn: orders, startedBefore: `${DAY}T00:00:00Z` });
    expect(names(none)).toEqual([]);
    expect(none.text).not.toContain('midnight');
  });
});

describe('list_executions: relative ages with an upper-case unit', () => {
  it.each(['6M', '30 M'])('refuses %s, which may mean months, saying m is minutes and how to give months', async (age) => {
    const before = env.fake.requestsFor('ListExecutions').length;
    const r = await env.call('list_executions', { stateMachineArn: orders, startedAfter: age });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/startedAfter ".*M" is ambiguous: m counts minutes here, not months\. Give months as days \(e\.g\. \d+d\) or an ISO-8601 date/);
    expect(env.fake.requestsFor('ListExecutions').length).toBe(before);
  });

  it('reads the unambiguous units in either case, lower-case m as minutes', async () => {
    // Ages back from the real clock: an age as long as the runs are old finds them all.
    const days = Math.ceil((Date.now() / 1000 - BASE_EPOCH_S) / 86_400) + 1;
    for (const age of [`${days}d`, `${days}D`, `${days * 24}H`, `${Math.ceil(days / 7)}W`]) {
      const r = await env.call('list_executions', { stateMachineArn: orders, startedAfter: age });
      expect(r.isError, age).toBeFalsy();
      expect(names(r), age).toHaveLength(5);
    }
    const minutes = await env.call('list_executions', { stateMachineArn: orders, startedBefore: '30m' });
    expect(minutes.isError).toBeFalsy();
    expect(names(minutes)).toHaveLength(5);
  });
});
