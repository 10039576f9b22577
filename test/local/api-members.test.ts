import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { beforeAll, describe, expect, it } from 'vitest';
import { smArn, useEngineWithOneRun, type TestEngine } from './helpers.js';

/**
 * The --local-port API reads a body against the Step Functions model, as AWS does: a member of the
 * wrong JSON type is a SerializationException, never taken as absent. The SDK sends what it is given,
 * so a cast sends the wrong type through the real SFNClient.
 */

const machines = { Hello: { StartAt: 'Hi', States: { Hi: { Type: 'Pass', End: true } } } };
const mapRunArn = 'arn:aws:states:us-east-1:123456789012:mapRun:Hello/m:abc';

const started = useEngineWithOneRun(machines, 'Hello', 'done');
let t: TestEngine;
let executionArn = '';
beforeAll(() => void ({ t, executionArn } = started()));

/** `value` as if it had the member's declared type. */
const as = <T>(value: unknown): T => value as T;
const serialization = { name: 'SerializationException', $metadata: { httpStatusCode: 400 } };

describe('members of the wrong JSON type', () => {
  it('GetExecutionHistory: reverseOrder "true" and includeExecutionData "false" are refused, not read as the defaults', async () => {
    const reverse = t.http.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: as<boolean>('true') }));
    await expect(reverse).rejects.toMatchObject(serialization);
    await expect(reverse).rejects.toThrow(/'reverseOrder'.*expected a boolean, got a string "true"/);
    await expect(t.http.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: as<boolean>('false') }))).rejects.toMatchObject(serialization);
    await expect(t.http.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: as<boolean>(0) }))).rejects.toMatchObject(serialization);
    // The real booleans still work.
    const page = await t.http.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, includeExecutionData: false }));
    expect(page.events?.[0]?.type).toBe('ExecutionSucceeded');
  });

  it('integers: a string or a fraction for maxResults is refused; an out-of-range integer stays a ValidationException', async () => {
    for (const maxResults of ['5', 1.5, true, 2 ** 31]) {
      const call = t.http.send(new ListStateMachinesCommand({ maxResults: as<number>(maxResults) }));
      await expect(call).rejects.toMatchObject(serialization);
      await expect(call).rejects.toThrow(/'maxResults'.*expected a 32-bit integer/);
    }
    await expect(t.http.send(new ListStateMachinesCommand({ maxResults: 1001 }))).rejects.toBeInstanceOf(ValidationException);
  });

  it('strings: ARNs, tokens, names and inputs of another type are refused before anything is looked up or started', async () => {
    await expect(t.http.send(new DescribeExecutionCommand({ executionArn: as<string>({ a: 1 }) }))).rejects.toMatchObject(serialization);
    await expect(t.http.send(new ListStateMachinesCommand({ nextToken: as<string>(5) }))).rejects.toMatchObject(serialization);
    await expect(t.http.send(new StopExecutionCommand({ executionArn, error: as<string>(['x']) }))).rejects.toMatchObject(serialization);
    // Before the lookup: a missing execution with a wrongly typed member is still a SerializationException.
    const missing = `${executionArn}-nope`;
    await expect(t.http.send(new GetExecutionHistoryCommand({ executionArn: missing, reverseOrder: as<boolean>('true') }))).rejects.toMatchObject(serialization);
    const start = t.http.send(new StartExecutionCommand({ stateMachineArn: smArn('Hello'), name: 'typed', input: as<string>({ a: 1 }) }));
    await expect(start).rejects.toMatchObject(serialization);
    await expect(start).rejects.toThrow(/'input'.*expected a string, got an object/);
    await expect(t.http.send(new StartExecutionCommand({ stateMachineArn: smArn('Hello'), name: as<string>(12) }))).rejects.toMatchObject(serialization);
    await expect(t.http.send(new DescribeExecutionCommand({ executionArn: executionArn.replace(':done', ':typed') }))).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('ignores members the model does not have, as AWS does', async () => {
    const listed = await t.http.send(new ListStateMachinesCommand(as<object>({ maxResults: 1, notAMember: 'x' })));
    expect(listed.stateMachines).toHaveLength(1);
  });
});

describe('ListExecutions: a stateMachineArn or a mapRunArn', () => {
  it('both, or neither, is a ValidationException before anything else; a mapRunArn alone is unsupported locally', async () => {
    const both = t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Hello'), mapRunArn }));
    await expect(both).rejects.toBeInstanceOf(ValidationException);
    await expect(both).rejects.toThrow(/not both/);
    await expect(t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Nope'), mapRunArn }))).rejects.toBeInstanceOf(ValidationException);
    await expect(t.http.send(new ListExecutionsCommand({}))).rejects.toBeInstanceOf(ValidationException);
    await expect(t.http.send(new ListExecutionsCommand({ mapRunArn }))).rejects.toMatchObject({ name: 'UnsupportedOperation' });
    expect((await t.http.send(new ListExecutionsCommand({ stateMachineArn: smArn('Hello') }))).executions).toHaveLength(1);
  });
});
