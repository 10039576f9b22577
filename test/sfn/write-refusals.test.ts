import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { WriteRateLimiter } from '../../src/server/rate-limit.js';
import { withoutPreamble } from '../helpers/fence.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * A write throttled at every attempt the SDK made was refused each time: nothing happened, the
 * answer says so and the write costs nothing against the limit. Throttled only at the last attempt,
 * after a 5xx that may have been applied, the outcome stays unknown.
 */

let fake: FakeSfn;
let orders: string;
let env: SfnEnv;

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  // Three SDK attempts; one write a minute, so a write that was counted shows in the next call.
  env = await startSfnEnv({ fake, maxAttempts: 3, argv: ['--allow-writes'], writeLimiter: new WriteRateLimiter(1) });
});

afterAll(async () => {
  await env.close();
  await fake.close();
});

afterEach(() => {
  fake.clearFaults();
});

const THROTTLE = { kind: 'throttle', status: 400 } as const;

/** The write allowance is unspent: a write that reaches the backend is accepted, and spends it again. */
async function expectAllowanceLeft(tag: string): Promise<void> {
  const probe = fake.addExecution({ stateMachineArn: orders, name: `probe-${tag}`, status: 'RUNNING', startDate: 1_763_600_000 });
  const stopped = await env.call('stop_execution', { executionArn: probe.executionArn });
  expect(stopped.isError, stopped.text).toBeUndefined();
  // Spent now: the one write of this minute is gone; the limiter restarts for the next test.
  await env.close();
  env = await startSfnEnv({ fake, maxAttempts: 3, argv: ['--allow-writes'], writeLimiter: new WriteRateLimiter(1) });
}

describe('throttled at every attempt', () => {
  it('start_execution on a STANDARD machine: nothing was started, it is not sent again, and it costs no write', async () => {
    const before = fake.requestsFor('StartExecution').length;
    const executions = fake.executions.length;
    fake.inject(THROTTLE, { op: 'StartExecution', times: 10 });
    const r = await env.call('start_execution', { stateMachineArn: orders, name: 'throttled-start' });
    expect(r.isError).toBe(true);
    expect(withoutPreamble(r.text)).toMatch(
      /^Step Functions StartExecution failed after 3 attempts: ThrottlingException \(HTTP 400\)[^\n]*Next: Step Functions refused every attempt \(throttling\), so nothing was started; wait a few seconds and call again\.$/,
    );
    expect(r.text).not.toContain('may have started');
    // The three attempts of one send; no second send after asking the machine's type.
    expect(fake.requestsFor('StartExecution').slice(before).map((q) => q.fault)).toEqual(['throttle', 'throttle', 'throttle']);
    expect(fake.requestsFor('DescribeStateMachine')).toHaveLength(0);
    expect(fake.executions.length).toBe(executions);
    fake.clearFaults();
    await expectAllowanceLeft('start');
  });

  it('redrive_execution: nothing was redriven, no clientToken to keep, and it costs no write', async () => {
    const failed = fake.addExecution({ stateMachineArn: orders, name: 'throttled-redrive', status: 'FAILED', startDate: 1_763_600_000, stopDate: 1_763_600_060 });
    fake.inject(THROTTLE, { op: 'RedriveExecution', times: 10 });
    const r = await env.call('redrive_execution', { executionArn: failed.executionArn });
    expect(r.isError).toBe(true);
    expect(withoutPreamble(r.text)).toMatch(/^Step Functions RedriveExecution failed after 3 attempts: ThrottlingException\b.*Next: Step Functions refused every attempt \(throttling\), so nothing was redriven; wait a few seconds and call again\.$/);
    expect(r.text).not.toContain('may have reached');
    expect(failed.redriveCount ?? 0).toBe(0);
    fake.clearFaults();
    await expectAllowanceLeft('redrive');
  });

  it('stop_execution: nothing was stopped, and it costs no write', async () => {
    const running = fake.addExecution({ stateMachineArn: orders, name: 'throttled-stop', status: 'RUNNING', startDate: 1_763_600_000 });
    fake.inject(THROTTLE, { op: 'StopExecution', times: 10 });
    const r = await env.call('stop_execution', { executionArn: running.executionArn });
    expect(r.isError).toBe(true);
    expect(withoutPreamble(r.text)).toMatch(/^Step Functions StopExecution failed after 3 attempts: ThrottlingException\b.*Next: Step Functions refused every attempt \(throttling\), so nothing was stopped; wait a few seconds and call again\.$/);
    expect(running.status).toBe('RUNNING');
    fake.clearFaults();
    await expectAllowanceLeft('stop');
  });

  it('a refusal of another kind after throttling (too many running executions) also changed nothing', async () => {
    const before = fake.requestsFor('StartExecution').length;
    fake.inject(THROTTLE, { op: 'StartExecution' });
    fake.inject({ kind: 'error', type: 'ExecutionLimitExceeded', message: 'too many running' }, { op: 'StartExecution' });
    const r = await env.call('start_execution', { stateMachineArn: orders, name: 'limit-after-throttle' });
    expect(r.text).toMatch(/^Step Functions StartExecution failed after 2 attempts: ExecutionLimitExceeded\b/);
    expect(fake.requestsFor('StartExecution').slice(before)).toHaveLength(2);
    fake.clearFaults();
    await expectAllowanceLeft('limit');
  });
});

