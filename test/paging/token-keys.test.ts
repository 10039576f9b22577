import { createHash, createHmac, scryptSync } from 'node:crypto';
import { expect, it } from 'vitest';
import { CursorCodec } from '../../src/paging/token.js';

/**
 * A continuation token's body and MAC are readable by whoever holds it (a transcript, a log): the
 * key under a shared secret (EXECUTIONS_MCP_CURSOR_SECRET, or the HTTP token) must not be a fast
 * hash of it, or guesses of the secret could be checked offline against the MAC.
 */

const STATE = { backendToken: 'page-2', offset: 3, pageSize: 100 };
const SECRET = 'team-a-token-0123456789';

it('replicas with the same secret continue each other\'s tokens; another secret refuses them', () => {
  const token = new CursorCodec(SECRET).encode('list_executions', { a: 1 }, undefined, STATE);
  expect(new CursorCodec(SECRET).decode(token, 'list_executions', { a: 1 }, undefined)).toMatchObject(STATE);
  expect(() => new CursorCodec('team-b-token-0123456789').decode(token, 'list_executions', { a: 1 }, undefined)).toThrow(/not a valid continuation token/);
});

it('the MAC is keyed by scrypt of the secret, so guesses of it cannot be checked at hash speed', () => {
  const token = new CursorCodec(SECRET).encode('list_executions', { a: 1 }, undefined, STATE);
  const [prefix, body, mac] = token.split('.');
  const fastKey = createHash('sha256').update(`executions-mcp-cursor:${SECRET}`).digest();
  const fastMac = createHmac('sha256', fastKey).update(`${prefix}.${body}`).digest().subarray(0, 16).toString('base64url');
  const slowKey = scryptSync(SECRET, 'executions-mcp-cursor', 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  expect(mac).toBe(createHmac('sha256', slowKey).update(`${prefix}.${body}`).digest().subarray(0, 16).toString('base64url'));
  expect(mac).not.toBe(fastMac);
});
