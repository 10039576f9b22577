import { BASE_EPOCH_S, type FakeEvent } from '../fakes/sfn.js';

/** Compact history fixtures: [type, previousEventId, details]; ids are positions from 1, one second apart. */
export type Spec = [type: string, prev: number, details?: Record<string, unknown>];

export const entered = (name: string) => ({ stateEnteredEventDetails: { name } });
export const exited = (name: string) => ({ stateExitedEventDetails: { name } });
export const failed = (error: string) => ({ taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error, cause: `${error} happened` } });
export const iter = (kind: string, index: number, name = 'Each') => ({ [`mapIteration${kind}EventDetails`]: { name, index } });

export const eventsOf = (specs: Spec[]): FakeEvent[] =>
  specs.map(([type, prev, details], i) => ({ id: i + 1, type, timestamp: BASE_EPOCH_S + i, ...(prev ? { previousEventId: prev } : {}), ...details }));

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
