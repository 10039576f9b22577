import { request } from 'node:http';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startLocalEngine } from '../../src/local/index.js';
import { testConfig } from '../helpers/config.js';
import { fixtureDir, smArn, startTestEngine, type TestEngine } from './helpers.js';

/** The --local-port API: loopback Host and Origin only, 1 MiB bodies, writes only with --allow-writes. */

const machines = { Hello: { StartAt: 'Hi', States: { Hi: { Type: 'Pass', End: true } } } };
const MIB = 1024 * 1024;

let fixture: ReturnType<typeof fixtureDir>;
let readOnly: TestEngine;
let writable: TestEngine;

beforeAll(async () => {
  fixture = fixtureDir(machines);
  readOnly = await startTestEngine(fixture.dir);
  writable = await startTestEngine(fixture.dir, ['--allow-writes']);
});
afterAll(async () => {
  await readOnly?.close();
  await writable?.close();
  fixture.remove();
});

const portOf = (t: TestEngine) => Number(new URL(t.engine.url ?? '').port);

interface RawReply {
  status: number;
  body: string;
  closed: Promise<void>;
}

/**
 * A raw request with exactly these headers; `body` is written as given (chunked when no
 * content-length). `hold`: write the body but never end the request (the reply must not wait for it).
 */
function raw(t: TestEngine, headers: Record<string, string>, body: string | Buffer[] = '{}', target = 'AWSStepFunctions.ListStateMachines', hold = false): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: portOf(t), method: 'POST', path: '/', setHost: false, agent: false, headers: { 'x-amz-target': target, ...headers } });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      const closed = new Promise<void>((done) => req.socket?.once('close', () => done()));
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), closed }));
    });
    // The server may close while a large body is still being written: the reply still counts.
    req.on('error', (err) => (req.socket && !req.socket.destroyed ? reject(err) : undefined));
    if (hold) req.write(body);
    else if (typeof body === 'string') req.end(body);
    else {
      for (const chunk of body) req.write(chunk);
      req.end();
    }
  });
}

describe('Host and Origin (DNS rebinding, cross-site requests)', () => {
  it('answers loopback names on the bound port', async () => {
    const port = portOf(readOnly);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      const r = await raw(readOnly, { host });
      expect([host, r.status]).toEqual([host, 200]);
      expect(JSON.parse(r.body)).toMatchObject({ stateMachines: [{ name: 'Hello' }] });
    }
  });

  it('refuses a foreign Host with 403, also for a write on a server with --allow-writes', async () => {
    const port = portOf(writable);
    for (const host of [`attacker.example:${port}`, 'attacker.example', `127.0.0.1:${port + 1}`, '127.0.0.1', `127.0.0.1.attacker.example:${port}`]) {
      const r = await raw(writable, { host });
      expect([host, r.status]).toEqual([host, 403]);
      expect(JSON.parse(r.body)).toMatchObject({ __type: 'AccessDeniedException' });
    }
    const rebinding = await raw(writable, { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` }, JSON.stringify({ stateMachineArn: smArn('Hello'), name: 'rebound' }), 'AWSStepFunctions.StartExecution');
    expect(rebinding.status).toBe(403);
    await expect(writable.inProcess.send(new DescribeExecutionCommand({ executionArn: `${smArn('Hello').replace('stateMachine', 'execution')}:rebound` }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });

  it('refuses a foreign Origin with 403 and accepts a loopback one', async () => {
    const port = portOf(writable);
    const host = `127.0.0.1:${port}`;
    for (const origin of ['https://attacker.example', 'null', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`]) {
      const r = await raw(writable, { host, origin }, JSON.stringify({ stateMachineArn: smArn('Hello') }), 'AWSStepFunctions.StartExecution');
      expect([origin, r.status]).toEqual([origin, 403]);
    }
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      expect((await raw(writable, { host, origin })).status).toBe(200);
    }
  });
});

describe('request size', () => {
  it('accepts a body of exactly 1 MiB', async () => {
    const body = `{}${' '.repeat(MIB - 2)}`;
    const r = await raw(readOnly, { host: `127.0.0.1:${portOf(readOnly)}`, 'content-length': String(MIB) }, body);
    expect(r.status).toBe(200);
  });

  it('answers 413 for a declared length over 1 MiB, and for a chunked body that grows over it, then closes', async () => {
    const host = `127.0.0.1:${portOf(readOnly)}`;
    // Only a few bytes of the declared length are sent: the answer comes without reading the body.
    const declared = await raw(readOnly, { host, 'content-length': String(MIB + 1) }, '{}', undefined, true);
    expect(declared.status).toBe(413);
    await declared.closed;
    const chunks = Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, 0x20));
    const chunked = await raw(readOnly, { host }, chunks);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ __type: 'RequestEntityTooLarge' });
    await chunked.closed;
  });
});

