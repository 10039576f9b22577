import { afterEach, describe, expect, it } from 'vitest';
import { makeExecution, makeExecutions } from '../fakes/ona.js';
import { onaEnv, type OnaEnv } from './env.js';

/**
 * list_agent_executions cut short by an Ona fault that outlasts the retries: the isError answer
 * lists what was read before it, and its token goes on from the page that failed.
 */

const unavailable = { kind: 'status', status: 503, body: JSON.stringify({ code: 'unavailable', message: 'maintenance' }) } as const;

let env: OnaEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

/** Lets the first `pages` list requests through, then fails every attempt (the first and two retries) of the next. */
function failAfter(opened: OnaEnv, pages: number): void {
  opened.fake.failNext({ kind: 'slow', ms: 0 }, pages, 'ListAgentExecutions');
  opened.fake.failNext(unavailable, 3, 'ListAgentExecutions');
}

function namesIn(text: string): string[] {
  return [...text.matchAll(/name=(fix-flaky-tests-\d+)/g)].map((m) => m[1] as string);
}

function tokenIn(text: string): string {
  const token = /startingToken="([^"]+)"/.exec(text)?.[1];
  expect(token, text).toBeDefined();
  return token as string;
}

/** Every execution name the listing returns from `token` on, following nextToken to the end. */
async function rest(opened: OnaEnv, args: Record<string, unknown>, token: string): Promise<string[]> {
  const out: string[] = [];
  for (let next: string | undefined = token; next; ) {
    const res = await opened.harness.call('list_agent_executions', { ...args, startingToken: next });
    expect(res.isError, res.text).toBeUndefined();
    out.push(...(res.structured?.agentExecutions as Array<{ name: string }>).map((e) => e.name));
    next = res.structured?.nextToken as string | undefined;
  }
  return out;
}

describe('list_agent_executions: a fault part-way through a walk', () => {
  it('lists the executions read before it; its token yields the rest, each once, in order', async () => {
    env = await onaEnv({ count: 30 });
    const all = env.fake.executions.map((e) => e.metadata.name as string);
    const args = { maxItems: 100, pageSize: 5 };
    failAfter(env, 3);
    const res = await env.harness.call('list_agent_executions', args);
    expect(res.isError).toBe(true);
    expect(res.structured).toBeUndefined();
    expect(res.text).toMatch(/^Ona ListAgentExecutions failed after 3 attempts: unavailable \(HTTP 503\).*Next: /);
    expect(res.text).toContain('\nRead before the fault: 15 item(s) from 3 page(s), listed below. To go on from the page that failed without reading these again, call list_agent_executions again');
    expect(namesIn(res.text)).toEqual(all.slice(0, 15));
    const after = await rest(env, args, tokenIn(res.text));
    expect([...namesIn(res.text), ...after]).toEqual(all);
  });

  it('an execution that leaves the phase filter before the continuation moves no other one out of reach', async () => {
    // Ona pages by offset: one execution leaving the filter on a page already read moves the first
    // of the page that failed behind that page's offset. Pages of 100 here are sized by the call
    // (no pageSize), so the walk reads several within a budget large enough for them.
    env = await onaEnv({ executions: makeExecutions(700), argv: ['--response-budget-chars', '1000000'] });
    const running = env.fake.executions.filter((e) => e.status.phase === 'PHASE_RUNNING');
    expect(running).toHaveLength(117);
    const args = { statusPhases: ['PHASE_RUNNING'], maxItems: 250 };
    failAfter(env, 1);
    const res = await env.harness.call('list_agent_executions', args);
    expect(res.isError).toBe(true);
    expect(res.text).toContain('Read before the fault: 100 item(s) from 1 page(s)');
    expect(namesIn(res.text)).toEqual(running.slice(0, 100).map((e) => e.metadata.name));

    // One of those read finishes before the continuation: it leaves the filter.
    (running[10] as (typeof running)[number]).status.phase = 'PHASE_STOPPED';
    const after = await rest(env, args, tokenIn(res.text));
    expect(after).toEqual(running.slice(100).map((e) => e.metadata.name));
  });

  it('the call deadline while fetching a page sized by the call leaves the same exact continuation', async () => {
    // As above, with the deadline instead of a fault: the call ends normally (stopReason deadline).
    env = await onaEnv({ executions: makeExecutions(700), argv: ['--response-budget-chars', '1000000'], env: { EXECUTIONS_MCP_CALL_DEADLINE_MS: '1000' } });
    const running = env.fake.executions.filter((e) => e.status.phase === 'PHASE_RUNNING');
    const args = { statusPhases: ['PHASE_RUNNING'], maxItems: 250 };
    env.fake.failNext({ kind: 'slow', ms: 0 }, 1, 'ListAgentExecutions');
    env.fake.failNext({ kind: 'slow', ms: 3000 }, 1, 'ListAgentExecutions');
    const res = await env.harness.call('list_agent_executions', args);
    expect(res.isError, res.text).toBeUndefined();
    expect(res.structured?.stopReason).toBe('deadline');
    const first = (res.structured?.agentExecutions as Array<{ name: string }>).map((e) => e.name);
    expect(first).toEqual(running.slice(0, 100).map((e) => e.metadata.name));

    (running[10] as (typeof running)[number]).status.phase = 'PHASE_STOPPED';
    const after = await rest(env, args, res.structured?.nextToken as string);
    expect(after).toEqual(running.slice(100).map((e) => e.metadata.name));
  });
});

describe('list_agent_executions: a burst of new executions between the pages of one call', () => {
  // Ona pages by offset: K executions arriving at the head between two pages of one call shift the
  // next page back by K, onto executions this call already returned (or onto the arrivals).
  it.each([
    [20, 5, 10],
    [40, 10, 30],
    [30, 3, 8],
  ])('maxItems %i, pageSize %i, %i arrivals: no execution twice, none of those listed before missing', async (maxItems, pageSize, arrivals) => {
    env = await onaEnv({ count: 100 });
    const opened = env;
    const before = opened.fake.executions.map((e) => e.metadata.name as string);
    let lists = 0;
    opened.fake.onRequest = (method) => {
      if (method !== 'ListAgentExecutions' || (lists += 1) !== 2) return;
      const newest = Date.parse(String(opened.fake.executions[0]?.metadata.createdAt)) || Date.parse('2026-08-01T12:00:00Z');
      for (let k = 0; k < arrivals; k += 1) {
        const burst = makeExecution(0, newest + 60_000 * (k + 1));
        burst.id = `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
        burst.metadata.name = `burst-${k}`;
        opened.fake.executions.unshift(burst);
      }
    };
    const args = { maxItems, pageSize };
    const first = await opened.harness.call('list_agent_executions', args);
    expect(first.isError, first.text).toBeUndefined();
    const names = (first.structured?.agentExecutions as Array<{ name: string }>).map((e) => e.name);
    const all = [...names, ...(await rest(opened, args, first.structured?.nextToken as string))];
    expect(new Set(all).size, all.join(' ')).toBe(all.length);
    expect(all.filter((name) => !name.startsWith('burst-'))).toEqual(before);
  });
});
