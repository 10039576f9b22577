import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ApiResponse, SfnApi } from './api.js';

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
    async handle(request: SdkRequest) {
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

export async function startHttpEndpoint(api: SfnApi, port: number): Promise<HttpEndpoint> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      const reply = (r: ApiResponse) => {
        res.writeHead(r.status, headersOf(r));
        res.end(r.body);
      };
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
        reply({ status: 404, body: JSON.stringify({ __type: 'UnknownOperationException', message: 'The SFN JSON 1.0 API is served at POST /' }), requestId: 'local' });
        return;
      }
      void api.dispatch(Array.isArray(target) ? target[0] : target, Buffer.concat(chunks).toString('utf8')).then(reply);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
