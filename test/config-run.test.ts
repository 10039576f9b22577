import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnaBackend } from '../src/backends/ona/client.js';
import { makeExecutions, startOnaFake, type OnaFake } from './fakes/ona.js';
import { testConfig } from './helpers/config.js';
import { connect } from './helpers/harness.js';

/** Settings as they are read, seen through a real MCP client calling the loopback fakes. */

const API_KEY = 'ona_pat_CONFIG_7a1b2c3d4e5f6071';
let fake: OnaFake;
/** In front of the fake, a router as strict as the real API's: only /api/gitpod.v1.AgentService/<Method>, 404 elsewhere. */
let router: Server;
let routerUrl: string;
const paths: string[] = [];

beforeAll(async () => {
  fake = await startOnaFake({ apiKey: API_KEY, executions: makeExecutions(3) });
  const target = new URL(fake.baseUrl);
  router = createServer((req, res) => {
    paths.push(req.url ?? '');
    if (!/^\/api\/gitpod\.v1\.AgentService\/\w+$/.test(req.url ?? '')) return void res.writeHead(404).end('404 page not found');
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => router.listen(0, '127.0.0.1', resolve));
  routerUrl = `http://127.0.0.1:${(router.address() as AddressInfo).port}/api`;
});
afterAll(async () => {
  router.closeAllConnections();
  await new Promise<void>((resolve) => router.close(() => resolve()));
  await fake.close();
});

describe('ONA_BASE_URL', () => {
  // A value pasted with a trailing space was accepted, and every call went to "/api%20/..." (404).
  it.each([
    ['a trailing space', (url: string) => `${url} `],
    ['a trailing slash and space', (url: string) => `${url}/ `],
    ['a leading space and a line break', (url: string) => ` ${url}\n`],
  ])('with %s reaches the API', async (_label, padded) => {
    paths.length = 0;
    const config = testConfig(['--toolsets', 'ona'], { ONA_API_KEY: API_KEY, GITPOD_BASE_URL: padded(routerUrl) });
    const harness = await connect(config, { ona: async () => createOnaBackend(config, { timeoutMs: 5000, minRetryDelayMs: 5, maxRetryDelayMs: 50 }) });
    try {
      const r = await harness.call('list_agent_executions', {});
      expect(r.isError, r.text).toBeUndefined();
      expect((r.structured?.agentExecutions as unknown[]).length).toBe(3);
      expect(paths).toEqual(['/api/gitpod.v1.AgentService/ListAgentExecutions']);
    } finally {
      await harness.close();
    }
  });
});
