import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionArn, startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { until } from '../helpers/wait.js';
import { INITIALIZE, cliEnv, httpClient, rawRequest, runCli, startHttpCli, succeedingCaller, type CallResult, type RunningCli } from './cli.js';

/** The built CLI over Streamable HTTP on 127.0.0.1: both protocol eras, guards, token, health, shutdown. */

let fake: FakeSfn;
let orders: string;

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  fake.addExecutions(orders, 12);
});

afterAll(async () => {
  await fake.close();
});

/** Writes `text` on a fresh connection and resolves with all that came back once the server closed it. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (got += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
    socket.write(text);
  });
}

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('HTTP without a token (loopback)', () => {
  let cli: RunningCli;
  beforeAll(async () => {
    cli = await startHttpCli(['--allow-writes'], cliEnv(fake.url));
  });
  afterAll(async () => {
    await cli.stop();
  });

  it('listens on 127.0.0.1 and says so on stderr', () => {
    expect(cli.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  it.each([
    ['2025 era (default)', false, '2025-11-25'],
    ['2026-07-28 era (versionNegotiation auto)', true, '2026-07-28'],
  ])('an MCP client in the %s lists and calls every tool', async (_label, modern, version) => {
    const client = await httpClient(cli.url, { modern });
    expect(client.getNegotiatedProtocolVersion()).toBe(version);
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(7);
    const call = succeedingCaller(client, (r, name) => expect(r.isError, `${name}: ${r.content?.[0]?.text ?? ''}`).toBeUndefined());
    expect((await call('list_state_machines', {})).stateMachines).toHaveLength(1);
    const page = await call('list_executions', { stateMachineArn: orders, maxItems: 4 });
    // Stateless: the continuation works on the next request (a fresh server instance).
    const next = await call('list_executions', { stateMachineArn: orders, maxItems: 4, startingToken: page.nextToken });
    const names = [...(page.executions as Array<{ name: string }>), ...(next.executions as Array<{ name: string }>)].map((e) => e.name);
    expect(names).toEqual(fake.executionsOf(orders).slice(0, 8).map((e) => e.name));
    const arn = (page.executions as Array<{ executionArn: string }>)[0]?.executionArn ?? '';
    const described = await call('describe_execution', { executionArn: arn });
    expect(described.state).toBe(String(described.status).toLowerCase());
    expect((await call('get_execution_history', { executionArn: arn })).events).toEqual(expect.arrayContaining([expect.objectContaining({ id: 1, type: 'ExecutionStarted' })]));
    const name = modern ? 'e2e-http-modern' : 'e2e-http-legacy';
    await call('start_execution', { stateMachineArn: orders, name });
    await call('stop_execution', { executionArn: executionArn('Orders', name) });
    await call('redrive_execution', { executionArn: executionArn('Orders', name) });
    const failed = (await client.callTool({ name: 'describe_execution', arguments: { executionArn: executionArn('Orders', 'missing') } })) as CallResult;
    expect(failed.isError).toBe(true);
    expect(failed.content?.[0]?.text).toMatch(/ExecutionDoesNotExist/);
    await client.close();
  });

  it('a foreign Host gets 403 (DNS rebinding)', async () => {
    const r = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, host: 'evil.example.com' }, body: INITIALIZE });
    expect(r.status).toBe(403);
    const rooted = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, host: 'evil.example.com.' }, body: INITIALIZE });
    expect(rooted.status).toBe(403);
  });

  it('a Host that is not host[:port] (userinfo, a path, a query) gets 400, and no error is logged', async () => {
    const port = new URL(cli.url).port;
    for (const host of ['x@localhost', `user:pw@127.0.0.1:${port}`, 'evil.com@localhost', 'a@[::1]', 'localhost/x', 'localhost?x', 'localhost#x']) {
      const r = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, host }, body: INITIALIZE });
      expect(r.status, host).toBe(400);
      expect(r.body).toBe('{"error":"invalid Host header: expected host[:port]"}');
    }
    expect(cli.stderr()).not.toMatch(/"level":"error"/);
  });

  it('an absolute-form request target (as proxies send) is served; its authority is checked as the Host', async () => {
    const port = new URL(cli.url).port;
    const request = (target: string) =>
      rawExchange(
        Number(port),
        `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${Buffer.byteLength(INITIALIZE)}\r\nConnection: close\r\n\r\n${INITIALIZE}`,
      );
    const served = await request(`http://127.0.0.1:${port}/mcp`);
    expect(served.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(served).toContain('"protocolVersion"');
    // The target's authority replaces Host (RFC 9112 §3.2.2), so a foreign one meets the rebinding guard.
    expect((await request(`http://evil.example.com:${port}/mcp`)).split('\r\n')[0]).toBe('HTTP/1.1 403 Forbidden');
    expect((await request(`http://127.0.0.1:${port}/elsewhere`)).split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    for (const bad of [`http://user@127.0.0.1:${port}/mcp`, `ftp://127.0.0.1:${port}/mcp`]) {
      const answer = await request(bad);
      expect(answer.split('\r\n')[0], bad).toBe('HTTP/1.1 400 Bad Request');
      expect(answer).toContain('invalid request target');
    }
    expect(cli.stderr()).not.toMatch(/"level":"error"/);
  });

  it('params of the wrong shape get -32602 and one sentence, not an internal error with the schema dumped; deep nesting too', async () => {
    const deep = `{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{"experimental":{"x":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}},"clientInfo":{"name":"c","version":"1"}}}`;
    for (const [body, id, why] of [
      ['{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","clientInfo":{"name":"c","version":"1"}}}', 1, '"params.capabilities" must be an object'],
      ['{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":5}}', 2, '"params.cursor" must be a string'],
      ['{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"list_state_machines","arguments":"{}"}}', 4, '"params.arguments" must be an object'],
      ['{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"list_state_machines","arguments" : null}}', 5, '"params.arguments" must be an object'],
      ['{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"arguments":{"name":"x"}}}', 6, 'the tool\'s "name" as a string'],
      ['{"jsonrpc":"2.0","id":7,"method":"tools\\/call","params":{"name":"list_state_machines","arguments":[]}}', 7, '"params.arguments" must be an object'],
      [deep, 3, 'nested more than 64 levels deep'],
    ] as const) {
      const r = await rawRequest(cli.url, { headers: MCP_HEADERS, body });
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body)).toEqual({ jsonrpc: '2.0', id, error: { code: -32602, message: expect.stringContaining(why) } });
    }
    expect(cli.stderr()).not.toMatch(/"level":"error"|Maximum call stack/);
  });

  it('in a batch, the message with params of the wrong shape is answered by its own id', async () => {
    const batch = JSON.stringify([
      { jsonrpc: '2.0', id: 'ok', method: 'ping' },
      { jsonrpc: '2.0', id: 'bad', method: 'tools/list', params: { cursor: 5 } },
    ]);
    const r = await rawRequest(cli.url, { headers: MCP_HEADERS, body: batch });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({ jsonrpc: '2.0', id: 'bad', error: { code: -32602, message: expect.stringContaining('"params.cursor" must be a string') } });
  });

  it('media types in Accept are read whatever their case', async () => {
    const r = await rawRequest(cli.url, { headers: { 'content-type': 'Application/JSON', accept: 'Application/JSON, Text/Event-Stream' }, body: INITIALIZE });
    expect(r.status).toBe(200);
    expect(r.body).toContain('"protocolVersion"');
  });

  it('a compressed body gets 415 naming the coding accepted, not a parse error', async () => {
    const r = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, 'content-encoding': 'gzip' }, body: INITIALIZE });
    expect(r.status).toBe(415);
    expect(r.headers['accept-encoding']).toBe('identity');
    expect(r.body).toContain('unsupported Content-Encoding');
    const identity = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, 'content-encoding': 'identity' }, body: INITIALIZE });
    expect(identity.status).toBe(200);
  });

  it('a fully qualified loopback Host ("localhost." with its root dot) is accepted', async () => {
    const port = new URL(cli.url).port;
    for (const host of ['localhost.', `localhost.:${port}`]) {
      const r = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, host }, body: INITIALIZE });
      expect(r.status, host).toBe(200);
    }
  });

  it('the same root dot on the Origin is accepted too; a foreign one with it is not', async () => {
    const port = new URL(cli.url).port;
    const rooted = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, host: `localhost.:${port}`, origin: `http://localhost.:${port}` }, body: INITIALIZE });
    expect(rooted.status, rooted.body).toBe(200);
    const foreign = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, origin: 'https://evil.example.com.' }, body: INITIALIZE });
    expect(foreign.status).toBe(403);
  });

  it('two Host lines get 400, whichever comes first', async () => {
    const port = Number(new URL(cli.url).port);
    for (const [first, second] of [['127.0.0.1', 'evil.example'], ['evil.example', '127.0.0.1']]) {
      const answer = await rawExchange(
        port,
        `POST /mcp HTTP/1.1\r\nHost: ${first}:${port}\r\nHost: ${second}:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
          `Connection: close\r\nContent-Length: ${Buffer.byteLength(INITIALIZE)}\r\n\r\n${INITIALIZE}`,
      );
      expect(answer.split('\r\n')[0], `${first} then ${second}`).toBe('HTTP/1.1 400 Bad Request');
    }
  });

  it('TRACE /mcp gets 405, as other methods but POST do', async () => {
    for (const method of ['TRACE', 'PUT']) {
      const r = await rawRequest(cli.url, { method, headers: MCP_HEADERS });
      expect(r.status, method).toBe(405);
      expect(r.headers.allow, method).toBe('POST');
    }
  });

  it('an event-stream answer honours the client\'s "Connection: close"', async () => {
    const port = Number(new URL(cli.url).port);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'list_state_machines', arguments: {} } });
    const answer = await rawExchange(
      port,
      `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
        `MCP-Protocol-Version: 2025-11-25\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    const head = answer.slice(0, answer.indexOf('\r\n\r\n')).toLowerCase();
    expect(head).toContain('content-type: text/event-stream');
    expect(head).toContain('\r\nconnection: close');
    expect(head).not.toContain('keep-alive');
  });

  it('a foreign Origin gets 403; a loopback Origin is accepted', async () => {
    const bad = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, origin: 'https://evil.example.com' }, body: INITIALIZE });
    expect(bad.status).toBe(403);
    const good = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, origin: 'http://localhost:5173' }, body: INITIALIZE });
    expect(good.status).toBe(200);
  });

  it('without a token, no CORS: a web page served from a loopback address cannot call it', async () => {
    const origin = 'http://localhost:8000';
    const preflight = await rawRequest(cli.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.status).not.toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const answered = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, origin }, body: INITIALIZE });
    expect(answered.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('GET /healthz answers; other paths are 404', async () => {
    const health = await rawRequest(cli.url, { method: 'GET', path: '/healthz' });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    const other = await rawRequest(cli.url, { method: 'GET', path: '/admin' });
    expect(other.status).toBe(404);
  });

  it('the write rate limit holds across requests (one limit per process, not per request)', async () => {
    const client = await httpClient(cli.url);
    const texts: string[] = [];
    for (let i = 0; i < 32; i += 1) {
      const r = (await client.callTool({ name: 'start_execution', arguments: { stateMachineArn: orders, name: `limit-${i}` } })) as CallResult;
      if (r.isError) texts.push(r.content?.[0]?.text ?? '');
    }
    // With the limit used up, a call that changes nothing (stopping an ended execution) still answers.
    const endedArn = fake.executionsOf(orders).find((e) => e.status !== 'RUNNING')?.executionArn ?? '';
    const ended = (await client.callTool({ name: 'stop_execution', arguments: { executionArn: endedArn } })) as CallResult;
    await client.close();
    expect(texts.length).toBeGreaterThanOrEqual(2);
    for (const text of texts) {
      expect(text).toMatch(/^start_execution refused: the server allows 30 write calls per 60 s \(EXECUTIONS_MCP_WRITES_PER_MINUTE\); the next is possible in \d+ s\. Nothing was changed\.$/);
    }
    // Refused calls never reached the backend.
    expect(fake.requestsFor('StartExecution').filter((q) => String(q.body.name).startsWith('limit-'))).toHaveLength(32 - texts.length);
    expect(ended.content?.[0]?.text).toMatch(/had already ended/);
  });
});

describe('HTTP with --http-token', () => {
  const token = 'e2e-token-0123456789';
  let cli: RunningCli;
  beforeAll(async () => {
    cli = await startHttpCli(['--http-token', token], cliEnv(fake.url));
  });
  afterAll(async () => {
    await cli.stop();
  });

  it('a missing or wrong bearer token gets 401', async () => {
    const missing = await rawRequest(cli.url, { headers: MCP_HEADERS, body: INITIALIZE });
    expect(missing.status).toBe(401);
    // No credentials: a bare challenge, with no error code (RFC 6750 §3.1).
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const wrong = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, authorization: 'Bearer nope' }, body: INITIALIZE });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    const almost = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, authorization: `Bearer ${token}x` }, body: INITIALIZE });
    expect(almost.status).toBe(401);
    // Refusals of what a request carries come after the token: an anonymous caller learns nothing else.
    const compressed = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, 'content-encoding': 'gzip' }, body: INITIALIZE });
    expect(compressed.status).toBe(401);
    await expect(httpClient(cli.url)).rejects.toThrow();
  });

  it('a browser preflight needs no token (it carries none); the call after it does, and a browser can read its 401', async () => {
    const origin = 'http://127.0.0.1:5173';
    const preflight = await rawRequest(cli.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type', 'access-control-request-private-network': 'true' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-headers']).toBe('authorization, content-type');
    expect(preflight.headers['access-control-allow-private-network']).toBe('true');
    const refused = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, origin }, body: INITIALIZE });
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe(origin);
    expect(refused.headers['access-control-expose-headers']).toContain('www-authenticate');
    const served = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, origin, authorization: `Bearer ${token}` }, body: INITIALIZE });
    expect(served.status).toBe(200);
    expect(served.headers['access-control-allow-origin']).toBe(origin);
    expect(served.headers['access-control-expose-headers']).toContain('mcp-session-id');
    // A foreign Origin gets no preflight either; a request without an Origin (not a browser) no CORS headers.
    const foreign = await rawRequest(cli.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
    expect(foreign.status).toBe(403);
    const plain = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, authorization: `Bearer ${token}` }, body: INITIALIZE });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
    // OPTIONS that is not a preflight (no Origin) still needs the token.
    expect((await rawRequest(cli.url, { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST' } })).status).toBe(401);
  });

  it('the right token works in both eras, and the token never reaches the log', async () => {
    for (const modern of [false, true]) {
      const client = await httpClient(cli.url, { token, modern });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['list_state_machines', 'list_executions', 'describe_execution', 'get_execution_history']);
      const r = (await client.callTool({ name: 'list_state_machines', arguments: {} })) as CallResult;
      expect(r.isError).toBeUndefined();
      await client.close();
    }
    expect(cli.stderr()).not.toContain(token);
  });

  it('SIGTERM shuts down cleanly with exit code 0', async () => {
    const { code, signal } = await cli.stop();
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(cli.stderr()).toContain('"message":"shutting down","reason":"SIGTERM"');
  });
});

describe('continuation tokens across replicas', () => {
  it('a replica with the same HTTP token continues them; one with another HTTP token refuses them, though the cursor secret is shared', async () => {
    const secret = { EXECUTIONS_MCP_CURSOR_SECRET: 'replicas-share-this-0123' };
    const [first, twin, other] = await Promise.all([
      startHttpCli(['--http-token', 'team-a-token-0123456789'], cliEnv(fake.url, secret)),
      startHttpCli(['--http-token', 'team-a-token-0123456789'], cliEnv(fake.url, secret)),
      startHttpCli(['--http-token', 'team-b-token-0123456789'], cliEnv(fake.url, secret)),
    ]);
    const clients: Awaited<ReturnType<typeof httpClient>>[] = [];
    try {
      const connect = async (cli: RunningCli, token: string) => {
        const client = await httpClient(cli.url, { token });
        clients.push(client);
        return client;
      };
      const page = (await (await connect(first, 'team-a-token-0123456789')).callTool({ name: 'list_executions', arguments: { stateMachineArn: orders, maxItems: 3 } })) as CallResult;
      const startingToken = page.structuredContent?.nextToken as string;
      expect(startingToken).toEqual(expect.any(String));
      // Its body is readable: the caller it is bound to must not be a plain digest of the HTTP token,
      // which would let whoever holds the continuation token test guesses of the HTTP token offline.
      const [prefix = '', body = ''] = startingToken.split('.');
      const bytes = Buffer.from(body, 'base64url');
      const wire = JSON.parse((prefix === 'em1z' ? inflateRawSync(bytes) : bytes).toString('utf8')) as { p?: string };
      const sha256 = (text: string) => createHash('sha256').update(text);
      expect(wire.p).toMatch(/^[\w-]{12}$/);
      expect(wire.p).not.toBe(sha256(`bearer:${sha256('team-a-token-0123456789').digest('hex').slice(0, 32)}`).digest('base64url').slice(0, 12));
      const args = { stateMachineArn: orders, maxItems: 3, startingToken };
      const continued = (await (await connect(twin, 'team-a-token-0123456789')).callTool({ name: 'list_executions', arguments: args })) as CallResult;
      expect(continued.isError, continued.content?.[0]?.text).toBeUndefined();
      const refused = (await (await connect(other, 'team-b-token-0123456789')).callTool({ name: 'list_executions', arguments: args })) as CallResult;
      expect(refused.isError).toBe(true);
      expect(refused.content?.[0]?.text).toMatch(/issued to a different client/);
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await Promise.all([first.stop(), twin.stop(), other.stop()]);
    }
  });
});

describe('shutdown', () => {
  it('SIGTERM lets a call in flight answer before the process exits', async () => {
    const draining = await startHttpCli([], cliEnv(fake.url));
    const client = await httpClient(draining.url);
    try {
      // Longer than the 2 s close() gives open connections anyway: only the wait for calls in flight lets it answer.
      fake.inject({ kind: 'slow', ms: 3500 }, { op: 'DescribeExecution' });
      const pending = client.callTool({ name: 'describe_execution', arguments: { executionArn: executionArn('Orders', 'run-000001') } });
      await fake.until(() => fake.requestsFor('DescribeExecution').some((r) => r.fault === 'slow' && !r.answered));
      const stopped = draining.stop();
      const result = await pending;
      expect(result.isError).toBeFalsy();
      expect(JSON.stringify(result.structuredContent)).toContain('run-000001');
      expect((await stopped).code).toBe(0);
    } finally {
      await client.close().catch(() => undefined);
      await draining.stop();
    }
  });
});

describe('shutdown, on a kept-alive connection', () => {
  it('a request that arrives while calls drain gets 503 with Retry-After and starts nothing', async () => {
    const draining = await startHttpCli(['--allow-writes'], cliEnv(fake.url));
    const { port } = new URL(draining.url);
    const socket = connect(Number(port), '127.0.0.1');
    try {
      let got = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (got += chunk));
      const post = (id: number, name: string, args: Record<string, unknown>) => {
        const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
        socket.write(
          `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
            `MCP-Protocol-Version: 2025-11-25\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      };
      fake.inject({ kind: 'slow', ms: 1500 }, { op: 'DescribeExecution' });
      post(1, 'describe_execution', { executionArn: executionArn('Orders', 'run-000001') });
      await fake.until(() => fake.requestsFor('DescribeExecution').some((r) => r.fault === 'slow' && !r.answered));
      const stopped = draining.stop();
      await until(() => draining.stderr().includes('"message":"shutting down"'), 'the server to log its shutdown');
      // Pipelined behind the call in flight: answered once that call has, by then the server is draining.
      const startsBefore = fake.requestsFor('StartExecution').length;
      post(2, 'start_execution', { stateMachineArn: orders, name: 'during-shutdown' });
      expect((await stopped).code).toBe(0);
      await until(() => socket.destroyed || socket.readableEnded || got.split('HTTP/1.1 ').length > 2, 'both answers, or the connection to end');
      const [first, second] = got.split(/(?=HTTP\/1\.1 )/);
      expect(first).toMatch(/^HTTP\/1\.1 200 /);
      expect(first).toContain('run-000001');
      expect(second).toMatch(/^HTTP\/1\.1 503 /);
      expect(second).toMatch(/\r\nretry-after: 1\r\n/i);
      expect(second).toMatch(/\r\nconnection: close\r\n/i);
      expect(fake.requestsFor('StartExecution')).toHaveLength(startsBefore);
    } finally {
      socket.destroy();
      await draining.stop();
    }
  });
});

describe('shutdown, with requests sent but not yet read', () => {
  /** A raw tools/call on its own connection; resolves with the status line, or the socket error that ended it. */
  const sendCall = (port: number, id: number): Promise<{ sent: Promise<void>; outcome: Promise<string> }> =>
    new Promise((resolveSocket) => {
      const socket = connect(port, '127.0.0.1');
      const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'list_state_machines', arguments: {} } });
      let got = '';
      const outcome = new Promise<string>((resolve) => {
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (got += chunk));
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(got.split('\r\n')[0] || (err.code ?? err.message)));
        socket.on('close', () => resolve(got.split('\r\n')[0] || 'closed without an answer'));
      });
      const sent = new Promise<void>((resolve) =>
        socket.write(
          `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
            `MCP-Protocol-Version: 2025-11-25\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
          () => resolve(),
        ),
      );
      resolveSocket({ sent, outcome });
    });

  // SIGSTOP holds the server while the requests reach its port, as a busy event loop would: on
  // SIGCONT it meets the SIGTERM and ten connections it has not accepted or read yet.
  it.skipIf(process.platform === 'win32')('SIGTERM answers each of them (200, or 503 while draining); none is reset', async () => {
    const draining = await startHttpCli([], cliEnv(fake.url));
    const { port } = new URL(draining.url);
    const client = await httpClient(draining.url);
    try {
      // A call in flight keeps the drain open while the held requests are read.
      fake.inject({ kind: 'slow', ms: 1500 }, { op: 'DescribeExecution' });
      const pending = client.callTool({ name: 'describe_execution', arguments: { executionArn: executionArn('Orders', 'run-000001') } });
      await fake.until(() => fake.requestsFor('DescribeExecution').some((r) => r.fault === 'slow' && !r.answered));
      draining.child.kill('SIGSTOP');
      const calls = await Promise.all(Array.from({ length: 10 }, (_, i) => sendCall(Number(port), i + 10)));
      await Promise.all(calls.map((c) => c.sent));
      draining.child.kill('SIGTERM');
      draining.child.kill('SIGCONT');
      const outcomes = await Promise.all(calls.map((c) => c.outcome));
      for (const outcome of outcomes) expect(outcome).toMatch(/^HTTP\/1\.1 (200|503) /);
      expect((await pending).isError).toBeFalsy();
      expect((await draining.exited).code).toBe(0);
    } finally {
      draining.child.kill('SIGCONT');
      await client.close().catch(() => undefined);
      await draining.stop();
    }
  });

  it('a second signal exits at once, and says so', async () => {
    const draining = await startHttpCli([], cliEnv(fake.url));
    const client = await httpClient(draining.url);
    try {
      fake.inject({ kind: 'slow', ms: 60_000 }, { op: 'DescribeExecution' });
      void client.callTool({ name: 'describe_execution', arguments: { executionArn: executionArn('Orders', 'run-000001') } }).catch(() => undefined);
      await fake.until(() => fake.requestsFor('DescribeExecution').some((r) => r.fault === 'slow' && !r.answered));
      draining.child.kill('SIGTERM');
      await until(() => draining.stderr().includes('"message":"shutting down"'), 'the server to log its shutdown');
      draining.child.kill('SIGINT');
      expect((await draining.exited).code).toBe(1);
      expect(draining.stderr()).toContain('"message":"second signal: exiting now, without waiting for calls in flight","reason":"SIGINT"');
    } finally {
      fake.clearFaults();
      await client.close().catch(() => undefined);
      await draining.stop();
    }
  });
});

