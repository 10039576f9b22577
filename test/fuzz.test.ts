import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriteRateLimiter } from '../src/server/rate-limit.js';
import { BASE_EPOCH_S, buildHistory, executionArn, mapRunArnOf, startFakeSfn, type FakeSfn } from './fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './sfn/env.js';

/**
 * Thousands of random and adversarial tool arguments through the in-memory MCP client against the
 * fake, writes allowed: the server never crashes, every answer is a result or an isError result
 * (a thrown protocol error only for unknown tools), no stack traces or internal errors in texts,
 * and it still answers a normal call afterwards.
 */

let fake: FakeSfn;
let env: SfnEnv;
let orders: string;
let validToken: string;

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  fake.addStateMachine('Clicks', 'EXPRESS');
  const runs = fake.addExecutions(orders, 60);
  fake.setHistory(runs[0]?.executionArn ?? '', buildHistory({ tasks: 30, failAt: 30, payloadChars: 300 }));
  fake.addMapRun('Orders', 'Fanout', 'r1');
  // A limiter that never refuses, so write handlers are exercised on every call.
  env = await startSfnEnv({ fake, argv: ['--allow-writes'], writeLimiter: new WriteRateLimiter(1_000_000) });
  const first = await env.call('list_executions', { stateMachineArn: orders, maxItems: 2 });
  validToken = String(first.structured?.nextToken);
});

afterAll(async () => {
  await env.close();
  await fake.close();
});

const FIELDS: Record<string, string[]> = {
  list_state_machines: ['maxItems', 'pageSize', 'startingToken'],
  list_executions: ['stateMachineArn', 'mapRunArn', 'statusFilter', 'redriveFilter', 'startedAfter', 'startedBefore', 'maxItems', 'pageSize', 'startingToken'],
  describe_execution: ['executionArn', 'includedData'],
  get_execution_history: ['executionArn', 'reverseOrder', 'includeExecutionData', 'failuresOnly', 'stateName', 'eventTypes', 'maxItems', 'pageSize', 'startingToken'],
  start_execution: ['stateMachineArn', 'name', 'input', 'traceHeader'],
  stop_execution: ['executionArn', 'error', 'cause'],
  redrive_execution: ['executionArn', 'clientToken'],
};
const TOOLS = Object.keys(FIELDS);

function values(): fc.Arbitrary<unknown> {
  const arns = [
    orders,
    machineArnLike('Clicks'),
    executionArn('Orders', 'run-000060'),
    executionArn('Orders', 'run-000001'),
    executionArn('Orders', 'missing'),
    mapRunArnOf('Orders', 'Fanout', 'r1'),
    'arn:aws:states:us-east-1:123:execution:a:b',
    'arn:aws:states:::::::',
    'arn:aws:states:us-east-1:123456789012:stateMachine:',
  ];
  return fc.oneof(
    fc.constantFrom(...arns),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.constantFrom('x'.repeat(300_000), '\u0000\u200b\ud83d\ude00<untrusted-data>', '../../etc/passwd', '{"a":', '{}', '[]', 'null', '2h', '7d', '-5m', '9999999d', '1970-01-01', '2026-13-45T99:99:99Z'),
    fc.constantFrom('RUNNING', 'FAILED', 'PENDING_REDRIVE', 'REDRIVEN', 'ALL_DATA', 'METADATA_ONLY', 'TaskFailed', 'Step3'),
    fc.integer(),
    fc.constantFrom(0, -1, 1, 50, 1000, 1001, 2 ** 53, -(2 ** 53), 1.5, 1e308),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('TaskFailed', 'ExecutionFailed'), fc.integer()), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
    fc.constantFrom(validToken, `${validToken}x`, validToken.replace(/\.[^.]*$/, '.AAAA'), 'em1.e30.AAAAAAAAAAAAAAAAAAAAAA', 'em1..', 'em1.!!!.???'),
  );
}

function machineArnLike(name: string): string {
  return orders.replace(/Orders$/, name);
}

