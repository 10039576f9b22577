import { afterAll, beforeAll, expect, it } from 'vitest';
import { onaEnv, type OnaEnv } from './env.js';

/**
 * A continuation re-reads the end of the page its call stopped at (Ona's offsets shift when
 * executions leave). With pages that take most of the call's time limit, the next fetch after that
 * re-read ran out of time, and the call handed back the token it came with: every later call
 * returned nothing at the same place (review finding).
 */

let env: OnaEnv;
beforeAll(async () => {
  env = await onaEnv({ count: 30, env: { EXECUTIONS_MCP_CALL_DEADLINE_MS: '1000' } });
});
afterAll(async () => env.close());

it('continuations make progress when one page fits the time limit but two do not', async () => {
  env.fake.failNext({ kind: 'slow', ms: 600 }, 200, 'ListAgentExecutions');
  const ids: string[] = [];
  let token: string | undefined;
  for (let call = 0; call < 4 && (call === 0 || token); call += 1) {
    const r = await env.harness.call('list_agent_executions', { maxItems: 5, pageSize: 5, ...(token ? { startingToken: token } : {}) });
    expect(r.isError, r.text).toBeUndefined();
    const next = r.structured?.nextToken as string | undefined;
    expect(next, `call ${call} handed back its own token`).not.toBe(token);
    ids.push(...(r.structured?.agentExecutions as Array<{ id: string }>).map((e) => e.id));
    token = next;
  }
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.length).toBeGreaterThan(5);
}, 30_000);
