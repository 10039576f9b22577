import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { createBackends, type BackendOverrides, type Backends } from '../../src/backends/index.js';
import type { Config } from '../../src/config.js';
import { createServer, type ServerDeps } from '../../src/server/create-server.js';

export interface ToolCallResult {
  isError?: boolean;
  text: string;
  structured: Record<string, unknown> | undefined;
}

export interface Harness {
  client: Client;
  backends: Backends;
  call(name: string, args?: Record<string, unknown>, options?: { signal?: AbortSignal; onprogress?: (p: unknown) => void }): Promise<ToolCallResult>;
  close(): Promise<void>;
}

/** A real MCP client connected in memory to createServer(config). */
export async function connect(
  config: Config,
  overrides: BackendOverrides = {},
  shared: Pick<ServerDeps, 'cursors' | 'writeLimiter'> = {},
): Promise<Harness> {
  const backends = createBackends(config, overrides);
  const server = createServer({ config, backends, ...shared });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '0.0.0' });
  await client.connect(clientSide);
  // As hosts do: the client then checks every structuredContent against the tool's outputSchema.
  await client.listTools();
  return {
    client,
    backends,
    async call(name, args = {}, options = {}) {
      const res = await client.callTool({ name, arguments: args }, { signal: options.signal, onprogress: options.onprogress });
      const content = (res.content ?? []) as Array<{ type: string; text?: string }>;
      return {
        isError: res.isError === true ? true : undefined,
        text: content.map((c) => c.text ?? '').join('\n'),
        structured: res.structuredContent as Record<string, unknown> | undefined,
      };
    },
    async close() {
      await client.close();
      await server.close();
      await backends.close();
    },
  };
}
