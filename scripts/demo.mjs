#!/usr/bin/env node
// A scripted MCP client session against the embedded Step Functions engine: what an agent sees.
// Spawns `node dist/cli.js --local --allow-writes --local-time-scale 0.01` over stdio, starts
// executions of the bundled examples, lists them, reads a history, stops the long one.
// Doubles as a smoke test: exits 1 on any unexpected answer.
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const root = fileURLToPath(new URL('..', import.meta.url));
const sm = (name) => `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`;
const stderr = [];

const transport = new StdioClientTransport({
  command: process.execPath,
  args: ['dist/cli.js', '--local', '--allow-writes', '--local-time-scale', '0.01'],
  cwd: root,
  env: { ...process.env, AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  stderr: 'pipe',
});
transport.stderr?.on('data', (chunk) => stderr.push(String(chunk)));
const client = new Client({ name: 'executions-mcp-demo', version: '0.0.0' });

let failures = 0;
const check = (ok, what) => {
  if (!ok) {
    failures += 1;
    console.log(`  !! unexpected: ${what}`);
  }
};

async function call(name, args = {}) {
  console.log(`\n> ${name} ${JSON.stringify(args)}`);
  const res = await client.callTool({ name, arguments: args });
  const text = (res.content ?? []).map((c) => c.text ?? '').join('\n');
  console.log(text.split('\n').map((l) => `  ${l}`).join('\n'));
  return { ...res, text, structured: res.structuredContent ?? {} };
}

async function waitFor(executionArn, done) {
  for (let i = 0; i < 300; i += 1) {
    const res = await client.callTool({ name: 'describe_execution', arguments: { executionArn } });
    if (done(res.structuredContent?.status)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  check(false, `${executionArn} did not reach the expected status`);
}

try {
  const t0 = Date.now();
  await client.connect(transport);
  console.log(`connected to ${client.getServerVersion()?.name} ${client.getServerVersion()?.version} in ${Date.now() - t0} ms`);
  const { tools } = await client.listTools();
  console.log(`tools: ${tools.map((t) => t.name).join(', ')}`);
  check(tools.some((t) => t.name === 'stop_execution'), 'write tools registered');

  const machines = await call('list_state_machines');
  check(machines.structured.stateMachines?.length >= 4, 'four example state machines');

  const order = await call('start_execution', {
    stateMachineArn: sm('order-processing'),
    name: `order-${Date.now()}`,
    input: JSON.stringify({ orderId: 'o-1001', customer: 'ada', items: [{ sku: 'book-42', qty: 1, price: 30 }, { sku: 'pen-7', qty: 3, price: 2.5 }] }),
  });
  const declined = await call('start_execution', {
    stateMachineArn: sm('payment-with-retry'),
    input: JSON.stringify({ orderId: 'o-1002', amount: 99, card: 'declined' }),
  });
  const flaky = await call('start_execution', {
    stateMachineArn: sm('payment-with-retry'),
    input: JSON.stringify({ orderId: 'o-1003', amount: 12, card: 'flaky' }),
  });
  const ship = await call('start_execution', {
    stateMachineArn: sm('ship-order'),
    input: JSON.stringify({ orderId: 'o-1004', destination: { country: 'AQ' } }),
  });
  const report = await call('start_execution', { stateMachineArn: sm('nightly-report'), name: 'nightly-demo' });

  for (const r of [order, declined, flaky, ship]) await waitFor(r.structured.executionArn, (s) => s && s !== 'RUNNING');

  const payments = await call('list_executions', { stateMachineArn: sm('payment-with-retry') });
  check(payments.structured.executions?.length >= 2, 'two payment executions listed');

  const failed = await call('describe_execution', { executionArn: declined.structured.executionArn });
  check(failed.structured.status === 'FAILED' && failed.structured.error === 'PaymentDeclined', 'declined payment FAILED with PaymentDeclined');

  const retried = await call('get_execution_history', { executionArn: flaky.structured.executionArn, includeExecutionData: false });
  check(retried.structured.events?.filter((e) => e.type === 'LambdaFunctionFailed').length === 2, 'flaky payment retried twice');

  const why = await call('get_execution_history', { executionArn: ship.structured.executionArn, failuresOnly: true });
  check(why.structured.events?.some((e) => e.error === 'UnsupportedDestination'), 'shipment failure explained');

  const orderHistory = await call('get_execution_history', { executionArn: order.structured.executionArn, maxItems: 12 });
  check(orderHistory.structured.nextToken, 'order history continues with a nextToken');

  const running = await call('list_executions', { stateMachineArn: sm('nightly-report'), statusFilter: 'RUNNING' });
  check(running.structured.executions?.some((e) => e.name === 'nightly-demo'), 'nightly report is running');
  await call('stop_execution', { executionArn: report.structured.executionArn, error: 'Demo.Stopped', cause: 'stopped by the demo script' });
  const stopped = await call('describe_execution', { executionArn: report.structured.executionArn });
  check(stopped.structured.status === 'ABORTED', 'nightly report ABORTED');
  await call('get_execution_history', { executionArn: report.structured.executionArn, reverseOrder: true, maxItems: 3 });
} catch (err) {
  failures += 1;
  console.log(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  if (stderr.length) console.log(`server stderr:\n${stderr.join('').slice(-2000)}`);
} finally {
  await client.close().catch(() => {});
}

console.log(failures === 0 ? '\ndemo OK' : `\ndemo finished with ${failures} unexpected answer(s)`);
process.exit(failures === 0 ? 0 : 1);
