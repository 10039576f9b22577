/**
 * npm run bench: prints the foundation's figures side by side. A script, not a test: nothing
 * here asserts a timing. Everything runs on 127.0.0.1 against the loopback fake of Step Functions,
 * which runs in a process of its own (bench/fake-process.ts) as a real endpoint would.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DescribeExecutionCommand, SFNClient, paginateListExecutions } from '@aws-sdk/client-sfn';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { createBackends } from '../src/backends/index.js';
import { createSfnBackend } from '../src/backends/sfn/client.js';
import { loadConfig, type Config } from '../src/config.js';
import { setQuiet } from '../src/log.js';
import { createServer } from '../src/server/create-server.js';
import type { ToolContext } from '../src/server/define-tool.js';
import { UntrustedFence } from '../src/server/render.js';
import { CursorCodec } from '../src/paging/token.js';
import { collect } from '../src/paging/engine.js';
import { describeExecution } from '../src/tools/sfn/describe-execution.js';
import { executionArn } from '../test/fakes/sfn.js';
import { createBareServer } from './bare-server.js';
import { startRemoteFake, type RemoteFake } from './fake-process.js';
import { benchOnaBytes } from './ona.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = `${ROOT}dist/cli.js`;
// Bundled like dist/cli.js (see the bench script), so that (2)'s floor is built the same way as ours.
const BARE_SERVER = fileURLToPath(new URL('../bare-server.bundle.js', import.meta.url));
const CREDS = { AWS_ACCESS_KEY_ID: 'AKIDBENCH', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1' };
const MACHINE = 'OrderFulfillmentWorkflow-Production';

setQuiet(true);
Object.assign(process.env, CREDS, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_EC2_METADATA_DISABLED: 'true' });

interface Stats {
  median: number;
  p90: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)] ?? 0, p90: s[Math.floor(s.length * 0.9)] ?? 0 };
}

async function time(runs: number, warmup: number, fn: () => Promise<unknown>): Promise<Stats> {
  for (let i = 0; i < warmup; i += 1) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

/**
 * Times several ways of doing the same thing in alternating blocks, after warming each up, so a
 * noisy neighbour or a CPU-frequency change lands on all of them alike instead of on whichever
 * happened to run at that moment. Returns per-call statistics per way.
 */
async function interleaved<K extends string>(rounds: number, perRound: number, warmup: number, ways: Record<K, () => Promise<unknown>>): Promise<Record<K, Stats>> {
  const names = Object.keys(ways) as K[];
  const samples = {} as Record<K, number[]>;
  for (const name of names) {
    samples[name] = [];
    for (let i = 0; i < warmup; i += 1) await ways[name]();
  }
  for (let r = 0; r < rounds; r += 1) {
    for (const name of names) {
      for (let i = 0; i < perRound; i += 1) {
        const t0 = performance.now();
        await ways[name]();
        samples[name].push(performance.now() - t0);
      }
    }
  }
  const out = {} as Record<K, Stats>;
  for (const name of names) out[name] = stats(samples[name]);
  return out;
}

const ms = (v: number) => `${v.toFixed(3)} ms`;
const row = (label: string, value: string, note = '') => console.log(`  ${label.padEnd(52)} ${value.padStart(14)}  ${note}`);

function configFor(fake: RemoteFake, extraEnv: Record<string, string> = {}): Config {
  const request = loadConfig([], { ...CREDS, AWS_ENDPOINT_URL_SFN: fake.url, ...extraEnv });
  if (request.kind !== 'run') throw new Error('bench config');
  return request.config;
}

async function inMemoryClient(config: Config): Promise<{ client: Client; close(): Promise<void> }> {
  const backends = createBackends(config, { sfn: () => createSfnBackend(config, { maxAttempts: 1 }) });
  const server = createServer({ config, backends });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(b);
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(a);
  return { client, close: async () => { await client.close(); await backends.close(); } };
}

