import type { IncomingMessage, ServerResponse } from 'node:http';
import { discardRest } from './body.js';

/** Why a request is refused before any check that reads its target or headers. */
export interface FormRefusal {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Brings a request into the one form the guards and the SDK read, or refuses it:
 * - an absolute-form target ("POST http://host:3000/mcp", as some proxies send) becomes the path,
 *   and its authority the Host (RFC 9112 §3.2.2: the server must accept it and ignore Host);
 * - media types are case-insensitive (RFC 9110 §8.3.1), the SDK's Accept check is not.
 * (A compressed body gets 415 naming the coding accepted, RFC 9110 §15.5.16: see encodingRefusal.)
 */
export function normaliseRequest(req: IncomingMessage): FormRefusal | undefined {
  const target = req.url ?? '/';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    const url = URL.canParse(target) ? new URL(target) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || !url.host) {
      return refusal(400, '{"error":"invalid request target: expected a path, or an http URL without userinfo"}', { connection: 'close' });
    }
    req.headers.host = url.host;
    req.url = `${url.pathname}${url.search}`;
  }
  if (req.headers.accept) req.headers.accept = req.headers.accept.toLowerCase();
  return undefined;
}

/** A POST body in a content coding (gzip) is refused: the SDK would answer it as bad JSON. Checked once the request is admitted. */
export function encodingRefusal(req: IncomingMessage): FormRefusal | undefined {
  const coding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (req.method !== 'POST' || coding === '' || coding === 'identity') return undefined;
  return refusal(415, '{"error":"unsupported Content-Encoding: send the JSON body uncompressed"}', { 'accept-encoding': 'identity' });
}

function refusal(status: number, body: string, headers: Record<string, string>): FormRefusal {
  return { status, body, headers: { 'content-type': 'application/json', ...headers } };
}

/** Answers a refused request; what the client still sends is read and dropped, so that it reads the answer. */
export function answerRefusal(req: IncomingMessage, res: ServerResponse, refused: FormRefusal): void {
  discardRest(req);
  res.writeHead(refused.status, refused.headers).end(refused.body);
}
