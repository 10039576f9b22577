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

describe('StateNameIndex oldest first: an end event whose link does not lead to its start', () => {
  const iteration = (id: number, prev: number, index: number) => ({ ...ev(id, 'MapIterationStarted', prev), mapIterationStartedEventDetails: { name: 'Fanout', index } }) as HistoryEvent;
  // Map "Fanout": iteration 0 runs the Parallel "Inner", iteration 1 fails; Inner is aborted.
  const fanout = (abortedPrev: number): HistoryEvent[] => [
    ev(1, 'ExecutionStarted', 0),
    ev(2, 'MapStateEntered', 1, 'Fanout'),
    ev(3, 'MapStateStarted', 2),
    iteration(4, 3, 0),
    ev(5, 'ParallelStateEntered', 4, 'Inner'),
    ev(6, 'ParallelStateStarted', 5),
    ev(7, 'WaitStateEntered', 6, 'Hold'),
    iteration(8, 3, 1),
    ev(9, 'TaskStateEntered', 8, 'Work'),
    ev(10, 'TaskFailed', 9),
    ev(11, 'WaitStateAborted', 7),
    ev(12, 'ParallelStateAborted', abortedPrev),
  ];

  // Linked to the Map's iteration or to Inner's own StateEntered: never the Map state's name.
  for (const prev of [4, 5, 8]) {
    it(`a ParallelStateAborted linked to #${prev} is named after the one Parallel open then, never the Map`, () => {
      const index = new StateNameIndex(false);
      const events = fanout(prev);
      index.observe(events);
      expect(index.nameOf(events[11] as HistoryEvent)).toBe('Inner');
    });
  }

  it('a Parallel started after the event, or ended before it, does not name it', () => {
    const index = new StateNameIndex(false);
    const events = [
      ev(1, 'ExecutionStarted', 0),
      ev(2, 'ParallelStateEntered', 1, 'P1'),
      ev(3, 'ParallelStateStarted', 2),
      ev(4, 'ParallelStateSucceeded', 3),
      ev(5, 'ParallelStateExited', 4, 'P1'),
      ev(6, 'ParallelStateAborted', 1), // links nowhere useful: no Parallel is open at #6
      ev(7, 'ParallelStateEntered', 6, 'P2'),
      ev(8, 'ParallelStateStarted', 7),
    ];
    index.observe(events);
    expect(index.nameOf(events[5] as HistoryEvent)).toBeUndefined();
    expect(index.nameOf(events[3] as HistoryEvent)).toBe('P1');
  });
});

/** Page 1 of the carry tests: Parallel "Top" starts the long Task "Slow" in one branch and the Map "Loop" in the other. */
const topWithSlowAndLoop = (): HistoryEvent[] => [
  ev(1, 'ExecutionStarted', 0),
  ev(2, 'ParallelStateEntered', 1, 'Top'),
  ev(3, 'ParallelStateStarted', 2),
  ev(4, 'TaskStateEntered', 3, 'Slow'),
  ev(5, 'TaskScheduled', 4),
  ev(6, 'TaskStarted', 5),
  ev(7, 'MapStateEntered', 3, 'Loop'),
  ev(8, 'MapStateStarted', 7),
];

