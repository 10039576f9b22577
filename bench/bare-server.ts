/**
 * The floor the bench measures executions-mcp against: the thinnest MCP server the same SDK
 * allows, whose two tools only pass one SFNClient call through. No paging engine, no views, no
 * budget, no redaction, no text rendering. Whatever a call through it costs beyond the direct
 * SFNClient call is the price of MCP itself on this machine (protocol, validation, transport),
 * which no server built on the SDK can go below. Like ours, it loads the AWS SDK on first use, so
 * its start-up is the floor of (2) too. Run as a script, it serves itself over stdio.
 */
import { fileURLToPath } from 'node:url';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import * as z from 'zod';

const Execution = z.object({
  executionArn: z.string(),
  name: z.string(),
  status: z.string(),
  startDate: z.string().optional(),
  stopDate: z.string().optional(),
});

export function createBareServer(client: () => Promise<SFNClient>): McpServer {
  const sfn = import('@aws-sdk/client-sfn');
  const server = new McpServer({ name: 'bare', version: '0' });
  // With an output schema, as ours has: the SDK validates the structured answer on both sides.
  const Described = z.object({ executionArn: z.string(), status: z.string(), startDate: z.string(), stopDate: z.string().optional(), input: z.string().optional(), output: z.string().optional() });
  server.registerTool('describe_execution', { inputSchema: z.object({ executionArn: z.string() }), outputSchema: Described }, async ({ executionArn }) => {
    const { DescribeExecutionCommand } = await sfn;
    const out = await (await client()).send(new DescribeExecutionCommand({ executionArn }));
    const structured = {
      executionArn: out.executionArn ?? executionArn,
      status: out.status ?? '',
      startDate: out.startDate?.toISOString() ?? '',
      ...(out.stopDate && { stopDate: out.stopDate.toISOString() }),
      ...(out.input !== undefined && { input: out.input }),
      ...(out.output !== undefined && { output: out.output }),
    };
    return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
  });
  server.registerTool(
    'list_executions',
    {
      inputSchema: z.object({ stateMachineArn: z.string(), maxItems: z.number().int(), startingToken: z.string().optional() }),
      outputSchema: z.object({ executions: z.array(Execution), nextToken: z.string().optional() }),
    },
    async ({ stateMachineArn, maxItems, startingToken }) => {
      const { ListExecutionsCommand } = await sfn;
      const out = await (await client()).send(new ListExecutionsCommand({ stateMachineArn, maxResults: maxItems, nextToken: startingToken }));
      const executions = (out.executions ?? []).map((e) => ({
        executionArn: e.executionArn ?? '',
        name: e.name ?? '',
        status: e.status ?? '',
        startDate: e.startDate?.toISOString(),
        stopDate: e.stopDate?.toISOString(),
      }));
      const structured = { executions, ...(out.nextToken ? { nextToken: out.nextToken } : {}) };
      return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
    },
  );
  return server;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let client: Promise<SFNClient> | undefined;
  const lazy = () =>
    // The client options our CLI uses (three attempts, request and connection timeouts).
    (client ??= import('@aws-sdk/client-sfn').then(
      ({ SFNClient }) =>
        new SFNClient({
          region: 'us-east-1',
          endpoint: process.env.AWS_ENDPOINT_URL_SFN,
          maxAttempts: 3,
          retryMode: 'standard',
          requestHandler: { requestTimeout: 30_000, connectionTimeout: 5_000, throwOnRequestTimeout: true },
        }),
    ));
  serveStdio(() => createBareServer(lazy));
}
