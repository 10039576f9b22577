import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BASE_EPOCH_S, startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { answerCost } from '../../src/server/budget.js';
import { fenced, withFenceId } from '../helpers/fence.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * list_executions with includeError: the error and cause of each run that ended badly, read with
 * DescribeExecution, so that "why did the recent runs fail" is one call. The listing itself pages
 * as without it, stays within the response budget, and stands when a description cannot be read.
 */

let fake: FakeSfn;
let env: SfnEnv;

beforeAll(async () => {
  fake = await startFakeSfn();
  env = await startSfnEnv({ fake });
});
afterEach(() => fake.clearFaults());
afterAll(async () => {
  await env.close();
  await fake.close();
});

interface Item {
  name: string;
  status: string;
  error?: string;
  cause?: { untrustedData: string; truncated?: true; fullSize?: number };
}

const STATUSES = ['FAILED', 'SUCCEEDED', 'TIMED_OUT', 'RUNNING', 'ABORTED'] as const;

/** A machine with `n` runs cycling through STATUSES, newest first; the unsuccessful ones carry an error and cause. */
function machineWith(name: string, n: number, cause: (i: number) => string = (i) => `task ${i} said no`): string {
  const arn = fake.addStateMachine(name);
  for (let i = 0; i < n; i += 1) {
    const status = STATUSES[i % STATUSES.length] ?? 'FAILED';
    const bad = status === 'FAILED' || status === 'TIMED_OUT' || status === 'ABORTED';
    fake.addExecution({ stateMachineArn: arn, name: `run-${i}`, status, startDate: BASE_EPOCH_S - i, ...(bad ? { error: `E.${status}`, cause: cause(i) } : {}) });
  }
  return arn;
}

