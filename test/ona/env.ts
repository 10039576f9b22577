import { createOnaBackend, type OnaBackendOptions } from '../../src/backends/ona/client.js';
import type { Config } from '../../src/config.js';
import { makeExecutions, startOnaFake, type OnaFake, type RawExecution } from '../fakes/ona.js';
import { testConfig } from '../helpers/config.js';
import { connect, type Harness } from '../helpers/harness.js';

export const API_KEY = 'ona_pat_TEST_5f2c9d81e6a04b7d';

export interface OnaEnv {
  fake: OnaFake;
  harness: Harness;
  config: Config;
  close(): Promise<void>;
}

/** The fake AgentService plus a real MCP client whose server reaches it through the real undici client. */
export async function onaEnv(
  opts: { executions?: RawExecution[]; count?: number; writes?: boolean; backend?: OnaBackendOptions; argv?: string[]; env?: Record<string, string> } = {},
): Promise<OnaEnv> {
  const fake = await startOnaFake({ apiKey: API_KEY, executions: opts.executions ?? makeExecutions(opts.count ?? 30) });
  const argv = ['--toolsets', 'ona', ...(opts.writes ? ['--allow-writes'] : []), ...(opts.argv ?? [])];
  const config = testConfig(argv, { ONA_API_KEY: API_KEY, ONA_BASE_URL: fake.baseUrl, ...opts.env });
  // Short back-off so retry tests take milliseconds; the production defaults are 500 ms .. 8 s.
  const backend: OnaBackendOptions = { minRetryDelayMs: 5, maxRetryDelayMs: 50, timeoutMs: 5000, ...opts.backend };
  const harness = await connect(config, { ona: async () => createOnaBackend(config, backend) });
  return {
    fake,
    harness,
    config,
    async close() {
      await harness.close();
      await fake.close();
    },
  };
}
