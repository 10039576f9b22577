import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { BASE_EPOCH_S, type FakeEvent, type FakeSfn } from '../fakes/sfn.js';

/** Compact history fixtures: [type, previousEventId, details]; ids are positions from 1, one second apart. */
export type Spec = [type: string, prev: number, details?: Record<string, unknown>];

export const entered = (name: string) => ({ stateEnteredEventDetails: { name } });
export const exited = (name: string) => ({ stateExitedEventDetails: { name } });
export const failed = (error: string) => ({ taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error, cause: `${error} happened` } });
export const iter = (kind: string, index: number, name = 'Each') => ({ [`mapIteration${kind}EventDetails`]: { name, index } });

export const eventsOf = (specs: Spec[]): FakeEvent[] =>
  specs.map(([type, prev, details], i) => ({ id: i + 1, type, timestamp: BASE_EPOCH_S + i, ...(prev ? { previousEventId: prev } : {}), ...details }));

/** Registers one execution per case on a new state machine, its history built from the case's specs; returns the ARNs by case name. */
export function addHistories(
  fake: FakeSfn,
  machineName: string,
  cases: Record<string, { status: ExecutionStatus; specs: Spec[] }>,
  extra: { redriveCount?: number } = {},
): Record<string, string> {
  const machine = fake.addStateMachine(machineName);
  const arns: Record<string, string> = {};
  for (const [name, c] of Object.entries(cases)) {
    const arn = fake.addExecution({ stateMachineArn: machine, name, status: c.status, ...extra }).executionArn;
    fake.setHistory(arn, eventsOf(c.specs));
    arns[name] = arn;
  }
  return arns;
}

/** The text line that shows event `id`: its own, or the collapsed run's ("#12…#10 …"); '' when none. */
export function lineOf(lines: string[], id: number): string {
  const line = lines.find((l) => {
    const run = /^#(\d+)…#(\d+) /.exec(l);
    if (!run) return l.startsWith(`#${id} `);
    const [a, b] = [Number(run[1]), Number(run[2])];
    return id >= Math.min(a, b) && id <= Math.max(a, b);
  });
  return line ?? '';
}

// A Parallel whose branch task fails; the Parallel's Catch handles it.
export const PARALLEL_CAUGHT: Spec[] = [
  ['ExecutionStarted', 0],
  ['ParallelStateEntered', 1, entered('Fan')],
  ['ParallelStateStarted', 2],
  ['TaskStateEntered', 3, entered('Tax')],
  ['TaskScheduled', 4],
  ['TaskStarted', 5],
  ['TaskFailed', 6, failed('Tax.Failed')], // 7: caught, through #8
  ['ParallelStateFailed', 7], // 8: caught
  ['ParallelStateExited', 8, exited('Fan')],
  ['PassStateEntered', 9, entered('Compensate')],
  ['PassStateExited', 10, exited('Compensate')],
  ['ExecutionSucceeded', 11],
];

/**
 * A Map and a Parallel retried as a whole, as AWS records them (LocalStack's AWS-validated snapshots
 * of test_map_state_retry and test_parallel_state_retry): no *StateFailed until the last attempt,
 * and each new *StateStarted points at the failed attempt's last event.
 */
