import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onaEnv, type OnaEnv } from './env.js';

/**
 * Ona pages by offset, and an agent execution can be deleted (DeleteAgentExecution) whatever the
 * filter: one deleted behind the cursor moves the rest up by one, so a continuation that trusted its
 * offset skipped the next execution (QA: lost without statusPhases; with it the walk was right).
 */

let env: OnaEnv;
beforeAll(async () => {
  env = await onaEnv({ count: 10 });
});
afterAll(async () => {
  await env.close();
});

interface Listed {
  agentExecutions: Array<{ id: string }>;
  nextToken?: string;
}

describe('an execution deleted between two calls', () => {
  it.each([{}, { statusPhases: ['PHASE_RUNNING', 'PHASE_STOPPED', 'PHASE_PENDING'] }])('does not cost the walk an execution not yet listed (%j)', async (filter) => {
    const whole = await env.harness.call('list_agent_executions', { ...filter, maxItems: 50 });
    const expected = (whole.structured as unknown as Listed).agentExecutions.map((e) => e.id);
    expect(expected.length).toBeGreaterThan(6);
    const first = await env.harness.call('list_agent_executions', { ...filter, maxItems: 5 });
    expect(first.isError, first.text).toBeUndefined();
    const listed = first.structured as unknown as Listed;
    const ids = listed.agentExecutions.map((e) => e.id);
    const deleted = env.fake.executions.findIndex((e) => e.id === ids[2]);
    const [gone] = env.fake.executions.splice(deleted, 1);
    try {
      let token = listed.nextToken;
      while (token) {
        const r = await env.harness.call('list_agent_executions', { ...filter, maxItems: 5, startingToken: token });
        expect(r.isError, r.text).toBeUndefined();
        const more = r.structured as unknown as Listed;
        ids.push(...more.agentExecutions.map((e) => e.id));
        token = more.nextToken;
      }
    } finally {
      if (gone) env.fake.executions.splice(deleted, 0, gone);
    }
    expect(ids).toEqual(expected);
  });
});
