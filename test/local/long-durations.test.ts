import { StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, fullHistory, smArn, startTestEngine, waitForStatus, type TestEngine } from './helpers.js';

/**
 * Durations beyond Node's longest timer (2^31-1 ms, about 24.8 days) once fired after a
 * millisecond: a 30-day Wait "succeeded" at once, a 31-day execution timeout timed a 2 s run out.
 * Each case here either ends by its own short step or must still be running when looked at.
 */

const DAYS_30 = 30 * 86_400;
const machines = {
  LongWait: { StartAt: 'Renewal', States: { Renewal: { Type: 'Wait', Seconds: DAYS_30, End: true } } },
  FarTimestamp: { StartAt: 'Until', States: { Until: { Type: 'Wait', Timestamp: '2099-01-01T00:00:00Z', End: true } } },
  SecondsPath: { StartAt: 'For', States: { For: { Type: 'Wait', SecondsPath: '$.s', End: true } } },
  TimestampPath: { StartAt: 'Until', States: { Until: { Type: 'Wait', TimestampPath: '$.t', End: true } } },
  LongSla: { TimeoutSeconds: 31 * 86_400, StartAt: 'Short', States: { Short: { Type: 'Wait', Seconds: 0, Next: 'Work' }, Work: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:slow', End: true } } },
  LongTaskTimeout: { StartAt: 'Work', States: { Work: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:slow', TimeoutSeconds: 3_000_000, End: true } } },
  SlowRetry: {
    StartAt: 'Call',
    States: { Call: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:flaky', Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: DAYS_30, MaxAttempts: 2 }], End: true } },
  },
};

const handlers = `
export default {
  'arn:aws:lambda:us-east-1:123456789012:function:slow': async () => { await new Promise((r) => setTimeout(r, 150)); return { done: true }; },
  'arn:aws:lambda:us-east-1:123456789012:function:flaky': async () => { const e = new Error('try later'); e.name = 'Throttled'; throw e; },
};
`;

let fixture: ReturnType<typeof fixtureDir>;
let realTime: TestEngine;
let scaled: TestEngine;

beforeAll(async () => {
  fixture = fixtureDir(machines, handlers);
  realTime = await startTestEngine(fixture.dir, ['--allow-writes']);
  scaled = await startTestEngine(fixture.dir, ['--allow-writes', '--local-time-scale', '0.001']);
});
afterAll(async () => {
  await realTime.close();
  await scaled.close();
  fixture.remove();
});

async function start(t: TestEngine, machine: string, input: unknown = {}): Promise<string> {
  const out = await t.inProcess.send(new StartExecutionCommand({ stateMachineArn: smArn(machine), input: JSON.stringify(input) }));
  return out.executionArn ?? '';
}

describe('durations beyond 24.8 days', () => {
  it('short steps under a long execution timeout or a long Task timeout run to success', async () => {
    for (const machine of ['LongSla', 'LongTaskTimeout']) {
      const arn = await start(realTime, machine);
      const d = await waitForStatus(realTime.inProcess, arn);
      expect(d.status, machine).toBe('SUCCEEDED');
    }
  });

  it('long Waits (Seconds, Timestamp, SecondsPath, TimestampPath) and a long retry delay are still waiting', async () => {
    const runs: Array<[TestEngine, string]> = [
      [realTime, await start(realTime, 'LongWait')],
      [realTime, await start(realTime, 'FarTimestamp')],
      [realTime, await start(realTime, 'SecondsPath', { s: DAYS_30 })],
      [realTime, await start(realTime, 'TimestampPath', { t: '2099-01-01T00:00:00Z' })],
      // 73 years at a thousandth of the speed is still 26 days.
      [scaled, await start(scaled, 'TimestampPath', { t: '2099-01-01T00:00:00Z' })],
      [realTime, await start(realTime, 'SlowRetry')],
    ];
    // The retry's first failure is the last thing that happens before the 30-day delay.
    const retryArn = runs[5]?.[1] ?? '';
    await waitForStatus(realTime.inProcess, retryArn, () => true);
    for (let tries = 0; (await fullHistory(realTime.inProcess, retryArn)).every((e) => e.type !== 'LambdaFunctionFailed'); tries += 1) {
      if (tries > 500) throw new Error('the first attempt never failed');
      await new Promise((r) => setTimeout(r, 10));
    }
    // Time for a timer that fires "at once" (after 1 ms) to have fired.
    await new Promise((r) => setTimeout(r, 200));
    for (const [t, arn] of runs) {
      const d = await waitForStatus(t.inProcess, arn, () => true);
      expect(d.status, arn).toBe('RUNNING');
      await t.inProcess.send(new StopExecutionCommand({ executionArn: arn }));
    }
    const retried = await fullHistory(realTime.inProcess, retryArn);
    expect(retried.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(1);
  });
});
