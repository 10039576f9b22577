import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildHistory, executionArn, startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { CLI, cliEnv, runCli, succeedingCaller, type CallResult } from './cli.js';

/** The built CLI over stdio, as a host runs it, against the fake Step Functions endpoint. */

let fake: FakeSfn;
let orders: string;

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  fake.addStateMachine('Clicks', 'EXPRESS');
  const runs = fake.addExecutions(orders, 12);
  fake.setHistory(runs[0]?.executionArn ?? '', buildHistory({ tasks: 3, failAt: 3 }));
});

afterAll(async () => {
  await fake.close();
});

async function connect(args: string[]): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args], env: cliEnv(fake.url), stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const client = new Client({ name: 'e2e', version: '0' });
  await client.connect(transport);
  return { client, transport, stderr: () => err };
}

describe('stdio', () => {
  it('read-only by default: lists the read tools only, and they work', async () => {
    const { client, stderr } = await connect([]);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['list_state_machines', 'list_executions', 'describe_execution', 'get_execution_history']);
    const machines = (await client.callTool({ name: 'list_state_machines', arguments: {} })) as CallResult;
    expect(machines.isError).toBeUndefined();
    expect((machines.structuredContent?.stateMachines as unknown[]).length).toBe(2);
    await expect(client.callTool({ name: 'start_execution', arguments: { stateMachineArn: orders } })).rejects.toThrow();
    await client.close();
    // Diagnostics go to stderr as JSON lines; the start-up line says where it points.
    expect(stderr()).toContain('"message":"starting"');
    expect(stderr()).toContain(fake.url);
    expect(stderr()).not.toContain('e2e-secret');
  });

  it('the shipped server retries a 500 and a throttle on its own (three attempts in all)', async () => {
    const { client } = await connect([]);
    try {
      const before = fake.requestsFor('ListStateMachines').length;
      fake.inject({ kind: 'internal', status: 500 }, { op: 'ListStateMachines' });
      fake.inject({ kind: 'throttle' }, { op: 'ListStateMachines' });
      const r = (await client.callTool({ name: 'list_state_machines', arguments: {} })) as CallResult;
      expect(r.isError).toBeUndefined();
      expect(fake.requestsFor('ListStateMachines').length - before).toBe(3);
    } finally {
      fake.clearFaults();
      await client.close();
    }
  });

  it('with --allow-writes every tool works against the endpoint from AWS_ENDPOINT_URL_SFN', async () => {
    const { client } = await connect(['--allow-writes']);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(7);
    const call = succeedingCaller(client, (r, name) => expect(r.isError, `${name}: ${r.content?.[0]?.text ?? ''}`).toBeUndefined());
    const listed = await call('list_executions', { stateMachineArn: orders, maxItems: 5 });
    expect(listed.executions).toHaveLength(5);
    const first = (listed.executions as Array<{ executionArn: string }>)[0]?.executionArn ?? '';
    expect((await call('describe_execution', { executionArn: first })).status).toBe('SUCCEEDED');
    expect((await call('get_execution_history', { executionArn: first, failuresOnly: true })).events).toHaveLength(2);
    const started = await call('start_execution', { stateMachineArn: orders, name: 'e2e-stdio', input: '{"a":1}' });
    expect(started.executionArn).toBe(executionArn('Orders', 'e2e-stdio'));
    expect((await call('stop_execution', { executionArn: executionArn('Orders', 'e2e-stdio') })).stopDate).toEqual(expect.any(String));
    expect((await call('redrive_execution', { executionArn: executionArn('Orders', 'e2e-stdio') })).redriveDate).toEqual(expect.any(String));
    await client.close();
  });

  it('a secret of the server that a backend echoes back (an execution input holding it) is redacted from results', async () => {
    const { client } = await connect(['--allow-writes']);
    const call = succeedingCaller(client, (r, name) => expect(r.isError, `${name}: ${r.content?.[0]?.text ?? ''}`).toBeUndefined());
    const started = await call('start_execution', { stateMachineArn: orders, name: 'e2e-echo', input: '{"awsKey":"e2e-secret","note":"kept"}' });
    const described = (await client.callTool({ name: 'describe_execution', arguments: { executionArn: started.executionArn } })) as CallResult;
    const text = described.content?.[0]?.text ?? '';
    expect(text).toContain('{"awsKey":"[redacted]","note":"kept"}');
    expect(described.structuredContent?.input).toEqual({ untrustedData: '{"awsKey":"[redacted]","note":"kept"}' });
    expect(JSON.stringify(described)).not.toContain('e2e-secret');
    await client.close();
  });

  it('the credentials of an AWS profile, resolved by the SDK, are redacted like those of the environment', async () => {
    const secretKey = 'PROFILEsecretKEY/abcdefghijklmnop+0123456';
    const sessionToken = 'PROFILEsessionTOKEN/zyxwvutsrqponm+987654==';
    const dir = mkdtempSync(join(tmpdir(), 'e2e-profile-'));
    writeFileSync(join(dir, 'credentials'), `[dev]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = ${secretKey}\naws_session_token = ${sessionToken}\n`);
    const env: Record<string, string> = { ...cliEnv(fake.url), AWS_PROFILE: 'dev', AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config') };
    // No keys in the environment: the SDK's chain reads the profile.
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI], env, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const client = new Client({ name: 'e2e', version: '0' });
    await client.connect(transport);
    try {
      const echoed = fake.addExecution({ stateMachineArn: orders, name: 'e2e-profile-echo', status: 'FAILED', cause: `signed with ${secretKey} and ${encodeURIComponent(sessionToken)}` });
      const described = (await client.callTool({ name: 'describe_execution', arguments: { executionArn: echoed.executionArn } })) as CallResult;
      expect(described.content?.[0]?.text).toContain('signed with [redacted] and [redacted]');
      // An error message echoing the token, as a proxy rejecting the request might.
      fake.inject({ kind: 'error', type: 'UnrecognizedClientException', message: `The security token ${sessionToken} is invalid`, status: 400 }, { op: 'DescribeExecution' });
      const refused = (await client.callTool({ name: 'describe_execution', arguments: { executionArn: echoed.executionArn } })) as CallResult;
      expect(refused.isError).toBe(true);
      expect(refused.content?.[0]?.text).toContain('The security token [redacted] is invalid');
      await client.close();
      for (const shown of [JSON.stringify(described), JSON.stringify(refused), stderr]) {
        expect(shown).not.toContain('PROFILEsecret');
        expect(shown).not.toContain('PROFILEsession');
      }
    } finally {
      fake.clearFaults();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGTERM lets a call in flight answer before the process exits', async () => {
    const { client, transport } = await connect([]);
    fake.inject({ kind: 'slow', ms: 1000 }, { op: 'DescribeExecution' });
    const pending = client.callTool({ name: 'describe_execution', arguments: { executionArn: executionArn('Orders', 'run-000002') } });
    await fake.until(() => fake.requestsFor('DescribeExecution').some((r) => r.fault === 'slow' && !r.answered));
    process.kill(transport.pid ?? 0, 'SIGTERM');
    const result = await pending;
    expect(result.isError).toBeFalsy();
    expect(JSON.stringify(result.structuredContent)).toContain('run-000002');
    await client.close().catch(() => undefined);
  });

  it('a request too large for stdio is refused by id even when the id comes last, as the SDK client writes it', async () => {
    const { client } = await connect([]);
    const huge = 'x'.repeat(5 * 1024 * 1024);
    await expect(client.callTool({ name: 'describe_execution', arguments: { executionArn: huge } }, { timeout: 20_000 })).rejects.toThrow(/more than the 4194304 bytes/);
    expect((await client.callTool({ name: 'list_state_machines', arguments: {} })).isError).toBeFalsy();
    await client.close();
  });

  it('a second initialize on the connection is refused; the protocol version agreed first stays', async () => {
    const child = spawn(process.execPath, [CLI], { env: cliEnv(fake.url), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    const init = (id: number, version: string) =>
      JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
    child.stdin.write(`${init(1, '2025-11-25')}\n`);
    child.stdin.write(`${init(2, '2024-11-05')}\n`);
    child.stdin.end(`${JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' })}\n`);
    await new Promise((resolve) => child.once('exit', resolve));
    const answers = out.trim().split('\n').map((line) => JSON.parse(line) as { id: number; result?: { protocolVersion?: string }; error?: { code: number; message: string } });
    expect(answers.find((a) => a.id === 1)?.result?.protocolVersion).toBe('2025-11-25');
    expect(answers.find((a) => a.id === 2)?.error).toEqual({ code: -32600, message: expect.stringContaining('initialized already') });
    expect(answers.find((a) => a.id === 3)?.result).toEqual({});
  });

  it('a host that stops reading answers stops the server reading requests; every answer comes once it reads again', async () => {
    const child = spawn(process.execPath, [CLI], { env: cliEnv(fake.url), stdio: ['pipe', 'pipe', 'ignore'] });
    const ids: unknown[] = [];
    let tail = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      const lines = (tail + c).split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) ids.push((JSON.parse(line) as { id: unknown }).id);
    });
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } })}\n`);
    await vi.waitFor(() => expect(ids).toEqual([0]), { timeout: 10_000 });
    child.stdout.pause();
    // 300 tool listings (about 20 KB of answer each) fill the server's queue of unread answers;
    // the pings after them, 12 MB of requests, wait, and past 8 MiB of them stdin is not read.
    const pad = 'p'.repeat(12_000);
    for (let id = 1; id <= 300; id += 1) child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' })}\n`);
    for (let id = 301; id <= 1300; id += 1) child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'ping', params: { _meta: { pad } } })}\n`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(child.stdin.writableLength).toBeGreaterThan(0);
    child.stdout.resume();
    await vi.waitFor(() => expect(ids).toHaveLength(1301), { timeout: 30_000 });
    expect([...ids].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 1301 }, (_, i) => i));
    child.stdin.end();
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  });

  it('a host that closes stdin without reading the answers still sees the server exit (0)', async () => {
    const child = spawn(process.execPath, [CLI], { env: cliEnv(fake.url), stdio: ['pipe', 'pipe', 'ignore'] });
    child.stdout.pause();
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } })}\n`);
    for (let id = 1; id <= 400; id += 1) child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' })}\n`);
    child.stdin.end();
    // Held answers or not, the end of input ends the server (the test's time limit is the failure).
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  });

  it('the start-up log masks an endpoint URL\'s password and signed query values, however short', async () => {
    const endpoint = fake.url.replace('http://', 'http://admin:pw@') + '?X-Amz-Signature=ab&region=us-east-1';
    const r = await runCli([], cliEnv(fake.url, { AWS_ENDPOINT_URL_SFN: endpoint }));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`"sfnEndpoint":"${fake.url.replace('http://', 'http://admin:redacted@')}/?X-Amz-Signature=redacted&region=us-east-1"`);
    expect(r.stderr).not.toContain(':pw@');
    expect(r.stderr).not.toContain('=ab');
  });

  it('exits 0 when the host closes stdin', async () => {
    const r = await runCli([], cliEnv(fake.url));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('invalid configuration exits 2 with one stderr line', async () => {
    const r = await runCli(['--transport', 'carrier-pigeon'], cliEnv(fake.url));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^executions-mcp: invalid --transport/);
    const env = await runCli([], cliEnv(fake.url, { AWS_ENDPOINT_URL_SFN: 'nope' }));
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/^executions-mcp: invalid AWS_ENDPOINT_URL_SFN: .*\n$/);
  });
});
