import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, BASE_EPOCH_S, REGION, startFakeSfn, type ExecutionStatus, type FakeSfn } from '../fakes/sfn.js';
import { WriteRateLimiter } from '../../src/server/rate-limit.js';
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
  fake.addStateMachine('Clicks', 'EXPRESS');
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

describe('stop_execution and redrive_execution refuse EXPRESS executions before any call', () => {
  let writer: SfnEnv;
  beforeAll(async () => {
    // One write a minute: a refusal that spent it would leave none for the probe below.
    writer = await startSfnEnv({ fake, argv: ['--allow-writes'], writeLimiter: new WriteRateLimiter(1) });
  });
  afterAll(async () => {
    await writer.close();
  });

  const plain = `${A}:express:Clicks:run-1:2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901`;
  const refusals: Array<[string, string, () => string, RegExp]> = [
    [
      'stop_execution',
      'an EXPRESS execution',
      () => plain,
      /^stop_execution does not support EXPRESS executions \(":express:" in the ARN\): Step Functions StopExecution takes STANDARD ones only\. Next: an EXPRESS execution ends by itself, within its 5-minute limit; nothing can stop it sooner\. Nothing was stopped\.$/,
    ],
    [
      'stop_execution',
      "a Distributed Map's EXPRESS child",
      () => child('RUNNING').executionArn,
      /^stop_execution does not support EXPRESS executions [^\n]*Next: it is a Distributed Map's child [^\n]*: stop_execution on the parent execution stops its Map Run, which then starts no more children [^\n]*; list_executions with stateMachineArn=arn:aws:states:us-east-1:123456789012:stateMachine:Orders finds the parent\. Nothing was stopped\.$/,
    ],
    [
      'redrive_execution',
      'an EXPRESS execution',
      () => plain,
      /^redrive_execution does not support EXPRESS executions [^\n]*Next: start_execution runs the state machine again, as a new execution\. Nothing was redriven\.$/,
    ],
    [
      'redrive_execution',
      "a Distributed Map's EXPRESS child",
      () => child('FAILED').executionArn,
      /^redrive_execution does not support EXPRESS executions [^\n]*Next: it is a Distributed Map's child [^\n]*: redrive_execution on the parent execution redrives its Map Run, which runs its failed children again; list_executions with stateMachineArn=arn:aws:states:us-east-1:123456789012:stateMachine:Orders finds the parent\. Nothing was redriven\.$/,
    ],
  ];

  it.each(refusals)('%s on %s', async (tool, _what, arnOf, message) => {
    const sent = fake.requests.length;
    const r = await writer.call(tool, { executionArn: arnOf() });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(message);
    expect(fake.requests.length).toBe(sent);
  });

  it('the refusals spent no write', async () => {
    const running = fake.addExecution({ stateMachineArn: orders, name: 'probe', status: 'RUNNING', startDate: BASE_EPOCH_S });
    const r = await writer.call('stop_execution', { executionArn: running.executionArn });
    expect(r.isError, r.text).toBeUndefined();
    expect(running.status).toBe('ABORTED');
  });
});
