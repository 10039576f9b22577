// Bytes per item of list_agent_executions (structuredContent item + its text line) against the
// raw AgentExecution JSON the AgentService returns. Run after `npm run build`:
//   node bench/ona.mjs [count]
// Uses an in-process loopback fake of ListAgentExecutions; the real undici client and MCP client.
import { createServer } from 'node:http';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { createBackends } from '../dist/backends/index.js';
import { loadConfig } from '../dist/config.js';
import { createServer as createMcpServer } from '../dist/server/create-server.js';

const COUNT = Number(process.argv[2] ?? 100);
const KEY = 'ona_pat_BENCH_0123456789';
const PHASES = ['PHASE_RUNNING', 'PHASE_STOPPED', 'PHASE_WAITING_FOR_INPUT', 'PHASE_STOPPED', 'PHASE_PENDING', 'PHASE_STOPPED'];
const uuid = (n, salt) => `${salt.padEnd(8, '0').slice(0, 8)}-4e2d-4b9d-9fb3-${(n * 2654435761).toString(16).padStart(12, '0').slice(-12)}`;

/** Same shape and fill as test/fakes/ona.ts makeExecution: every documented section present. */
function execution(i) {
  const phase = PHASES[i % PHASES.length];
  const failed = i % 6 === 1;
  const id = uuid(i, 'ae');
  const now = Date.parse('2026-08-01T12:00:00Z');
  return {
    id,
    metadata: {
      annotations: { team: i % 2 ? 'search' : 'payments', ticket: `OPS-${1000 + i}` },
      createdAt: new Date(now - i * 600_000).toISOString(),
      creator: { id: uuid(i % 3, 'usr'), principal: 'PRINCIPAL_USER' },
      description: `Fix flaky test suite run ${i}`,
      name: `fix-flaky-tests-${i}`,
      role: 'AGENT_EXECUTION_ROLE_DEFAULT',
      sessionId: uuid(i, 'ses'),
      updatedAt: new Date(now - i * 600_000 + 240_000).toISOString(),
    },
    spec: {
      agentId: uuid(i % 2, 'agt'),
      codeContext: {
        contextUrl: { environmentClassId: uuid(1, 'ecl'), url: 'https://github.com/acme/payments-service' },
        environmentId: uuid(i, 'env'),
        projectId: uuid(i % 3, 'prj'),
      },
      desiredPhase: i % 6 === 3 ? 'PHASE_STOPPED' : 'PHASE_UNSPECIFIED',
      limits: { maxInputTokens: '2000000', maxIterations: '200', maxOutputTokens: '200000' },
      session: uuid(i, 'ses'),
      specVersion: String(3 + (i % 4)),
    },
    status: {
      cachedCreationTokensUsed: String(1200 * (i + 1)),
      cachedInputTokensUsed: String(45_000 * (i + 1)),
      contextWindowLength: '200000',
      conversationUrl: `https://app.gitpod.io/ai/${id}`,
      currentActivity: phase === 'PHASE_RUNNING' ? 'Running the test suite with npm test -- --runInBand' : '',
      currentOperation: { llm: { complete: true }, retries: '0', session: uuid(i, 'ses'), toolUse: { complete: false, toolName: 'bash' } },
      failureMessage: failed ? `environment failed to start: image build exited with code 1 (step ${i})` : '',
      failureReason: failed ? 'AGENT_EXECUTION_FAILURE_REASON_ENVIRONMENT' : 'AGENT_EXECUTION_FAILURE_REASON_UNSPECIFIED',
      inputTokensUsed: String(150_000 + 1000 * i),
      iterations: String(10 + i),
      judgement: phase === 'PHASE_STOPPED' ? 'The change fixes the race in the retry test; all tests pass.' : '',
      mcpIntegrationStatuses: [{ id: 'linear', name: 'Linear', phase: 'MCP_INTEGRATION_PHASE_READY' }],
      mode: 'AGENT_MODE_EXECUTION',
      outputs: phase === 'PHASE_STOPPED' ? { pr: { stringValue: `https://github.com/acme/payments-service/pull/${100 + i}` } } : {},
      outputTokensUsed: String(8000 + 100 * i),
      phase,
      session: uuid(i, 'ses'),
      statusVersion: String(20 + i),
      supportedModel: 'SUPPORTED_MODEL_SONNET_4',
      transcriptUrl: `https://app.gitpod.io/ai/${id}/transcript`,
      usedEnvironments: [{ createdByAgent: true, environmentId: uuid(i, 'env') }],
    },
  };
}

const items = Array.from({ length: COUNT }, (_, i) => execution(i));
const fake = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    const size = body.pagination?.pageSize ?? 25;
    const offset = Number(body.pagination?.token ?? 0);
    const next = offset + size < items.length ? String(offset + size) : undefined;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ agentExecutions: items.slice(offset, offset + size), pagination: next ? { nextToken: next } : {} }));
  });
});
await new Promise((resolve) => fake.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${fake.address().port}/api`;

const request = loadConfig(['--toolsets', 'ona', '--response-budget-chars', '1000000'], { ONA_API_KEY: KEY, ONA_BASE_URL: baseUrl });
const backends = createBackends(request.config);
const server = createMcpServer({ config: request.config, backends });
const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await server.connect(serverSide);
const client = new Client({ name: 'bench', version: '0' });
await client.connect(clientSide);

const res = await client.callTool({ name: 'list_agent_executions', arguments: { maxItems: Math.min(COUNT, 1000) } });
const listed = res.structuredContent.agentExecutions;
const text = res.content.map((c) => c.text).join('\n');
const lines = text.split('\n').filter((l) => !l.startsWith('Text inside') && l.includes('  '));

const bytes = (s) => Buffer.byteLength(s, 'utf8');
const rawPerItem = items.reduce((n, e) => n + bytes(JSON.stringify(e)), 0) / items.length;
const structuredPerItem = listed.reduce((n, e) => n + bytes(JSON.stringify(e)), 0) / listed.length;
const textPerItem = lines.reduce((n, l) => n + bytes(l) + 1, 0) / lines.length;
const rawPage = bytes(JSON.stringify({ agentExecutions: items }));
const answer = bytes(JSON.stringify(res.structuredContent)) + bytes(text);
const pct = (a, b) => `${((100 * a) / b).toFixed(0)}%`;

console.log(`list_agent_executions over ${listed.length} items (${res.structuredContent.pagesFetched} backend pages)`);
console.log(`  raw AgentExecution JSON      ${rawPerItem.toFixed(0).padStart(6)} B/item`);
console.log(`  structuredContent item       ${structuredPerItem.toFixed(0).padStart(6)} B/item  (${pct(structuredPerItem, rawPerItem)} of raw)`);
console.log(`  text line                    ${textPerItem.toFixed(0).padStart(6)} B/item  (${pct(textPerItem, rawPerItem)} of raw)`);
console.log(`  structured + text            ${(structuredPerItem + textPerItem).toFixed(0).padStart(6)} B/item  (${pct(structuredPerItem + textPerItem, rawPerItem)} of raw)`);
console.log(`  whole answer vs raw pages    ${answer} B vs ${rawPage} B  (${pct(answer, rawPage)})`);
if (text.includes(KEY) || JSON.stringify(res.structuredContent).includes(KEY)) throw new Error('API key leaked into the answer');

await client.close();
await server.close();
await backends.close();
await new Promise((resolve) => fake.close(resolve));
