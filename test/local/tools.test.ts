import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Harness } from '../helpers/harness.js';
import { testConfig } from '../helpers/config.js';
import { startLocalEngine, type LocalEngineHandle } from '../../src/local/index.js';
import { setQuiet } from '../../src/log.js';

/** The Step Functions MCP tools end to end against the embedded engine and the bundled examples. */

const EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url));
const arn = (name: string) => `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`;

let engine: LocalEngineHandle;
let h: Harness;

beforeAll(async () => {
  setQuiet(true);
  const config = testConfig(['--local', EXAMPLES, '--allow-writes', '--local-time-scale', '0.001']);
  engine = await startLocalEngine(config);
  h = await connect(config, { sfn: engine.sfnBackend });
});
afterAll(async () => {
  await h.close();
  await engine.close();
});

async function until(executionArn: string, done: (status: string) => boolean) {
  for (let i = 0; i < 500; i += 1) {
    const r = await h.call('describe_execution', { executionArn });
    const status = String(r.structured?.status);
    if (done(status)) return r;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('timed out');
}

describe('Step Functions tools on the local engine', () => {
  it('list_state_machines shows the examples', async () => {
    const r = await h.call('list_state_machines');
    expect(r.isError).toBeUndefined();
    const names = (r.structured?.stateMachines as Array<{ name: string }>).map((m) => m.name);
    expect(names).toEqual(['nightly-report', 'order-processing', 'payment-with-retry', 'ship-order']);
  });

  it('start_execution → describe_execution → get_execution_history for the order example', async () => {
    const input = JSON.stringify({ orderId: 'o-9', items: [{ sku: 'book-1', qty: 2, price: 300 }] });
    const started = await h.call('start_execution', { stateMachineArn: arn('order-processing'), name: 'order-o-9', input });
    expect(started.isError).toBeUndefined();
    const executionArn = String(started.structured?.executionArn);
    expect(executionArn).toMatch(/:execution:order-processing:order-o-9$/);
    const done = await until(executionArn, (s) => s !== 'RUNNING');
    expect(done.structured).toMatchObject({ status: 'SUCCEEDED', state: 'succeeded' });
    // An AWS console link would lead nowhere: the execution exists only in this process.
    expect(done.structured?.consoleUrl).toBeUndefined();
    expect(done.text).not.toContain('console');
    const history = await h.call('get_execution_history', { executionArn });
    const events = history.structured?.events as Array<{ type: string; stateName?: string }>;
    expect(events.map((e) => e.type)).toContain('MapIterationSucceeded');
    expect(events.find((e) => e.type === 'PassStateEntered')?.stateName).toBe('FlagForReview');
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('a declined card: failure caught, then the Fail state fails the execution; failuresOnly shows why', async () => {
    const started = await h.call('start_execution', {
      stateMachineArn: arn('payment-with-retry'),
      input: JSON.stringify({ orderId: 'o-2', amount: 10, card: 'declined' }),
    });
    const executionArn = String(started.structured?.executionArn);
    const done = await until(executionArn, (s) => s !== 'RUNNING');
    expect(done.structured).toMatchObject({ status: 'FAILED', error: 'PaymentDeclined' });
    const failures = await h.call('get_execution_history', { executionArn, failuresOnly: true });
    const events = failures.structured?.events as Array<{ type: string; outcome?: string }>;
    expect(events.map((e) => [e.type, e.outcome])).toEqual([['LambdaFunctionFailed', 'caught'], ['FailStateEntered', undefined], ['ExecutionFailed', undefined]]);
  });

  it('a flaky card: both gateway timeouts are marked retried, and the execution succeeds', async () => {
    const started = await h.call('start_execution', {
      stateMachineArn: arn('payment-with-retry'),
      input: JSON.stringify({ orderId: 'o-3', amount: 10, card: 'flaky' }),
    });
    const executionArn = String(started.structured?.executionArn);
    expect((await until(executionArn, (s) => s !== 'RUNNING')).structured).toMatchObject({ status: 'SUCCEEDED' });
    const failures = await h.call('get_execution_history', { executionArn, failuresOnly: true, reverseOrder: true });
    const events = failures.structured?.events as Array<{ type: string; outcome?: string; error?: string }>;
    expect(events.map((e) => [e.type, e.error, e.outcome])).toEqual([
      ['LambdaFunctionFailed', 'PaymentGatewayTimeout', 'retried'],
      ['LambdaFunctionFailed', 'PaymentGatewayTimeout', 'retried'],
    ]);
  });

  it('ship-order without an orderId: the warehouse branch fails first, and failuresOnly shows only what ended the run', async () => {
    const started = await h.call('start_execution', { stateMachineArn: arn('ship-order'), input: '{}' });
    const executionArn = String(started.structured?.executionArn);
    expect((await until(executionArn, (s) => s !== 'RUNNING')).structured).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    const failures = await h.call('get_execution_history', { executionArn, failuresOnly: true, reverseOrder: true });
    const events = failures.structured?.events as Array<{ type: string; stateName?: string }>;
    expect(events.map((e) => [e.type, e.stateName])).toEqual([
      ['ExecutionFailed', undefined],
      ['ParallelStateFailed', 'PrepareShipment'],
    ]);
    // The label and courier branches were still running: aborted, their handlers' outcomes unrecorded.
    const all = await h.call('get_execution_history', { executionArn, includeExecutionData: false });
    const types = (all.structured?.events as Array<{ type: string; stateName?: string }>).map((e) => `${e.type}:${e.stateName ?? ''}`);
    expect(types.slice(-4)).toEqual(['TaskStateAborted:BookCourier', 'TaskStateAborted:PrintLabel', 'ParallelStateFailed:PrepareShipment', 'ExecutionFailed:']);
    expect(types.filter((t) => /^LambdaFunction(Succeeded|Failed)|Exited/.test(t))).toEqual([]);
  });

  it('list_executions with statusFilter, and stop_execution of the long-running report', async () => {
    const started = await h.call('start_execution', { stateMachineArn: arn('nightly-report'), name: 'tonight' });
    const executionArn = String(started.structured?.executionArn);
    // The same name and input while it runs: the running execution comes back, and the answer says it is not a new one.
    const again = await h.call('start_execution', { stateMachineArn: arn('nightly-report'), name: 'tonight' });
    expect(again.structured).toEqual(started.structured);
    expect(again.text).toMatch(/^Step Functions returned .*tonight, started at .* before this call: most likely an execution with this name and input that was already running/);
    const running = await h.call('list_executions', { stateMachineArn: arn('nightly-report'), statusFilter: 'RUNNING' });
    expect((running.structured?.executions as Array<{ name: string }>).map((e) => e.name)).toContain('tonight');
    const stopped = await h.call('stop_execution', { executionArn, error: 'Demo.Stop', cause: 'stopped from a test' });
    expect(stopped.isError).toBeUndefined();
    const d = await h.call('describe_execution', { executionArn });
    expect(d.structured).toMatchObject({ status: 'ABORTED', state: 'aborted', error: 'Demo.Stop' });
    const history = await h.call('get_execution_history', { executionArn, reverseOrder: true, maxItems: 2 });
    expect((history.structured?.events as Array<{ type: string }>).map((e) => e.type)).toEqual(['ExecutionAborted', 'WaitStateAborted']);
    expect(history.structured?.nextToken).toBeTruthy();
  });

  it('errors come back as actionable tool errors, not crashes', async () => {
    const missing = await h.call('describe_execution', { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:order-processing:nope' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/does not exist/i);
    const dup = await h.call('start_execution', { stateMachineArn: arn('order-processing'), name: 'order-o-9', input: '{"other":1}' });
    expect(dup.isError).toBe(true);
    expect(dup.text).toMatch(/already exists/i);
    const redrive = await h.call('redrive_execution', { executionArn: 'arn:aws:states:us-east-1:123456789012:execution:order-processing:order-o-9' });
    expect(redrive.isError).toBe(true);
    expect(redrive.text).toMatch(/not supported by the embedded/);
    // The advice fits the situation: run against AWS, not the 14-day redrive rules.
    expect(redrive.text).toMatch(/UnsupportedOperation.*Next: the embedded local engine does not support this/);
    expect(redrive.text).not.toMatch(/14 days/);
  });
});
