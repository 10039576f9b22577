import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort as freedPort } from '../helpers/ports.js';
import { transportError } from '../../src/backends/ona/errors.js';
import { outcomeUnknown, refusedOutright } from '../../src/server/errors.js';
import { onaEnv, type OnaEnv } from './env.js';

/**
 * Failures with no HTTP reply: whether the request left the server decides whether a start may
 * have happened. Only a failed connect or lookup, or a refused certificate, never left.
 */

let env: OnaEnv;
let closedPort: number;

beforeAll(async () => {
  env = await onaEnv({ count: 3, writes: true });
  closedPort = await freedPort();
});

afterAll(async () => {
  await env.close();
});

/** The same server, its ONA_BASE_URL pointed at `baseUrl`. */
async function envAt(baseUrl: string): Promise<OnaEnv> {
  return onaEnv({ count: 1, writes: true, backend: { maxRetries: 2 }, env: { ONA_BASE_URL: baseUrl } });
}

describe('through the tools', () => {
  it('a start whose every connection was refused: it could not connect, and nothing was changed', async () => {
    const dead = await envAt(`http://127.0.0.1:${closedPort}/api`);
    try {
      const start = await dead.harness.call('start_agent_execution', { codeContext: { projectId: 'prj-1' } });
      expect(start.isError).toBe(true);
      expect(start.text).toMatch(/^Ona StartAgent failed after 3 attempts: ECONNREFUSED: could not connect to the Ona endpoint \(ECONNREFUSED\); check ONA_BASE_URL\. Next: .*\. Nothing was changed\.$/);
      expect(start.text).not.toContain('may have started');
    } finally {
      await dead.close();
    }
  });

  it('https to a port that speaks plain http: the TLS failure in plain words; a start may have happened', async () => {
    const tls = await envAt(env.fake.baseUrl.replace('http://', 'https://'));
    try {
      const read = await tls.harness.call('list_agent_executions');
      expect(read.text).toMatch(/^Ona ListAgentExecutions failed(?: after \d attempts)?: tls_failed: the TLS connection to Ona failed: what answers at ONA_BASE_URL does not speak https/);
      expect(read.text).toMatch(/Next: check the scheme and port of ONA_BASE_URL/);
      expect(read.text).not.toMatch(/SSL routines|openssl|EPROTO/i);
      // The same codes come from a connection broken after a request went out.
      const start = await tls.harness.call('start_agent_execution', { codeContext: { projectId: 'prj-1' } });
      expect(start.text).toMatch(/^Ona StartAgent failed: tls_failed: .*Next: the agent may have started anyway/);
      expect(start.text).not.toMatch(/Nothing was changed/);
    } finally {
      await tls.close();
    }
  });
});

describe('what counts as never sent', () => {
  const nodeError = (code: string, message: string, syscall?: string) => Object.assign(new Error(message), { code, ...(syscall && { syscall }) });
  const ctx = (attempts: number) => ({ operation: 'StartAgent', attempts, secret: 'ona_pat_secret' });

  it('a failed connect or lookup, and a refused certificate, changed nothing', () => {
    for (const err of [
      nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1', 'connect'),
      nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND app.invalid', 'getaddrinfo'),
      nodeError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'),
    ]) {
      const error = transportError(err, ctx(1), 30_000);
      expect(error.details.notSent, err.message).toBe(true);
      expect(refusedOutright(error), err.message).toBe(true);
    }
    const cert = transportError(nodeError('CERT_HAS_EXPIRED', 'certificate has expired'), ctx(1), 30_000);
    expect(cert.message).toBe("Ona's TLS certificate was not accepted (CERT_HAS_EXPIRED), so nothing was sent: a private CA needs NODE_EXTRA_CA_CERTS, or ONA_BASE_URL is not the endpoint meant");
  });

  it('undici wrapping the socket error in a cause changes nothing', () => {
    const wrapped = Object.assign(new Error('fetch failed'), { cause: nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1', 'connect') });
    expect(transportError(wrapped, ctx(1), 30_000).details.notSent).toBe(true);
  });

  it('after retries that may have gone out, a last refused connect does not tell', () => {
    const err = nodeError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1', 'connect');
    expect(transportError(err, ctx(3), 30_000).details.notSent).toBeUndefined();
    // Retried only after attempts that never left (a start): none did.
    expect(transportError(err, ctx(3), 30_000, true).details.notSent).toBe(true);
  });

  it('a TLS failure, or an unreachable network on a connection already used, may follow a request sent', () => {
    for (const err of [
      nodeError('ERR_SSL_WRONG_VERSION_NUMBER', 'error:0A00010B:SSL routines:ssl3_get_record:wrong version number'),
      nodeError('EPROTO', 'write EPROTO'),
      nodeError('EHOSTUNREACH', 'read EHOSTUNREACH', 'read'),
    ]) {
      const error = transportError(err, ctx(1), 30_000);
      expect(error.details.notSent, err.message).toBeUndefined();
      expect(error.kind, err.message).toBe('unavailable');
      expect(outcomeUnknown(error), err.message).toBe(true);
    }
  });
});
