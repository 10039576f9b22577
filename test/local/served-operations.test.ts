import { readFileSync } from 'node:fs';
import {
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionDoesNotExist,
  InvalidArn,
  InvalidToken,
  ListActivitiesCommand,
  ListTagsForResourceCommand,
  ResourceNotFound,
  ValidationException,
  paginateListActivities,
} from '@aws-sdk/client-sfn';
import { beforeAll, describe, expect, it } from 'vitest';
import { READ_OPERATIONS, WRITE_OPERATIONS } from '../../src/local/operations.js';
import { detailsOf, fullHistory, smArn, useEngineWithOneRun, type TestEngine } from './helpers.js';

/** Which operations the --local-port API serves (as the README lists them), through the real SFNClient. */

const machines = { Hello: { Comment: 'hi', StartAt: 'Hi', States: { Hi: { Type: 'Pass', End: true } } } };

const started = useEngineWithOneRun(machines, 'Hello', 'run');
let t: TestEngine;
let executionArn = '';
beforeAll(() => void ({ t, executionArn } = started()));

describe('DescribeStateMachineForExecution', () => {
  it('describes the state machine an execution ran: its definition, the role it ran with, the definition date as updateDate', async () => {
    const d = await t.http.send(new DescribeStateMachineForExecutionCommand({ executionArn }));
    const machine = await t.http.send(new DescribeStateMachineCommand({ stateMachineArn: smArn('Hello') }));
    expect(d).toMatchObject({ stateMachineArn: smArn('Hello'), name: 'Hello', definition: machine.definition, roleArn: machine.roleArn });
    expect(JSON.parse(d.definition ?? '')).toEqual(machines.Hello);
    expect(d.updateDate?.getTime()).toBe(machine.creationDate?.getTime());
    const started = (await fullHistory(t.http, executionArn)).find((e) => e.type === 'ExecutionStarted');
    expect(d.roleArn).toBe(detailsOf(started).roleArn);
    // Only for a Distributed Map's child execution, which the engine has none of.
    expect(d.mapRunArn).toBeUndefined();
    const metadata = await t.http.send(new DescribeStateMachineForExecutionCommand({ executionArn, includedData: 'METADATA_ONLY' }));
    expect(metadata.definition).toBeUndefined();
    expect(metadata.name).toBe('Hello');
  });

  it('fails like DescribeExecution for a missing or malformed execution ARN', async () => {
    await expect(t.http.send(new DescribeStateMachineForExecutionCommand({ executionArn: `${executionArn}-nope` }))).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(t.http.send(new DescribeStateMachineForExecutionCommand({ executionArn: smArn('Hello') }))).rejects.toBeInstanceOf(InvalidArn);
    await expect(t.http.send(new DescribeStateMachineForExecutionCommand({ executionArn: 'not-an-arn' }))).rejects.toBeInstanceOf(InvalidArn);
  });
});

describe('ListTagsForResource', () => {
  it('a state machine of the engine has no tags', async () => {
    expect((await t.http.send(new ListTagsForResourceCommand({ resourceArn: smArn('Hello') }))).tags).toEqual([]);
  });

  it('any other resource is ResourceNotFound (only state machines and activities have tags); a malformed ARN is InvalidArn', async () => {
    const activity = 'arn:aws:states:us-east-1:123456789012:activity:a';
    for (const resourceArn of [smArn('Nope'), executionArn, activity, smArn('Hello').replace('us-east-1', 'eu-west-1')]) {
      const call = t.http.send(new ListTagsForResourceCommand({ resourceArn }));
      await expect(call).rejects.toBeInstanceOf(ResourceNotFound);
      await expect(call).rejects.toMatchObject({ resourceName: resourceArn });
    }
    await expect(t.http.send(new ListTagsForResourceCommand({ resourceArn: 'not-an-arn' }))).rejects.toBeInstanceOf(InvalidArn);
  });
});

describe('ListActivities', () => {
  it('lists no activities, in one page; checks maxResults and nextToken as the other lists do', async () => {
    expect((await t.http.send(new ListActivitiesCommand({}))).activities).toEqual([]);
    const pages = [];
    for await (const page of paginateListActivities({ client: t.http, pageSize: 10 }, {})) pages.push(page.activities);
    expect(pages).toEqual([[]]);
    await expect(t.http.send(new ListActivitiesCommand({ maxResults: 1001 }))).rejects.toBeInstanceOf(ValidationException);
    await expect(t.http.send(new ListActivitiesCommand({ nextToken: 'made-up' }))).rejects.toBeInstanceOf(InvalidToken);
    await expect(t.http.send(new ListActivitiesCommand({ maxResults: '5' as unknown as number }))).rejects.toMatchObject({ name: 'SerializationException' });
  });
});

describe('the operations served', () => {
  // As the README lists them; RedriveExecution is served only to say it is not supported for that execution.
  const SERVED = [
    'ListStateMachines',
    'DescribeStateMachine',
    'DescribeStateMachineForExecution',
    'StartExecution',
    'StopExecution',
    'DescribeExecution',
    'ListExecutions',
    'GetExecutionHistory',
    'RedriveExecution',
    'ListTagsForResource',
    'ListActivities',
  ];

  it('every other operation of the API answers UnsupportedOperation', async () => {
    const answers: Record<string, string> = {};
    for (const op of [...READ_OPERATIONS, ...WRITE_OPERATIONS]) {
      const res = await fetch(`${t.engine.url}/`, { method: 'POST', headers: { 'x-amz-target': `AWSStepFunctions.${op}`, 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
      const body = (await res.json()) as { __type?: string; message?: string };
      answers[op] = body.__type === 'UnsupportedOperation' && body.message?.startsWith(`Operation ${op} is not supported`) ? 'unsupported' : 'served';
    }
    const served = Object.keys(answers).filter((op) => answers[op] === 'served');
    expect(served.sort()).toEqual([...SERVED].sort());
  });

  it("are the README's list, RedriveExecution aside (it always answers UnsupportedOperation)", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    const sentence = /It serves ([^;]+); every other operation/.exec(readme)?.[1] ?? '';
    const listed = [...READ_OPERATIONS, ...WRITE_OPERATIONS].filter((op) => new RegExp(`\\b${op}\\b`).test(sentence));
    expect(listed.sort()).toEqual(SERVED.filter((op) => op !== 'RedriveExecution').sort());
  });
});
