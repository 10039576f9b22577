import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHistory, startFakeSfn, type FakeExecution, type FakeSfn } from '../fakes/sfn.js';
import { answerSize, startSfnEnv, type SfnEnv } from './env.js';

let fake: FakeSfn;
let orders: string;
let runs: FakeExecution[];

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  runs = fake.addExecutions(orders, 10);
});

afterAll(async () => {
  await fake.close();
});

describe('read-only mode (the default)', () => {
  let env: SfnEnv;
  beforeAll(async () => {
    env = await startSfnEnv({ fake });
  });
  afterAll(async () => {
    await env.close();
  });

  it('lists only read tools, with read-only annotations', async () => {
    const { tools } = await env.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['list_state_machines', 'list_executions', 'describe_execution', 'get_execution_history']);
    for (const t of tools) expect(t.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
  });

  it.each(['start_execution', 'stop_execution', 'redrive_execution'])('%s is not callable and never reaches the backend', async (name) => {
    const before = fake.requests.length;
    const arn = (runs[0] as FakeExecution).executionArn;
    await expect(env.client.callTool({ name, arguments: { stateMachineArn: orders, executionArn: arn } })).rejects.toThrow(/not found/i);
    expect(fake.requests.length).toBe(before);
    expect(fake.execution(arn)?.status).toBe('SUCCEEDED');
  });
});

describe('write mode', () => {
  it('lists the write tools with annotations derived from the operation', async () => {
    const env = await startSfnEnv({ fake, argv: ['--allow-writes'] });
    const { tools } = await env.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect([...byName.keys()]).toEqual([
      'list_state_machines', 'list_executions', 'describe_execution', 'get_execution_history', 'start_execution', 'stop_execution', 'redrive_execution',
    ]);
    expect(byName.get('start_execution')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(byName.get('stop_execution')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    await env.close();
  });
});

describe('a 25,000-event history stays within the response budget', () => {
  let env: SfnEnv;
  let arn: string;
  beforeAll(async () => {
    env = await startSfnEnv({ fake });
    arn = (runs[1] as FakeExecution).executionArn;
    // 5 events per task: 4,999 tasks + start + failure ≈ 25,000 events with 800-char payloads.
    fake.setHistory(arn, buildHistory({ tasks: 5000, failAt: 5000, payloadChars: 800 }));
    expect(fake.history(arn).length).toBeGreaterThanOrEqual(25_000);
  });
  afterAll(async () => {
    await env.close();
  });

  it('the default call stops at the budget with a nextToken, not at an error or a silent cut', async () => {
    const r = await env.call('get_execution_history', { executionArn: arn, maxItems: 1000 });
    expect(r.isError).toBeUndefined();
    expect(r.structured).toMatchObject({ stopReason: 'responseBudget', pagesFetched: 1 });
    expect(r.structured?.nextToken).toEqual(expect.any(String));
    expect(answerSize(r)).toBeLessThanOrEqual(env.config.limits.responseBudgetChars);
    expect(r.text).toContain('response size budget reached');
    // Continuing picks up exactly after the last event returned.
    const events = r.structured?.events as Array<{ id: number }>;
    const next = await env.call('get_execution_history', { executionArn: arn, maxItems: 1000, startingToken: r.structured?.nextToken });
    expect((next.structured?.events as Array<{ id: number }>)[0]?.id).toBe((events.at(-1)?.id ?? 0) + 1);
    expect(answerSize(next)).toBeLessThanOrEqual(env.config.limits.responseBudgetChars);
  });

  it('a smaller configured budget is honoured too', async () => {
    const small = await startSfnEnv({ fake, argv: ['--response-budget-chars', '16000'] });
    const r = await small.call('get_execution_history', { executionArn: arn, maxItems: 1000 });
    expect(r.structured?.stopReason).toBe('responseBudget');
    expect(answerSize(r)).toBeLessThanOrEqual(16000);
    await small.close();
  });

  it('describe_execution with every field at its AWS maximum fits the smallest budget', async () => {
    const small = await startSfnEnv({ fake, argv: ['--response-budget-chars', '16000', '--max-payload-chars', '2000'] });
    const e = fake.addExecution({
      stateMachineArn: (runs[0] as FakeExecution).stateMachineArn,
      name: 'x'.repeat(80),
      status: 'FAILED',
      input: JSON.stringify({ blob: 'i'.repeat(262_000) }),
      output: JSON.stringify({ blob: 'o'.repeat(262_000) }),
      error: 'E'.repeat(256),
      cause: 'c'.repeat(32_768),
      mapRunArn: `arn:aws:states:us-east-1:123456789012:mapRun:m/${'r'.repeat(1900)}`,
      traceHeader: 't'.repeat(256),
    });
    const r = await small.call('describe_execution', { executionArn: e.executionArn });
    expect(r.isError).toBeUndefined();
    expect(answerSize(r)).toBeLessThanOrEqual(16000);
    expect(r.text).toContain('were cut to keep this answer within the response budget');
    await small.close();
  });

  it('failuresOnly scans the whole history and returns only the failures', async () => {
    const before = fake.requestsFor('GetExecutionHistory').length;
    const r = await env.call('get_execution_history', { executionArn: arn, failuresOnly: true });
    expect(r.structured?.events).toMatchObject([
      { type: 'TaskFailed', stateName: 'Step5000', error: 'OrderError' },
      { type: 'ExecutionFailed', error: 'OrderError' },
    ]);
    expect(r.structured).toMatchObject({ stopReason: 'exhausted', pagesFetched: 26 });
    expect(r.structured?.itemsScanned).toBe(fake.history(arn).length);
    expect(fake.requestsFor('GetExecutionHistory').length - before).toBe(26);
  });

  it('reverseOrder + failuresOnly + maxItems 1 finds the failure on the first page', async () => {
    const r = await env.call('get_execution_history', { executionArn: arn, failuresOnly: true, reverseOrder: true, maxItems: 1 });
    expect(r.structured?.events).toMatchObject([{ type: 'ExecutionFailed' }]);
    expect(r.structured?.pagesFetched).toBe(1);
  });
});