describe('binding another loopback address', () => {
  // Only Linux routes all of 127.0.0.0/8 to the loopback interface; macOS has 127.0.0.1 alone unless aliased.
  it.skipIf(process.platform !== 'linux')('127.0.0.2 needs no token and accepts its own address as Host, still refusing foreign ones', async () => {
    const other = await startHttpCli(['--host', '127.0.0.2'], cliEnv(fake.url));
    try {
      expect(other.url).toContain('127.0.0.2');
      const ok = await rawRequest(other.url, { headers: MCP_HEADERS, body: INITIALIZE });
      expect(ok.status).toBe(200);
      const bad = await rawRequest(other.url, { headers: { ...MCP_HEADERS, host: 'evil.example.com' }, body: INITIALIZE });
      expect(bad.status).toBe(403);
    } finally {
      await other.stop();
    }
  });
});

describe('binding IPv6 loopback with a zone id (::1%lo)', () => {
  // It was taken for a non-loopback host (a token was demanded), and Node's http client, which sends
  // the zone in Host, got 403. "lo" is Linux's name for the loopback interface.
  it.skipIf(process.platform !== 'linux')('needs no token, serves a local client whatever form of [::1] its Host takes, and still refuses foreign hosts', async () => {
    const cli = await startHttpCli(['--host', '::1%lo'], cliEnv(fake.url));
    try {
      expect(cli.url).toMatch(/^http:\/\/\[::1\]:\d+\/mcp$/);
      const client = await httpClient(cli.url);
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
      await client.close();
      const port = new URL(cli.url).port;
      // As curl sends it (no zone), as Node's http.request does (the zone as is), as a URI writes it (%25), by name.
      for (const host of [`[::1]:${port}`, `[::1%lo]:${port}`, `[::1%25lo]:${port}`, `localhost:${port}`]) {
        const ok = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, host }, body: INITIALIZE });
        expect(ok.status, `${host}: ${ok.body}`).toBe(200);
      }
      for (const host of [`evil.example.com:${port}`, `[::2%lo]:${port}`, `[fe80::1%lo]:${port}`]) {
        const bad = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, host }, body: INITIALIZE });
        expect(bad.status, host).toBe(403);
      }
    } finally {
      await cli.stop();
    }
  });
});