describe('throttled after an attempt that may have been applied', () => {
  it('start_execution: a 500, then a refusal of the resend to a STANDARD machine, may have started it; the write counts', async () => {
    const before = fake.requestsFor('StartExecution').length;
    const describes = fake.requestsFor('DescribeStateMachine').length;
    fake.inject({ kind: 'internal', status: 500 }, { op: 'StartExecution' });
    fake.inject({ kind: 'error', type: 'ExecutionLimitExceeded', message: 'too many running' }, { op: 'StartExecution', times: 5 });
    const r = await env.call('start_execution', { stateMachineArn: orders, name: 'limit-after-500' });
    expect(r.isError).toBe(true);
    // AWS's words fenced inside our own account of the unknown outcome, which then gets the preamble.
    expect(withoutPreamble(r.text)).toMatch(
      /^Step Functions StartExecution failed: ExecutionLimitExceeded: <untrusted-data-ID>too many running<\/untrusted-data-ID>\. The execution may have started anyway, as limit-after-500\. Next: describe_execution with executionArn="[^"]+:execution:Orders:limit-after-500" to check/,
    );
    // The 500 is not retried blind; the start is sent again once the machine is known to be STANDARD.
    expect(fake.requestsFor('StartExecution').slice(before).map((q) => q.fault)).toEqual(['internal', 'error']);
    expect(fake.requestsFor('DescribeStateMachine').length).toBe(describes + 1);
    fake.clearFaults();
    const next = fake.addExecution({ stateMachineArn: orders, name: 'limit-after-500-next', status: 'RUNNING', startDate: 1_763_600_000 });
    expect((await env.call('stop_execution', { executionArn: next.executionArn })).text).toMatch(/^stop_execution refused: the server allows 1 write/);
    await env.close();
    env = await startSfnEnv({ fake, maxAttempts: 3, argv: ['--allow-writes'], writeLimiter: new WriteRateLimiter(1) });
  });

  it('redrive_execution: a 500 then throttling may have redriven; the write counts', async () => {
    const failed = fake.addExecution({ stateMachineArn: orders, name: 'mixed-redrive', status: 'FAILED', startDate: 1_763_600_000, stopDate: 1_763_600_060 });
    fake.inject({ kind: 'internal', status: 500 }, { op: 'RedriveExecution' });
    fake.inject(THROTTLE, { op: 'RedriveExecution', times: 5 });
    const r = await env.call('redrive_execution', { executionArn: failed.executionArn });
    expect(withoutPreamble(r.text)).toMatch(/^Step Functions RedriveExecution failed: ThrottlingException\b.*The redrive may have reached Step Functions anyway\. .*clientToken="[0-9a-f-]{36}"/);
    fake.clearFaults();
    const next = fake.addExecution({ stateMachineArn: orders, name: 'mixed-redrive-next', status: 'RUNNING', startDate: 1_763_600_000 });
    expect((await env.call('stop_execution', { executionArn: next.executionArn })).text).toMatch(/^stop_execution refused: the server allows 1 write/);
    await env.close();
    env = await startSfnEnv({ fake, maxAttempts: 3, argv: ['--allow-writes'], writeLimiter: new WriteRateLimiter(1) });
  });

  it('stop_execution: a dropped connection then throttling may have stopped it; describe_execution tells', async () => {
    const running = fake.addExecution({ stateMachineArn: orders, name: 'mixed-stop', status: 'RUNNING', startDate: 1_763_600_000 });
    fake.inject({ kind: 'lostAnswer' }, { op: 'StopExecution' });
    fake.inject(THROTTLE, { op: 'StopExecution', times: 5 });
    const r = await env.call('stop_execution', { executionArn: running.executionArn });
    expect(running.status).toBe('ABORTED');
    expect(r.text).toMatch(/^Step Functions StopExecution failed after 3 attempts: ThrottlingException\b.*Next: the stop may have reached Step Functions at an earlier attempt: describe_execution shows whether the execution is ABORTED/);
  });
});

