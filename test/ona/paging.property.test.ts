import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecutions } from '../fakes/ona.js';
import { onaEnv, type OnaEnv } from './env.js';

/**
 * For random totals, maxItems and pageSize, following nextToken to the end through the real MCP
 * client and the real undici client yields every execution exactly once, in the service's order.
 */
describe('list_agent_executions paging (property)', () => {
  let env: OnaEnv;

  beforeAll(async () => {
    env = await onaEnv({ count: 0 });
  });
  afterAll(async () => {
    await env.close();
  });

  it('concatenated continuations equal the full list', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 100 }),
        async (total, maxItems, pageSize) => {
          env.fake.executions = makeExecutions(total);
          const ids: string[] = [];
          let token: string | undefined;
          let calls = 0;
          do {
            const res = await env.harness.call('list_agent_executions', { maxItems, pageSize, ...(token ? { startingToken: token } : {}) });
            expect(res.isError).toBeUndefined();
            const items = res.structured?.agentExecutions as Array<{ id: string }>;
            expect(items.length).toBeLessThanOrEqual(maxItems);
            ids.push(...items.map((i) => i.id));
            token = res.structured?.nextToken as string | undefined;
            calls += 1;
            expect(calls).toBeLessThanOrEqual(total + 2);
          } while (token);
          expect(ids).toEqual(env.fake.executions.map((e) => e.id));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('also when the response budget, not maxItems, ends each call (tokens point into the middle of pages)', async () => {
    const tight = await onaEnv({ count: 0, argv: ['--response-budget-chars', '16000'] });
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 10 }), async (total, pageSize) => {
          tight.fake.executions = makeExecutions(total);
          const ids: string[] = [];
          const reasons = new Set<unknown>();
          let token: string | undefined;
          do {
            const res = await tight.harness.call('list_agent_executions', { maxItems: 50, pageSize, ...(token ? { startingToken: token } : {}) });
            const items = res.structured?.agentExecutions as Array<{ id: string }>;
            ids.push(...items.map((i) => i.id));
            reasons.add(res.structured?.stopReason);
            token = res.structured?.nextToken as string | undefined;
            // A call that stopped short of maxItems with more to come was ended by the budget.
            if (token && items.length < 50) expect(res.structured?.stopReason).toBe('responseBudget');
          } while (token);
          expect(ids).toEqual(tight.fake.executions.map((e) => e.id));
          // About a dozen items fit the smallest budget: beyond 30, the budget must have ended calls.
          if (total > 30) expect(reasons).toContain('responseBudget');
        }),
        { numRuns: 15 },
      );
    } finally {
      await tight.close();
    }
  });

  it('a token is refused with other filter arguments', async () => {
    env.fake.executions = makeExecutions(10);
    const first = await env.harness.call('list_agent_executions', { maxItems: 3 });
    const reused = await env.harness.call('list_agent_executions', {
      maxItems: 3,
      statusPhases: ['PHASE_RUNNING'],
      startingToken: first.structured?.nextToken,
    });
    expect(reused.isError).toBe(true);
    expect(reused.text).toMatch(/startingToken was issued for different arguments/);
  });
});
