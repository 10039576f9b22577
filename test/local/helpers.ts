import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll } from 'vitest';
import { startLocalEngine, type LocalEngineHandle, type LocalEngineOptions } from '../../src/local/index.js';
import { setQuiet } from '../../src/log.js';
import { StateNameIndex } from '../../src/tools/sfn/state-names.js';
import { testConfig } from '../helpers/config.js';
import { connect, type Harness, type ToolCallResult } from '../helpers/harness.js';

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
  // A new connection a request: a kept-alive one the engine closes as idle can be reset under a
  // request reusing it, and with one attempt nothing would retry it (a flaky test on a busy machine).
  const http = new SFNClient({ region: REGION, endpoint: engine.url, credentials, maxAttempts: 1, requestHandler: { httpAgent: { keepAlive: false } } });
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

/**
 * A test file's engine over `machines`, writes on, served over HTTP, with one execution of `machine`
 * named `name` run to its end before the tests; the function returned gives both, once started.
 */
export function useEngineWithOneRun(machines: Record<string, unknown>, machine: string, name: string): () => { t: TestEngine; executionArn: string } {
  let started: { t: TestEngine; executionArn: string } | undefined;
  let fixture: ReturnType<typeof fixtureDir> | undefined;
  beforeAll(async () => {
    fixture = fixtureDir(machines);
    const t = await startTestEngine(fixture.dir, ['--allow-writes']);
    const executionArn = (await t.http.send(new StartExecutionCommand({ stateMachineArn: smArn(machine), name }))).executionArn ?? '';
    await waitForStatus(t.http, executionArn);
    started = { t, executionArn };
  });
  afterAll(async () => {
    await started?.t.close();
    fixture?.remove();
  });
  return () => {
    if (!started) throw new Error('the local engine is not started yet');
    return started;
  };
}

/**
 * A test file's engine over `machines` (and handlers), started before its tests and closed after.
 * `run` starts an execution, waits for it to end and returns its description and whole history.
 */
export function useLocalMachines(machines: Record<string, unknown>, handlersSource?: string) {
  let t: TestEngine | undefined;
  let fixture: ReturnType<typeof fixtureDir> | undefined;
  beforeAll(async () => {
    fixture = fixtureDir(machines, handlersSource);
    t = await startTestEngine(fixture.dir, ['--local-time-scale', '0.001']);
  });
  afterAll(async () => {
    await t?.close();
    fixture?.remove();
  });
  const client = (): SFNClient => {
    if (!t) throw new Error('the local engine is not started yet');
    return t.inProcess;
  };
  async function run(machine: string, input: unknown = {}) {
    const { executionArn = '' } = await client().send(new StartExecutionCommand({ stateMachineArn: smArn(machine), input: JSON.stringify(input) }));
    const description = await waitForStatus(client(), executionArn);
    const events = await fullHistory(client(), executionArn);
    return { description, events, arn: executionArn };
  }
  return { client, run };
}

/**
 * A test file's engine over `machines` (and handlers), seen through the MCP tools as an agent sees
 * it: a real MCP client in memory, the server's Step Functions tools, the engine behind them.
 * `run` starts an execution with start_execution and polls describe_execution until it ends.
 */
