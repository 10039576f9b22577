import type { Client } from '@modelcontextprotocol/client';
import type { Backends } from '../../src/backends/index.js';
import type { ConnectionGate } from '../../src/backends/connection-gate.js';
import { createSfnBackend } from '../../src/backends/sfn/client.js';
import type { Config } from '../../src/config.js';
import type { CursorCodec } from '../../src/paging/token.js';
import { setQuiet } from '../../src/log.js';
import type { WriteRateLimiter } from '../../src/server/rate-limit.js';
import { FakeSfn, startFakeSfn } from '../fakes/sfn.js';
import { testConfig } from '../helpers/config.js';
import { connect, type ToolCallResult } from '../helpers/harness.js';

// The real SFNClient resolves credentials from the environment: give it static ones so the default
// chain never reads profiles or probes instance metadata (tests touch only 127.0.0.1).
process.env.AWS_ACCESS_KEY_ID = 'AKIDTEST';
process.env.AWS_SECRET_ACCESS_KEY = 'test-secret';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;
// Tool errors are logged at info level; tests assert on the results instead.
setQuiet(true);

export interface SfnEnv {
  fake: FakeSfn;
  config: Config;
  client: Client;
  backends: Backends;
  call(name: string, args?: Record<string, unknown>, options?: { signal?: AbortSignal; onprogress?: (p: unknown) => void }): Promise<ToolCallResult>;
  close(): Promise<void>;
}

export interface SfnEnvOptions {
  argv?: string[];
  env?: Record<string, string>;
  /** SDK attempts per call; 1 unless the test is about retries. */
  maxAttempts?: number;
  cursors?: CursorCodec;
  writeLimiter?: WriteRateLimiter;
  /** Where requests wait for a free connection (its size is the number of connections). */
  connections?: ConnectionGate;
  /** Reuse a running fake (it is then not closed by close()). */
  fake?: FakeSfn;
}

/**
 * A real MCP client in memory → createServer → the real SFNClient → the loopback fake.
 * Same wiring as test/helpers/harness.ts, plus the fake and the injectable cursor codec / limiter.
 */
export async function startSfnEnv(opts: SfnEnvOptions = {}): Promise<SfnEnv> {
  const fake = opts.fake ?? (await startFakeSfn());
  const config = testConfig(opts.argv ?? [], { AWS_ENDPOINT_URL_SFN: fake.url, ...opts.env });
  const harness = await connect(
    config,
    { sfn: () => createSfnBackend(config, { maxAttempts: opts.maxAttempts ?? 1, connections: opts.connections }) },
    { cursors: opts.cursors, writeLimiter: opts.writeLimiter },
  );
  return {
    fake,
    config,
    client: harness.client,
    backends: harness.backends,
    call: harness.call,
    async close() {
      await harness.close();
      if (!opts.fake) await fake.close();
    },
  };
}

/** Every key/value in a structured result, recursively (for "no nulls, no empty fields" checks). */
export function walk(value: unknown, visit: (key: string, v: unknown) => void, key = ''): void {
  visit(key, value);
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, visit, `${key}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, visit, k);
}

/** Asserts the output contract's shape rules: no null, no empty string/array/object anywhere. */
export function emptyFields(structured: unknown): string[] {
  const bad: string[] = [];
  walk(structured, (key, v) => {
    if (v === null || v === '' || (Array.isArray(v) && v.length === 0 && key !== 'executions' && key !== 'events' && key !== 'stateMachines')) bad.push(key);
    else if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) bad.push(key);
  });
  return bad;
}

export const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Size of an answer as a client sees it: structured JSON plus the text block. */
export function answerSize(r: ToolCallResult): number {
  return JSON.stringify(r.structured ?? {}).length + r.text.length;
}
