import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecution, makeExecutions, type RawExecution } from '../fakes/ona.js';
import { onaEnv, type OnaEnv } from './env.js';

/**
 * A fact a list item carries sits at the same path, with the same value, in get_agent_execution.
 * The list named the creator creatorId (the detail: creator.id, creator.principal) and flattened
 * the code context to projectId/environmentId (the detail: codeContext.projectId, codeContext.environmentId,
 * usedEnvironments), so an agent reading both met two shapes for one fact.
 */

type Json = Record<string, unknown>;

/** An execution started in an existing environment: no project. */
function inEnvironment(): RawExecution {
  const e = makeExecution(1);
  e.id = 'ae-env';
  e.spec.codeContext = { environmentId: 'env-given' };
  return e;
}

/** An execution started from a repository URL: neither project nor environment in its code context. */
function fromUrl(): RawExecution {
  const e = makeExecution(2);
  e.id = 'ae-url';
  e.spec.codeContext = { contextUrl: { url: 'https://github.com/acme/payments-service' } };
  e.status.usedEnvironments = [{ environmentId: 'env-made', createdByAgent: true }, { environmentId: 'env-later' }];
  // A subject without an id still says what kind of principal started it.
  e.metadata.creator = { principal: 'PRINCIPAL_RUNNER' };
  return e;
}

/** Every leaf of a value with its path (array entries by index). */
function leaves(value: unknown, path: string[] = []): Array<[string[], unknown]> {
  if (value === null || typeof value !== 'object') return [[path, value]];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
}

function at(value: unknown, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Json)[k] : undefined), value);
}

describe('list_agent_executions items and get_agent_execution name a fact alike', () => {
  let env: OnaEnv;

  beforeAll(async () => {
    env = await onaEnv({ executions: [inEnvironment(), fromUrl(), ...makeExecutions(8)] });
  });
  afterAll(async () => {
    await env.close();
  });

  it('every field of a list item is the detail field at the same path', async () => {
    const listed = await env.harness.call('list_agent_executions', {});
    const items = listed.structured?.agentExecutions as Json[];
    expect(items).toHaveLength(10);
    for (const item of items) {
      const detail = (await env.harness.call('get_agent_execution', { agentExecutionId: item.id })).structured;
      for (const [path, value] of leaves(item)) expect({ path, value: at(detail, path) }).toEqual({ path, value });
    }
  });

  it('carries the creator as a Subject and the code context nested, as Ona and the detail do', async () => {
    const res = await env.harness.call('list_agent_executions', {});
    const items = res.structured?.agentExecutions as Json[];
    expect(res.text).toMatch(/^ae-url .* {2}env=env-made(  |$)/m);
    const byId = new Map(items.map((i) => [i.id, i]));
    expect(byId.get('ae-env')).toMatchObject({ creator: { id: expect.any(String), principal: 'PRINCIPAL_USER' }, codeContext: { environmentId: 'env-given' } });
    expect(byId.get('ae-url')).toMatchObject({ creator: { principal: 'PRINCIPAL_RUNNER' }, usedEnvironments: [{ environmentId: 'env-made', createdByAgent: true }] });
    expect(byId.get('ae-url')).not.toHaveProperty('codeContext');
    for (const item of items) for (const flat of ['creatorId', 'projectId', 'environmentId']) expect(item).not.toHaveProperty(flat);
  });

  it('a creator id read from a detail filters the list, and the creator is then left out whole', async () => {
    const detail = (await env.harness.call('get_agent_execution', { agentExecutionId: 'ae-env' })).structured as { creator: { id: string } };
    const res = await env.harness.call('list_agent_executions', { creatorIds: [detail.creator.id] });
    const items = res.structured?.agentExecutions as Json[];
    expect(items.map((i) => i.id)).toContain('ae-env');
    for (const item of items) expect(item).not.toHaveProperty('creator');
    expect(res.text).not.toContain('creator=');
  });
});