/** The SDK floor (bench/bare-server.ts) in memory, over its own SFNClient. */
async function bareInMemoryClient(endpoint: string): Promise<{ client: Client; close(): Promise<void> }> {
  const sdk = new SFNClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await createBareServer(async () => sdk).connect(b);
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(a);
  return { client, close: async () => { await client.close(); sdk.destroy(); } };
}

async function stdioClient(env: Record<string, string>, script = CLI): Promise<{ client: Client; pid: number; close(): Promise<void> }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [script],
    env: { ...getDefaultEnvironment(), ...CREDS, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', EXECUTIONS_MCP_LOG_LEVEL: 'error', ...env },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(transport);
  return { client, pid: transport.pid ?? 0, close: () => client.close() };
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function benchDescribe(fake: RemoteFake): Promise<void> {
  console.log('\n(1) describe_execution: one call, median of 2000 per way, timed in alternating blocks of 200 after 300 warm-ups (target ≤ 1.2x in memory, ≤ 1.5x stdio)');
  const arn = executionArn(MACHINE, 'run-000001');
  const sdk = new SFNClient({ region: 'us-east-1', endpoint: fake.url, maxAttempts: 1 });
  const describeDirect = () => sdk.send(new DescribeExecutionCommand({ executionArn: arn }));
  const config = configFor(fake);
  const backends = createBackends(config, { sfn: () => createSfnBackend(config, { maxAttempts: 1 }) });
  const ctx: ToolContext = {
    config,
    backends,
    signal: new AbortController().signal,
    deadlineAt: Number.MAX_SAFE_INTEGER,
    principal: undefined,
    cursors: new CursorCodec(undefined),
    fence: new UntrustedFence(),
    progress: async () => undefined,
    spendWrite: () => undefined,
    refundWrites: () => undefined,
    note: () => undefined,
  };
  const describe = { name: 'describe_execution', arguments: { executionArn: arn } };
  const mem = await inMemoryClient(config);
  const stdio = await stdioClient({ AWS_ENDPOINT_URL_SFN: fake.url });
  const bareMem = await bareInMemoryClient(fake.url);
  const bareStdio = await stdioClient({ AWS_ENDPOINT_URL_SFN: fake.url }, BARE_SERVER);
  const t = await interleaved(10, 200, 300, {
    direct: describeDirect,
    handlerOnly: () => describeExecution.handler({ executionArn: arn }, ctx),
    inMemory: () => mem.client.callTool(describe),
    bareInMemory: () => bareMem.client.callTool(describe),
    overStdio: () => stdio.client.callTool(describe),
    bareOverStdio: () => bareStdio.client.callTool(describe),
    memPing: () => mem.client.ping(),
    stdioPing: () => stdio.client.ping(),
  });
  const { direct, handlerOnly, inMemory, bareInMemory, overStdio, bareOverStdio, memPing, stdioPing } = t;
  await backends.close();
  await mem.close();
  await bareMem.close();
  await bareStdio.close();
  // Context, not a target: the same pair with the backend answering in 20 ms, as a nearby region does.
  await fake.setLatency(20);
  const slowDirect = await time(100, 5, describeDirect);
  const slowStdio = await time(100, 5, () => stdio.client.callTool(describe));
  await fake.setLatency(0);
  await stdio.close();
  sdk.destroy();
  const ratio = (s: Stats, base = direct) => `ratio ${(s.median / base.median).toFixed(2)}x`;
  row('SFNClient DescribeExecution (direct)', ms(direct.median), `p90 ${ms(direct.p90)}`);
  row('describe_execution handler alone (our code + SDK call)', ms(handlerOnly.median), `p90 ${ms(handlerOnly.p90)}  ${ratio(handlerOnly)}`);
  row('MCP client in memory → describe_execution', ms(inMemory.median), `p90 ${ms(inMemory.p90)}  ${ratio(inMemory)}`);
  row('  floor: bare SDK server in memory (bare-server.ts)', ms(bareInMemory.median), `p90 ${ms(bareInMemory.p90)}  ${ratio(bareInMemory)}`);
  row('MCP client over stdio → describe_execution', ms(overStdio.median), `p90 ${ms(overStdio.p90)}  ${ratio(overStdio)}`);
  row('  floor: bare SDK server over stdio', ms(bareOverStdio.median), `p90 ${ms(bareOverStdio.p90)}  ${ratio(bareOverStdio)}`);
  row('  of which: MCP ping round trip in memory', ms(memPing.median), 'the SDK protocol alone, no tool');
  row('  of which: MCP ping round trip over stdio', ms(stdioPing.median), 'pipe + JSON-RPC both ways, no tool');
  row('backend answering in 20 ms: direct', ms(slowDirect.median));
  row('backend answering in 20 ms: over stdio', ms(slowStdio.median), ratio(slowStdio, slowDirect));
}

/**
 * Spawns Node with `args` `runs` times: the time until the reply to `request`'s id 2 arrives on
 * stdout, or without a request until the process exits. The three timed in alternating order.
 */
async function spawnTimes(runs: number, args: string[], request: string | undefined): Promise<Stats> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', ...CREDS }, stdio: ['pipe', 'pipe', 'ignore'] });
    await new Promise<void>((resolve) => {
      if (!request) {
        child.on('exit', () => resolve());
        return;
      }
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('"id":2')) {
          child.kill();
          resolve();
        }
      });
      child.stdin.write(request);
    });
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