describe('writes that turn out to change nothing cost nothing, and say so', () => {
  // A fresh allowance: the tests before spent theirs.
  beforeAll(async () => {
    await env.close();
    env = await startSfnEnv({ fake, maxAttempts: 3, argv: ['--allow-writes'], writeLimiter: new WriteRateLimiter(1) });
  });

  it('start_execution with a name already taken (ExecutionAlreadyExists at its only send)', async () => {
    const taken = fake.addExecution({ stateMachineArn: orders, name: 'taken-name', status: 'SUCCEEDED', startDate: 1_763_600_000, stopDate: 1_763_600_060 });
    const r = await env.call('start_execution', { stateMachineArn: orders, name: taken.name, input: '{"again":true}' });
    expect(r.text).toMatch(/^Step Functions StartExecution failed: ExecutionAlreadyExists: an execution named taken-name already exists[^\n]*Nothing was changed\.$/);
    await expectAllowanceLeft('taken');
  });

  it('start_execution on a state machine being deleted (StateMachineDeleting) points to list_state_machines', async () => {
    fake.inject({ kind: 'error', type: 'StateMachineDeleting', message: `State machine is being deleted: ${orders}` }, { op: 'StartExecution' });
    const r = await env.call('start_execution', { stateMachineArn: orders, name: 'while-deleting' });
    expect(r.isError).toBe(true);
    expect(withoutPreamble(r.text)).toMatch(
      /^Step Functions StartExecution failed: StateMachineDeleting \(HTTP 400\): [^\n]*\. Next: the state machine is being deleted and starts no more executions: call list_state_machines to pick another\. Nothing was changed\.$/,
    );
    await expectAllowanceLeft('deleting');
  });

  it('stop_execution on an execution that ended on its own between the look and the stop', async () => {
    const racing = fake.addExecution({ stateMachineArn: orders, name: 'ends-first', status: 'RUNNING', startDate: 1_763_600_000 });
    fake.onceBefore('StopExecution', () => Object.assign(racing, { status: 'SUCCEEDED', stopDate: 1_763_600_100 }));
    const r = await env.call('stop_execution', { executionArn: racing.executionArn });
    expect(r.text).toMatch(/on its own, before the stop reached it; nothing was changed\.$/);
    await expectAllowanceLeft('ended-first');
  });

  it('stop_execution that another stop beat', async () => {
    const racing = fake.addExecution({ stateMachineArn: orders, name: 'stopped-first', status: 'RUNNING', startDate: 1_763_600_000 });
    fake.onceBefore('StopExecution', () => Object.assign(racing, { status: 'ABORTED', stopDate: 1_763_600_100, error: 'Other.Stop' }));
    const r = await env.call('stop_execution', { executionArn: racing.executionArn, error: 'Mine' });
    expect(r.text).toMatch(/was stopped by another request[^\n]*; nothing was changed\.$/);
    await expectAllowanceLeft('stopped-first');
  });

  it('stop_execution on an execution that does not exist says that nothing was changed', async () => {
    const r = await env.call('stop_execution', { executionArn: `${orders.replace(':stateMachine:', ':execution:')}:no-such-run` });
    expect(r.isError).toBe(true);
    expect(withoutPreamble(r.text)).toMatch(/^Step Functions DescribeExecution failed: ExecutionDoesNotExist\b[^\n]*Next: call list_executions with statusFilter=RUNNING to find running executions\. Nothing was changed\.$/);
  });
});
