import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailsOf, fixtureDir, fullHistory, smArn, startTestEngine, waitForStatus, type TestEngine } from './helpers.js';

/**
 * A Task's TimeoutSecondsPath is resolved before anything is scheduled, as in Step Functions: a bad
 * one fails the state with States.Runtime and calls no handler; a good one shows in the
 * scheduled event as timeoutInSeconds.
 */

const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:work';
const SERVICE = 'arn:aws:states:::sns:publish';
const task = (resource: string) => ({ StartAt: 'T', States: { T: { Type: 'Task', Resource: resource, TimeoutSecondsPath: '$.t', End: true } } });

let fixture: ReturnType<typeof fixtureDir>;
let t: TestEngine;

beforeAll(async () => {
  fixture = fixtureDir(
    { Lambda: task(LAMBDA), Service: task(SERVICE) },
    `globalThis.timeoutPathCalls = 0;
export default {
  '${LAMBDA}': async () => { globalThis.timeoutPathCalls += 1; return { done: true }; },
  '${SERVICE}': async () => { globalThis.timeoutPathCalls += 1; return { MessageId: 'm-1' }; },
};`,
  );
  t = await startTestEngine(fixture.dir);
});
afterAll(async () => {
  await t.close();
  fixture.remove();
});

const calls = () => (globalThis as { timeoutPathCalls?: number }).timeoutPathCalls ?? 0;

describe('TimeoutSecondsPath', () => {
  it.each([
    ['Lambda', { t: 'x' }, 'evaluated to "x", but expected an integer'],
    ['Lambda', { t: 0 }, 'evaluated to 0, but expected an integer >= 1'],
    ['Service', { t: 1.5 }, 'evaluated to 1.5, but expected an integer'],
    ['Service', {}, 'does not point to a value'],
  ])('%s with %j fails with States.Runtime and calls no handler', async (machine, input, cause) => {
    const before = calls();
    const { executionArn = '' } = await t.inProcess.send(new StartExecutionCommand({ stateMachineArn: smArn(machine), input: JSON.stringify(input) }));
    const d = await waitForStatus(t.inProcess, executionArn);
    expect(d).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(d.cause).toContain(cause);
    expect(calls()).toBe(before);
    const types = (await fullHistory(t.inProcess, executionArn)).map((e) => e.type ?? '');
    expect(types.filter((type) => /Scheduled|Started$/.test(type) && type !== 'ExecutionStarted')).toEqual([]);
  });

  it.each([
    ['Lambda', 'LambdaFunctionScheduled'],
    ['Service', 'TaskScheduled'],
  ])('%s with a valid path runs, and %s records the resolved timeoutInSeconds', async (machine, scheduled) => {
    const before = calls();
    const { executionArn = '' } = await t.inProcess.send(new StartExecutionCommand({ stateMachineArn: smArn(machine), input: JSON.stringify({ t: 7 }) }));
    expect((await waitForStatus(t.inProcess, executionArn)).status).toBe('SUCCEEDED');
    expect(calls()).toBe(before + 1);
    const event = (await fullHistory(t.inProcess, executionArn)).find((e) => e.type === scheduled);
    expect(detailsOf(event)).toMatchObject({ timeoutInSeconds: 7 });
  });
});
