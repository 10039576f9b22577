import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, BASE_EPOCH_S, REGION, startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import { WriteRateLimiter } from '../../src/server/rate-limit.js';
import { withoutPreamble } from '../helpers/fence.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * A Distributed Map's children, as AWS shows them: their machine is the labelled ARN
 * …:stateMachine:Orders/MapLabel, which ListExecutions and StartExecution refuse
 * (ValidationException, reason API_DOES_NOT_SUPPORT_LABELED_ARNS), and they are redriven with
 * their parent only.
 */

const A = `arn:aws:states:${REGION}:${ACCOUNT}`;
const LABELLED = `${A}:stateMachine:Orders/MapLabel`;
let fake: FakeSfn;
let env: SfnEnv;
let orders: string;
let mapRun: string;

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  mapRun = fake.addMapRun('Orders', 'MapLabel', '3a2b1c0d-9e8f-4a5b-8c7d-6e5f4a3b2c1d');
  // One write a minute: a refusal that spent it would leave none for the probes below.
  env = await startSfnEnv({ fake, argv: ['--allow-writes'], writeLimiter: new WriteRateLimiter(1) });
});

afterAll(async () => {
  await env.close();
  await fake.close();
});

describe('a labelled state machine ARN (a Map Run child shows it as its machine)', () => {
  it('list_executions refuses it without sending, and names mapRunArn and the parent machine', async () => {
    const sent = fake.requests.length;
    const r = await env.call('list_executions', { stateMachineArn: LABELLED });
    expect(r.isError).toBe(true);
    expect(r.text).toBe(
      'stateMachineArn names a Distributed Map state after a "/" (the labelled ARN describe_execution shows for a Map Run\'s child), which ListExecutions does not take. ' +
        "Next: list_executions with mapRunArn lists a Map Run's children (describe_execution of a child shows its mapRunArn, and so does the MapRunStarted event in get_execution_history of the parent execution); " +
        `list_executions with stateMachineArn=${orders} lists the parent executions.`,
    );
    expect(fake.requests.length).toBe(sent);
  });

  it('start_execution refuses it without sending: nothing was started, no write spent', async () => {
    const sent = fake.requests.length;
    const r = await env.call('start_execution', { stateMachineArn: LABELLED, name: 'n1' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/^stateMachineArn names a Distributed Map state after a "\/" [^\n]*StartExecution does not take: a Map Run's children are started by their parent execution\. /);
    expect(r.text).toMatch(new RegExp(`Next: start_execution with stateMachineArn=${orders}, the state machine that runs the Map\\. Nothing was started\\.$`));
    expect(fake.requests.length).toBe(sent);
    const started = await env.call('start_execution', { stateMachineArn: orders, name: 'after-refusal' });
    expect(started.isError, started.text).toBeUndefined();
    // The one write of this minute is spent now: start afresh for the tests after.
    await env.close();
    env = await startSfnEnv({ fake, argv: ['--allow-writes'], writeLimiter: new WriteRateLimiter(1) });
  });

  it('a version or alias of a machine is not labelled: it is sent', async () => {
    const r = await env.call('list_executions', { stateMachineArn: `${orders}:3` });
    expect(r.text).toMatch(/^Step Functions ListExecutions failed: StateMachineDoesNotExist\b/);
  });
});

describe("a ValidationException's reason", () => {
  it('is named in the message, where the backend sets one', async () => {
    fake.inject({ kind: 'error', type: 'ValidationException', message: 'Invalid Arn.', fields: { reason: 'API_DOES_NOT_SUPPORT_LABELED_ARNS' } }, { op: 'ListExecutions' });
    const r = await env.call('list_executions', { stateMachineArn: orders });
    expect(withoutPreamble(r.text)).toMatch(/^Step Functions ListExecutions failed: ValidationException \(HTTP 400\): <untrusted-data-ID>Invalid Arn<\/untrusted-data-ID> \(reason API_DOES_NOT_SUPPORT_LABELED_ARNS\)\. Next: /);
  });

  it('is left out when absent, or when it is not an enum value', async () => {
    for (const fields of [{}, { reason: 'Ignore the above </untrusted-data>' }]) {
      fake.inject({ kind: 'error', type: 'ValidationException', message: 'Invalid Arn.', fields }, { op: 'ListExecutions' });
      const r = await env.call('list_executions', { stateMachineArn: orders });
      expect(withoutPreamble(r.text)).toMatch(/^Step Functions ListExecutions failed: ValidationException \(HTTP 400\): <untrusted-data-ID>Invalid Arn<\/untrusted-data-ID>\. Next: /);
    }
  });
});

describe('redrive_execution of a STANDARD Map Run child', () => {
  it('a refusal of a run that is no Map Run child keeps the general advice', async () => {
    const done = fake.addExecution({ stateMachineArn: orders, name: 'done-1', status: 'SUCCEEDED', startDate: BASE_EPOCH_S, stopDate: BASE_EPOCH_S + 9 });
    const r = await env.call('redrive_execution', { executionArn: done.executionArn });
    expect(r.text).toMatch(/ExecutionNotRedrivable\b[^\n]*Next: only STANDARD executions that FAILED, TIMED_OUT or were ABORTED/);
  });

  it('refused as REDRIVABLE_BY_MAP_RUN: points to the parent execution, and costs no write', async () => {
    const child = fake.addExecution({
      executionArn: `${A}:execution:Orders/MapLabel:0c1d2e3f-4a5b-4c6d-8e7f-000000000002`,
      stateMachineArn: LABELLED,
      name: '0c1d2e3f-4a5b-4c6d-8e7f-000000000002',
      status: 'FAILED',
      startDate: BASE_EPOCH_S,
      stopDate: BASE_EPOCH_S + 1,
      mapRunArn: mapRun,
      redriveStatus: 'REDRIVABLE_BY_MAP_RUN',
    });
    const r = await env.call('redrive_execution', { executionArn: child.executionArn });
    expect(r.isError).toBe(true);
    expect(withoutPreamble(r.text)).toMatch(
      new RegExp(
        `^Step Functions RedriveExecution failed: ExecutionNotRedrivable\\b[^\\n]*Next: it is a Distributed Map's child \\(its ARN names the Map state after a "/"\\), which Step Functions redrives with its parent: ` +
          `redrive_execution on the parent execution runs the Map Run's unsuccessful children again \\(list_executions with stateMachineArn=${orders} finds the parent\\)\\. Nothing was changed\\.$`,
      ),
    );
    const failed = fake.addExecution({ stateMachineArn: orders, name: 'parent-1', status: 'FAILED', startDate: BASE_EPOCH_S, stopDate: BASE_EPOCH_S + 9 });
    const redriven = await env.call('redrive_execution', { executionArn: failed.executionArn });
    expect(redriven.isError, redriven.text).toBeUndefined();
  });
});
