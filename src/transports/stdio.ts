import type { Writable } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import { StdioServerTransport, serveStdio } from '@modelcontextprotocol/server/stdio';
import { log } from '../log.js';
import { CallTracker } from '../server/activity.js';
import { createServer, type ServerDeps } from '../server/create-server.js';
import { LineGate } from './line-gate.js';

/** A JSON-RPC message longer than this is refused (tool inputs are at most 256 KiB). */
const MAX_LINE_BYTES = 4 * 1024 * 1024;
/**
 * Answers written but not yet read by the host, past which further requests wait (see LineGate): a
 * host that floods requests without reading stdout would otherwise grow memory without bound.
 */
const MAX_UNREAD_ANSWER_BYTES = 4 * 1024 * 1024;

/**
 * stdio: one pinned server instance per connection, writing to `protocolOut` (see takeStdout).
 * When the host closes stdin, the calls it already sent answer first; then `onClosed` runs.
 */
export function startStdio(deps: ServerDeps, protocolOut: Writable, onClosed: () => void): { close(): Promise<void> } {
  const calls = deps.calls ?? new CallTracker();
  let closedOnce = false;
  const closed = () => {
    if (closedOnce) return;
    closedOnce = true;
    onClosed();
  };
  const input = new LineGate({
    maxLineBytes: MAX_LINE_BYTES,
    onRejected: (rejection, bytes) => {
      log.warn('stdio: refused a message', { bytes, code: rejection.code, reason: rejection.message });
      // The SDK's message type has no null id, though JSON-RPC answers an unreadable one with null.
      transport.send({ jsonrpc: '2.0', id: rejection.id, error: { code: rejection.code, message: rejection.message } } as unknown as JSONRPCMessage).catch(() => undefined);
    },
    beforeEnd: async () => {
      await calls.idle(deps.config.limits.callDeadlineMs + 2000);
      await flushed(protocolOut);
      // Not on 'end': a transport closed early (stdout broken) stops reading, and 'end' never comes.
      setImmediate(closed);
    },
    holdInput: () => untilRead(protocolOut),
  });
  process.stdin.pipe(input);
  const transport = new StdioServerTransport(input, protocolOut);
  const handle = serveStdio(() => createServer({ ...deps, calls }), {
    transport,
    onerror: (err) => log.warn('stdio transport error', { error: err.message }),
  });
  // The host is gone when its end of stdout breaks (EPIPE): nobody can read an answer any more.
  protocolOut.once('error', closed);
  async function shutdown(): Promise<void> {
    await calls.idle(deps.config.limits.callDeadlineMs + 2000);
    await flushed(protocolOut);
    await handle.close().catch(() => undefined);
    await deps.backends.close();
  }
  return { close: shutdown };
}

/** Resolves once the host has read what is queued on `out`; undefined when little is queued. */
function untilRead(out: Writable): Promise<void> | undefined {
  if (out.writableLength <= MAX_UNREAD_ANSWER_BYTES || out.destroyed) return undefined;
  return new Promise((resolve) => {
    const release = () => {
      out.off('drain', release).off('close', release).off('error', release);
      resolve();
    };
    out.on('drain', release).on('close', release).on('error', release);
  });
}

/** A call that just finished still has its answer to write: let it reach stdout (bounded). */
async function flushed(out: Writable): Promise<void> {
  const until = Date.now() + 1000;
  do await new Promise((resolve) => setTimeout(resolve, 20));
  while (out.writableLength > 0 && Date.now() < until);
}
