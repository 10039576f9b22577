// Regenerates manifest.json's "tools" and "version" from what the built CLI lists with every
// toolset and writes on (run after npm run build; the bundled CLI is the only build output).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const transport = new StdioClientTransport({
  command: process.execPath,
  args: [cli, '--toolsets', 'stepfunctions,bedrock_flows,devops_agent,ona,triage', '--allow-writes'],
  env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', EXECUTIONS_MCP_LOG_LEVEL: 'error' },
  stderr: 'ignore',
});
const client = new Client({ name: 'sync-manifest', version: '0' });
await client.connect(transport);
const { tools } = await client.listTools();
await client.close();

const path = new URL('../manifest.json', import.meta.url);
const manifest = JSON.parse(readFileSync(path, 'utf8'));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
manifest.version = pkg.version;
manifest.tools = tools.map((tool) => ({ name: tool.name, description: tool.description.split('. ')[0].replace(/\.$/, '') + '.' }));
writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
process.stderr.write(`manifest.json: ${manifest.tools.length} tools\n`);