describe('--allowed-hosts', () => {
  it('a proxy\'s Host name is 403 without --allowed-hosts and accepted with it (flag or env); others stay refused', async () => {
    const without = await startHttpCli([], cliEnv(fake.url));
    const withFlag = await startHttpCli(['--allowed-hosts', 'mcp.internal, proxy.example.com'], cliEnv(fake.url));
    const withEnv = await startHttpCli([], cliEnv(fake.url, { EXECUTIONS_MCP_ALLOWED_HOSTS: 'mcp.internal' }));
    try {
      // Every request goes to 127.0.0.1: only the Host (and Origin) header names the proxy.
      const asProxy = (url: string, extra: Record<string, string> = {}) =>
        rawRequest(url, { headers: { ...MCP_HEADERS, host: `mcp.internal:${new URL(url).port}`, ...extra }, body: INITIALIZE });
      expect((await asProxy(without.url)).status).toBe(403);
      for (const cli of [withFlag, withEnv]) {
        const ok = await asProxy(cli.url);
        expect(ok.status, ok.body).toBe(200);
        expect(ok.body).toContain('"protocolVersion"');
        // The loopback names are still accepted beside the extra ones.
        expect((await rawRequest(cli.url, { headers: MCP_HEADERS, body: INITIALIZE })).status).toBe(200);
        expect((await rawRequest(cli.url, { headers: { ...MCP_HEADERS, host: 'evil.example.com' }, body: INITIALIZE })).status).toBe(403);
      }
      // The second name of the list counts too, and it is a valid Origin as well.
      const second = await rawRequest(withFlag.url, { headers: { ...MCP_HEADERS, host: 'proxy.example.com', origin: 'https://proxy.example.com' }, body: INITIALIZE });
      expect(second.status, second.body).toBe(200);
      expect((await asProxy(without.url, { origin: 'https://mcp.internal' })).status).toBe(403);
      expect((await asProxy(withFlag.url, { origin: 'https://evil.example.com' })).status).toBe(403);
    } finally {
      await Promise.all([without.stop(), withFlag.stop(), withEnv.stop()]);
    }
  });

  it('naming a non-loopback host without a token: the log says requests naming it are served without authentication', async () => {
    const [open, loopbackOnly, withToken] = await Promise.all([
      startHttpCli(['--allowed-hosts', 'localhost,mcp.example.com'], cliEnv(fake.url)),
      startHttpCli(['--allowed-hosts', 'localhost,127.0.0.2,[::1]'], cliEnv(fake.url)),
      startHttpCli(['--allowed-hosts', 'mcp.example.com', '--http-token', 'proxy-token-0123456789'], cliEnv(fake.url)),
    ]);
    try {
      // What the warning is about: a proxy's request naming that host is served with no credentials.
      const proxied = await rawRequest(open.url, { headers: { ...MCP_HEADERS, host: 'mcp.example.com' }, body: INITIALIZE });
      expect(proxied.status, proxied.body).toBe(200);
      // The start-up notes come before the "listening" line, which startHttpCli has read.
      const logged = (cli: RunningCli) => cli.stderr().split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: string; message: string; auth?: string });
      const auth = (lines: Array<{ message: string; auth?: string }>) => lines.find((l) => l.message === 'listening')?.auth;
      const warnings = (lines: Array<{ level: string; message: string }>) => lines.filter((l) => l.level === 'warn').map((l) => l.message);
      const openLines = logged(open);
      expect(auth(openLines)).toBe('none');
      expect(warnings(openLines)).toEqual([
        'no authentication: requests naming mcp.example.com in their Host header (what a reverse proxy forwards) are served without authentication; set --http-token, unless the proxy authenticates every request itself',
      ]);
      const loopbackLines = logged(loopbackOnly);
      expect(auth(loopbackLines)).toBe('none (loopback only)');
      expect(warnings(loopbackLines)).toEqual([]);
      const tokenLines = logged(withToken);
      expect(auth(tokenLines)).toBe('bearer token');
      expect(warnings(tokenLines)).toEqual([]);
    } finally {
      await Promise.all([open.stop(), loopbackOnly.stop(), withToken.stop()]);
    }
  });

  it('entries are taken as host names whatever their case, scheme, port or IPv6 form', async () => {
    const cli = await startHttpCli(['--allowed-hosts', 'Mixed.Case.Lan,https://url.lan:8443/x,host.lan:8443,fe80::1'], cliEnv(fake.url));
    try {
      for (const host of ['mixed.case.lan', 'MIXED.case.lan:80', 'url.lan', 'host.lan:8443', '[fe80::1]:3000']) {
        const r = await rawRequest(cli.url, { headers: { ...MCP_HEADERS, host }, body: INITIALIZE });
        expect(r.status, host).toBe(200);
      }
      expect((await rawRequest(cli.url, { headers: { ...MCP_HEADERS, host: 'case.lan' }, body: INITIALIZE })).status).toBe(403);
    } finally {
      await cli.stop();
    }
  });
});

