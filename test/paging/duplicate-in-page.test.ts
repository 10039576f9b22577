import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onaEnv, type OnaEnv } from '../ona/env.js';

/**
 * A backend page that holds the same item twice (a backend's paging slip): the repeat is left out
 * wherever one call meets it, within the page as across pages. A continuation that starts between
 * the two copies remembers only a short trail of hashed keys, too weak to drop items by (a false
 * match would lose one), so there the copy can still come out again.
 */

let env: OnaEnv;

beforeAll(async () => {
  env = await onaEnv({ count: 8 });
});

afterAll(async () => {
  await env.close();
});

interface Listed {
  agentExecutions: Array<{ id: string }>;
  nextToken?: string;
}

async function walk(args: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const res = await env.harness.call('list_agent_executions', { ...args, ...(token && { startingToken: token }) });
    expect(res.isError, res.text).toBeUndefined();
    const listed = res.structured as unknown as Listed;
    ids.push(...listed.agentExecutions.map((e) => e.id));
    token = listed.nextToken;
  } while (token);
  return ids;
}

describe('an item repeated within one backend page', () => {
  it('is returned once, in one call and across continuations that do not start between the copies', async () => {
    const expected = env.fake.executions.map((e) => e.id);
    const third = env.fake.executions[2];
    if (!third) throw new Error('fixture');
    // The third execution served twice in a row, inside the first page.
    env.fake.executions.splice(3, 0, third);
    try {
      expect(await walk({ pageSize: 5, maxItems: 50 })).toEqual(expected);
      for (const maxItems of [1, 2, 3, 4]) expect(await walk({ pageSize: 5, maxItems }), `maxItems ${maxItems}`).toEqual(expected);
    } finally {
      env.fake.executions.splice(3, 1);
    }
  });
});