export const MAP_RETRIED_WHOLE: Spec[] = [
  ['ExecutionStarted', 0],
  ['MapStateEntered', 1, entered('Fanout')],
  ['MapStateStarted', 2, { mapStateStartedEventDetails: { length: 1 } }],
  ['MapIterationStarted', 3, iter('Started', 0, 'Fanout')],
  ['FailStateEntered', 4, entered('Boom')], // 5: retried
  ['MapIterationFailed', 5, iter('Failed', 0, 'Fanout')], // 6: retried
  ['MapStateStarted', 5, { mapStateStartedEventDetails: { length: 1 } }], // 7
  ['MapIterationStarted', 7, iter('Started', 0, 'Fanout')],
  ['FailStateEntered', 8, entered('Boom')], // 9: retried
  ['MapIterationFailed', 9, iter('Failed', 0, 'Fanout')], // 10: retried
  ['MapStateStarted', 9, { mapStateStartedEventDetails: { length: 1 } }], // 11
  ['MapIterationStarted', 11, iter('Started', 0, 'Fanout')],
  ['FailStateEntered', 12, entered('Boom')], // 13
  ['MapIterationFailed', 13, iter('Failed', 0, 'Fanout')], // 14
  ['MapStateFailed', 13], // 15
  ['ExecutionFailed', 15],
];
export const PARALLEL_RETRIED_WHOLE: Spec[] = [
  ['ExecutionStarted', 0],
  ['ParallelStateEntered', 1, entered('Fan')],
  ['ParallelStateStarted', 2],
  ['FailStateEntered', 3, entered('Boom')], // 4: retried
  ['ParallelStateStarted', 4], // 5
  ['FailStateEntered', 5, entered('Boom')], // 6: retried
  ['ParallelStateStarted', 6], // 7
  ['FailStateEntered', 7, entered('Boom')], // 8
  ['ParallelStateFailed', 8], // 9
  ['ExecutionFailed', 9],
];
/** A Map retried as a whole whose item ran a Parallel that failed: the retry follows the ParallelStateFailed. */
export const MAP_OF_PARALLEL_RETRIED_WHOLE: Spec[] = [
  ['ExecutionStarted', 0],
  ['MapStateEntered', 1, entered('Outer')],
  ['MapStateStarted', 2],
  ['MapIterationStarted', 3, iter('Started', 0, 'Outer')],
  ['ParallelStateEntered', 4, entered('Fan')],
  ['ParallelStateStarted', 5], // 6
  ['TaskStateEntered', 6, entered('Work')],
  ['TaskScheduled', 7],
  ['TaskStarted', 8],
  ['TaskFailed', 9, failed('Down')], // 10: retried
  ['ParallelStateFailed', 10], // 11: retried
  ['MapIterationFailed', 11, iter('Failed', 0, 'Outer')], // 12: retried
  ['MapStateStarted', 11], // 13
  ['MapIterationStarted', 13, iter('Started', 0, 'Outer')],
  ['ParallelStateEntered', 14, entered('Fan')],
  ['ParallelStateStarted', 15], // 16
  ['TaskStateEntered', 16, entered('Work')],
  ['TaskScheduled', 17],
  ['TaskStarted', 18],
  ['TaskSucceeded', 19],
  ['TaskStateExited', 20, exited('Work')],
  ['ParallelStateSucceeded', 21], // 22
  ['ParallelStateExited', 22, exited('Fan')],
  ['MapIterationSucceeded', 23, iter('Succeeded', 0, 'Outer')],
  ['MapStateSucceeded', 24], // 25
  ['MapStateExited', 24, exited('Outer')],
  ['ExecutionSucceeded', 26],
];
/** Map "Outer" whose item runs Map "Inner"; Inner is retried as a whole, fails again, and Outer is retried as a whole. */
export const MAP_IN_MAP_BOTH_RETRIED: Spec[] = [
  ['ExecutionStarted', 0],
  ['MapStateEntered', 1, entered('Outer')],
  ['MapStateStarted', 2], // 3
  ['MapIterationStarted', 3, iter('Started', 0, 'Outer')],
  ['MapStateEntered', 4, entered('Inner')],
  ['MapStateStarted', 5], // 6
  ['MapIterationStarted', 6, iter('Started', 0, 'Inner')],
  ['TaskStateEntered', 7, entered('Work')],
  ['TaskScheduled', 8],
  ['TaskStarted', 9],
  ['TaskFailed', 10, failed('X')], // 11: retried (by Inner)
  ['MapIterationFailed', 11, iter('Failed', 0, 'Inner')], // 12: retried
  ['MapStateStarted', 11], // 13: Inner, again
  ['MapIterationStarted', 13, iter('Started', 0, 'Inner')],
  ['TaskStateEntered', 14, entered('Work')],
  ['TaskScheduled', 15],
  ['TaskStarted', 16],
  ['TaskFailed', 17, failed('X')], // 18: retried (by Outer)
  ['MapIterationFailed', 18, iter('Failed', 0, 'Inner')], // 19: retried
  ['MapStateFailed', 18], // 20: Inner, retried
  ['MapIterationFailed', 20, iter('Failed', 0, 'Outer')], // 21: retried
  ['MapStateStarted', 20], // 22: Outer, again
  ['MapIterationStarted', 22, iter('Started', 0, 'Outer')],
  ['PassStateEntered', 23, entered('Skip')],
  ['PassStateExited', 24, exited('Skip')],
  ['MapIterationSucceeded', 25, iter('Succeeded', 0, 'Outer')],
  ['MapStateSucceeded', 26], // 27: Outer
  ['MapStateExited', 26, exited('Outer')],
  ['ExecutionSucceeded', 28],
];
