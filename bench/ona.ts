/**
 * Bytes per item of list_agent_executions (structuredContent item + its text line) against the raw
 * AgentExecution JSON, through the real MCP client and undici client against the loopback fake.
 */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { createBackends } from '../src/backends/index.js';
import { loadConfig } from '../src/config.js';
import { createServer } from '../src/server/create-server.js';
import { makeExecutions, startOnaFake } from '../test/fakes/ona.js';

const KEY = 'ona_pat_BENCH_0123456789';

export async function benchOnaBytes(count = 100): Promise<void> {
  console.log(`\n(ona) bytes per item of list_agent_executions over ${count} executions vs raw AgentExecution JSON`);
  const fake = await startOnaFake({ apiKey: KEY, executions: makeExecutions(count) });
  const request = loadConfig(['--toolsets', 'ona', '--response-budget-chars', '1000000'], { ONA_API_KEY: KEY, ONA_BASE_URL: fake.baseUrl });
  if (request.kind !== 'run') throw new Error('bench config');
  const backends = createBackends(request.config);
  const server = createServer({ config: request.config, backends });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'bench', version: '0' });
  await client.connect(clientSide);

  const res = await client.callTool({ name: 'list_agent_executions', arguments: { maxItems: Math.min(count, 1000) } });
  const structured = res.structuredContent as { agentExecutions: unknown[]; pagesFetched: number };
  const text = ((res.content ?? []) as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
  const lines = text.split('\n').filter((l) => !l.startsWith('Text inside') && l.includes('  '));
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  const perItem = (values: string[]) => values.reduce((n, v) => n + bytes(v), 0) / Math.max(1, values.length);
  const raw = perItem(fake.executions.map((e) => JSON.stringify(e)));
  const item = perItem(structured.agentExecutions.map((e) => JSON.stringify(e)));
  const line = perItem(lines.map((l) => `${l}\n`));
  const answer = bytes(JSON.stringify(structured)) + bytes(text);
  const rawPage = bytes(JSON.stringify({ agentExecutions: fake.executions }));
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(0)}%`;
  const row = (label: string, value: string, note = '') => console.log(`  ${label.padEnd(52)} ${value.padStart(14)}  ${note}`);
  row('raw AgentExecution JSON', `${raw.toFixed(0)} B/item`, `${structured.pagesFetched} backend page(s)`);
  row('structuredContent item', `${item.toFixed(0)} B/item`, pct(item, raw));
  row('text line', `${line.toFixed(0)} B/item`, pct(line, raw));
  row('structured + text', `${(item + line).toFixed(0)} B/item`, pct(item + line, raw));
  row('whole answer vs raw pages', `${answer} B`, `vs ${rawPage} B (${pct(answer, rawPage)})`);
  if (text.includes(KEY) || JSON.stringify(structured).includes(KEY)) throw new Error('API key leaked into the answer');

  await client.close();
  await server.close();
  await backends.close();
  await fake.close();
}
