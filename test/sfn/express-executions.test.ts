import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, BASE_EPOCH_S, REGION, startFakeSfn, type ExecutionStatus, type FakeSfn } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * EXPRESS executions (":express:" ARNs): Step Functions describes only a Distributed Map's EXPRESS
 * children, keeps no history of any, and neither stops nor redrives them. The tools point to what
 * works instead, and refuse a stop or redrive before sending anything.
 */

const A = `arn:aws:states:${REGION}:${ACCOUNT}`;
let fake: FakeSfn;
let env: SfnEnv;
let orders: string;
let mapRun: string;
/** A Distributed Map's EXPRESS child, shaped as AWS shows it: its machine is the labelled Orders/MapLabel. */
const child = (status: ExecutionStatus) => {
  const executionArn = `${A}:express:Orders/MapLabel:item-${status}:1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a10`;
  return fake.execution(executionArn) ?? fake.addExecution({
    executionArn,
    stateMachineArn: `${A}:stateMachine:Orders/MapLabel`,
    name: `item-${status}`,
    status,
    startDate: BASE_EPOCH_S,
    ...(status === 'RUNNING' ? {} : { stopDate: BASE_EPOCH_S + 1 }),
    ...(status === 'FAILED' ? { error: 'States.TaskFailed', cause: 'boom' } : {}),
    mapRunArn: mapRun,
  });
};

beforeAll(async () => {
  fake = await startFakeSfn();
  orders = fake.addStateMachine('Orders');
  mapRun = fake.addMapRun('Orders', 'MapLabel', '3a2b1c0d-9e8f-4a5b-8c7d-6e5f4a3b2c1d');
  env = await startSfnEnv({ fake });
});

afterAll(async () => {
  await env.close();
  await fake.close();
});

describe('describe_execution of a Map Run EXPRESS child', () => {
  it.each(['FAILED', 'RUNNING', 'TIMED_OUT', 'ABORTED'] as const)('%s: the next step is what can be read, not get_execution_history', async (status) => {
    const arn = child(status).executionArn;
    const r = await env.call('describe_execution', { executionArn: arn });
    expect(r.isError, r.text).toBeUndefined();
    const next = r.text.split('\n').filter((line) => line.startsWith('Next:'));
    expect(next).toEqual([
      "Next: Step Functions keeps no event history of EXPRESS executions, so get_execution_history cannot read this one: its events are in the state machine's CloudWatch Logs, if it logs. " +
        `Its Map Run: list_executions with the mapRunArn above lists its siblings, and get_execution_history of the parent execution (an execution of ${orders}) shows the Map Run's outcome.`,
    ]);
    expect(r.text).toContain(`mapRunArn: ${mapRun}`);
    // What it points to works; what it no longer points to does not.
    expect((await env.call('list_executions', { mapRunArn: mapRun })).structured?.executions).toContainEqual(expect.objectContaining({ executionArn: arn }));
    expect((await env.call('get_execution_history', { executionArn: arn })).text).toMatch(/^Step Functions GetExecutionHistory failed: InvalidArn\b/);
  });

  it('has no console link: the one built would open the Standard executions page', async () => {
    for (const status of ['FAILED', 'SUCCEEDED'] as const) {
      const r = await env.call('describe_execution', { executionArn: child(status).executionArn });
      expect(r.isError, r.text).toBeUndefined();
      expect(r.structured?.consoleUrl).toBeUndefined();
      expect(r.text).not.toMatch(/console|https:/);
    }
  });

  it('a succeeded child gets no next step, as a succeeded STANDARD run gets none', async () => {
    const r = await env.call('describe_execution', { executionArn: child('SUCCEEDED').executionArn });
    expect(r.text).not.toContain('Next:');
  });
});
