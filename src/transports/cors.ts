import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for browser-based clients (an inspector's web UI, a web IDE) on an Origin the guard has
 * already accepted (loopback, or a name given with --allowed-hosts), only when the server has a
 * bearer token: a foreign Origin is refused before this runs, and the page must send the token.
 */

/** Headers a browser may read from an answer: the session, the protocol version, the auth challenge. */
const EXPOSED = 'mcp-session-id, mcp-protocol-version, www-authenticate, retry-after';
/** What MCP clients send, granted when a preflight does not list the headers it wants. */
const ALLOWED_HEADERS = 'content-type, accept, authorization, mcp-protocol-version, mcp-session-id, mcp-method, mcp-name, last-event-id';

/** Lets the browser read the answer to a request from an accepted Origin (set before any answer is written). */
export function allowOrigin(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (!origin) return;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-expose-headers', EXPOSED);
  res.setHeader('vary', 'Origin');
}

/** A browser's preflight carries no credentials: it is answered here, before the token check. */
export function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;
}

export function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  const asked = req.headers['access-control-request-headers']?.trim() ?? '';
  // The headers the page asked for are granted (its Origin is trusted); header names only (RFC 9110
  // token characters), so nothing odd is reflected back.
  const listed = asked.length <= 1024 && /^[\w!#$%&'*+.^`|~-]+(\s*,\s*[\w!#$%&'*+.^`|~-]+)*$/.test(asked);
  const headers: Record<string, string> = {
    'access-control-allow-methods': 'POST, GET, DELETE',
    'access-control-allow-headers': listed ? asked.toLowerCase() : ALLOWED_HEADERS,
    'access-control-max-age': '600',
  };
  // Chrome asks before a page reaches a loopback address (Private Network Access).
  if (req.headers['access-control-request-private-network'] === 'true') headers['access-control-allow-private-network'] = 'true';
  res.writeHead(204, headers).end();
}
