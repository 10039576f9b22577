import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, BASE_EPOCH_S, REGION, startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { fenced, withoutPreamble } from '../helpers/fence.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * list_executions' text tells apart runs of different versions or aliases, and Map Run children
 * with different item counts: each line names them when the backend listed them, and adds nothing when not.
 */

const A = `arn:aws:states:${REGION}:${ACCOUNT}`;
let fake: FakeSfn;
let env: SfnEnv;
let orders: string;
let mapRun: string;

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  const run = (name: string, startDate: number, extra: Record<string, string> = {}) =>
    fake.addExecution({ stateMachineArn: orders, name, status: 'SUCCEEDED', startDate, stopDate: startDate + 2.5, ...extra });
  run('run-alias', BASE_EPOCH_S, { stateMachineVersionArn: `${orders}:3`, stateMachineAliasArn: `${orders}:PROD` });
  run('run-v3', BASE_EPOCH_S - 1, { stateMachineVersionArn: `${orders}:3` });
  // Not of this machine (as a backend might answer): shown whole rather than cut wrongly.
  run('run-other', BASE_EPOCH_S - 2, { stateMachineVersionArn: `${A}:stateMachine:Billing:2` });
  run('run-plain', BASE_EPOCH_S - 3);
  mapRun = fake.addMapRun('Orders', 'MapLabel', '3a2b1c0d-9e8f-4a5b-8c7d-6e5f4a3b2c1d');
  for (const [i, items] of [120, 0].entries()) {
    fake.addExecution({
      executionArn: `${A}:execution:Orders/MapLabel:k${i}`,
      stateMachineArn: `${A}:stateMachine:Orders/MapLabel`,
      name: `k${i}`,
      status: 'SUCCEEDED',
      startDate: BASE_EPOCH_S - i,
      mapRunArn: mapRun,
      itemCount: items,
    });
  }
  env = await startSfnEnv({ fake });
});

afterAll(async () => {
  await env.close();
  await fake.close();
});

describe('list_executions text lines', () => {
  it('name the version and alias that ran, by their suffix on the run\'s own machine; nothing when absent', async () => {
    const r = await env.call('list_executions', { stateMachineArn: orders });
    expect(r.isError, r.text).toBeUndefined();
    const lines = r.text.split('\n');
    expect(lines[0]).toBe(`executionArn = ${A}:execution:Orders:<name>`);
    expect(lines.slice(1, 5).map((line) => line.replace(/  \S+Z /, '  <start> '))).toEqual([
      'run-alias  SUCCEEDED  <start> (2.5s) version=3 alias=PROD',
      'run-v3  SUCCEEDED  <start> (2.5s) version=3',
      `run-other  SUCCEEDED  <start> (2.5s) version=${A}:stateMachine:Billing:2`,
      'run-plain  SUCCEEDED  <start> (2.5s)',
    ]);
  });

  it("name a Map Run child's item count, zero included", async () => {
    const r = await env.call('list_executions', { mapRunArn: mapRun });
    expect(r.isError, r.text).toBeUndefined();
    expect(r.text.split('\n').slice(1, 3).map((line) => line.replace(/  \S+Z/, '  <start>'))).toEqual(['k0  SUCCEEDED  <start> items=120', 'k1  SUCCEEDED  <start> items=0']);
    expect(r.structured?.executions).toEqual([expect.objectContaining({ name: 'k0', itemCount: 120 }), expect.objectContaining({ name: 'k1', itemCount: 0 })]);
  });
});