/** `files`: other files written beside the definitions before the engine starts (name → content). */
export function useLocalTools(machines: Record<string, unknown>, handlersSource?: string, files: Record<string, string> = {}) {
  let engine: LocalEngineHandle | undefined;
  let h: Harness | undefined;
  let fixture: ReturnType<typeof fixtureDir> | undefined;
  beforeAll(async () => {
    setQuiet(true);
    fixture = fixtureDir(machines, handlersSource);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(fixture.dir, name), content);
    const config = testConfig(['--local', fixture.dir, '--allow-writes', '--local-time-scale', '0.001']);
    engine = await startLocalEngine(config);
    h = await connect(config, { sfn: engine.sfnBackend });
  });
  afterAll(async () => {
    await h?.close();
    await engine?.close();
    fixture?.remove();
  });
  const call = (name: string, args: Record<string, unknown> = {}): Promise<ToolCallResult> => {
    if (!h) throw new Error('the MCP client is not connected yet');
    return h.call(name, args);
  };
  async function run(machine: string, input: unknown = {}) {
    const started = await call('start_execution', { stateMachineArn: smArn(machine), input: JSON.stringify(input) });
    if (started.isError) throw new Error(started.text);
    const executionArn = String(started.structured?.executionArn);
    for (let i = 0; i < 1000; i += 1) {
      const described = await call('describe_execution', { executionArn });
      if (described.structured?.status !== 'RUNNING') return { executionArn, described };
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${machine} is still running`);
  }
  return { call, run };
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

/**
 * What every local history must satisfy, as a list of problems (empty when well formed): ids 1..n,
 * previousEventId pointing back, timestamps never going back, and every event but Execution* named by
 * the MCP's StateNameIndex, container events after a state of their own type.
 */
export function historyProblems(events: HistoryEvent[]): string[] {
  const problems: string[] = [];
  const index = new StateNameIndex();
  index.observe(events);
  const typeOf = new Map<string, string>();
  for (const e of events) {
    const m = /^(\w+?)StateEntered$/.exec(e.type ?? '');
    const name = detailsOf(e).name;
    if (m?.[1] && typeof name === 'string') typeOf.set(name, m[1]);
  }
  let lastTs = 0;
  events.forEach((e, i) => {
    const at = `#${e.id} ${e.type}`;
    if (e.id !== i + 1) problems.push(`${at}: id should be ${i + 1}`);
    if ((e.previousEventId ?? 0) >= (e.id ?? 0)) problems.push(`${at}: previousEventId ${e.previousEventId} does not point back`);
    const ts = e.timestamp?.getTime() ?? 0;
    if (ts < lastTs) problems.push(`${at}: timestamp goes back`);
    lastTs = ts;
    if ((e.type ?? '').startsWith('Execution')) return;
    const name = index.nameOf(e);
    if (!name) problems.push(`${at}: no state name`);
    const container = /^(Map|Parallel)State(Started|Succeeded|Failed|Aborted)$/.exec(e.type ?? '');
    if (container && name && typeOf.get(name) !== container[1]) problems.push(`${at}: named after ${typeOf.get(name)} state '${name}'`);
  });
  return problems;
}

/**
 * Index of the Map iteration (of `mapName`) an event runs in: walks previousEventId back to its
 * MapIterationStarted; undefined for events after the Map (their walk meets an iteration's end first).
 */
export function iterationOf(events: HistoryEvent[], e: HistoryEvent, mapName: string): number | undefined {
  const byId = new Map(events.map((x) => [x.id, x]));
  for (let cur: HistoryEvent | undefined = e; cur; cur = byId.get(cur.previousEventId)) {
    const d = detailsOf(cur);
    if (cur.type?.startsWith('MapIteration') && d.name === mapName) return cur.type === 'MapIterationStarted' ? (d.index as number) : undefined;
  }
  return undefined;
}

/** `type:name` of each event inside iteration `index` of `mapName` (MapIteration* of that Map excluded), sorted. */
export function iterationEvents(events: HistoryEvent[], mapName: string, index: number, names: (e: HistoryEvent) => string | undefined): string[] {
  return events
    .filter((e) => !(e.type?.startsWith('MapIteration') && detailsOf(e).name === mapName))
    .filter((e) => !((e.type ?? '').startsWith('Map') && names(e) === mapName) && !(e.type ?? '').startsWith('Execution'))
    .filter((e) => iterationOf(events, e, mapName) === index)
    .map((e) => `${e.type}:${names(e) ?? '?'}`)
    .sort();
}

export function stateNames(events: HistoryEvent[]): (e: HistoryEvent) => string | undefined {
  const index = new StateNameIndex();
  index.observe(events);
  return (e) => index.nameOf(e);
}
