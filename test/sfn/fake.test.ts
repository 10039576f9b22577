import {
  DescribeExecutionCommand,
  ExecutionNotRedrivable,
  InvalidToken,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StateMachineTypeNotSupported,
  ValidationException,
  paginateGetExecutionHistory,
  paginateListExecutions,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_EPOCH_S, buildHistory, startFakeSfn, type FakeSfn } from '../fakes/sfn.js';
import './env.js';

/** The fake itself, checked with the bare SFNClient and its paginators against backend-apis.md §2. */

let fake: FakeSfn;
let client: SFNClient;
let orders: string;

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  fake.addStateMachine('Clicks', 'EXPRESS');
  fake.addExecutions(orders, 250);
  client = new SFNClient({ region: 'us-east-1', endpoint: fake.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
});

afterAll(async () => {
  client.destroy();
  await fake.close();
});

describe('fake Step Functions', () => {
  it('pages ListExecutions newest first; maxResults 0 means 100; dates parse as Dates', async () => {
    const pages: number[] = [];
    const names: string[] = [];
    for await (const page of paginateListExecutions({ client, pageSize: 0 }, { stateMachineArn: orders })) {
      pages.push(page.executions?.length ?? 0);
      names.push(...(page.executions ?? []).map((e) => e.name ?? ''));
      expect(page.executions?.[0]?.startDate).toBeInstanceOf(Date);
    }
    expect(pages).toEqual([100, 100, 50]);
    expect(names).toEqual(fake.executionsOf(orders).map((e) => e.name));
    const request = fake.requestsFor('ListExecutions')[0];
    expect(request?.body).toMatchObject({ stateMachineArn: orders, maxResults: 0 });
  });

  it('raises the modeled error classes', async () => {
    await expect(client.send(new ListExecutionsCommand({ stateMachineArn: orders, maxResults: 1001 }))).rejects.toBeInstanceOf(ValidationException);
    await expect(client.send(new ListExecutionsCommand({ stateMachineArn: orders, nextToken: 'bogus' }))).rejects.toBeInstanceOf(InvalidToken);
    await expect(client.send(new ListExecutionsCommand({ stateMachineArn: orders.replace('Orders', 'Clicks') }))).rejects.toBeInstanceOf(
      StateMachineTypeNotSupported,
    );
    const ok = fake.executionsOf(orders).find((e) => e.status === 'SUCCEEDED');
    await expect(client.send(new RedriveExecutionCommand({ executionArn: ok?.executionArn }))).rejects.toBeInstanceOf(ExecutionNotRedrivable);
    // A token is bound to its query.
    const page = await client.send(new ListExecutionsCommand({ stateMachineArn: orders, maxResults: 5 }));
    await expect(client.send(new ListExecutionsCommand({ stateMachineArn: orders, statusFilter: 'FAILED', nextToken: page.nextToken }))).rejects.toBeInstanceOf(
      InvalidToken,
    );
  });

  it('answers DescribeExecution with epoch-second dates and a request id', async () => {
    const first = fake.executionsOf(orders)[0];
    const out = await client.send(new DescribeExecutionCommand({ executionArn: first?.executionArn }));
    expect(out.startDate?.getTime()).toBe(BASE_EPOCH_S * 1000);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('pages GetExecutionHistory in both orders', async () => {
    const arn = fake.executionsOf(orders)[1]?.executionArn ?? '';
    fake.setHistory(arn, buildHistory({ tasks: 9 }));
    const ids = async (reverseOrder: boolean) => {
      const out: number[] = [];
      for await (const page of paginateGetExecutionHistory({ client, pageSize: 7 }, { executionArn: arn, reverseOrder })) {
        out.push(...(page.events ?? []).map((e) => e.id ?? 0));
      }
      return out;
    };
    const forward = await ids(false);
    expect(forward).toEqual(fake.history(arn).map((e) => e.id));
    expect(await ids(true)).toEqual([...forward].reverse());
  });

  it('injects faults only for the requested operation and count', async () => {
    fake.inject({ kind: 'internal', status: 503 }, { op: 'DescribeExecution', times: 2 });
    const arn = fake.executionsOf(orders)[0]?.executionArn;
    await expect(client.send(new ListExecutionsCommand({ stateMachineArn: orders, maxResults: 1 }))).resolves.toBeDefined();
    await expect(client.send(new DescribeExecutionCommand({ executionArn: arn }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    await expect(client.send(new DescribeExecutionCommand({ executionArn: arn }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    await expect(client.send(new DescribeExecutionCommand({ executionArn: arn }))).resolves.toMatchObject({ status: 'SUCCEEDED' });
  });
});
