import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import { startLocalEngine, type LocalEngineHandle, type LocalEngineOptions } from '../../src/local/index.js';
import { setQuiet } from '../../src/log.js';
import { testConfig } from '../helpers/config.js';

export const REGION = 'us-east-1';
export const smArn = (name: string) => `arn:aws:states:${REGION}:123456789012:stateMachine:${name}`;

/** A temp definitions directory: `{ name: definition }` → `<name>.asl.json`, plus an optional handlers.mjs source. */
export function fixtureDir(machines: Record<string, unknown>, handlersSource?: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'local-engine-'));
  for (const [name, def] of Object.entries(machines)) writeFileSync(join(dir, `${name}.asl.json`), JSON.stringify(def, null, 2));
  if (handlersSource !== undefined) writeFileSync(join(dir, 'handlers.mjs'), handlersSource);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestEngine {
  engine: LocalEngineHandle;
  /** Real SFNClient over HTTP on 127.0.0.1 (`--local-port 0`). */
  http: SFNClient;
  /** Real SFNClient on the socket-free request handler. */
  inProcess: SFNClient;
  close(): Promise<void>;
}

export async function startTestEngine(dir: string, flags: string[] = [], options: LocalEngineOptions = {}): Promise<TestEngine> {
  setQuiet(true);
  const config = testConfig(['--local', dir, '--local-port', '0', ...flags]);
  const engine = await startLocalEngine(config, options);
  const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
  if (!engine.url?.startsWith('http://127.0.0.1:')) throw new Error(`unexpected engine url ${engine.url}`);
  const http = new SFNClient({ region: REGION, endpoint: engine.url, credentials, maxAttempts: 1 });
  const inProcess = new SFNClient({ region: REGION, endpoint: 'http://127.0.0.1', credentials, maxAttempts: 1, requestHandler: engine.requestHandler });
  return {
    engine,
    http,
    inProcess,
    async close() {
      http.destroy();
      inProcess.destroy();
      await engine.close();
    },
  };
}

export async function waitForStatus(client: SFNClient, executionArn: string, done = (s: string) => s !== 'RUNNING', timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (done(d.status ?? '')) return d;
    if (Date.now() > until) throw new Error(`execution still ${d.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function fullHistory(client: SFNClient, executionArn: string, extra: { reverseOrder?: boolean; includeExecutionData?: boolean; maxResults?: number } = {}) {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, ...extra, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** `[type, previousEventId]` pairs: the shape a history test compares. */
export const shape = (events: HistoryEvent[]) => events.map((e) => [e.id, e.type, e.previousEventId]);

export function detailsOf(e: HistoryEvent | undefined): Record<string, unknown> {
  if (!e) return {};
  for (const [k, v] of Object.entries(e)) if (k.endsWith('EventDetails') && v) return v as Record<string, unknown>;
  return {};
}
