import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_EPOCH_S, machineArn, type FakeEvent } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * State attribution on histories shaped as Step Functions writes them: Map/Parallel terminal
 * events link (previousEventId) into a branch or iteration, yet belong to the Map/Parallel state.
 */

type Spec = [type: string, prev: number, details?: Record<string, unknown>];

function history(specs: Spec[]): FakeEvent[] {
  return specs.map(([type, prev, details], i) => {
    const e: FakeEvent = { id: i + 1, type, timestamp: BASE_EPOCH_S + i };
    if (prev) e.previousEventId = prev;
    if (details) Object.assign(e, details);
    return e;
  });
}

const entered = (name: string) => ({ stateEnteredEventDetails: { name } });
const exited = (name: string) => ({ stateExitedEventDetails: { name } });
const iteration = (name: string, index: number) => ({ mapIterationStartedEventDetails: { name, index } });
const task = { taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: '{}' } };

// ship-order: Parallel "PrepareShipment" whose branch task "BookCarrier" fails.
const PARALLEL_FAIL = history([
  ['ExecutionStarted', 0],
  ['ParallelStateEntered', 1, entered('PrepareShipment')],
  ['ParallelStateStarted', 2],
  ['PassStateEntered', 3, entered('PrintLabel')],
  ['TaskStateEntered', 3, entered('BookCarrier')],
  ['PassStateExited', 4, exited('PrintLabel')],
  ['TaskScheduled', 5, task],
  ['TaskStarted', 7],
  ['TaskFailed', 8, { taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'CarrierUnavailable', cause: 'no carrier for AQ' } }],
  ['ParallelStateFailed', 9],
  ['ExecutionFailed', 10, { executionFailedEventDetails: { error: 'CarrierUnavailable', cause: 'no carrier for AQ' } }],
]);

// order-processing: Map "ReserveItems" over two items, each running the task "ReserveItem".
const MAP_OK = history([
  ['ExecutionStarted', 0],
  ['MapStateEntered', 1, entered('ReserveItems')],
  ['MapStateStarted', 2, { mapStateStartedEventDetails: { length: 2 } }],
  ['MapIterationStarted', 3, iteration('ReserveItems', 0)],
  ['TaskStateEntered', 4, entered('ReserveItem')],
  ['TaskScheduled', 5, task],
  ['TaskStarted', 6],
  ['TaskSucceeded', 7],
  ['TaskStateExited', 8, exited('ReserveItem')],
  ['MapIterationSucceeded', 9, { mapIterationSucceededEventDetails: { name: 'ReserveItems', index: 0 } }],
  ['MapIterationStarted', 3, iteration('ReserveItems', 1)],
  ['TaskStateEntered', 11, entered('ReserveItem')],
  ['TaskScheduled', 12, task],
  ['TaskStarted', 13],
  ['TaskSucceeded', 14],
  ['TaskStateExited', 15, exited('ReserveItem')],
  ['MapIterationSucceeded', 16, { mapIterationSucceededEventDetails: { name: 'ReserveItems', index: 1 } }],
  ['MapStateSucceeded', 17],
  ['MapStateExited', 18, exited('ReserveItems')],
  ['ExecutionSucceeded', 19],
]);

// A Parallel "Outer" whose first branch holds a Parallel "Inner": Outer's end walks back through Inner.
const NESTED = history([
  ['ExecutionStarted', 0],
  ['ParallelStateEntered', 1, entered('Outer')],
  ['ParallelStateStarted', 2],
  ['ParallelStateEntered', 3, entered('Inner')],
  ['PassStateEntered', 3, entered('B')],
  ['ParallelStateStarted', 4],
  ['PassStateEntered', 6, entered('A')],
  ['PassStateExited', 7, exited('A')],
  ['PassStateExited', 5, exited('B')],
  ['ParallelStateSucceeded', 8],
  ['ParallelStateExited', 10, exited('Inner')],
  ['ParallelStateSucceeded', 11],
  ['ParallelStateExited', 12, exited('Outer')],
  ['ExecutionSucceeded', 13],
]);

let env: SfnEnv;
const arns: Record<string, string> = {};

beforeAll(async () => {
  env = await startSfnEnv();
  const machine = env.fake.addStateMachine('Shapes');
  for (const [name, events] of Object.entries({ parallel: PARALLEL_FAIL, map: MAP_OK, nested: NESTED })) {
    const e = env.fake.addExecution({ stateMachineArn: machine, name, status: 'SUCCEEDED' });
    env.fake.setHistory(e.executionArn, events);
    arns[name] = e.executionArn;
  }
});

