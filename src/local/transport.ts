import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { log } from '../log.js';
import type { ApiResponse, SfnApi } from './api.js';
import { MAX_BODY_BYTES, checkCaller, checkDeclaredLength, checkWrite, tooLarge, type Refusal } from './http-guard.js';

/** The engine's SFN API two ways: a socket-free SDK request handler, and plain HTTP on 127.0.0.1. */

const CONTENT_TYPE = 'application/x-amz-json-1.0';

function headersOf(res: ApiResponse): Record<string, string> {
  return {
    'content-type': CONTENT_TYPE,
    'content-length': String(Buffer.byteLength(res.body)),
    'x-amzn-requestid': res.requestId,
  };
}

interface SdkRequest {
  headers: Record<string, string>;
  body?: unknown;
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return String(body);
}

function header(headers: Record<string, string>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** For `new SFNClient({ requestHandler })`: same serde, dates, errors and paginators, no port. */
export function createRequestHandler(api: SfnApi) {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    async handle(request: SdkRequest, options?: { abortSignal?: { aborted: boolean } }) {
      // Each request waits for the event loop's next turn, as a reply over a socket would: a walk of
      // many small pages then lets cancellations, other clients and signals in between its pages
      // (without it one call held the whole server), and a cancelled call stops before the next one.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (options?.abortSignal?.aborted) throw Object.assign(new Error('The request was cancelled before the engine received it'), { name: 'AbortError' });
      const res = await api.dispatch(header(request.headers, 'x-amz-target'), bodyText(request.body));
      return { response: { statusCode: res.status, headers: headersOf(res), body: Readable.from([Buffer.from(res.body)]) } };
    },
    destroy(): void {},
    updateHttpClientConfig(): void {},
    httpHandlerConfigs() {
      return {};
    },
  };
}

export interface HttpEndpoint {
  url: string;
  close(): Promise<void>;
}

export interface HttpEndpointOptions {
  /** The MCP server's --allow-writes: without it StartExecution and StopExecution (the writes the engine performs) are refused. */
  allowWrites: boolean;
}

function refuse(res: ServerResponse, refusal: NonNullable<Refusal>): void {
  if (refusal.status === 403 || refusal.status === 413) log.warn('local Step Functions API request refused', { status: refusal.status, reason: refusal.message });
  const body = JSON.stringify({ __type: refusal.code, message: refusal.message });
  // The request body may be unread: do not keep the connection for another request.
  res.writeHead(refusal.status, { ...headersOf({ status: refusal.status, body, requestId: 'local' }), connection: 'close' });
  res.end(body);
}

/** Plain HTTP on 127.0.0.1, for the AWS CLI and SDKs; only loopback callers, bodies up to 1 MiB. */
export async function startHttpEndpoint(api: SfnApi, port: number, options: HttpEndpointOptions): Promise<HttpEndpoint> {
  let boundPort = port;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = Array.isArray(req.headers['x-amz-target']) ? req.headers['x-amz-target'][0] : req.headers['x-amz-target'];
    const early = checkCaller(req.headers, boundPort) ?? checkDeclaredLength(req.headers);
    if (early) {
      refuse(res, early);
      return;
    }
    if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
      refuse(res, { status: 404, code: 'UnknownOperationException', message: 'The SFN JSON 1.0 API is served at POST /' });
      return;
    }
    const denied = checkWrite(target, options.allowWrites);
    if (denied) {
      refuse(res, denied);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(c);
        return;
      }
      // Stop reading: no more buffering, answer now, and close the connection after the answer.
      req.off('data', onData);
      req.off('end', onEnd);
      req.pause();
      chunks.length = 0;
      refuse(res, tooLarge());
      res.once('finish', () => req.socket.destroy());
    };
    const onEnd = () => {
      void api.dispatch(target, Buffer.concat(chunks).toString('utf8')).then((r) => {
        res.writeHead(r.status, headersOf(r));
        res.end(r.body);
      });
    };
    req.on('data', onData);
    req.on('end', onEnd);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, port)));
    server.listen(port, '127.0.0.1', () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  boundPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listenError(err: NodeJS.ErrnoException, port: number): Error {
  if (err.code === 'EADDRINUSE') return new Error(`--local-port ${port} is already in use on 127.0.0.1`);
  if (err.code === 'EACCES') return new Error(`--local-port ${port} cannot be opened on 127.0.0.1: permission denied`);
  return new Error(`--local-port ${port} cannot be opened on 127.0.0.1: ${err.message}`);
}