describe('list_executions includeError', () => {
  it('gives the error and cause of each run that ended badly, in structuredContent and on its line, describing only those', async () => {
    const machine = machineWith('Mixed', 10);
    const before = fake.requestsFor('DescribeExecution').length;
    const r = await env.call('list_executions', { stateMachineArn: machine, includeError: true });
    expect(r.isError).toBeUndefined();
    const items = r.structured?.executions as Item[];
    expect(items).toHaveLength(10);
    for (const [i, e] of items.entries()) {
      const bad = ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(e.status);
      expect(e.error).toBe(bad ? `E.${e.status}` : undefined);
      expect(e.cause).toEqual(bad ? { untrustedData: `task ${i} said no` } : undefined);
      const line = r.text.split('\n').find((l) => l.startsWith(`${e.name}  `)) ?? '';
      if (bad) expect(line).toMatch(new RegExp(`  error=E\\.${e.status} {2}cause: <untrusted-data-\\w+>task ${i} said no</untrusted-data-\\w+>$`));
      else expect(line).not.toMatch(/error=|cause/);
    }
    const described = fake.requestsFor('DescribeExecution').slice(before);
    expect(described.map((q) => q.body.executionArn).sort()).toEqual(items.filter((e) => e.error).map((e) => (e as unknown as { executionArn: string }).executionArn).sort());
    // Without the input and output, which it does not show.
    expect(described.every((q) => q.body.includedData === 'METADATA_ONLY')).toBe(true);
  });

  it('without it, nothing is described and items carry no error', async () => {
    const machine = machineWith('Plain', 5);
    const before = fake.requestsFor('DescribeExecution').length;
    const r = await env.call('list_executions', { stateMachineArn: machine });
    expect((r.structured?.executions as Item[]).some((e) => e.error !== undefined)).toBe(false);
    expect(fake.requestsFor('DescribeExecution').length).toBe(before);
  });

  it('long causes, in any script, are cut and keep the answer within the smallest budget; following nextToken returns every run once', async () => {
    const small = await startSfnEnv({ fake, argv: ['--response-budget-chars', '16000'] });
    try {
      const machine = machineWith('Long', 120, (i) => (i % 2 ? '処理に失敗しました😀\n'.repeat(400) : `{"errorMessage":"${'x"'.repeat(3000)}"}`));
      const names: string[] = [];
      let token: string | undefined;
      let calls = 0;
      do {
        const r = await small.call('list_executions', { stateMachineArn: machine, statusFilter: 'FAILED', includeError: true, ...(token ? { startingToken: token } : {}) });
        expect(r.isError, r.text).toBeUndefined();
        // As the budget counts: a character outside ASCII costs four.
        expect(answerCost(r.structured, r.text)).toBeLessThanOrEqual(16_000);
        // Sized for as the runs were listed: the budget's last-resort cutter had nothing to cut.
        expect(r.text).not.toContain('cut to keep this answer within the response budget');
        const items = r.structured?.executions as Item[];
        for (const e of items) {
          expect(e.error).toBe('E.FAILED');
          expect(e.cause?.truncated).toBe(true);
          expect(e.cause?.fullSize).toBeGreaterThanOrEqual(4800);
        }
        names.push(...items.map((e) => e.name));
        token = r.structured?.nextToken as string | undefined;
        calls += 1;
      } while (token && calls < 50);
      expect(names).toEqual(fake.executionsOf(machine).filter((e) => e.status === 'FAILED').map((e) => e.name));
      expect(calls).toBeGreaterThan(1);
    } finally {
      await small.close();
    }
  });

  it('a listing of failed runs returns at most 25 per call, says so, and goes on with nextToken', async () => {
    const machine = fake.addStateMachine('ManyFailed');
    for (let i = 0; i < 40; i += 1) fake.addExecution({ stateMachineArn: machine, name: `f-${i}`, status: 'FAILED', startDate: BASE_EPOCH_S - i, error: 'E', cause: 'c' });
    const first = await env.call('list_executions', { stateMachineArn: machine, statusFilter: 'FAILED', includeError: true });
    const items = first.structured?.executions as Item[];
    expect(items).toHaveLength(25);
    expect(items.every((e) => e.error === 'E')).toBe(true);
    expect(first.text).toContain('Note: includeError describes at most 25 runs per call, so this call returned 25 (maxItems 50); nextToken goes on.');
    // The token goes on with or without includeError: it only shapes the answer.
    const rest = await env.call('list_executions', { stateMachineArn: machine, statusFilter: 'FAILED', startingToken: first.structured?.nextToken });
    expect(rest.isError).toBeUndefined();
    expect([...items, ...(rest.structured?.executions as Item[])].map((e) => e.name)).toEqual(Array.from({ length: 40 }, (_, i) => `f-${i}`));
  });

  it('a listing of failed runs with fewer than 25 says nothing of the cap', async () => {
    const machine = fake.addStateMachine('FewFailed');
    fake.addExecution({ stateMachineArn: machine, name: 'only', status: 'FAILED', startDate: BASE_EPOCH_S, error: 'E', cause: 'c' });
    const r = await env.call('list_executions', { stateMachineArn: machine, statusFilter: 'FAILED', includeError: true });
    expect((r.structured?.executions as Item[]).map((e) => e.error)).toEqual(['E']);
    expect(r.text).not.toContain('Note:');
  });

  it("a line that shows its own ARN still ends with it, after the run's error and cause; an error name of 256 characters is whole", async () => {
    const machine = fake.addStateMachine('Shown');
    const long = `com.example.${'Deep'.repeat(60)}Exception`.slice(0, 256);
    fake.addExecution({ stateMachineArn: machine, name: 'a', status: 'FAILED', startDate: BASE_EPOCH_S, error: 'E', cause: 'c' });
    const odd = fake.addExecution({ stateMachineArn: machine, name: 'b', status: 'FAILED', startDate: BASE_EPOCH_S - 1, executionArn: `${machine.replace(':stateMachine:', ':execution:')}:renamed`, error: long, cause: 'c' });
    const r = await env.call('list_executions', { stateMachineArn: machine, includeError: true });
    const items = r.structured?.executions as Item[];
    expect(items[1]?.error).toBe(long);
    const line = r.text.split('\n').find((l) => l.startsWith('b  ')) ?? '';
    expect(line).toMatch(new RegExp(`  error=${long.replace(/\./g, '\\.')}  cause: <untrusted-data-\\w+>c</untrusted-data-\\w+>  ${odd.executionArn}$`));
  });

  it('a listing that scans until the time limit still leaves the descriptions time', async () => {
    const timed = await startSfnEnv({ fake, env: { EXECUTIONS_MCP_CALL_DEADLINE_MS: '4000' } });
    try {
      const machine = machineWith('Slow', 10);
      // Every page is slow: without time kept for them, the walk would take it all and leave the descriptions none.
      fake.inject({ kind: 'slow', ms: 700 }, { op: 'ListExecutions', times: 20 });
      const r = await timed.call('list_executions', { stateMachineArn: machine, includeError: true, pageSize: 1 });
      expect(r.isError, r.text).toBeUndefined();
      expect(r.structured?.stopReason).toBe('deadline');
      const items = r.structured?.executions as Item[];
      const bad = items.filter((e) => ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(e.status));
      expect(bad.length).toBeGreaterThan(0);
      expect(bad.every((e) => e.error !== undefined)).toBe(true);
    } finally {
      await timed.close();
    }
  });

  it('a description that cannot be read leaves the listing whole, and a note says why and what to do', async () => {
    const machine = machineWith('Denied', 5);
    fake.inject({ kind: 'accessDenied' }, { op: 'DescribeExecution', times: 10 });
    const r = await env.call('list_executions', { stateMachineArn: machine, includeError: true });
    expect(r.isError).toBeUndefined();
    const items = r.structured?.executions as Item[];
    expect(items.map((e) => e.name)).toEqual(['run-0', 'run-1', 'run-2', 'run-3', 'run-4']);
    expect(items.some((e) => e.error !== undefined)).toBe(false);
    expect(r.text).toMatch(/Note: the error and cause of 3 run\(s\) that ended badly were not read: DescribeExecution failed \(AccessDeniedException.*\)\. Next: list without includeError; describe_execution meets the same refusal until it is fixed\.$/m);
  });

  it('a throttled description stops the others (more would add to the throttling); the note says to wait and call again', async () => {
    const machine = machineWith('Throttled', 20);
    const before = fake.requestsFor('DescribeExecution').length;
    fake.inject({ kind: 'throttle' }, { op: 'DescribeExecution', times: 100 });
    const r = await env.call('list_executions', { stateMachineArn: machine, includeError: true });
    expect(r.isError).toBeUndefined();
    expect(r.structured?.executions).toHaveLength(20);
    const sent = fake.requestsFor('DescribeExecution').length - before;
    // 12 runs ended badly: only those already under way when the first came back throttled were sent.
    expect(sent).toBeLessThan(12);
    const note = withFenceId(r.text).split('\n').filter((line) => line.startsWith('Note: '));
    expect(note).toEqual([
      `Note: the error and cause of 12 run(s) that ended badly were not read: DescribeExecution failed (ThrottlingException: ${fenced('Rate exceeded')}); the other ${12 - sent} were not described, so as not to add to the throttling. Next: wait a few seconds and call again.`,
    ]);
  });

  it('a description refused by a passing fault (503) says to call again, not that describe_execution meets the same refusal', async () => {
    const machine = machineWith('Unavailable', 5);
    fake.inject({ kind: 'internal', status: 503 }, { op: 'DescribeExecution', times: 10 });
    const r = await env.call('list_executions', { stateMachineArn: machine, includeError: true });
    expect(r.isError).toBeUndefined();
    expect(r.text).toMatch(/\nNote: the error and cause of 3 run\(s\) that ended badly were not read: DescribeExecution failed \(ServiceUnavailable: .*\)\. Next: wait a few seconds and call again\.$/);
  });
});