describe('writes follow --allow-writes', () => {
  const denied = { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } };

  it('refuses StartExecution and StopExecution over HTTP on a read-only server, with the AWS error shape', async () => {
    const start = readOnly.http.send(new StartExecutionCommand({ stateMachineArn: smArn('Hello'), name: 'over-http' }));
    await expect(start).rejects.toMatchObject(denied);
    await expect(start).rejects.toThrow(/read-only unless the server runs with --allow-writes/);
    const executionArn = `${smArn('Hello').replace('stateMachine', 'execution')}:over-http`;
    await expect(readOnly.inProcess.send(new DescribeExecutionCommand({ executionArn }))).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
    await expect(readOnly.http.send(new StopExecutionCommand({ executionArn }))).rejects.toMatchObject(denied);
    expect((await readOnly.http.send(new ListStateMachinesCommand({}))).stateMachines).toHaveLength(1);
  });

  it('answers a write the engine does not support with UnsupportedOperation in both modes, never with advice to add --allow-writes', async () => {
    const unsupportedWrites = async (t: TestEngine) => {
      const { executionArn } = await t.inProcess.send(new StartExecutionCommand({ stateMachineArn: smArn('Hello'), name: 'to-redrive' }));
      return [
        t.http.send(new CreateStateMachineCommand({ name: 'x', definition: '{}', roleArn: 'arn:aws:iam::123456789012:role/x' })),
        t.http.send(new TagResourceCommand({ resourceArn: smArn('Hello'), tags: [] })),
        t.http.send(new SendTaskSuccessCommand({ taskToken: 't', output: '{}' })),
        t.http.send(new RedriveExecutionCommand({ executionArn })),
      ];
    };
    for (const t of [readOnly, writable]) {
      for (const call of await unsupportedWrites(t)) {
        await expect(call).rejects.toMatchObject({ name: 'UnsupportedOperation', $metadata: { httpStatusCode: 400 } });
        await expect(call).rejects.toThrow(/not supported by the embedded Step Functions engine/);
      }
    }
    const other = await raw(readOnly, { host: `127.0.0.1:${portOf(readOnly)}` }, '{}', 'AWSStepFunctions.DeleteStateMachine');
    expect([other.status, JSON.parse(other.body).__type]).toEqual([400, 'UnsupportedOperation']);
  });

  it('leaves the in-process path (the MCP tools) alone, and lets a server with --allow-writes start over HTTP', async () => {
    const inProcess = await readOnly.inProcess.send(new StartExecutionCommand({ stateMachineArn: smArn('Hello'), name: 'in-process' }));
    expect(inProcess.executionArn).toMatch(/:in-process$/);
    const overHttp = await writable.http.send(new StartExecutionCommand({ stateMachineArn: smArn('Hello'), name: 'allowed' }));
    expect(overHttp.executionArn).toMatch(/:allowed$/);
  });
});

describe('ports', () => {
  it('a --local-port already in use fails the start with a clear message', async () => {
    const port = portOf(readOnly);
    await expect(startLocalEngine(testConfig(['--local', fixture.dir, '--local-port', String(port)]))).rejects.toThrow(
      new RegExp(`^--local-port ${port} is already in use on 127\\.0\\.0\\.1$`),
    );
  });

  it('--local-port equal to the HTTP --port is a config error; port 0 and stdio are fine', () => {
    const load = (argv: string[]) => loadConfig(argv, { AWS_REGION: 'us-east-1' });
    expect(() => load(['--transport', 'http', '--port', '18090', '--local', '--local-port', '18090'])).toThrow(ConfigError);
    expect(() => load(['--transport', 'http', '--local', '--local-port', '3000'])).toThrow(/--local-port: 3000 is also the MCP HTTP --port/);
    expect(load(['--transport', 'http', '--port', '0', '--local', '--local-port', '0']).kind).toBe('run');
    expect(load(['--port', '18090', '--local', '--local-port', '18090']).kind).toBe('run');
    expect(load(['--transport', 'http', '--port', '18090', '--local', '--local-port', '18091']).kind).toBe('run');
  });
});
