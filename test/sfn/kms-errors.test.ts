import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSfn, type FakeExecution, type FakeSfn } from '../fakes/sfn.js';
import { PREAMBLE, withoutPreamble, withFenceId } from '../helpers/fence.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * Errors of the customer managed KMS key a state machine encrypts its data with: the advice names the
 * key and kms:Decrypt, and the read without the data that needs no decryption, when the call had data.
 */

let fake: FakeSfn;
let env: SfnEnv;
let orders: string;
let run: FakeExecution;

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  run = fake.addExecution({ stateMachineArn: orders, name: 'encrypted', status: 'SUCCEEDED', input: '{"secret":1}', output: '{"ok":true}' });
  env = await startSfnEnv({ fake, argv: ['--allow-writes'] });
});

afterAll(async () => {
  await env.close();
  await fake.close();
});

const DENIED = { kind: 'error', type: 'KmsAccessDeniedException', message: 'Either your KMS key policy or API caller does not have the required permissions.' } as const;
const INVALID_STATE = { kind: 'error', type: 'KmsInvalidStateException', message: 'The KMS key is not in a valid state.' } as const;
const THROTTLED = { kind: 'error', type: 'KmsThrottlingException', message: 'Rate exceeded' } as const;

describe('describe_execution', () => {
  it('kms:Decrypt denied: names the key and the permission, and METADATA_ONLY, which then works', async () => {
    fake.inject(DENIED, { op: 'DescribeExecution' });
    const r = await env.call('describe_execution', { executionArn: run.executionArn });
    expect(r.isError).toBe(true);
    expect(withFenceId(r.text)).toBe(
      "Step Functions DescribeExecution failed: KmsAccessDeniedException (HTTP 400): <untrusted-data-ID>Either your KMS key policy or API caller does not have the required permissions</untrusted-data-ID>. Next: the execution's data is encrypted with the state machine's customer managed KMS key, and the server's credentials lack kms:Decrypt on it (in their IAM policy or the key policy); describe_execution with includedData=METADATA_ONLY reads it without its input and output, which needs no decryption; or grant kms:Decrypt on that key.\n" +
        PREAMBLE,
    );
    const metadata = await env.call('describe_execution', { executionArn: run.executionArn, includedData: 'METADATA_ONLY' });
    expect(metadata.isError).toBeUndefined();
    expect(metadata.structured?.status).toBe('SUCCEEDED');
  });

  it('denied even with METADATA_ONLY: no workaround to repeat, the permission to grant', async () => {
    fake.inject(DENIED, { op: 'DescribeExecution' });
    const r = await env.call('describe_execution', { executionArn: run.executionArn, includedData: 'METADATA_ONLY' });
    expect(withoutPreamble(r.text)).toMatch(/Next: the state machine's customer managed KMS key refused the server's credentials even without the execution's data: grant them kms:Decrypt on that key \(in their IAM policy or the key policy\)\.$/);
    expect(r.text).not.toContain('METADATA_ONLY');
  });

  it('a disabled key or one pending deletion: the data stays unreadable until it is enabled; METADATA_ONLY meanwhile', async () => {
    fake.inject({ ...INVALID_STATE, fields: { kmsKeyState: 'PENDING_DELETION' } }, { op: 'DescribeExecution' });
    const r = await env.call('describe_execution', { executionArn: run.executionArn });
    // AWS's words fenced, the key state (an enum value) after them in ours.
    expect(withoutPreamble(r.text)).toMatch(
      /KmsInvalidStateException \(HTTP 400\): <untrusted-data-ID>The KMS key is not in a valid state<\/untrusted-data-ID> \(kmsKeyState PENDING_DELETION\)\. Next: the state machine's customer managed KMS key is disabled or pending deletion \(its kmsKeyState says which; a key pending deletion needs the deletion cancelled first\), so Step Functions cannot decrypt the execution's data until the key is enabled again; describe_execution with includedData=METADATA_ONLY reads it without its input and output, which needs no decryption\.$/,
    );
    expect(r.text).not.toMatch(/describe it and decide/);
  });

  it('KMS throttling says KMS, not the backend', async () => {
    fake.inject(THROTTLED, { op: 'DescribeExecution' });
    const r = await env.call('describe_execution', { executionArn: run.executionArn });
    expect(r.text).toMatch(/Next: KMS throttled Step Functions' requests to decrypt with the state machine's customer managed KMS key \(the KMS request quota of the account and region\): wait a few seconds and call again; describe_execution with includedData=METADATA_ONLY /);
  });
});

describe('get_execution_history', () => {
  it('kms:Decrypt denied: names includeExecutionData=false, which then works', async () => {
    fake.inject(DENIED, { op: 'GetExecutionHistory' });
    const r = await env.call('get_execution_history', { executionArn: run.executionArn });
    expect(r.isError).toBe(true);
    expect(withoutPreamble(r.text)).toMatch(/^Step Functions GetExecutionHistory failed: KmsAccessDeniedException .*Next: the execution's data is encrypted with the state machine's customer managed KMS key, and the server's credentials lack kms:Decrypt on it .*; get_execution_history with includeExecutionData=false reads its events without their inputs and outputs, which needs no decryption; or grant kms:Decrypt on that key\.$/);
    const bare = await env.call('get_execution_history', { executionArn: run.executionArn, includeExecutionData: false });
    expect(bare.isError).toBeUndefined();
    expect(bare.structured?.events).toHaveLength(1);
  });

  it('a disabled key, read without the data already: no workaround to repeat', async () => {
    fake.inject(INVALID_STATE, { op: 'GetExecutionHistory' });
    const r = await env.call('get_execution_history', { executionArn: run.executionArn, includeExecutionData: false });
    expect(withoutPreamble(r.text)).toMatch(/Next: the state machine's customer managed KMS key is disabled or pending deletion .* until the key is enabled again\.$/);
  });
});

describe('other operations', () => {
  it('a start refused by the key names kms:GenerateDataKey too, and started nothing', async () => {
    fake.inject(DENIED, { op: 'StartExecution' });
    const r = await env.call('start_execution', { stateMachineArn: orders, name: 'kms-denied' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/KmsAccessDeniedException .*Next: the state machine encrypts its data with a customer managed KMS key that the server's credentials may not use: grant them kms:Decrypt on that key, and kms:GenerateDataKey to start executions/);
    expect(fake.executions.some((e) => e.name === 'kms-denied')).toBe(false);
  });
});

describe('KMS throttling is retried as throttling', () => {
  // Three SDK attempts, as the server makes by default (the env above makes one).
  let retrying: SfnEnv;
  beforeAll(async () => {
    retrying = await startSfnEnv({ fake, maxAttempts: 3, argv: ['--allow-writes'] });
  });
  afterAll(async () => {
    fake.clearFaults();
    await retrying.close();
  });

  it('a read throttled twice by KMS is answered by the third attempt', async () => {
    const before = fake.requestsFor('DescribeExecution').length;
    fake.inject(THROTTLED, { op: 'DescribeExecution', times: 2 });
    const r = await retrying.call('describe_execution', { executionArn: run.executionArn });
    expect(r.isError, r.text).toBeUndefined();
    expect(r.structured?.status).toBe('SUCCEEDED');
    expect(fake.requestsFor('DescribeExecution').slice(before).map((q) => q.fault)).toEqual(['error', 'error', undefined]);
  });

  it('a start throttled by KMS once is sent again and starts once', async () => {
    const before = fake.requestsFor('StartExecution').length;
    fake.inject(THROTTLED, { op: 'StartExecution' });
    const r = await retrying.call('start_execution', { stateMachineArn: orders, name: 'kms-throttled-once' });
    expect(r.isError, r.text).toBeUndefined();
    expect(r.text).toMatch(/^Started /);
    expect(fake.requestsFor('StartExecution').slice(before).map((q) => q.fault)).toEqual(['error', undefined]);
    expect(fake.executions.filter((e) => e.name === 'kms-throttled-once')).toHaveLength(1);
  });

  it('a start KMS throttled at every attempt started nothing, and says so', async () => {
    const before = fake.requestsFor('StartExecution').length;
    fake.inject(THROTTLED, { op: 'StartExecution', times: 10 });
    const r = await retrying.call('start_execution', { stateMachineArn: orders, name: 'kms-throttled-always' });
    fake.clearFaults();
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/^Step Functions StartExecution failed after 3 attempts: KmsThrottlingException \(HTTP 400\)/);
    expect(r.text).toContain('nothing was started');
    expect(r.text).not.toContain('may have started');
    expect(fake.requestsFor('StartExecution').slice(before)).toHaveLength(3);
    expect(fake.executions.some((e) => e.name === 'kms-throttled-always')).toBe(false);
  });
});
