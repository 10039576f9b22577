import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionGate } from '../../src/backends/connection-gate.js';
import { WriteRateLimiter } from '../../src/server/rate-limit.js';
import { startFakeSfn, type FakeExecution, type FakeSfn } from '../fakes/sfn.js';
import { until } from '../helpers/wait.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * More calls than the server has connections to Step Functions, on a slow but healthy backend:
 * those beyond wait for a free connection, as long as their call allows, and a call that ends
 * while waiting (its deadline, a cancel) is never sent. Four connections stand for the 256.
 */

let fake: FakeSfn;
let orders: string;
let runs: FakeExecution[];

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  runs = fake.addExecutions(orders, 40);
});

afterAll(async () => {
  await fake.close();
});

const arnOf = (i: number): string => (runs[i] as FakeExecution).executionArn;
const described = (i: number) => fake.requestsFor('DescribeExecution').filter((r) => r.body.executionArn === arnOf(i));

/**
 * `count` describe_execution calls that the fake keeps waiting (until released), once all have
 * reached it, or once `placed` holds.
 */
async function holdConnections(env: SfnEnv, count: number, placed?: () => boolean): Promise<{ release(): Promise<void> }> {
  const before = fake.requestsFor('DescribeExecution').length;
  fake.inject({ kind: 'slow', ms: 60_000 }, { op: 'DescribeExecution', times: count });
  const controllers = Array.from({ length: count }, () => new AbortController());
  const calls = controllers.map((c) => env.call('describe_execution', { executionArn: arnOf(0) }, { signal: c.signal }).catch(() => undefined));
  await until(placed ?? (() => fake.requestsFor('DescribeExecution').length - before >= count), `${count} slow calls to be placed`);
  return {
    async release() {
      for (const c of controllers) c.abort();
      await Promise.all(calls);
      fake.clearFaults();
    },
  };
}

describe('more calls than connections', () => {
  it('twelve calls over four connections to a slow backend all answer: none fails as "cannot connect" while it waits for a connection', async () => {
    const env = await startSfnEnv({ fake, connections: new ConnectionGate(4) });
    try {
      const before = fake.requestsFor('DescribeExecution').length;
      // Longer than the SDK's 5 s connection timeout: the eight calls beyond the four connections wait that long.
      fake.inject({ kind: 'slow', ms: 5_500 }, { op: 'DescribeExecution', times: 4 });
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => env.call('describe_execution', { executionArn: arnOf(i) })));
      expect(results.filter((r) => r.isError).map((r) => r.text)).toEqual([]);
      expect(fake.requestsFor('DescribeExecution').length - before).toBe(12);
    } finally {
      fake.clearFaults();
      await env.close();
    }
  });

  it('a call still waiting for a connection at its time limit is never sent: a list keeps the page it read, a read or a write says it was not sent, and the write is not counted', async () => {
    const gate = new ConnectionGate(4);
    const patient = await startSfnEnv({ fake, connections: gate });
    const hurried = await startSfnEnv({
      fake,
      connections: gate,
      argv: ['--allow-writes'],
      env: { EXECUTIONS_MCP_CALL_DEADLINE_MS: '1000' },
      writeLimiter: new WriteRateLimiter(1),
    });
    const held: Array<{ release(): Promise<void> }> = [];
    try {
      held.push(await holdConnections(patient, 3));
      // The list's first page takes the fourth connection; while it is served, another slow call
      // queues for that connection, ahead of the list's second page.
      fake.onceBefore('ListExecutions', async () => {
        held.push(await holdConnections(patient, 1, () => gate.queued === 1));
      });
      const lists = fake.requestsFor('ListExecutions').length;
      const listed = await hurried.call('list_executions', { stateMachineArn: orders, pageSize: 5, maxItems: 40 });
      expect(listed.isError).toBeUndefined();
      expect(listed.structured?.stopReason).toBe('deadline');
      expect((listed.structured?.executions as unknown[]).length).toBeGreaterThan(0);
      expect(listed.structured?.nextToken).toEqual(expect.any(String));
      expect(fake.requestsFor('ListExecutions').length - lists).toBe(1);

      const [read, write] = await Promise.all([
        hurried.call('describe_execution', { executionArn: arnOf(21) }),
        hurried.call('start_execution', { stateMachineArn: orders, name: 'waited-too-long' }),
      ]);
      expect(read.text).toMatch(/^Step Functions DescribeExecution failed: NoFreeConnection: not sent: all 4 of this server's connections to the Step Functions endpoint stayed busy .*Next: the backend is slow/);
      expect(write.text).toMatch(/^Step Functions StartExecution failed: NoFreeConnection: not sent: .*so nothing was changed\. Next:/);
      expect(described(21)).toEqual([]);
      expect(fake.requestsFor('StartExecution').filter((r) => r.body.name === 'waited-too-long')).toEqual([]);

      for (const h of held.splice(0)) await h.release();
      // The write that was never sent did not use up the limit of one.
      const started = await hurried.call('start_execution', { stateMachineArn: orders, name: 'once-free' });
      expect(started.isError).toBeUndefined();
    } finally {
      for (const h of held) await h.release();
      fake.clearFaults();
      await hurried.close();
      await patient.close();
    }
  });

  it('a call waiting for a connection that its client cancels leaves the queue at once and is never sent', async () => {
    const gate = new ConnectionGate(4);
    const env = await startSfnEnv({ fake, connections: gate });
    const held = await holdConnections(env, 4);
    try {
      const controller = new AbortController();
      const cancelled = env.call('describe_execution', { executionArn: arnOf(22) }, { signal: controller.signal });
      await until(() => gate.queued === 1, 'the call to wait for a connection');
      controller.abort(new Error('user cancelled'));
      await expect(cancelled).rejects.toThrow();
      // Gone while every connection is still busy, not when one comes free.
      await until(() => gate.queued === 0, 'the cancelled call to leave the queue');
      await held.release();
      const after = await env.call('describe_execution', { executionArn: arnOf(23) });
      expect(after.isError).toBeUndefined();
      expect(described(22)).toEqual([]);
    } finally {
      await held.release();
      await env.close();
    }
  });
});
