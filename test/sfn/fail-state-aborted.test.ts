import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_EPOCH_S, type FakeEvent } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * A Fail state entered in a Map item whose iteration the run's stop aborted: with the stop read the
 * line says so; without it (the read-ahead failed) it says only what is known, that the item was
 * aborted, not why (review: a first wording claimed another failure came first).
 */

let env: SfnEnv;
let arn: string;
beforeAll(async () => {
  env = await startSfnEnv();
  const machine = env.fake.addStateMachine('Orders');
  arn = env.fake.addExecutions(machine, 1)[0]?.executionArn ?? '';
  const ev = (id: number, type: string, prev: number, details: Record<string, unknown> = {}): FakeEvent => ({ id, type, timestamp: BASE_EPOCH_S + id / 10, previousEventId: prev, ...details });
  env.fake.setHistory(arn, [
    ev(1, 'ExecutionStarted', 0, { executionStartedEventDetails: { input: '{}', roleArn: 'arn:aws:iam::123456789012:role/r' } }),
    ev(2, 'MapStateEntered', 1, { stateEnteredEventDetails: { name: 'Each', input: '{}' } }),
    ev(3, 'MapStateStarted', 2, { mapStateStartedEventDetails: { length: 1 } }),
    ev(4, 'MapIterationStarted', 3, { mapIterationStartedEventDetails: { name: 'Each', index: 0 } }),
    ev(5, 'ChoiceStateEntered', 4, { stateEnteredEventDetails: { name: 'Check', input: '3' } }),
    ev(6, 'ChoiceStateExited', 5, { stateExitedEventDetails: { name: 'Check', output: '3' } }),
    ev(7, 'FailStateEntered', 6, { stateEnteredEventDetails: { name: 'TooBig', input: '3' } }),
    ev(8, 'MapIterationAborted', 7, { mapIterationAbortedEventDetails: { name: 'Each', index: 0 } }),
    ev(9, 'MapStateAborted', 8),
    ev(10, 'ExecutionAborted', 9, { executionAbortedEventDetails: { error: 'Stopped', cause: 'stopped by an operator' } }),
  ]);
});
afterAll(async () => env.close());

const failLine = (text: string) => text.split('\n').find((l) => l.includes('FailStateEntered')) ?? '';

describe('a Fail state whose Map item a stop aborted', () => {
  it('reads as stopped when the stop is read', async () => {
    const r = await env.call('get_execution_history', { executionArn: arn, maxItems: 8, pageSize: 8 });
    expect(r.isError, r.text).toBeUndefined();
    expect(failLine(r.text)).toContain('(then the run was stopped)');
  });

  it('says its item was aborted, and no cause, when the read-ahead could not reach the stop', async () => {
    // The walk's one page is read; the read-ahead's request after it fails.
    env.fake.onceBefore('GetExecutionHistory', () => env.fake.onceBefore('GetExecutionHistory', () => env.fake.inject({ kind: 'internal' }, { op: 'GetExecutionHistory' })));
    const r = await env.call('get_execution_history', { executionArn: arn, maxItems: 8, pageSize: 8 });
    expect(r.isError, r.text).toBeUndefined();
    expect(failLine(r.text)).toContain('(then its item or branch was aborted)');
    expect(failLine(r.text)).not.toContain('then its state was aborted');
  });
});
