import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { StateNameIndex } from '../../src/tools/sfn/state-names.js';

/** StateNameIndex on its own: what it may conclude from the pages it has seen, newest first. */
const at = new Date(0);
const ev = (id: number, type: string, prev: number, name?: string): HistoryEvent =>
  ({ id, previousEventId: prev, type, timestamp: at, ...(name ? { stateEnteredEventDetails: { name } } : {}) }) as HistoryEvent;

// Outer Parallel › its branch runs the nested Inner Parallel to the end, then a Task that fails.
const HISTORY = [
  ev(1, 'ExecutionStarted', 0),
  ev(2, 'ParallelStateEntered', 1, 'Outer'),
  ev(3, 'ParallelStateStarted', 2),
  ev(4, 'ParallelStateEntered', 3, 'Inner'),
  ev(5, 'ParallelStateStarted', 4),
  ev(6, 'PassStateEntered', 5, 'A'),
  ev(7, 'PassStateExited', 6),
  ev(8, 'ParallelStateSucceeded', 7),
  ev(9, 'ParallelStateExited', 8),
  ev(10, 'TaskStateEntered', 9, 'T'),
  ev(11, 'TaskScheduled', 10),
  ev(12, 'TaskStarted', 11),
  ev(13, 'TaskFailed', 12),
  ev(14, 'ParallelStateFailed', 13),
  ev(15, 'ExecutionFailed', 14),
];
const newestFirst = (from: number, to: number) => HISTORY.filter((e) => (e.id ?? 0) <= from && (e.id ?? 0) >= to).reverse();

describe('StateNameIndex newest first', () => {
  it('does not name an outer end after an inner container whose start it read later', () => {
    const index = new StateNameIndex(true);
    index.observe(newestFirst(15, 8));
    index.observe(newestFirst(7, 4));
    // Inner's start (#5) is known now, its end (#8) was read before it: a guess would say "Inner".
    expect(index.nameOf(HISTORY[13] as HistoryEvent)).toBeUndefined();
    index.observe(newestFirst(3, 1));
    expect(index.nameOf(HISTORY[13] as HistoryEvent)).toBe('Outer');
    expect(index.nameOf(HISTORY[7] as HistoryEvent)).toBe('Inner');
  });
});
