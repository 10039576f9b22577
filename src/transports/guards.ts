import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostHeaderValidation, localhostHostValidation, localhostOriginValidation, originValidation } from '@modelcontextprotocol/node';
import { hostHeaderName, type Config } from '../config.js';
import { allowOrigin, answerPreflight, isPreflight } from './cors.js';

/** Who a request came as: the token's own identity when a token is configured and matched. */
export type Admission = { admitted: false } | { admitted: true; principal: string | undefined };

/**
 * The checks every /mcp request passes before the MCP handler sees it: Host and Origin against
 * the known names (DNS rebinding), then the bearer token when one is set. A refused request has
 * already been answered (403 or 401), and so has a browser's CORS preflight (204).
 */
export function requestGuard(http: Config['http']): (req: IncomingMessage, res: ServerResponse) => Admission {
  const { host, token, allowedHosts } = http;
  // The bound address itself is always a valid Host (127.0.0.2 is loopback too, but not "localhost").
  const bound = hostHeaderName(host);
  const standardLoopback = ['127.0.0.1', 'localhost', '[::1]'].includes(bound);
  const hostnames = [...allowedHosts, ...(standardLoopback || bound === '0.0.0.0' || bound === '[::]' ? [] : [bound])];
  const checkHost = hostnames.length === 0 ? localhostHostValidation() : hostHeaderValidation([...hostnames, 'localhost', '127.0.0.1', '[::1]']);
  const checkOrigin = hostnames.length === 0 ? localhostOriginValidation() : originValidation([...hostnames, 'localhost', '127.0.0.1', '[::1]']);
  const expected = token ? Buffer.from(token) : undefined;
  // Continuation tokens are bound to it: a replica with another HTTP token (and the same cursor
  // secret) must not honour them. A digest, so the token itself never travels further.
  const principal = token ? `bearer:${createHash('sha256').update(token).digest('hex').slice(0, 32)}` : undefined;

  return (req, res) => {
    // Node keeps the first of several Host lines; a proxy may read the last. Either way it is not one request's host (RFC 9112 §3.2).
    if (hostLines(req) > 1) {
      res.writeHead(400, { 'content-type': 'application/json', connection: 'close' }).end('{"error":"more than one Host header"}');
      return { admitted: false };
    }
    // A Host is host[:port] (RFC 9110 §7.2): userinfo, a path, a query or a fragment in it would pass
    // the name check (the URL parser reads past them) and then break the request URL built from it.
    if (req.headers.host !== undefined && /[@/?#\\\s]/.test(req.headers.host)) {
      res.writeHead(400, { 'content-type': 'application/json', connection: 'close' }).end('{"error":"invalid Host header: expected host[:port]"}');
      return { admitted: false };
    }
    // "localhost." is the same name as "localhost" (a fully qualified name's root dot), in Host and in Origin.
    // An IPv6 zone id ([::1%lo], [::1%25lo] as in a URI) names an interface here, not another host: the
    // address alone is checked (the URL parser the check uses takes no zone, and would refuse the Host).
    if (req.headers.host) req.headers.host = req.headers.host.replace(/\.(?=:\d+$|$)/, '').replace(/^(\[[^\]%]*)%[^\]]*\]/, '$1]');
    if (req.headers.origin) req.headers.origin = req.headers.origin.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:[\]]+)\.(?=(:\d+)?$)/i, '$1');
    if (!checkHost(req, res) || !checkOrigin(req, res)) return { admitted: false };
    // Without a token, CORS would let any page served from a loopback address call the server: a
    // browser client needs --http-token, which the page must then hold.
    if (!expected) return { admitted: true, principal: undefined };
    allowOrigin(req, res);
    if (isPreflight(req)) {
      answerPreflight(req, res);
      return { admitted: false };
    }
    const header = req.headers.authorization ?? '';
    // The auth scheme is case-insensitive (RFC 9110 §11.1).
    const match = /^bearer\s+(.+)$/i.exec(header);
    const given = Buffer.from(match?.[1]?.trim() ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      // No credentials at all get no error code (RFC 6750 §3.1); a wrong token is invalid_token.
      const challenge = header === '' ? 'Bearer' : 'Bearer error="invalid_token"';
      res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' }).end('{"error":"missing or invalid bearer token"}');
      return { admitted: false };
    }
    return { admitted: true, principal };
  };
}

function hostLines(req: IncomingMessage): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]?.toLowerCase() === 'host') count += 1;
  return count;
}