function argsFor(tool: string): fc.Arbitrary<Record<string, unknown>> {
  const fields = FIELDS[tool] ?? [];
  return fc
    .tuple(
      fc.subarray(fields),
      fc.array(values(), { minLength: fields.length, maxLength: fields.length }),
      fc.dictionary(fc.string({ maxLength: 12 }), values(), { maxKeys: 2 }),
      fc.boolean(),
    )
    .map(([chosen, vals, extra, withExtra]) => {
      const args: Record<string, unknown> = withExtra ? { ...extra } : {};
      chosen.forEach((field, i) => {
        args[field] = vals[i];
      });
      return args;
    });
}

describe('fuzzed tool arguments', () => {
  it('every call answers with a result or an isError result; the server survives', async () => {
    const cases = fc.sample(fc.tuple(fc.constantFrom(...TOOLS), fc.constant(null)).chain(([tool]) => argsFor(tool).map((args) => ({ tool, args }))), {
      numRuns: 3000,
      seed: 20261120,
    });
    let errors = 0;
    let successes = 0;
    for (const { tool, args } of cases) {
      let result: Awaited<ReturnType<SfnEnv['call']>>;
      try {
        result = await env.call(tool, args);
      } catch (err) {
        throw new Error(`${tool} threw for ${JSON.stringify(args).slice(0, 300)}: ${String(err)}`);
      }
      if (result.isError) errors += 1;
      else {
        successes += 1;
        expect(result.structured, tool).toBeDefined();
      }
      expect(result.text, tool).not.toMatch(/\n\s+at |node_modules|\.ts:\d+:\d+/);
      expect(result.text, `${tool} ${JSON.stringify(args).slice(0, 300)}`).not.toMatch(/internal error in executions-mcp/);
      expect(result.text.length, tool).toBeLessThan(env.config.limits.responseBudgetChars + 1000);
    }
    // The generator reaches both sides.
    expect(errors).toBeGreaterThan(100);
    expect(successes).toBeGreaterThan(20);

    const normal = await env.call('list_executions', { stateMachineArn: orders, maxItems: 3 });
    expect(normal.isError).toBeUndefined();
    expect(normal.structured?.executions).toHaveLength(3);
  }, 60_000);

  it('unknown tools are the only protocol errors', async () => {
    for (const name of fc.sample(fc.string({ minLength: 1, maxLength: 30 }).filter((n) => !TOOLS.includes(n)), { numRuns: 50, seed: 7 })) {
      await expect(env.client.callTool({ name, arguments: {} })).rejects.toThrow();
    }
    const after = await env.call('describe_execution', { executionArn: executionArn('Orders', 'run-000060') });
    expect(after.isError).toBeUndefined();
    expect(after.structured?.startDate).toBe(new Date(BASE_EPOCH_S * 1000).toISOString());
  });

  it('random backend faults under random calls never escape as crashes', async () => {
    const kinds = ['throttle', 'internal', 'malformed', 'drop', 'expiredToken', 'accessDenied', 'unrecognizedClient'] as const;
    const cases = fc.sample(
      fc.record({
        tool: fc.constantFrom('list_state_machines', 'list_executions', 'describe_execution', 'get_execution_history'),
        fault: fc.constantFrom(...kinds),
      }),
      { numRuns: 200, seed: 11 },
    );
    const arn = executionArn('Orders', 'run-000060');
    for (const { tool, fault } of cases) {
      fake.inject({ kind: fault });
      const args = { list_state_machines: {}, list_executions: { stateMachineArn: orders }, describe_execution: { executionArn: arn }, get_execution_history: { executionArn: arn } }[tool];
      const r = await env.call(tool, args);
      expect(r.isError, `${tool} ${fault}`).toBe(true);
      expect(r.text).toMatch(/^Step Functions \w+ failed/);
      expect(r.text).toContain('Next: ');
    }
    fake.clearFaults();
    const ok = await env.call('list_state_machines');
    expect(ok.isError).toBeUndefined();
  });
});
