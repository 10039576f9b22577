import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { createServer, type ServerDeps } from '../server/create-server.js';
import { log } from '../log.js';

/** stdio: one pinned server instance per connection; the process ends when stdin closes. */
export function startStdio(deps: ServerDeps): { close(): Promise<void> } {
  const handle = serveStdio(() => createServer(deps), {
    onerror: (err) => log.warn('stdio transport error', { error: err.message }),
  });
  process.stdin.once('end', () => void shutdown());
  async function shutdown(): Promise<void> {
    await handle.close().catch(() => undefined);
    await deps.backends.close();
  }
  return { close: shutdown };
}
