import type { IncomingMessage } from 'node:http';

/** Reading an HTTP request body before the MCP SDK does, and handing it on unchanged. */

/** The SDK's own limit on a request body (createMcpHandler's maxRequestBodySize default). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The SDK's words for a body over the limit. */
export const TOO_LARGE = `Payload Too Large: Request body must not exceed ${MAX_BODY_BYTES} bytes`;

export type Body = { kind: 'read'; chunks: Buffer[] } | { kind: 'tooLarge' } | { kind: 'gone' };

/** What is read on and dropped after a 413 before the connection is cut. */
const DISCARD_BYTES = 64 * 1024 * 1024;

/**
 * The body's chunks; `tooLarge` past MAX_BODY_BYTES (at once when Content-Length says so), with the
 * request paused, for discardRest; `gone` when the client went away mid-body (nobody to answer,
 * nothing to log).
 */
export function readBody(req: IncomingMessage): Promise<Body> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return Promise.resolve({ kind: 'tooLarge' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (body: Body) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('aborted', onGone);
      // Nothing reads the request after this: a later error (a client gone after a 413) is not a crash.
      req.on('error', ignore);
      resolve(body);
    };
    const onData = (chunk: Buffer | string) => {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += buf.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(buf);
        return;
      }
      req.pause();
      settle({ kind: 'tooLarge' });
    };
    const onEnd = () => settle({ kind: 'read', chunks });
    const onGone = () => settle({ kind: 'gone' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('aborted', onGone);
  });
}

/**
 * After a 413: reads on and drops what the client is still sending, so that it gets to read the
 * answer (a socket closed on unread bytes is reset, and a client still writing sees only EPIPE).
 * Past DISCARD_BYTES the connection is cut.
 */
export function discardRest(req: IncomingMessage): void {
  let left = DISCARD_BYTES;
  req.on('data', (chunk: Buffer | string) => {
    left -= chunk.length;
    if (left < 0) req.socket.destroy();
  });
  req.resume();
}

/** The request as the SDK reads it, from the chunks already read. */
export function replay(req: IncomingMessage & { auth?: { token: string; clientId: string; scopes: string[] } }, chunks: Buffer[]) {
  return {
    method: req.method,
    url: req.url,
    headers: req.headers,
    auth: req.auth,
    async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
      yield* chunks;
    },
  };
}

function ignore(): void {}

export function jsonRpcError(id: string | number | null, code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } });
}
