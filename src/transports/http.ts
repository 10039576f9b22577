import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { isLoopbackHost } from '../config.js';
import { log } from '../log.js';
import { CursorCodec } from '../paging/token.js';
import { createServer, type ServerDeps } from '../server/create-server.js';
import { WriteRateLimiter } from '../server/rate-limit.js';
import { TOO_LARGE, jsonRpcError, readBody, replay } from './body.js';
import { requestGuard } from './guards.js';
import { keepAliveForProxies, listen, withoutKeepAliveHeader } from './listen.js';
import { answerRefusal, encodingRefusal, normaliseRequest } from './request-form.js';
import { bodyRejection } from './message-check.js';

/**
 * Streamable HTTP, stateless: every request gets a fresh server instance from the same factory,
 * so any replica can answer any request. Host/Origin guards (DNS rebinding), optional bearer token.
 */
export async function startHttp(deps: ServerDeps): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const { host, port, token, allowedHosts } = deps.config.http;
  const guard = requestGuard(deps.config.http);
  // Every request gets a fresh server instance: the write limit and the cursor codec must be the
  // process's, not the request's, or the limit never applies.
  const shared: ServerDeps = {
    ...deps,
    cursors: deps.cursors ?? new CursorCodec(deps.config.cursorSecret ?? deps.config.http.token),
    writeLimiter: deps.writeLimiter ?? new WriteRateLimiter(deps.config.limits.writesPerMinute),
  };
  // The SDK learns of a closed connection through the fetch Request's signal, which undici can stop
  // delivering after a garbage collection (nodejs/undici#3644): calls then ran on after their client
  // left. The Node response's own close event reaches the call through this request-scoped store.
  const connection = new AsyncLocalStorage<AbortSignal>();
  const handler = toNodeHandler(
    createMcpHandler(({ authInfo }) => createServer(shared, { principal: authInfo?.clientId, connectionClosed: connection.getStore() })),
    { onerror: (err) => log.error('bug: MCP HTTP handler failed', { error: `${err.name}: ${err.message}` }) },
  );
  const mcp = (req: Parameters<typeof handler>[0], res: ServerResponse) => {
    const closed = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) closed.abort(new DOMException('the client closed the connection', 'AbortError'));
    });
    return connection.run(closed.signal, () => handler(req, withoutKeepAliveHeader(res)));
  };

  const server = createHttpServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error('http handler failed', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal error"}');
      else res.end();
    });
  });

  let closing = false;
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = normaliseRequest(req);
    if (refused) return answerRefusal(req, res, refused);
    const path = (req.url ?? '/').split('?')[0];
    if (closing) {
      // Draining: a request on a kept-alive connection must not start work it cannot answer.
      res.writeHead(503, { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' }).end('{"error":"shutting down"}');
      return;
    }
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(req.method === 'GET' ? '{"status":"ok"}' : undefined);
      return;
    }
    if (path !== '/mcp') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found: the MCP endpoint is /mcp"}');
      return;
    }
    const admission = guard(req, res);
    if (!admission.admitted) return;
    const { principal } = admission;
    const authed = req as IncomingMessage & { auth?: { token: string; clientId: string; scopes: string[] } };
    if (principal) authed.auth = { token: 'redacted', clientId: principal, scopes: [] };
    if (req.method !== 'POST') {
      // A fetch Request cannot carry these methods: handed to the SDK, they end in a 500.
      if (req.method === 'TRACE' || req.method === 'TRACK' || req.method === 'CONNECT') {
        res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' }).end(jsonRpcError(null, -32000, 'Method not allowed.'));
        return;
      }
      await mcp(req, res);
      return;
    }
    const encoded = encodingRefusal(req);
    if (encoded) return answerRefusal(req, res, encoded);
    // The body is read here first, to refuse what the SDK would silently drop; the SDK then reads
    // the same bytes (and still answers bad JSON itself).
    const body = await readBody(req);
    if (body.kind === 'gone') return;
    if (body.kind === 'tooLarge') return answerRefusal(req, res, { status: 413, headers: { 'content-type': 'application/json' }, body: jsonRpcError(null, -32000, TOO_LARGE) });
    const rejection = bodyRejection(Buffer.concat(body.chunks).toString('utf8'));
    if (rejection) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(jsonRpcError(rejection.id, rejection.code, rejection.message));
      return;
    }
    await mcp(replay(authed, body.chunks), res);
  }

  keepAliveForProxies(server);
  await listen(server, port, host);
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/mcp`;
  // Without a token, Host names beyond loopback are what a reverse proxy sends: its public
  // traffic is then served unauthenticated, so the log must not say "loopback only".
  const remoteNames = token ? [] : allowedHosts.filter((name) => !isLoopbackHost(name));
  // The notes come before the "listening" line: whoever waits for that line has read them too.
  if (remoteNames.length > 0) {
    log.warn(
      `no authentication: requests naming ${remoteNames.join(', ')} in their Host header (what a reverse proxy forwards) are served without authentication; ` +
        'set --http-token, unless the proxy authenticates every request itself',
    );
  }
  if ((host === '0.0.0.0' || host === '::') && allowedHosts.length === 0) {
    // The DNS-rebinding guard accepts only the names it knows: say so before a remote client gets 403.
    log.warn(`listening on every interface, but only loopback Host names are accepted; remote clients get 403 until --allowed-hosts lists the names or addresses they connect to`);
  }
  if (!deps.config.cursorSecret && !token) {
    log.info('continuation tokens are bound to this process; set EXECUTIONS_MCP_CURSOR_SECRET on every replica to share them');
  }
  log.info('listening', { url, auth: token ? 'bearer token' : remoteNames.length > 0 ? 'none' : 'none (loopback only)' });
  return {
    server,
    url,
    async close() {
      // Draining: new requests get 503 (see handle), and the port stays open while the calls in
      // flight answer (bounded), so a request a client has already sent is answered, not reset (a
      // closed listener resets the connections not yet accepted, and closing idle connections drops
      // those whose request is not read yet).
      closing = true;
      await (deps.calls?.idle(deps.config.limits.callDeadlineMs + 2000) ?? Promise.resolve());
      await new Promise((resolve) => setTimeout(resolve, DRAIN_GRACE_MS).unref());
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A finished call still has its answer to write: give the connections a moment to end.
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      server.closeAllConnections();
      await closed;
      await deps.backends.close();
    },
  };
}

/** How long a draining server still reads requests that reached it as the calls in flight ended. */
const DRAIN_GRACE_MS = 100;
