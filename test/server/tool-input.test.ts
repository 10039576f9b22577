import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onaEnv, type OnaEnv } from '../ona/env.js';

/**
 * A misspelt argument is refused with the keys its object takes, nested ones included: the model
 * corrects it in one go rather than guessing from the inputSchema.
 */

let env: OnaEnv;

beforeAll(async () => {
  env = await onaEnv({ count: 1, writes: true });
});

afterAll(async () => {
  await env.close();
});

describe('a misspelt nested argument key', () => {
  it('is refused naming its path and the keys that object takes; nothing starts', async () => {
    const before = env.fake.requests.length;
    const inner = await env.harness.call('start_agent_execution', { codeContext: { contextUrl: { url: 'https://github.com/acme/app', environmentClassID: 'cls-1' } } });
    expect(inner.isError).toBe(true);
    expect(inner.text).toMatch(/Unrecognized key.*environmentClassID/);
    expect(inner.text).toMatch(/Nothing was done\. Next: correct the arguments and call again; codeContext\.contextUrl takes url, environmentClassId\.$/);
    const outer = await env.harness.call('start_agent_execution', { codeContext: { projectID: 'prj-1' } });
    expect(outer.isError).toBe(true);
    expect(outer.text).toMatch(/Nothing was done\. Next: correct the arguments and call again; codeContext takes contextUrl, environmentId, projectId\.$/);
    expect(env.fake.requests.length).toBe(before);
  });

  it('beside a misspelt top-level key, names both objects', async () => {
    const r = await env.harness.call('start_agent_execution', { codeContext: { projectID: 'prj-1' }, Name: 'x' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/Next: correct the arguments and call again; this tool takes agentId, codeContext, name, .*; codeContext takes contextUrl, environmentId, projectId\.$/);
  });
});