async function benchStartup(): Promise<void> {
  console.log('\n(2) start of the built CLI to the first tools/list reply, median of 21 (target ≤ 250 ms)');
  const request =
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"0"}}}\n' +
    '{"jsonrpc":"2.0","method":"notifications/initialized"}\n{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n';
  // Alternating, so that a slow spell of the machine lands on all three alike.
  const ours: number[] = [];
  const bare: number[] = [];
  const idle: number[] = [];
  for (let i = 0; i < 21; i += 1) {
    ours.push((await spawnTimes(1, [CLI], request)).median);
    bare.push((await spawnTimes(1, [BARE_SERVER], request)).median);
    idle.push((await spawnTimes(1, ['-e', ''], undefined)).median);
  }
  const s = stats(ours);
  row('spawn → tools/list reply', ms(s.median), `p90 ${ms(s.p90)}`);
  // For scale on a slow machine: the bare SDK server (bench/bare-server.ts), and Node doing nothing.
  row('  floor: bare SDK server, spawn → tools/list reply', ms(stats(bare).median), `p90 ${ms(stats(bare).p90)}`);
  row('  Node alone: spawn → exit (node -e "")', ms(stats(idle).median), `p90 ${ms(stats(idle).p90)}`);
  const local = await (async () => {
    const t: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      const t0 = performance.now();
      const c = await stdioClient({ EXECUTIONS_MCP_LOCAL: 'true' });
      await c.client.listTools();
      t.push(performance.now() - t0);
      await c.close();
    }
    return stats(t);
  })();
  row('spawn --local → tools/list reply (engine loaded)', ms(local.median), '(local mode loads the engine at start)');
}

async function benchBytes(fake: RemoteFake): Promise<void> {
  console.log('\n(3) bytes for 100 executions: list_executions vs raw ListExecutions JSON (target ≤ 35%)');
  const machine = await fake.addStateMachine(`${MACHINE}-Bytes`);
  for (let i = 0; i < 100; i += 1) {
    const start = 1_763_600_000 - i * 37.123;
    await fake.addExecution({
      stateMachineArn: machine,
      name: crypto.randomUUID(),
      status: i % 7 === 0 ? 'FAILED' : 'SUCCEEDED',
      startDate: start,
      stopDate: start + 4.56,
    });
  }
  const raw = await fetch(fake.url, {
    method: 'POST',
    headers: { 'x-amz-target': 'AWSStepFunctions.ListExecutions', 'content-type': 'application/x-amz-json-1.0' },
    body: JSON.stringify({ stateMachineArn: machine, maxResults: 100 }),
  }).then((r) => r.text());
  const mem = await inMemoryClient(configFor(fake));
  const res = await mem.client.callTool({ name: 'list_executions', arguments: { stateMachineArn: machine, maxItems: 100 } });
  await mem.close();
  const structured = JSON.stringify(res.structuredContent).length;
  const text = ((res.content ?? []) as Array<{ text?: string }>).map((c) => c.text ?? '').join('').length;
  const pct = (n: number) => `${((100 * n) / raw.length).toFixed(0)}%`;
  row('raw ListExecutions JSON (100 executions)', `${raw.length} B`);
  // Which one the model reads depends on the client: most show the text block; Claude Code
  // passes JSON.stringify(structuredContent) instead when a tool has an outputSchema.
  row('text block (clients that show content)', `${text} B`, pct(text));
  row('structuredContent (clients that show it instead)', `${structured} B`, pct(structured));
  row('text + structuredContent (on the wire)', `${text + structured} B`, pct(text + structured));
}