describe('HTTP bodies the server refuses itself', () => {
  let cli: RunningCli;
  beforeAll(async () => {
    cli = await startHttpCli(['--allow-writes'], cliEnv(fake.url));
  });
  afterAll(async () => {
    await cli.stop();
  });

  it('an argument named __proto__ is refused, as on stdio, and nothing starts', async () => {
    const before = fake.requestsFor('StartExecution').length;
    const call = {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'start_execution', arguments: { stateMachineArn: orders } },
    };
    // Written into the text: one "__proto__" key, which each variant below spells differently.
    const body = JSON.stringify(call).replace('"arguments":{', '"arguments":{"__proto__":{"input":"{\\"x\\":1}"},');
    expect(body.split('__proto__')).toHaveLength(2);
    for (const sent of [body, `[${body}]`, body.replace('__proto__', '\\u005f_proto__'), body.replace('__proto__', '__pro\\u0074o__')]) {
      const r = await rawRequest(cli.url, { headers: MCP_HEADERS, body: sent });
      expect(r.status, sent).toBe(400);
      expect(JSON.parse(r.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32602, message: 'Invalid params: the key "__proto__" is not allowed.' } });
    }
    expect(fake.requestsFor('StartExecution').length).toBe(before);
    // Bodies without it go through unchanged, and bad JSON is still the SDK's to answer.
    const ok = await rawRequest(cli.url, { headers: MCP_HEADERS, body: INITIALIZE });
    expect(ok.status, ok.body).toBe(200);
    const bad = await rawRequest(cli.url, { headers: MCP_HEADERS, body: '{"jsonrpc": "2.0", "id": 1, "method": "ping"' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { code: -32700 } });
  });

  it('a chunked body (no Content-Length) over 4 MiB gets 413, and the server keeps serving', async () => {
    const { port } = new URL(cli.url);
    const reply = await new Promise<string>((resolve) => {
      let got = '';
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n`);
        const chunk = 'x'.repeat(64 * 1024);
        // 65 chunks of 64 KiB: past 4 MiB. Once the server has answered it may close: writes then fail.
        for (let i = 0; i < 65 && got === ''; i += 1) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      });
      socket.setEncoding('utf8');
      socket.on('data', (data: string) => {
        got += data;
        if (got.includes('}')) {
          socket.destroy();
          resolve(got);
        }
      });
      socket.on('error', () => resolve(got));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
    expect(reply).toContain('"message":"Payload Too Large: Request body must not exceed 4194304 bytes"');
    expect((await rawRequest(cli.url, { headers: MCP_HEADERS, body: INITIALIZE })).status).toBe(200);
  });

  it('a Content-Length over 4 MiB gets 413 at once, before any body arrives', async () => {
    const { port } = new URL(cli.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 999999999\r\n\r\n{`);
      });
      let got = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        got += chunk;
        if (got.includes('\r\n\r\n')) {
          socket.destroy();
          resolve(got);
        }
      });
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('a client sending a whole body over 4 MiB with Content-Length (as fetch does) reads the 413, not a reset connection', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(5 * 1024 * 1024) } });
    const statuses = await Promise.all(
      Array.from({ length: 10 }, async () => {
        try {
          return (await fetch(cli.url, { method: 'POST', headers: MCP_HEADERS, body })).status;
        } catch (err) {
          return String((err as { cause?: unknown }).cause ?? err);
        }
      }),
    );
    expect(statuses).toEqual(Array(10).fill(413));
    expect((await rawRequest(cli.url, { headers: MCP_HEADERS, body: INITIALIZE })).status).toBe(200);
  });

  it('a client that goes away mid-body is no error of the server', async () => {
    const { port } = new URL(cli.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 231\r\n\r\n{"jsonrpc":`, () => {
          socket.destroy();
          resolve();
        });
      });
      socket.on('error', reject);
    });
    // The server notices the close, then answers the next request as usual.
    expect((await rawRequest(cli.url, { headers: MCP_HEADERS, body: INITIALIZE })).status).toBe(200);
    expect(cli.stderr()).not.toMatch(/"level":"error"/);
  });

  it('a 2025-era call whose client goes away stops its backend request, also after the server collected garbage', async () => {
    // undici's Request.signal can stop firing after a collection; the garbage here provokes one, as
    // a busy server's own traffic does.
    const arn = executionArn('Orders', 'client-leaves');
    fake.inject({ kind: 'slow', ms: 60_000 }, { op: 'DescribeExecution', times: 1 });
    const { port } = new URL(cli.url);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'describe_execution', arguments: { executionArn: arn } } });
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${Object.entries(MCP_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
    socket.on('error', () => undefined);
    await until(() => fake.requestsFor('DescribeExecution').some((r) => r.body.executionArn === arn), 'the backend request');
    const garbage = JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'ping', params: { pad: 'x'.repeat(3 * 1024 * 1024) } });
    for (let i = 0; i < 8; i += 1) await rawRequest(cli.url, { headers: MCP_HEADERS, body: garbage });
    socket.destroy();
    // Without the close reaching the call, the backend request stays open until the event stream's
    // first keep-alive write fails, 15 s on.
    await until(() => fake.requestsFor('DescribeExecution').some((r) => r.body.executionArn === arn && r.aborted), 'the backend request to be closed', 10_000);
    fake.clearFaults();
  });

  it('keeps idle connections open longer than a load balancer does (65 s), so a proxy never reuses one being closed', async () => {
    const r = await rawRequest(cli.url, { method: 'GET', path: '/healthz', headers: { connection: 'keep-alive' } });
    expect(r.status).toBe(200);
    expect(r.headers['keep-alive']).toBe('timeout=65');
  });

  it('HEAD /healthz answers 200 without a body', async () => {
    const r = await rawRequest(cli.url, { method: 'HEAD', path: '/healthz' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
  });
});

describe('start-up refusals', () => {
  it('a port already in use exits 2 with one stderr line that names it', async () => {
    const first = await startHttpCli([], cliEnv(fake.url));
    try {
      const port = new URL(first.url).port;
      const r = await runCli(['--transport', 'http', '--port', port], cliEnv(fake.url));
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('{'))).toEqual([`executions-mcp: failed to start: --port ${port} on 127.0.0.1 is already in use`]);
    } finally {
      await first.stop();
    }
  });

  it('a non-loopback --host without a token exits 2 with one stderr line', async () => {
    const r = await runCli(['--transport', 'http', '--host', '0.0.0.0', '--port', '0'], cliEnv(fake.url));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/refusing to listen on non-loopback host 0\.0\.0\.0 without a bearer token/);
  });

  it('invalid configuration exits 2 with one stderr line', async () => {
    const r = await runCli(['--transport', 'http', '--port', '99999'], cliEnv(fake.url));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^executions-mcp: invalid --port/);
  });
});
