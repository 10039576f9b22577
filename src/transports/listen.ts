import type { Server, ServerResponse } from 'node:http';

/** A start failure that is the configuration's to fix: the CLI exits 2 with its one line. */
export class ListenError extends Error {
  override name = 'ListenError';
}

export async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      const where = `--port ${port} on ${host}`;
      if (err.code === 'EADDRINUSE') reject(new ListenError(`${where} is already in use`));
      else if (err.code === 'EACCES') reject(new ListenError(`${where} cannot be opened: permission denied`));
      else if (err.code === 'EADDRNOTAVAIL') reject(new ListenError(`${where} cannot be opened: ${host} is not an address of this machine`));
      else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') reject(new ListenError(`${where} cannot be opened: ${host} does not resolve to an address`));
      else reject(err);
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/**
 * Idle keep-alive connections outlive a load balancer's (60 s on ALB and nginx's upstream default
 * is shorter): with Node's 5 s, the server closes connections a proxy is about to reuse, and the
 * proxy answers 502. Headers must still be allowed to arrive for longer than that.
 */
export function keepAliveForProxies(server: Server): void {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
}

/**
 * Connection is a hop-by-hop header that Node sets from the request: the SDK's own "keep-alive" on
 * event streams would override a client's "Connection: close" and hold its socket open.
 */
export function withoutKeepAliveHeader(res: ServerResponse): ServerResponse {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<typeof writeHead>) {
    const headers = args[1];
    if (headers && !Array.isArray(headers) && String(headers.connection).toLowerCase() === 'keep-alive') delete headers.connection;
    return writeHead.apply(this, args);
  } as typeof writeHead;
  return res;
}