describe('list_executions of a version or alias ARN', () => {
  const starts = (text: string) => text.split('\n').slice(1).map((line) => line.replace(/  \S+Z /, '  <start> '));

  it('leaves out the queried version ARN and the unqualified machine on every item; the machine is given once', async () => {
    const r = await env.call('list_executions', { stateMachineArn: `${orders}:3` });
    expect(r.isError, r.text).toBeUndefined();
    expect(r.structured?.stateMachineArn).toBe(orders);
    expect(r.structured?.executions).toEqual([
      expect.objectContaining({ name: 'run-alias', stateMachineAliasArn: `${orders}:PROD` }),
      expect.objectContaining({ name: 'run-v3' }),
    ]);
    const items = r.structured?.executions as Record<string, unknown>[];
    for (const item of items) {
      expect(item).not.toHaveProperty('stateMachineVersionArn');
      expect(item).not.toHaveProperty('stateMachineArn');
    }
    expect(starts(r.text).slice(0, 2)).toEqual(['run-alias  SUCCEEDED  <start> (2.5s) alias=PROD', 'run-v3  SUCCEEDED  <start> (2.5s)']);
  });

  it('leaves out the queried alias ARN and keeps the version each run went to', async () => {
    const r = await env.call('list_executions', { stateMachineArn: `${orders}:PROD` });
    expect(r.isError, r.text).toBeUndefined();
    expect(r.structured?.stateMachineArn).toBe(orders);
    expect(r.structured?.executions).toEqual([{ executionArn: `${A}:execution:Orders:run-alias`, name: 'run-alias', status: 'SUCCEEDED', state: 'succeeded', startDate: expect.any(String), stopDate: expect.any(String), stateMachineVersionArn: `${orders}:3` }]);
    expect(starts(r.text)[0]).toBe('run-alias  SUCCEEDED  <start> (2.5s) version=3');
  });

  it('answers a published version or alias with no runs yet with an empty list, not an error', async () => {
    for (const arn of [fake.addQualifier(orders, 4), fake.addQualifier(orders, 'STAGING')]) {
      const r = await env.call('list_executions', { stateMachineArn: arn });
      expect(r.isError, r.text).toBeUndefined();
      expect(r.structured).toMatchObject({ executions: [], stopReason: 'exhausted' });
      expect(r.structured).not.toHaveProperty('nextToken');
      expect(r.text).toBe('0 executions; no more.');
    }
  });

  it('refuses a version that was never published, pointing to list_state_machines', async () => {
    const r = await env.call('list_executions', { stateMachineArn: `${orders}:99` });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/StateMachineDoesNotExist/);
    expect(r.text).toMatch(/list_state_machines/);
  });

  // AWS may answer an unknown version or alias with ResourceNotFound, which for a mapRunArn means an unknown map run.
  it('answers ResourceNotFound for a version or alias with advice about versions and aliases, not map runs', async () => {
    for (const arn of [`${orders}:7`, `${orders}:PROD2`]) {
      fake.inject({ kind: 'error', type: 'ResourceNotFound', message: `Resource not found: '${arn}'`, fields: { resourceName: arn } }, { op: 'ListExecutions' });
      const r = await env.call('list_executions', { stateMachineArn: arn });
      expect(r.isError).toBe(true);
      expect(withoutPreamble(r.text)).toBe(
        `Step Functions ListExecutions failed: ResourceNotFound (HTTP 400): ${fenced(`Resource not found: '${arn}'`)}. ` +
          'Next: the state machine version or alias in stateMachineArn was not found (never published, or deleted): list_state_machines shows the state machines; ' +
          `list_executions with stateMachineArn=${orders} lists the runs of every version and alias.`,
      );
    }
    fake.inject({ kind: 'error', type: 'ResourceNotFound', message: 'Resource not found' }, { op: 'ListExecutions' });
    const unqualified = await env.call('list_executions', { stateMachineArn: orders });
    expect(unqualified.text).toMatch(/Next: the state machine was not found: call list_state_machines to find valid state machine ARNs\.\n/);
  });

  it('answers ResourceNotFound for a mapRunArn with the map run advice', async () => {
    const unknown = `${A}:mapRun:Orders/MapLabel:00000000-0000-4000-8000-000000000000`;
    const r = await env.call('list_executions', { mapRunArn: unknown });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/ResourceNotFound .*Next: the map run does not exist; map run ARNs appear in MapRunStarted events of get_execution_history\.\n/);
  });

  it('gives no machine at the top when the query named the machine itself', async () => {
    const r = await env.call('list_executions', { stateMachineArn: orders });
    expect(r.structured).not.toHaveProperty('stateMachineArn');
  });
});