afterAll(async () => {
  await env.close();
});

async function names(executionArn: string, extra: Record<string, unknown> = {}): Promise<Array<[number, string, string | undefined]>> {
  const r = await env.call('get_execution_history', { executionArn, ...extra });
  expect(r.isError).toBeUndefined();
  return (r.structured?.events as Array<{ id: number; type: string; stateName?: string }>).map((e) => [e.id, e.type, e.stateName]);
}

describe('state names of history events', () => {
  // Forward with 3-event pages (names cross pages through the token); newest first with whole pages
  // (an end event read before its start's page is fetched cannot be named yet).
  for (const [reverseOrder, pageSize] of [[false, 3], [true, 1000]] as const) {
    it(`Parallel events belong to the Parallel state, branch events to their own state (reverseOrder=${reverseOrder})`, async () => {
      const byId = new Map((await names(arns.parallel as string, { reverseOrder, pageSize })).map(([id, , n]) => [id, n]));
      expect(byId.get(3)).toBe('PrepareShipment');
      expect(byId.get(10)).toBe('PrepareShipment');
      expect([7, 8, 9].map((id) => byId.get(id))).toEqual(['BookCarrier', 'BookCarrier', 'BookCarrier']);
      expect(byId.get(11)).toBeUndefined();
    });
  }

  it('stateName with failuresOnly finds the failed Parallel state, not only its branch', async () => {
    expect(await names(arns.parallel as string, { stateName: 'PrepareShipment', failuresOnly: true })).toEqual([[10, 'ParallelStateFailed', 'PrepareShipment']]);
    expect(await names(arns.parallel as string, { stateName: 'BookCarrier', failuresOnly: true })).toEqual([[9, 'TaskFailed', 'BookCarrier']]);
  });

  it('Map iterations and the Map end events carry the Map state name', async () => {
    const events = await names(arns.map as string, { pageSize: 4 });
    const map = events.filter(([, type]) => type.startsWith('Map')).map(([, type, name]) => `${type}:${name}`);
    expect(map).toEqual([
      'MapStateEntered:ReserveItems',
      'MapStateStarted:ReserveItems',
      'MapIterationStarted:ReserveItems',
      'MapIterationSucceeded:ReserveItems',
      'MapIterationStarted:ReserveItems',
      'MapIterationSucceeded:ReserveItems',
      'MapStateSucceeded:ReserveItems',
      'MapStateExited:ReserveItems',
    ]);
    expect(events.filter(([, type]) => type.startsWith('Task')).every(([, , name]) => name === 'ReserveItem')).toBe(true);
  });

  it('nested Parallel states each end under their own name', async () => {
    const byId = new Map((await names(arns.nested as string)).map(([id, , n]) => [id, n]));
    expect(byId.get(10)).toBe('Inner');
    expect(byId.get(12)).toBe('Outer');
    expect(byId.get(6)).toBe('Inner');
    expect(byId.get(3)).toBe('Outer');
  });

  it('keeps continuation tokens small on a wide concurrent Map with long state names', async () => {
    const long = (s: string) => `${s}-${'x'.repeat(80 - s.length - 1)}`;
    const mapName = long('ProcessEveryOrderLineInParallel');
    const taskName = long('ReserveInventoryForTheOrderLine');
    const specs: Spec[] = [['ExecutionStarted', 0], ['MapStateEntered', 1, entered(mapName)], ['MapStateStarted', 2, { mapStateStartedEventDetails: { length: 200 } }]];
    // 40 iterations run at once: their events interleave, so links reach far back.
    const open: number[] = [];
    const push = (spec: Spec) => specs.push(spec);
    for (let i = 0; i < 200; i += 1) {
      push(['MapIterationStarted', 3, iteration(mapName, i)]);
      open.push(specs.length);
      if (open.length === 40 || i === 199) {
        for (const started of open.splice(0)) {
          push(['TaskStateEntered', started, entered(taskName)]);
          push(['TaskScheduled', specs.length, task]);
          push(['TaskSucceeded', specs.length]);
          push(['TaskStateExited', specs.length, exited(taskName)]);
          push(['MapIterationSucceeded', specs.length, { mapIterationSucceededEventDetails: { name: mapName, index: 0 } }]);
        }
      }
    }
    push(['MapStateSucceeded', specs.length]);
    push(['MapStateExited', specs.length, exited(mapName)]);
    const events = history(specs);
    const e = env.fake.addExecution({ stateMachineArn: machineArn('Shapes'), name: 'wide-map', status: 'SUCCEEDED' });
    env.fake.setHistory(e.executionArn, events);

    let token: string | undefined;
    const seen: Array<{ id: number; stateName?: string; type: string }> = [];
    let longest = 0;
    for (let calls = 0; calls < 100; calls += 1) {
      const r = await env.call('get_execution_history', { executionArn: e.executionArn, maxItems: 50, pageSize: 37, ...(token ? { startingToken: token } : {}) });
      expect(r.isError).toBeUndefined();
      seen.push(...(r.structured?.events as typeof seen));
      token = r.structured?.nextToken as string | undefined;
      if (!token) break;
      longest = Math.max(longest, token.length);
    }
    expect(token).toBeUndefined();
    expect(seen.map((x) => x.id)).toEqual(events.map((x) => x.id));
    expect(longest).toBeLessThan(3000);
    for (const x of seen) {
      if (x.type.startsWith('Task')) expect(x.stateName).toBe(taskName);
      if (x.type.startsWith('Map')) expect(x.stateName).toBe(mapName);
    }
  });

  /** 40 iterations advancing in lockstep, as a concurrent inline Map runs: each link reaches 40 events back. */
  function lockstepMap(iterations: number, failAt?: number): Spec[] {
    const specs: Spec[] = [['ExecutionStarted', 0], ['MapStateEntered', 1, entered('Process')], ['MapStateStarted', 2, { mapStateStartedEventDetails: { length: iterations } }]];
    let tips = Array.from({ length: iterations }, (_, i) => {
      specs.push(['MapIterationStarted', 3, iteration('Process', i)]);
      return specs.length;
    });
    const step = (make: (tip: number, i: number) => Spec | undefined) => {
      tips = tips.map((tip, i) => {
        const spec = make(tip, i);
        if (!spec) return tip;
        specs.push(spec);
        return specs.length;
      });
    };
    for (const name of ['Fetch', 'Store']) {
      step((tip) => ['TaskStateEntered', tip, entered(name)]);
      step((tip) => ['TaskScheduled', tip, task]);
      step((tip) => ['TaskStarted', tip]);
      step((tip, i) =>
        name === 'Store' && i === failAt
          ? ['TaskFailed', tip, { taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'StoreError', cause: 'disk full' } }]
          : ['TaskSucceeded', tip],
      );
      step((tip, i) => (name === 'Store' && i === failAt ? undefined : ['TaskStateExited', tip, exited(name)]));
    }
    return specs;
  }

  it('names every event of a lockstep concurrent Map, across continuations, with default and small pages', async () => {
    const specs = lockstepMap(40);
    specs.push(['MapStateSucceeded', specs.length], ['MapStateExited', specs.length + 1, exited('Process')], ['ExecutionSucceeded', specs.length + 2]);
    const events = history(specs);
    const e = env.fake.addExecution({ stateMachineArn: machineArn('Shapes'), name: 'lockstep', status: 'SUCCEEDED' });
    env.fake.setHistory(e.executionArn, events);
    for (const paging of [{}, { maxItems: 50 }, { maxItems: 7, pageSize: 10 }]) {
      let token: string | undefined;
      const seen: Array<{ id: number; stateName?: string; type: string }> = [];
      do {
        const r = await env.call('get_execution_history', { executionArn: e.executionArn, ...paging, ...(token ? { startingToken: token } : {}) });
        seen.push(...(r.structured?.events as typeof seen));
        token = r.structured?.nextToken as string | undefined;
      } while (token);
      expect(seen).toHaveLength(events.length);
      const unnamed = seen.filter((x) => !x.type.startsWith('Execution') && x.stateName === undefined).map((x) => x.id);
      expect(unnamed, JSON.stringify(paging)).toEqual([]);
      for (const x of seen.filter((y) => y.type.startsWith('Map'))) expect(x.stateName).toBe('Process');
    }
  });

  it('newest first, failuresOnly names the failed state of an iteration whose start is thousands of events back', async () => {
    const specs = lockstepMap(400, 123);
    specs.push(['MapIterationFailed', specs.length, { mapIterationFailedEventDetails: { name: 'Process', index: 123 } }]);
    specs.push(['MapStateFailed', specs.length], ['ExecutionFailed', specs.length + 1, { executionFailedEventDetails: { error: 'StoreError', cause: 'disk full' } }]);
    const e = env.fake.addExecution({ stateMachineArn: machineArn('Shapes'), name: 'deep-failure', status: 'FAILED' });
    env.fake.setHistory(e.executionArn, history(specs));
    const failures = await names(e.executionArn, { failuresOnly: true, reverseOrder: true });
    expect(failures.map(([, type, name]) => `${type}:${name}`)).toEqual(['ExecutionFailed:undefined', 'MapStateFailed:Process', 'MapIterationFailed:Process', 'TaskFailed:Store']);
  });

  it('names every event oldest first, and never with another state\'s name newest first, whatever the paging', async () => {
    // Outer › (Inner › (Leaf A | Innermost › (Leaf B | Leaf C))) | Side: three Parallels nested, ends chained.
    const deep = history([
      ['ExecutionStarted', 0],
      ['ParallelStateEntered', 1, entered('Outer')], // 2
      ['ParallelStateStarted', 2], // 3
      ['ParallelStateEntered', 3, entered('Inner')], // 4
      ['PassStateEntered', 3, entered('Side')], // 5
      ['ParallelStateStarted', 4], // 6
      ['PassStateEntered', 6, entered('Leaf A')], // 7
      ['ParallelStateEntered', 6, entered('Innermost')], // 8
      ['PassStateExited', 5, exited('Side')], // 9
      ['ParallelStateStarted', 8], // 10
      ['PassStateEntered', 10, entered('Leaf B')], // 11
      ['PassStateEntered', 10, entered('Leaf C')], // 12
      ['PassStateExited', 7, exited('Leaf A')], // 13
      ['PassStateExited', 11, exited('Leaf B')], // 14
      ['PassStateExited', 12, exited('Leaf C')], // 15
      ['ParallelStateSucceeded', 15], // 16 Innermost
      ['ParallelStateExited', 16, exited('Innermost')], // 17
      ['ParallelStateSucceeded', 17], // 18 Inner
      ['ParallelStateExited', 18, exited('Inner')], // 19
      ['ParallelStateSucceeded', 19], // 20 Outer
      ['ParallelStateExited', 20, exited('Outer')], // 21
      ['ExecutionSucceeded', 21],
    ]);
    const e = env.fake.addExecution({ stateMachineArn: machineArn('Shapes'), name: 'deep-parallel', status: 'SUCCEEDED' });
    env.fake.setHistory(e.executionArn, deep);
    const truth = new Map((await names(e.executionArn, { pageSize: 1000, maxItems: 1000 })).map(([id, , n]) => [id, n]));
    expect([16, 18, 20].map((id) => truth.get(id))).toEqual(['Innermost', 'Inner', 'Outer']);
    const newestFirst = { named: 0, seen: 0 };
    for (const executionArn of [e.executionArn, arns.nested as string]) {
      const full = executionArn === e.executionArn ? truth : new Map((await names(executionArn)).map(([id, , n]) => [id, n]));
      for (const reverseOrder of [false, true]) {
        for (const [maxItems, pageSize] of [[1, 1], [1, 3], [2, 3], [3, 4], [7, 3]] as const) {
          let token: string | undefined;
          do {
            const r = await env.call('get_execution_history', { executionArn, reverseOrder, maxItems, pageSize, ...(token ? { startingToken: token } : {}) });
            for (const x of r.structured?.events as Array<{ id: number; stateName?: string }>) {
              // Oldest first every event is named, however small the pages; newest first a name may
              // still be unknown (its state's start lies ahead), but it is never another state's.
              if (x.stateName !== undefined || !reverseOrder) expect(x.stateName, `#${x.id} ${JSON.stringify({ reverseOrder, maxItems, pageSize })}`).toBe(full.get(x.id));
              if (reverseOrder && full.get(x.id) !== undefined) {
                newestFirst.seen += 1;
                if (x.stateName !== undefined) newestFirst.named += 1;
              }
            }
            token = r.structured?.nextToken as string | undefined;
          } while (token);
        }
      }
    }
    // Not vacuous: newest first, the read-ahead names most events too.
    expect(newestFirst.named).toBeGreaterThan(newestFirst.seen * 0.75);
  });

  it('oldest first, a container closed in an earlier call is still named after several re-reads of its end\'s page', async () => {
    // Map › items each running Parallel "Leg"; item 0's task waits for a retry when item 1 fails, so
    // item 0's Parallel is aborted on the last page, far from its start, and the Map is exited there.
    // A call that stopped inside that page carried the Parallel as ended; the re-read after it
    // dropped it from the token (what ran inside an exited Map is not carried as a tip).
    const aborted = history([
      ['ExecutionStarted', 0],
      ['MapStateEntered', 1, entered('Each')], // 2
      ['MapStateStarted', 2], // 3
      ['MapIterationStarted', 3, iteration('Each', 0)], // 4
      ['ParallelStateEntered', 4, entered('Leg')], // 5
      ['ParallelStateStarted', 5], // 6
      ['TaskStateEntered', 6, entered('Call')], // 7
      ['TaskScheduled', 7, task], // 8
      ['TaskStarted', 8], // 9
      ['TaskFailed', 9, { taskFailedEventDetails: { error: 'Throttled' } }], // 10: waits for its retry
      ['MapIterationStarted', 3, iteration('Each', 1)], // 11
      ['ParallelStateEntered', 11, entered('Leg')], // 12
      ['ParallelStateStarted', 12], // 13
      ['TaskStateEntered', 13, entered('Call')], // 14
      ['TaskScheduled', 14, task], // 15
      ['TaskStarted', 15], // 16
      ['TaskFailed', 16, { taskFailedEventDetails: { error: 'Broken' } }], // 17
      ['ParallelStateFailed', 17], // 18
      ['MapIterationFailed', 18, { mapIterationFailedEventDetails: { name: 'Each', index: 1 } }], // 19
      ['TaskStateAborted', 10], // 20
      ['ParallelStateAborted', 20], // 21
      ['MapIterationAborted', 21, { mapIterationAbortedEventDetails: { name: 'Each', index: 0 } }], // 22
      ['MapStateFailed', 18], // 23: caught
      ['MapStateExited', 23, exited('Each')], // 24
      ['PassStateEntered', 24, entered('Recover')], // 25
      ['PassStateExited', 25, exited('Recover')], // 26
      ['ExecutionSucceeded', 26],
    ]);
    const e = env.fake.addExecution({ stateMachineArn: machineArn('Shapes'), name: 'aborted-leg', status: 'SUCCEEDED' });
    env.fake.setHistory(e.executionArn, aborted);
    const truth = new Map((await names(e.executionArn, { pageSize: 1000, maxItems: 1000 })).map(([id, , n]) => [id, n]));
    expect([6, 21, 23].map((id) => truth.get(id))).toEqual(['Leg', 'Leg', 'Each']);
    for (const [maxItems, pageSize] of [[1, 15], [1, 12], [2, 14], [3, 11], [1, 5]] as const) {
      let token: string | undefined;
      do {
        const r = await env.call('get_execution_history', { executionArn: e.executionArn, maxItems, pageSize, ...(token ? { startingToken: token } : {}) });
        for (const x of r.structured?.events as Array<{ id: number; stateName?: string }>) expect(x.stateName, `#${x.id} ${JSON.stringify({ maxItems, pageSize })}`).toBe(truth.get(x.id));
        token = r.structured?.nextToken as string | undefined;
      } while (token);
    }
  });

  it('names every event alike when the backend returns fewer events per page than asked', async () => {
    // Step Functions may answer maxResults with a shorter page and a nextToken. A continuation that
    // starts on a page boundary then reads ahead for the events it returned last; those pages must
    // not count as read for the names (nor for outcomes) before the walk reaches them.
    for (const name of ['nested', 'parallel', 'map'] as const) {
      const executionArn = arns[name] as string;
      const full = new Map((await names(executionArn)).map(([id, , n]) => [id, n]));
      const failures = (await names(executionArn, { failuresOnly: true })).map(([id]) => id);
      env.fake.capPages(2);
      const newestFirst = { named: 0, seen: 0 };
      try {
        for (const reverseOrder of [false, true]) {
          for (const extra of [{ maxItems: 1 }, { maxItems: 2, pageSize: 1000 }, { maxItems: 4, pageSize: 1000 }, { maxItems: 3, pageSize: 1000 }, { maxItems: 1, failuresOnly: true }]) {
            const seen: number[] = [];
            let token: string | undefined;
            do {
              const r = await env.call('get_execution_history', { executionArn, reverseOrder, ...extra, ...(token ? { startingToken: token } : {}) });
              for (const x of r.structured?.events as Array<{ id: number; stateName?: string }>) {
                seen.push(x.id);
                if (x.stateName !== undefined || !reverseOrder) expect(x.stateName, `${name} #${x.id} ${JSON.stringify({ reverseOrder, ...extra })}`).toBe(full.get(x.id));
                if (reverseOrder && full.get(x.id) !== undefined) {
                  newestFirst.seen += 1;
                  if (x.stateName !== undefined) newestFirst.named += 1;
                }
              }
              token = r.structured?.nextToken as string | undefined;
            } while (token);
            const expected = 'failuresOnly' in extra ? failures : [...full.keys()];
            expect(seen).toEqual(reverseOrder ? [...expected].reverse() : expected);
          }
        }
      } finally {
        env.fake.capPages(undefined);
      }
      // Not vacuous: newest first, the read-ahead names most events too.
      expect(newestFirst.named, name).toBeGreaterThan(newestFirst.seen * 0.75);
    }
  });

  it('the text collapses only runs of adjacent events, and lists their iteration indexes', async () => {
    const aborted = (index: number) => ({ mapIterationAbortedEventDetails: { name: 'Process', index } });
    const specs: Spec[] = [['ExecutionStarted', 0], ['MapStateEntered', 1, entered('Process')], ['MapStateStarted', 2]];
    for (const index of [0, 1, 2, 4]) specs.push(['MapIterationAborted', 3, aborted(index)]);
    specs.push(['TaskStateAborted', 3], ['MapIterationAborted', 3, aborted(7)], ['MapIterationAborted', 3, aborted(8)], ['MapIterationAborted', 3, aborted(9)]);
    const e = env.fake.addExecution({ stateMachineArn: machineArn('Shapes'), name: 'aborts', status: 'FAILED' });
    env.fake.setHistory(e.executionArn, history(specs));
    const r = await env.call('get_execution_history', { executionArn: e.executionArn, eventTypes: ['MapIterationAborted'] });
    const lines = r.text.split('\n').filter((l) => l.includes('MapIterationAborted'));
    // Ids 4-7 are adjacent; 9-11 follow a TaskStateAborted the filter left out, so they form their own run.
    expect(lines[0]).toMatch(/^#4…#7 ←3 MapIterationAborted \[Process\] ×4 \(index 0, 1, 2, 4\), /);
    expect(lines[1]).toMatch(/^#9…#11 ←3 MapIterationAborted \[Process\] ×3 \(index 7, 8, 9\), /);
    const events = r.structured?.events as Array<{ timestamp: string }>;
    expect(events.length).toBe(7);
    expect(lines[0]?.endsWith(`, ${events[0]?.timestamp} to ${events[3]?.timestamp}`)).toBe(true);
  });

  it('says so when no event belongs to the asked-for state', async () => {
    const r = await env.call('get_execution_history', { executionArn: arns.map, stateName: 'reserveitem' });
    expect(r.structured?.events).toEqual([]);
    expect(r.text).toContain('No event belongs to a state named "reserveitem": state names are case-sensitive; call without stateName to see them.');
    // With a filter, a real state may just have no such events: the answer does not call the name wrong.
    const filtered = await env.call('get_execution_history', { executionArn: arns.map, stateName: 'ReserveItem', eventTypes: ['TaskTimedOut'] });
    expect(filtered.structured?.events).toEqual([]);
    expect(filtered.text).toContain('No event of state "ReserveItem" matches eventTypes too: it may have none (none of those types), or the name may be misspelt (state names are case-sensitive). Call without eventTypes to tell.');
    // A continuation that happens to find nothing more says nothing of the kind.
    let token: string | undefined;
    do {
      const page = await env.call('get_execution_history', { executionArn: arns.map, stateName: 'ReserveItem', maxItems: 5, ...(token ? { startingToken: token } : {}) });
      expect(page.text).not.toContain('No event belongs');
      token = page.structured?.nextToken as string | undefined;
    } while (token);
  });

  it('newest first with small pages, a failure is still named: the call reads ahead for its state', async () => {
    for (const [maxItems, pageSize] of [[1, 1], [2, 1], [2, 3]] as const) {
      let token: string | undefined;
      const seen = new Map<number, string | undefined>();
      do {
        const r = await env.call('get_execution_history', { executionArn: arns.parallel, reverseOrder: true, maxItems, pageSize, ...(token ? { startingToken: token } : {}) });
        for (const x of r.structured?.events as Array<{ id: number; stateName?: string }>) seen.set(x.id, x.stateName);
        token = r.structured?.nextToken as string | undefined;
      } while (token);
      // The failures are named; other events of the same call get their names from the same read.
      expect([seen.get(10), seen.get(9)], JSON.stringify({ maxItems, pageSize })).toEqual(['PrepareShipment', 'BookCarrier']);
      if (maxItems > 1) expect(seen.get(8)).toBe('BookCarrier');
    }
  });
});
