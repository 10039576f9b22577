import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort as freedPort } from '../helpers/ports.js';
import { startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { neverSent, toBackendError } from '../../src/backends/sfn/errors.js';
import { BackendError, outcomeUnknown } from '../../src/server/errors.js';
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
  closedPort = await freedPort();
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
  it('https to a port that speaks plain http: the TLS failure in plain words, not OpenSSL internals', async () => {
    const env = await envAt(fake.url.replace('http://', 'https://'));
    try {
      const read = await env.call('describe_execution', { executionArn: executionOf('any') });
      expect(read.text).toMatch(/^Step Functions DescribeExecution failed(?: after \d attempts)?: TlsHandshakeFailed: the TLS connection to the Step Functions endpoint failed: what answers there does not speak https/);
      expect(read.text).not.toMatch(/SSL routines|openssl|report it/i);
      // The same codes come from a connection broken after a request went out: a write's outcome stays unknown.
      const start = await env.call('start_execution', { stateMachineArn: orders, name: 'over-tls' });
      expect(start.text).toMatch(/^Step Functions StartExecution failed: TlsHandshakeFailed: [^\n]*The execution may have started anyway/);
      expect(start.text).not.toMatch(/SSL routines|nothing was sent/i);
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

describe('what counts as never sent', () => {
  // Errors as Node raises them under the SDK (code and syscall), the SDK's $metadata added.
  const nodeError = (code: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, $metadata: { attempts: 1 }, ...extra });

  it('a connect or a lookup that failed, and a refused certificate, are never sent', () => {
    for (const err of [
      nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1', { syscall: 'connect' }),
      nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND states.invalid', { syscall: 'getaddrinfo' }),
      nodeError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'),
    ]) {
      expect(neverSent(err), err.message).toBe(true);
      expect(toBackendError('StartExecution', err)).toMatchObject({ details: { notSent: true } });
    }
  });

  it("a region the SDK refuses (a profile's that is not a region name) stops the request before it is sent", () => {
    const backendError = toBackendError('StartExecution', new Error('Region not accepted: region="eu west 1" is not a valid hostname component.')) as BackendError;
    expect(backendError).toMatchObject({ kind: 'not_configured', details: { notSent: true } });
    expect(backendError.message).toMatch(/^Region not accepted/);
    expect(outcomeUnknown(backendError)).toBe(false);
  });

  it('a TLS failure or an unreachable network on a connection already made may follow a request sent: outcome unknown', () => {
    for (const err of [
      nodeError('ERR_SSL_WRONG_VERSION_NUMBER', 'error:0A00010B:SSL routines:ssl3_get_record:wrong version number'),
      nodeError('EPROTO', 'write EPROTO'),
      nodeError('EHOSTUNREACH', 'read EHOSTUNREACH', { syscall: 'read' }),
    ]) {
      expect(neverSent(err), err.message).toBe(false);
      const backendError = toBackendError('StartExecution', err) as BackendError;
      expect(backendError.details.notSent, err.message).toBeUndefined();
      expect(outcomeUnknown(backendError), err.message).toBe(true);
    }
  });
});
