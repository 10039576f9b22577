import type { IncomingHttpHeaders } from 'node:http';
import { ENGINE_WRITES } from './operations.js';

/**
 * Who may use the `--local-port` API. It runs the user's own handler code, so a web page must not
 * reach it: DNS rebinding sends a foreign Host, a cross-site request a foreign Origin. Writes
 * (starting or stopping executions) follow the MCP server's `--allow-writes`.
 */

export const MAX_BODY_BYTES = 1024 * 1024;

export type Refusal = { status: number; code: string; message: string } | undefined;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function loopbackAuthorities(port: number): string[] {
  const hosts = ['127.0.0.1', 'localhost', '[::1]'];
  // Port 80 may be left out of Host and Origin.
  return port === 80 ? [...hosts.map((h) => `${h}:80`), ...hosts] : hosts.map((h) => `${h}:${port}`);
}

/** 403 unless Host names this loopback port and no foreign Origin is present. */
export function checkCaller(headers: IncomingHttpHeaders, port: number): Refusal {
  const allowed = loopbackAuthorities(port);
  const host = single(headers.host)?.toLowerCase();
  if (host === undefined || !allowed.includes(host)) {
    return { status: 403, code: 'AccessDeniedException', message: `Host '${host ?? ''}' is not allowed: the embedded engine answers only to ${allowed[0] ?? ''} and other loopback names` };
  }
  const origin = single(headers.origin)?.toLowerCase();
  if (origin !== undefined && !allowed.some((a) => origin === `http://${a}`)) {
    return { status: 403, code: 'AccessDeniedException', message: `Origin '${origin}' is not allowed: the embedded engine does not serve web pages` };
  }
  return undefined;
}

/** 413 when the declared body is too large (a body without a length is counted while it arrives). */
export function checkDeclaredLength(headers: IncomingHttpHeaders): Refusal {
  const declared = Number(single(headers['content-length']) ?? 0);
  return declared > MAX_BODY_BYTES ? tooLarge() : undefined;
}

export function tooLarge(): NonNullable<Refusal> {
  return { status: 413, code: 'RequestEntityTooLarge', message: `The request body exceeds ${MAX_BODY_BYTES} bytes` };
}

/** AWS-shaped AccessDeniedException (HTTP 400) for a write the engine performs while the server is read-only. */
export function checkWrite(target: string | undefined, allowWrites: boolean): Refusal {
  if (allowWrites || target === undefined || !target.startsWith('AWSStepFunctions.')) return undefined;
  const op = target.slice('AWSStepFunctions.'.length);
  // Reads, writes the engine does not support (UnsupportedOperation) and names the API does not
  // have (UnknownOperationException) are answered by the engine itself, whatever the write mode.
  if (!ENGINE_WRITES.has(op)) return undefined;
  return {
    status: 400,
    code: 'AccessDeniedException',
    message: `${op} is refused: the embedded engine's API is read-only unless the server runs with --allow-writes`,
  };
}
