import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecution, type RawExecution } from '../fakes/ona.js';
import { expectListsAgree } from './agreement.js';
import { onaEnv, type OnaEnv } from './env.js';

/**
 * get_agent_execution at the smallest response budget, for an execution whose every field is long
 * (the QA case): what the text shows and what structuredContent holds agree. The budget's last
 * resort left 3 of the 13 MCP integrations (and the pull request) out of structuredContent only: the
 * text kept 13 lines and "the first 13 of 100 are shown", naming no field and no next step. The line
 * of agent, creator, session and code context was cut after the agent, its creator an empty fence.
 */

const fill = (n: number, units = ['失敗', '😀', 'x', '"', '\n', '\\']): string => units.join('').repeat(Math.ceil(n / units.join('').length)).slice(0, n);

function everything(): RawExecution {
  const e = makeExecution(1);
  e.id = 'everything';
  Object.assign(e.metadata, {
    name: fill(100_000, ['名']),
    description: fill(200_000),
    annotations: Object.fromEntries(Array.from({ length: 200 }, (_, k) => [`k${k}${'K'.repeat(1000)}`, fill(1000)])),
    creator: { id: fill(10_000, ['c']), principal: 'PRINCIPAL_USER' },
    sessionId: fill(5000, ['s']),
    workflowActionId: fill(10_000, ['w']),
  });
  Object.assign(e.spec, {
    agentId: fill(10_000, ['a']),
    session: fill(5000, ['s']),
    codeContext: {
      contextUrl: { url: `https://github.com/${fill(30_000, ['u'])}`, environmentClassId: fill(5000, ['e']) },
      environmentId: fill(5000, ['e']),
      projectId: fill(5000, ['p']),
      pullRequest: { url: `https://github.com/x/pull/${fill(5000, ['9'])}`, title: fill(20_000) },
    },
  });
  Object.assign(e.status, {
    phase: 'PHASE_STOPPED',
    failureMessage: fill(100_000),
    outputs: { a: { stringValue: fill(100_000) } },
    mcpIntegrationStatuses: Array.from({ length: 100 }, (_, k) => ({ id: `m${k}`, name: fill(2000), phase: 'MCP_INTEGRATION_PHASE_FAILED', failureMessage: fill(2000) })),
    usedEnvironments: Array.from({ length: 100 }, () => ({ environmentId: fill(2000, ['e']) })),
    conversationUrl: `https://app.gitpod.io/ai/${fill(50_000, ['z'])}`,
  });
  return e;
}

/** Environments with long ids that are shown bare (identifier-like): one line of them all was cut after the first few. */
function manyEnvironments(): RawExecution {
  const e = makeExecution(2);
  e.id = 'environments';
  e.status.usedEnvironments = Array.from({ length: 300 }, (_, k) => ({ environmentId: `env-${k}-${'e'.repeat(500)}`, createdByAgent: true }));
  return e;
}

describe('get_agent_execution within the smallest budget: text and structuredContent agree', () => {
  let env: OnaEnv;
  beforeAll(async () => {
    env = await onaEnv({ executions: [everything(), manyEnvironments()], argv: ['--response-budget-chars', '16000'] });
  });
  afterAll(async () => {
    await env.close();
  });

  it('the lists hold as many entries as fit, a line for each in the text, and a note names each list cut, its count and the next step', async () => {
    const r = await env.harness.call('get_agent_execution', { agentExecutionId: 'everything' });
    expect(r.isError).toBeUndefined();
    expectListsAgree(r);
    const d = r.structured as { mcpIntegrations: unknown[]; usedEnvironments: unknown[]; listed: Record<string, number>; codeContext: Record<string, unknown> };
    expect(d.listed).toEqual({ annotations: 200, mcpIntegrations: 100, usedEnvironments: 100 });
    // Fewer than the 13 a budget of 16,000 lists at most: those did not fit.
    expect(d.mcpIntegrations.length).toBeGreaterThan(0);
    expect(d.mcpIntegrations.length).toBeLessThan(13);
    expect(r.text).toContain(
      `Note: mcpIntegrations lists the first ${d.mcpIntegrations.length} of 100 entries (failing ones first), as many as the response budget leaves room for: a server with a larger --response-budget-chars shows up to 50.`,
    );
    expect(r.text).toContain(`Note: usedEnvironments lists the first ${d.usedEnvironments.length} of 100 entries, as many as`);
    // Nothing else left out either: the code context is whole.
    expect(Object.keys(d.codeContext)).toEqual(['contextUrl', 'environmentId', 'projectId', 'pullRequest']);
  });

  it('each used environment is a line of its own, so a cut of one keeps the others, as structuredContent does', async () => {
    const r = await env.harness.call('get_agent_execution', { agentExecutionId: 'environments' });
    expectListsAgree(r);
    const d = r.structured as { usedEnvironments: unknown[] };
    expect(d.usedEnvironments).toHaveLength(13);
    const lines = r.text.split('\n').filter((l) => l.startsWith('used environment'));
    expect(lines.map((l) => /^used environment, created by the agent: env-(\d+)-e+/.exec(l)?.[1])).toEqual(Array.from({ length: 13 }, (_, k) => String(k)));
  });

  it('the line of agent, creator, session and code context shows each field structuredContent holds, none of them empty', async () => {
    const r = await env.harness.call('get_agent_execution', { agentExecutionId: 'everything' });
    expect(r.isError).toBeUndefined();
    expect(r.structured).toMatchObject({ creator: { id: expect.any(String) }, sessionId: expect.any(String), workflowActionId: expect.any(String), codeContext: { projectId: expect.any(String) } });
    expect(r.text).not.toMatch(/<untrusted-data-(\w+)><\/untrusted-data-\1>/);
    const line = r.text.split('\n').find((l) => l.startsWith('agent')) ?? '';
    expect(line).not.toContain('[line cut');
    const labels = [...line.matchAll(/(?:^| {2})(\w+) \(\d+ chars, first [1-9]\d* shown\): /g)].map((m) => m[1]);
    expect(labels).toEqual(['agent', 'creator', 'session', 'workflowAction', 'project', 'env', 'context', 'pr']);
  });
});
