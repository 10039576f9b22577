import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeExecutions, startOnaFake, type OnaFake } from '../fakes/ona.js';
import { CLI, type CallResult } from './cli.js';

/** The built CLI over stdio against the Ona fake: the bundle's lazily loaded Ona client and undici. */

const API_KEY = 'ona_pat_E2E_0c1d2e3f40516273';
let fake: OnaFake;

beforeAll(async () => {
  fake = await startOnaFake({ apiKey: API_KEY, executions: makeExecutions(7) });
});

afterAll(async () => {
  await fake.close();
});

describe('ona over stdio', () => {
  it('lists and reads agent executions, and keeps the API key out of answers and logs', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ONA_API_KEY: API_KEY, ONA_BASE_URL: fake.baseUrl };
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, '--toolsets', 'ona'], env, stderr: 'pipe' });
    let err = '';
    transport.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const client = new Client({ name: 'e2e-ona', version: '0' });
    await client.connect(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['list_agent_executions', 'get_agent_execution']);

    const listed = (await client.callTool({ name: 'list_agent_executions', arguments: { maxItems: 5 } })) as CallResult;
    expect(listed.isError).toBeUndefined();
    const items = listed.structuredContent?.agentExecutions as Array<{ id: string }>;
    expect(items.map((i) => i.id)).toEqual(fake.executions.slice(0, 5).map((e) => e.id));
    expect(typeof listed.structuredContent?.nextToken).toBe('string');

    const first = items[0]?.id ?? '';
    const got = (await client.callTool({ name: 'get_agent_execution', arguments: { agentExecutionId: first } })) as CallResult;
    expect(got.isError).toBeUndefined();
    expect(JSON.stringify(got.structuredContent)).toContain(first);
    await client.close();

    expect(fake.requests.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify([listed, got])).not.toContain(API_KEY);
    expect(err).not.toContain(API_KEY);
  });
});
