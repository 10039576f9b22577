import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onaEnv, type OnaEnv } from '../ona/env.js';

/**
 * A backend page that holds the same item twice (a backend's paging slip): the repeat is left out
 * wherever one call meets it, within the page as across pages, and when a continuation starts
 * between the two copies (the page it re-reads shows what lies behind its cursor).
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
  it('is returned once, in one call and across continuations', async () => {
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

  it('is returned once when a continuation starts between two copies apart on the page', async () => {
    const expected = env.fake.executions.map((e) => e.id);
    const third = env.fake.executions[2];
    if (!third) throw new Error('fixture');
    // [e0, e1, e2, e3, e2, e4, ...]: maxItems 3 and 4 end a call between the copies, inside page one.
    env.fake.executions.splice(4, 0, third);
    try {
      for (const maxItems of [1, 2, 3, 4]) expect(await walk({ pageSize: 5, maxItems }), `maxItems ${maxItems}`).toEqual(expected);
    } finally {
      env.fake.executions.splice(4, 1);
    }
  });
});
