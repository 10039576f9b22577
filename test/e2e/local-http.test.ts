import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.js';
import { brokenLocalDir, httpClient, startHttpCli, type CallResult } from './cli.js';

/** The built CLI in local mode over HTTP, with a handlers.mjs that fails as soon as it loads. */

let broken: string;

beforeAll(() => {
  broken = brokenLocalDir();
});

afterAll(() => {
  rmSync(broken, { recursive: true, force: true });
});

const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

describe('local mode over HTTP: a handlers.mjs that fails before any client has connected', () => {
  it('a client that connects then is initialized and told why by a Step Functions call; then the server exits 2', async () => {
    const cli = await startHttpCli(['--local', broken], env);
    try {
      await until(() => cli.stderr().includes('local engine:'), 'the engine failure on stderr');
      const client = await httpClient(cli.url);
      const r = (await client.callTool({ name: 'list_state_machines', arguments: {} })) as CallResult;
      expect(r.isError).toBe(true);
      expect(r.content?.[0]?.text).toContain(`failed to start (${join(broken, 'handlers.mjs')} cannot be loaded: Error: handler load boom); the server is stopping`);
      await client.close();
      // A hang detector, not a speed check: the server stops once the call has been answered.
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([cli.exited, new Promise((resolve) => (timer = setTimeout(() => resolve('still running'), 8000)))]);
      clearTimeout(timer);
      expect(outcome).toEqual({ code: 2, signal: null });
    } finally {
      await cli.stop();
    }
  });
});
