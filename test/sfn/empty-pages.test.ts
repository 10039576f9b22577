import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE_EPOCH_S, type FakeEvent } from '../fakes/sfn.js';
import { startSfnEnv, type SfnEnv } from './env.js';

/**
 * A backend may answer empty pages that still carry a nextToken. What a history call reads ahead
 * (to label a failure retried or caught, to name a state) goes on past them, as the walk does.
 */

let env: SfnEnv;

const at = (i: number) => BASE_EPOCH_S + i;
const entered = (name: string) => ({ stateEnteredEventDetails: { name } });

// Charge fails, is retried, and succeeds.
const RETRIED: FakeEvent[] = [
  { id: 1, type: 'ExecutionStarted', timestamp: at(1) },
  { id: 2, previousEventId: 0, type: 'TaskStateEntered', timestamp: at(2), ...entered('Charge') },
  { id: 3, previousEventId: 2, type: 'TaskScheduled', timestamp: at(3) },
  { id: 4, previousEventId: 3, type: 'TaskStarted', timestamp: at(4) },
  { id: 5, previousEventId: 4, type: 'TaskFailed', timestamp: at(5), taskFailedEventDetails: { error: 'Flaky', cause: 'x' } },
  { id: 6, previousEventId: 5, type: 'TaskScheduled', timestamp: at(6) },
  { id: 7, previousEventId: 6, type: 'TaskStarted', timestamp: at(7) },
  { id: 8, previousEventId: 7, type: 'TaskSucceeded', timestamp: at(8) },
  { id: 9, previousEventId: 8, type: 'TaskStateExited', timestamp: at(9), stateExitedEventDetails: { name: 'Charge' } },
  { id: 10, previousEventId: 9, type: 'ExecutionSucceeded', timestamp: at(10) },
];

// Parallel P runs tasks A and B side by side; both fail.
const PARALLEL: FakeEvent[] = [
  { id: 1, type: 'ExecutionStarted', timestamp: at(1) },
  { id: 2, previousEventId: 0, type: 'ParallelStateEntered', timestamp: at(2), ...entered('P') },
  { id: 3, previousEventId: 2, type: 'ParallelStateStarted', timestamp: at(3) },
  { id: 4, previousEventId: 3, type: 'TaskStateEntered', timestamp: at(4), ...entered('A') },
  { id: 5, previousEventId: 3, type: 'TaskStateEntered', timestamp: at(5), ...entered('B') },
  { id: 6, previousEventId: 4, type: 'TaskScheduled', timestamp: at(6) },
  { id: 7, previousEventId: 5, type: 'TaskScheduled', timestamp: at(7) },
  { id: 8, previousEventId: 6, type: 'TaskStarted', timestamp: at(8) },
  { id: 9, previousEventId: 7, type: 'TaskStarted', timestamp: at(9) },
  { id: 10, previousEventId: 8, type: 'TaskFailed', timestamp: at(10), taskFailedEventDetails: { error: 'A.Err' } },
  { id: 11, previousEventId: 9, type: 'TaskFailed', timestamp: at(11), taskFailedEventDetails: { error: 'B.Err' } },
  { id: 12, previousEventId: 10, type: 'ParallelStateFailed', timestamp: at(12) },
  { id: 13, previousEventId: 12, type: 'ExecutionFailed', timestamp: at(13), executionFailedEventDetails: { error: 'A.Err' } },
];

let retried: string;
let parallel: string;

beforeAll(async () => {
  env = await startSfnEnv();
  const machine = env.fake.addStateMachine('Sparse');
  retried = env.fake.addExecution({ stateMachineArn: machine, name: 'retried', status: 'SUCCEEDED' }).executionArn;
  parallel = env.fake.addExecution({ stateMachineArn: machine, name: 'parallel', status: 'FAILED' }).executionArn;
  env.fake.setHistory(retried, RETRIED);
  env.fake.setHistory(parallel, PARALLEL);
});

afterAll(async () => {
  await env.close();
});

type Event = { id: number; stateName?: string; outcome?: string };

async function walk(args: Record<string, unknown>): Promise<Event[]> {
  const events: Event[] = [];
  let startingToken: string | undefined;
  for (let calls = 0; calls < 100; calls += 1) {
    const r = await env.call('get_execution_history', { ...args, ...(startingToken ? { startingToken } : {}) });
    expect(r.isError, r.text).toBeUndefined();
    events.push(...(r.structured?.events as Event[]));
    startingToken = r.structured?.nextToken as string | undefined;
    if (!startingToken) return events;
  }
  throw new Error('the walk did not end');
}

