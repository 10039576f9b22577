import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { createServer, type ServerDeps } from '../server/create-server.js';
import { log } from '../log.js';

/** stdio: one pinned server instance per connection; `onClosed` runs when the host closes stdin. */
export function startStdio(deps: ServerDeps, onClosed: () => void): { close(): Promise<void> } {
  const handle = serveStdio(() => createServer(deps), {
    onerror: (err) => log.warn('stdio transport error', { error: err.message }),
  });
  process.stdin.once('end', onClosed);
  async function shutdown(): Promise<void> {
    await handle.close().catch(() => undefined);
    await deps.backends.close();
  }
  return { close: shutdown };
}