async function benchCollect(fake: RemoteFake): Promise<void> {
  console.log('\n(4) collecting 10,000 executions vs the SDK paginator (pageSize 1000), median of 8 alternating rounds after 3 warm-ups (target ≤ 1.2x)');
  const machine = await fake.addStateMachine(`${MACHINE}-Collect`);
  await fake.addExecutions(machine, 10_000);
  const sdk = new SFNClient({ region: 'us-east-1', endpoint: fake.url, maxAttempts: 1 });
  const paginator = async () => {
    let n = 0;
    for await (const page of paginateListExecutions({ client: sdk, pageSize: 1000 }, { stateMachineArn: machine })) n += page.executions?.length ?? 0;
    if (n !== 10_000) throw new Error(`paginator saw ${n}`);
  };
  const walk = async (client: Client, maxItems: number): Promise<number> => {
    let token: string | undefined;
    let n = 0;
    let calls = 0;
    do {
      const args: Record<string, unknown> = { stateMachineArn: machine, maxItems };
      if (token) args.startingToken = token;
      const res = await client.callTool({ name: 'list_executions', arguments: args });
      const sc = res.structuredContent as { executions: unknown[]; nextToken?: string };
      n += sc.executions.length;
      token = sc.nextToken;
      calls += 1;
    } while (token);
    if (n !== 10_000) throw new Error(`walk saw ${n}`);
    return calls;
  };
  // The paging engine alone over the same SFNClient: following tokens, resume bookkeeping, sizing.
  const engineConfig = configFor(fake);
  const sfn = await createSfnBackend(engineConfig, { maxAttempts: 1 });
  const codec = new CursorCodec(undefined);
  const engineOnly = async () => {
    let token: string | undefined;
    let n = 0;
    do {
      const r = await collect({
        tool: 'list_executions',
        fingerprint: { stateMachineArn: machine },
        principal: undefined,
        codec,
        startingToken: token,
        maxItems: 1000,
        pageSize: 1000,
        adaptivePageSize: true,
        fetchPage: async (nextToken, maxResults, signal) => {
          const out = await sfn.listExecutions({ stateMachineArn: machine, maxResults, nextToken }, signal);
          return { items: out.executions ?? [], nextToken: out.nextToken };
        },
        keyOf: (e) => e.executionArn ?? '',
        view: (e) => e,
        sizeOf: () => 100,
        budgetChars: 1_000_000,
        deadlineAt: Number.MAX_SAFE_INTEGER,
        signal: new AbortController().signal,
      });
      n += r.items.length;
      token = r.nextToken;
    } while (token);
    if (n !== 10_000) throw new Error(`engine saw ${n}`);
  };
  const big = await inMemoryClient(configFor(fake, { EXECUTIONS_MCP_RESPONSE_BUDGET_CHARS: '1000000' }));
  const bare = await bareInMemoryClient(fake.url);
  const t = await interleaved(8, 1, 3, { paginator, engineOnly, throughMcp: () => walk(big.client, 1000), bareMcp: () => walk(bare.client, 1000) });
  sfn.close();
  await big.close();
  await bare.close();
  const small = await inMemoryClient(configFor(fake));
  let defaultCalls = 0;
  const defaults = await time(3, 1, async () => {
    defaultCalls = await walk(small.client, 1000);
  });
  await small.close();
  sdk.destroy();
  row('SDK paginateListExecutions (10 pages)', ms(t.paginator.median));
  row('paging engine alone (collect(), maxItems 1000)', ms(t.engineOnly.median), `ratio ${(t.engineOnly.median / t.paginator.median).toFixed(2)}x`);
  row('list_executions continuations, maxItems 1000, 1 MB budget', ms(t.throughMcp.median), `ratio ${(t.throughMcp.median / t.paginator.median).toFixed(2)}x (10 calls, through MCP)`);
  row('  floor: bare SDK server passing each page through', ms(t.bareMcp.median), `ratio ${(t.bareMcp.median / t.paginator.median).toFixed(2)}x (10 calls, in memory, outputSchema)`);
  row('list_executions continuations, default 60k budget', ms(defaults.median), `${defaultCalls} calls: the response budget ends each answer`);
}

