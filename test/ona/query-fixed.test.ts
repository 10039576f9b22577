import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecution, type RawExecution } from '../fakes/ona.js';
import { onaEnv, type OnaEnv } from './env.js';

/**
 * Fields that repeat the query are left out of list items (architecture §5): a single agent,
 * creator or project filter was, a single environment filter kept the environment on every item.
 */

type Item = Record<string, unknown> & { id: string };

/** An execution in environment `env` without a project (so the item names its environment). */
function inEnvironment(i: number, env: string): RawExecution {
  const e = makeExecution(i);
  e.id = `env-case-${i}`;
  e.spec.codeContext = { environmentId: env };
  e.status.usedEnvironments = [{ environmentId: env, createdByAgent: false }];
  return e;
}

describe('list_agent_executions with an environment filter', () => {
  let env: OnaEnv;

  beforeAll(async () => {
    env = await onaEnv({ executions: [inEnvironment(0, 'env-1'), inEnvironment(1, 'env-2'), inEnvironment(2, 'env-1')] });
  });
  afterAll(async () => {
    await env.close();
  });

  it('leaves the environment out when the query named exactly that one environment', async () => {
    const res = await env.harness.call('list_agent_executions', { environmentIds: ['env-1'] });
    const items = res.structured?.agentExecutions as Item[];
    expect(items.map((i) => i.id)).toEqual(['env-case-0', 'env-case-2']);
    for (const item of items) expect(item).not.toHaveProperty('codeContext');
    expect(res.text).not.toContain('env=');
  });

  it('keeps it when the query named more than one, or none', async () => {
    for (const args of [{ environmentIds: ['env-1', 'env-2'] }, {}]) {
      const res = await env.harness.call('list_agent_executions', args);
      expect((res.structured?.agentExecutions as Item[]).map((i) => i.codeContext)).toEqual([{ environmentId: 'env-1' }, { environmentId: 'env-2' }, { environmentId: 'env-1' }]);
      expect(res.text).toMatch(/^env-case-1 .* env=env-2/m);
    }
  });
});
