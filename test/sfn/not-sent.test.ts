import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { WriteRateLimiter } from '../../src/server/rate-limit.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * A request that never left the server (no connection, no TLS session) changed nothing, however
 * many attempts the SDK made: a write says so, is not counted, and a start is not called uncertain.
 */

let fake: FakeSfn;
let orders: string;
let closedPort: number;

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  // A port that was just free: nothing listens there now.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  await fake.close();
});

/** The server with one write a minute, aimed at `endpoint`; a second write shows whether the first was counted. */
async function envAt(endpoint: string): Promise<SfnEnv> {
  return startSfnEnv({ fake, maxAttempts: 3, argv: ['--allow-writes'], env: { AWS_ENDPOINT_URL_SFN: endpoint }, writeLimiter: new WriteRateLimiter(1) });
}

const executionOf = (name: string) => `${orders.replace(':stateMachine:', ':execution:')}:${name}`;

describe('requests that never left the server', () => {
  it('https to a port that speaks plain http: a TLS failure in plain words; writes change nothing and cost nothing', async () => {
    const env = await envAt(fake.url.replace('http://', 'https://'));
    try {
      const read = await env.call('describe_execution', { executionArn: executionOf('any') });
      expect(read.text).toMatch(/^Step Functions DescribeExecution failed(?: after \d attempts)?: TlsHandshakeFailed: no TLS connection could be made to the Step Functions endpoint, so nothing was sent: what answers there does not speak https/);
      expect(read.text).not.toMatch(/SSL routines|openssl|report it/i);
      const start = await env.call('start_execution', { stateMachineArn: orders, name: 'over-tls' });
      expect(start.text).toMatch(/^Step Functions StartExecution failed: TlsHandshakeFailed: [^\n]*so nothing was sent/);
      expect(start.text).not.toMatch(/may have/);
      const redrive = await env.call('redrive_execution', { executionArn: executionOf('failed') });
      expect(redrive.text).toMatch(/^Step Functions RedriveExecution failed(?: after \d attempts)?: TlsHandshakeFailed: [^\n]*so nothing was sent/);
      expect(redrive.text).not.toMatch(/may have|clientToken/);
      // Neither write was counted: the allowance of one is still there.
      const third = await env.call('start_execution', { stateMachineArn: orders, name: 'over-tls-again' });
      expect(third.text).not.toMatch(/EXECUTIONS_MCP_WRITES_PER_MINUTE/);
    } finally {
      await env.close();
    }
  });

  it('a refused connection at every attempt: the redrive changed nothing, says so, and costs nothing', async () => {
    const env = await envAt(`http://127.0.0.1:${closedPort}`);
    try {
      const redrive = await env.call('redrive_execution', { executionArn: executionOf('failed') });
      expect(redrive.text).toMatch(/^Step Functions RedriveExecution failed after 3 attempts: ECONNREFUSED: could not connect to the Step Functions endpoint \(ECONNREFUSED\)\. Next: [^\n]*\. Nothing was changed\.$/);
      const again = await env.call('redrive_execution', { executionArn: executionOf('failed') });
      expect(again.text).toMatch(/ECONNREFUSED/);
      expect(again.text).not.toMatch(/EXECUTIONS_MCP_WRITES_PER_MINUTE/);
    } finally {
      await env.close();
    }
  });
});