async function benchHistoryMemory(fake: RemoteFake): Promise<void> {
  console.log('\n(5) peak RSS of the server process answering a 25,000-event history (target ≤ 150 MB)');
  const machine = await fake.addStateMachine(`${MACHINE}-History`);
  const exec = await fake.addExecution({ stateMachineArn: machine, name: 'long-history', status: 'FAILED', startDate: 1_763_600_000, stopDate: 1_763_603_600 });
  // 5,000 tasks of five events each, plus start and end: 25,002 events, the last task failing.
  await fake.setBuiltHistory(exec.executionArn, { tasks: 5001, failAt: 5001, payloadChars: 400 });
  const server = await stdioClient({ AWS_ENDPOINT_URL_SFN: fake.url });
  await server.client.listTools();
  const idle = peakRssMb(server.pid);
  let token: string | undefined;
  let total = 0;
  let calls = 0;
  const t0 = performance.now();
  do {
    const args: Record<string, unknown> = { executionArn: exec.executionArn, maxItems: 1000 };
    if (token) args.startingToken = token;
    const res = await server.client.callTool({ name: 'get_execution_history', arguments: args });
    const sc = res.structuredContent as { events: unknown[]; nextToken?: string };
    total += sc.events.length;
    token = sc.nextToken;
    calls += 1;
  } while (token);
  const walkMs = performance.now() - t0;
  const failures = await server.client.callTool({ name: 'get_execution_history', arguments: { executionArn: exec.executionArn, failuresOnly: true, reverseOrder: true } });
  const failed = (failures.structuredContent as { events: unknown[]; pagesFetched: number }).pagesFetched;
  const peak = peakRssMb(server.pid);
  await server.close();
  row('server RSS after start (peak so far)', `${idle.toFixed(1)} MB`);
  row(`peak RSS after reading all ${total} events`, `${peak.toFixed(1)} MB`, `${calls} calls, ${walkMs.toFixed(0)} ms in all`);
  row('failuresOnly+reverseOrder over the same history', `${failed} page(s)`, 'pages fetched to find the failure');
}

function runScript(path: string): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', path], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', () => resolve());
    child.on('error', () => resolve());
  });
}

/** `npm run bench -- 1 4` runs only those parts (1-5, ona, local); no argument runs them all. */
async function main(): Promise<void> {
  const only = new Set(process.argv.slice(2));
  const wanted = (part: string) => only.size === 0 || only.has(part);
  console.log(`executions-mcp bench: node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
  const fake = await startRemoteFake();
  const machine = await fake.addStateMachine(MACHINE);
  await fake.addExecutions(machine, 10);
  if (wanted('1')) await benchDescribe(fake);
  if (wanted('2')) await benchStartup();
  if (wanted('3')) await benchBytes(fake);
  if (wanted('4')) await benchCollect(fake);
  if (wanted('5')) await benchHistoryMemory(fake);
  await fake.close();
  if (wanted('ona')) await benchOnaBytes();
  if (wanted('local')) {
    console.log('\n--- bench/local-engine.mjs');
    await runScript(`${ROOT}bench/local-engine.mjs`);
  }
}

await main();
