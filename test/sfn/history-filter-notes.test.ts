import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_EPOCH_S, type FakeEvent } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * failuresOnly, eventTypes and stateName combine (an event must pass each): the notes of an answer
 * they narrowed must hold for the arguments given, and never point at a filter already set.
 */

let env: SfnEnv;
let runArn: string;

const at = (i: number) => BASE_EPOCH_S + i;

// A Task "Charge" that fails once and ends the run.
const FAILED: FakeEvent[] = [
  { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
  { id: 2, type: 'TaskStateEntered', previousEventId: 1, timestamp: at(1), stateEnteredEventDetails: { name: 'Charge' } },
  { id: 3, type: 'TaskScheduled', previousEventId: 2, timestamp: at(2), taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: '{}' } },
  { id: 4, type: 'TaskFailed', previousEventId: 3, timestamp: at(3), taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'Declined', cause: 'card declined' } },
  { id: 5, type: 'ExecutionFailed', previousEventId: 4, timestamp: at(4), executionFailedEventDetails: { error: 'Declined', cause: 'card declined' } },
];

type Event = { id: number; type: string };
const types = (r: { structured?: Record<string, unknown> }) => ((r.structured?.events ?? []) as Event[]).map((e) => e.type);

beforeAll(async () => {
  env = await startSfnEnv();
  const machine = env.fake.addStateMachine('Payments');
  runArn = env.fake.addExecution({ stateMachineArn: machine, name: 'declined', status: 'FAILED' }).executionArn;
  env.fake.setHistory(runArn, FAILED);
});

afterAll(async () => {
  await env.close();
});

describe('get_execution_history: notes of combined filters', () => {
  it('failuresOnly with an eventType that is no failure says the filters both apply, and how to see it; not "failuresOnly=true shows every kind"', async () => {
    const r = await env.call('get_execution_history', { executionArn: runArn, failuresOnly: true, eventTypes: ['ExecutionStarted'] });
    expect(r.isError).toBeFalsy();
    expect(types(r)).toEqual([]);
    expect(r.text).toContain('failuresOnly and eventTypes both apply (an event must pass each): ExecutionStarted is not a failure, so failuresOnly leaves it out. Drop failuresOnly to see it.');
    // The history's failures are still pointed at, with a next step that changes the call.
    expect(r.text).toContain("This history's failures are TaskFailed (1), ExecutionFailed (1); failuresOnly=true without eventTypes shows every kind of failure.");
    expect(r.text).not.toContain('failuresOnly=true shows every kind');
  });

  it('says which of the types asked for failuresOnly leaves out when some are failures and some are not', async () => {
    const r = await env.call('get_execution_history', { executionArn: runArn, failuresOnly: true, eventTypes: ['TaskStateEntered', 'ExecutionFailed'] });
    expect(types(r)).toEqual(['ExecutionFailed']);
    expect(r.text).toContain('TaskStateEntered is not a failure, so failuresOnly leaves it out. Drop failuresOnly to see it.');
    expect(r.text).not.toContain('No event of the types asked for');
  });

  it('says nothing of the kind when every type asked for is a failure, or without failuresOnly', async () => {
    const failures = await env.call('get_execution_history', { executionArn: runArn, failuresOnly: true, eventTypes: ['TaskFailed'] });
    expect(types(failures)).toEqual(['TaskFailed']);
    expect(failures.text).not.toContain('both apply');
    const plain = await env.call('get_execution_history', { executionArn: runArn, eventTypes: ['ExecutionStarted'] });
    expect(types(plain)).toEqual(['ExecutionStarted']);
    expect(plain.text).not.toContain('both apply');
  });

  it('a stateName that matched nothing beside failuresOnly names the filter given, and no other', async () => {
    const r = await env.call('get_execution_history', { executionArn: runArn, failuresOnly: true, stateName: 'Notify' });
    expect(types(r)).toEqual([]);
    expect(r.text).toContain('No event of state "Notify" matches failuresOnly too: it may have none (a state that did not fail), or the name may be misspelt (state names are case-sensitive). Call without failuresOnly to tell.');
    expect(r.text).not.toContain('eventTypes');
  });

  it('without failuresOnly, eventTypes that match nothing still point at failuresOnly', async () => {
    const r = await env.call('get_execution_history', { executionArn: runArn, eventTypes: ['LambdaFunctionFailed'] });
    expect(types(r)).toEqual([]);
    expect(r.text).toContain("This history's failures are TaskFailed (1), ExecutionFailed (1); failuresOnly=true shows every kind of failure.");
  });
});
