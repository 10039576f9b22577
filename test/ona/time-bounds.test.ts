import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onaEnv, type OnaEnv } from './env.js';

/** list_agent_executions' createdAfter/createdBefore share list_executions' reading of time bounds. */

describe('list_agent_executions: equal and date-only bounds', () => {
  let env: OnaEnv;

  beforeAll(async () => {
    // Created 10 minutes apart back from 2026-08-01T12:00:00Z.
    env = await onaEnv({ count: 5 });
  });
  afterAll(async () => {
    await env.close();
  });

  it('refuses the same date as both bounds before calling Ona, and says what to send for the whole day', async () => {
    const before = env.fake.requests.length;
    const r = await env.harness.call('list_agent_executions', { createdAfter: '2026-08-01', createdBefore: '2026-08-01' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('createdAfter and createdBefore are the same instant (2026-08-01T00:00:00.000Z)');
    expect(r.text).toContain('For the whole day 2026-08-01 send createdAfter=2026-08-01 and createdBefore=2026-08-02');
    expect(env.fake.requests.length).toBe(before);
    const day = await env.harness.call('list_agent_executions', { createdAfter: '2026-08-01', createdBefore: '2026-08-02' });
    expect((day.structured?.agentExecutions as unknown[]).length).toBe(5);
  });

  it('takes bounds with an expanded year (+010000, as toISOString writes dates past 9999)', async () => {
    const r = await env.harness.call('list_agent_executions', { createdAfter: '-000001-01-01T00:00:00Z', createdBefore: new Date(Date.UTC(10_000, 0, 1)).toISOString() });
    expect(r.isError, r.text).toBeUndefined();
    expect((r.structured?.agentExecutions as unknown[]).length).toBe(5);
    const none = await env.harness.call('list_agent_executions', { createdAfter: '+010000-01-01' });
    expect(none.isError, none.text).toBeUndefined();
    expect(none.structured?.agentExecutions).toEqual([]);
  });

  it('refuses an upper-case M (months to some) as createdAfter', async () => {
    const r = await env.harness.call('list_agent_executions', { createdAfter: '6M' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('createdAfter "6M" is ambiguous: m counts minutes here, not months. Give months as days (e.g. 180d)');
  });

  it('a date-only createdBefore that found nothing says it was read as midnight UTC', async () => {
    const r = await env.harness.call('list_agent_executions', { createdBefore: '2026-08-01' });
    expect(r.structured?.agentExecutions).toEqual([]);
    expect(r.text).toContain('Note: A date alone is read as midnight UTC at its start: createdBefore=2026-08-01 as 2026-08-01T00:00:00Z.');
  });
});