describe('empty pages with a nextToken', () => {
  for (const empties of [0, 3]) {
    it(`oldest first, a failure at the end of a call is labelled from the page after it (${empties} empty pages before each)`, async () => {
      env.fake.emptyPagesBefore(empties);
      try {
        const r = await env.call('get_execution_history', { executionArn: retried, maxItems: 5 });
        const events = r.structured?.events as Event[];
        expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
        expect(events[4]).toMatchObject({ id: 5, stateName: 'Charge', outcome: 'retried' });
        expect(r.text).toMatch(/#5 ←4 TaskFailed \[Charge\] \S+ \(retried\)/);
        // The same with failuresOnly, one event per call.
        expect(await walk({ executionArn: retried, failuresOnly: true, maxItems: 1 })).toEqual([{ ...events[4], id: 5 }].map((e) => expect.objectContaining({ id: e.id, outcome: 'retried' })));
      } finally {
        env.fake.emptyPagesBefore(0);
      }
    });

    it(`newest first, a stateName walk in small calls returns that state's events only (${empties} empty pages before each)`, async () => {
      env.fake.emptyPagesBefore(empties);
      try {
        for (const pageSize of [1, 3]) {
          const got = await walk({ executionArn: parallel, reverseOrder: true, stateName: 'B', maxItems: 1, pageSize });
          expect(got.map((e) => [e.id, e.stateName]), `pageSize ${pageSize}`).toEqual([
            [11, 'B'],
            [9, 'B'],
            [7, 'B'],
            [5, 'B'],
          ]);
        }
      } finally {
        env.fake.emptyPagesBefore(0);
      }
    });
  }
});

describe('a backend that hands back the page token it was given', () => {
  it('list_executions stops there and the text says more may exist', async () => {
    const machine = env.fake.addStateMachine('Stuck');
    env.fake.addExecutions(machine, 12);
    env.fake.handBackTokens(true);
    try {
      const r = await env.call('list_executions', { stateMachineArn: machine, pageSize: 5 });
      expect(r.isError).toBeUndefined();
      expect(r.structured).toMatchObject({ stopReason: 'exhausted', pagesFetched: 2 });
      expect((r.structured?.executions as unknown[]).length).toBe(10);
      expect(r.text).toMatch(/\nNote: Step Functions ListExecutions handed back the page token it was given, so paging stopped here: more items may exist that this listing cannot reach\.$/);
    } finally {
      env.fake.handBackTokens(false);
    }
    const fine = await env.call('list_executions', { stateMachineArn: machine, pageSize: 5 });
    expect(fine.text).not.toContain('Note:');
  });
});

describe('a backend that lists executions oldest first, against its documented order', () => {
  it('list_executions continuations still reach every execution once, in the order listed', async () => {
    const machine = env.fake.addStateMachine('OldestFirst');
    env.fake.addExecutions(machine, 23);
    env.fake.listOldestFirst(true);
    try {
      for (const positions of [false, true]) {
        env.fake.positionTokens(positions);
        const direct = await env.call('list_executions', { stateMachineArn: machine, maxItems: 100 });
        const listed = (direct.structured?.executions as Array<{ executionArn: string }>).map((e) => e.executionArn);
        expect(listed).toHaveLength(23);
        const seen: string[] = [];
        let token: string | undefined;
        for (let call = 0; call < 30; call += 1) {
          const r = await env.call('list_executions', { stateMachineArn: machine, maxItems: 4, pageSize: 5, ...(token ? { startingToken: token } : {}) });
          expect(r.isError).toBeUndefined();
          seen.push(...(r.structured?.executions as Array<{ executionArn: string }>).map((e) => e.executionArn));
          token = r.structured?.nextToken as string | undefined;
          if (!token) break;
        }
        expect(seen, `position tokens: ${positions}`).toEqual(listed);
      }
    } finally {
      env.fake.listOldestFirst(false);
      env.fake.positionTokens(false);
    }
  });
});

describe('a backend whose page tokens are positions, while executions leave a statusFilter', () => {
  it('list_executions with statusFilter=RUNNING loses none of those still running when those returned end between calls', async () => {
    const machine = env.fake.addStateMachine('Finishing');
    const runs = env.fake.addExecutions(machine, 30, { statuses: ['RUNNING'] });
    env.fake.positionTokens(true);
    try {
      const seen: string[] = [];
      let token: string | undefined;
      for (let call = 0; call < 40; call += 1) {
        const r = await env.call('list_executions', { stateMachineArn: machine, statusFilter: 'RUNNING', maxItems: 4, pageSize: 4, ...(token ? { startingToken: token } : {}) });
        expect(r.isError).toBeUndefined();
        const names = (r.structured?.executions as Array<{ name: string }>).map((e) => e.name);
        seen.push(...names);
        // Two of those just returned finish: every later page moves up by two.
        for (const name of names.slice(-2)) {
          const run = runs.find((e) => e.name === name);
          if (run) run.status = 'SUCCEEDED';
        }
        token = r.structured?.nextToken as string | undefined;
        if (!token) break;
      }
      expect(seen).toEqual(runs.map((e) => e.name));
    } finally {
      env.fake.positionTokens(false);
    }
  });
});