describe('StateNameIndex oldest first: what a continuation carries', () => {
  // Parallel "Top": one branch runs the long Task "Slow" (started on page 1), the other a Map "Loop"
  // whose iterations each run a Parallel "Inner" that starts and ends on page 2; page 3: Slow fails.
  // `linkedTo`: what each item's MapIterationStarted links to: the last event of the item before,
  // as AWS records it, or that item's MapIterationSucceeded.
  function pages(iterations: number, linkedTo: 'last event' | 'item end' = 'item end'): HistoryEvent[][] {
    const first = topWithSlowAndLoop();
    const second: HistoryEvent[] = [];
    let id = 8;
    let last = 8;
    for (let i = 0; i < iterations; i += 1) {
      const start = ++id;
      second.push({ ...ev(start, 'MapIterationStarted', last), mapIterationStartedEventDetails: { name: 'Loop', index: i } } as HistoryEvent);
      second.push(ev(++id, 'ParallelStateEntered', start, 'Inner'), ev(++id, 'ParallelStateStarted', id - 1), ev(++id, 'PassStateEntered', id - 1, 'A'));
      second.push(ev(++id, 'PassStateExited', id - 1), ev(++id, 'ParallelStateSucceeded', id - 1), ev(++id, 'ParallelStateExited', id - 1));
      second.push({ ...ev(++id, 'MapIterationSucceeded', id - 1), mapIterationSucceededEventDetails: { name: 'Loop', index: i } } as HistoryEvent);
      last = linkedTo === 'item end' ? id : id - 1;
    }
    return [first, second, [ev(id + 1, 'TaskFailed', 6), ev(id + 2, 'ParallelStateFailed', id + 1)]];
  }

  // Finished items leave tips behind; only the newest item's travel, so the older tip of Slow fits.
  it.each<[number, 'last event' | 'item end']>([
    [20, 'item end'],
    [60, 'item end'],
    [500, 'item end'],
    [500, 'last event'],
  ])('names a failure whose state started two pages back, past %i containers that began and ended in between (items linked to the %s before)', (iterations, linkedTo) => {
    const [first, second, third] = pages(iterations, linkedTo) as [HistoryEvent[], HistoryEvent[], HistoryEvent[]];
    const before = new StateNameIndex(false);
    before.observe(first);
    before.observe(second);
    const saved = before.save();
    const after = new StateNameIndex(false);
    after.restore(saved);
    after.observe(third);
    expect(after.nameOf(third[0] as HistoryEvent)).toBe('Slow');
    expect(after.nameOf(third[1] as HistoryEvent)).toBe('Top');
  });

  // What the newest item left is what the Map's next item and its end link to.
  it.each<'last event' | 'item end'>(['last event', 'item end'])('after 500 finished items (linked to the %s before), the next page still closes the Map and names what follows', (linkedTo) => {
    const [first, second] = pages(500, linkedTo) as [HistoryEvent[], HistoryEvent[]];
    const before = new StateNameIndex(false);
    before.observe(first);
    before.observe(second);
    const after = new StateNameIndex(false);
    after.restore(before.save());
    const lastId = second.at(-1)?.id ?? 0;
    const linkedBy = linkedTo === 'item end' ? lastId : lastId - 1;
    const third = [
      { ...ev(lastId + 1, 'MapIterationStarted', linkedBy), mapIterationStartedEventDetails: { name: 'Loop', index: 500 } } as HistoryEvent,
      ev(lastId + 2, 'PassStateEntered', lastId + 1, 'B'),
      ev(lastId + 3, 'PassStateExited', lastId + 2),
      { ...ev(lastId + 4, 'MapIterationSucceeded', lastId + 3), mapIterationSucceededEventDetails: { name: 'Loop', index: 500 } } as HistoryEvent,
      ev(lastId + 5, 'MapStateSucceeded', lastId + 3),
      ev(lastId + 6, 'MapStateExited', lastId + 3, 'Loop'),
      ev(lastId + 7, 'TaskFailed', 6),
      ev(lastId + 8, 'ParallelStateFailed', lastId + 7),
    ];
    after.observe(third);
    expect(third.map((e) => after.nameOf(e))).toEqual(['Loop', 'B', 'B', 'Loop', 'Loop', 'Loop', 'Slow', 'Top']);
  });
});

describe('StateNameIndex oldest first: what a continuation carries past Maps nested in Map items', () => {
  const item = (id: number, type: string, prev: number, name: string, index: number): HistoryEvent =>
    ({ id, previousEventId: prev, type, timestamp: at, [`${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`]: { name, index } }) as HistoryEvent;
  // Parallel "Top": the long Task "Slow" in one branch; in the other, a Map "Loop" whose items each
  // run a Map "Inner" of two Pass items, as AWS links them. Page 3: Slow fails.
  function pages(items: number): HistoryEvent[][] {
    const first = topWithSlowAndLoop();
    const second: HistoryEvent[] = [];
    let id = 8;
    let lastOuter = 8;
    for (let i = 0; i < items; i += 1) {
      const start = ++id;
      second.push(item(start, 'MapIterationStarted', lastOuter, 'Loop', i), ev(++id, 'MapStateEntered', start, 'Inner'), ev(++id, 'MapStateStarted', id - 1));
      let lastInner = id;
      let innerEnd = id;
      for (let j = 0; j < 2; j += 1) {
        second.push(item(++id, 'MapIterationStarted', lastInner, 'Inner', j), ev(++id, 'PassStateEntered', id - 1, 'A'), ev(++id, 'PassStateExited', id - 1));
        lastInner = id;
        second.push(item(++id, 'MapIterationSucceeded', lastInner, 'Inner', j));
        innerEnd = id;
      }
      second.push(ev(++id, 'MapStateSucceeded', innerEnd), { ...ev(++id, 'MapStateExited', innerEnd), stateExitedEventDetails: { name: 'Inner' } } as HistoryEvent);
      lastOuter = id;
      second.push(item(++id, 'MapIterationSucceeded', lastOuter, 'Loop', i));
    }
    return [first, second, [ev(id + 1, 'TaskFailed', 6), ev(id + 2, 'ParallelStateFailed', id + 1)]];
  }

  it.each([5, 60, 300])('names a failure whose state started two pages back, past %i items that each ran a Map', (items) => {
    const [first, second, third] = pages(items) as [HistoryEvent[], HistoryEvent[], HistoryEvent[]];
    const before = new StateNameIndex(false);
    before.observe(first);
    before.observe(second);
    // Every event of page 2 is named as it would be in one read.
    expect(second.filter((e) => before.nameOf(e) === undefined).map((e) => e.id)).toEqual([]);
    const after = new StateNameIndex(false);
    after.restore(before.save());
    after.observe(third);
    expect(third.map((e) => after.nameOf(e))).toEqual(['Slow', 'Top']);
  });
});
